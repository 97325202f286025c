"""Voices, the recommendations tracker and engagement."""

import shutil

import pandas as pd
import pytest

from pcn_data.core.errors import PcnDataError
from pcn_data.core.filters import Filters
from pcn_data.programme import engagement, tracker
from pcn_data.survey import voices

# Redaction ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "gone", "label"),
    [
        ("email me at cd.lead@example.nhs.uk please", "cd.lead@example.nhs.uk", "[email]"),
        ("Ring 01772 555 0123 for detail", "01772 555 0123", "[phone]"),
        ("mobile 07700 900123", "07700 900123", "[phone]"),
        ("or +44 7700 900123", "7700 900123", "[phone]"),
        ("landline (01524) 123456", "123456", "[phone]"),
        ("Dr Sarah Whitfield never replied", "Sarah Whitfield", "[name]"),
        ("ask Mrs Patel", "Patel", "[name]"),
        ("Castle Street Surgery is stretched", "Castle Street Surgery", "[practice]"),
        ("the Moor Lane Medical Centre team", "Moor Lane Medical Centre", "[practice]"),
        ("Brookside PCN works well", "Brookside", "[PCN]"),
    ],
)
def test_each_kind_of_identifier_is_redacted(text, gone, label):
    out = voices.redact(text)
    assert gone not in out and label in out


def test_known_pcn_names_are_redacted_even_without_the_word_pcn():
    assert voices.redact("We work with Riverside on this", ["Riverside"]) == "We work with [PCN] on this"


def test_ordinary_text_is_left_alone():
    text = "In 2023 we employed 12 ARRS staff and the ICS feels remote."
    assert voices.redact(text) == text


# Comments: confidentiality -------------------------------------------------------------------


def test_no_comment_from_a_place_under_k(demo_db):
    assert voices.comments(demo_db, Filters(wave="2021", ics="QE1", places=("WL",))).empty
    assert voices.comments(demo_db, Filters(wave="2021", ics="QE1", places=("PL",))).empty
    ics = voices.comments(demo_db, Filters(wave="2021", ics="QE1"))
    assert set(ics["place"]) == {"Central Lancashire", "Fylde Coast", "Morecambe Bay"}
    assert not ics.empty


def test_comments_are_redacted_and_carry_no_respondent_or_pcn(demo_db):
    df = voices.comments(demo_db, Filters(wave="2023", ics="QE1"))
    assert {"respondent_id", "pcn_code", "pcn"}.isdisjoint(df.columns)
    assert not df["text"].str.contains("@").any()
    pcn_names = demo_db.query("SELECT name FROM pcn")["name"]
    assert not any(df["text"].str.contains(name, regex=False).any() for name in pcn_names)


def test_search_cannot_find_what_redaction_removed(demo_db):
    f = Filters(wave="2023", ics="QE1")
    raw_hits = demo_db.scalar("SELECT count(*) FROM answer WHERE value_text LIKE '%Whitfield%'")
    assert raw_hits > 0
    assert voices.comments(demo_db, f, (), "Whitfield").empty
    assert not voices.comments(demo_db, f, (), "invisible").empty


def test_a_role_filter_applies_k_to_that_role(demo_db):
    # West Lancashire 2023 has 10 respondents in all but fewer than 5 Clinical Directors: under the
    # CD filter its list is its whole list (named as such), never the CDs' own.
    every = voices.comments(demo_db, Filters(wave="2023", ics="QE1", places=("WL",)))
    cds = voices.comments(demo_db, Filters(wave="2023", ics="QE1", places=("WL",), roles=("cd",)))
    assert not every.empty
    assert set(cds["comment_key"]) == set(every["comment_key"])
    assert cds.attrs["role_ignored"] == ["West Lancashire"]


# Theme codes -----------------------------------------------------------------------------


def test_rules_suggest_codes_a_person_can_check():
    assert voices.suggest_codes("The ICS feels invisible") == ["ics_work"]
    assert set(voices.suggest_codes("Funding for ARRS staff")) == {"finance", "workforce"}
    assert voices.suggest_codes("Nothing to say") == []
    assert "ics_work" not in voices.suggest_codes("physics lessons")  # whole-word start


def test_a_facilitator_correction_replaces_the_codes(scratch):
    key = voices.comments(scratch, Filters(wave="2023", ics="QE1"))["comment_key"].iloc[0]
    assert voices.set_codes(scratch, key, ["finance", "workforce"]) == 2
    assert voices.comment_codes(scratch, key) == ["finance", "workforce"]
    by = scratch.query(
        "SELECT DISTINCT coded_by FROM comment_code WHERE md5(respondent_id || '|' || question_code) = ?",
        [key],
    )["coded_by"].tolist()
    assert by == ["facilitator"]
    with pytest.raises(PcnDataError, match="Unknown sub-theme"):
        voices.set_codes(scratch, key, ["not_a_theme"])
    assert voices.comment_codes(scratch, key) == ["finance", "workforce"]  # nothing half-written


def test_new_comments_get_rule_codes(scratch):
    with scratch.transaction() as cur:
        rid = cur.execute("SELECT respondent_id FROM respondent LIMIT 1").fetchone()[0]
        cur.execute("DELETE FROM answer WHERE respondent_id = ? AND question_code = 'text_else'", [rid])
        cur.execute("DELETE FROM comment_code WHERE respondent_id = ? AND question_code = 'text_else'", [rid])
        cur.execute(
            "INSERT INTO answer (respondent_id, question_code, value_text) VALUES (?, 'text_else', ?)",
            [rid, "We need clarity on funding and more ARRS staff"],
        )
    assert voices.code_uncoded(scratch) == 1
    codes = scratch.query(
        "SELECT theme_code, coded_by FROM comment_code WHERE respondent_id = ? AND "
        "question_code = 'text_else' ORDER BY 1",
        [rid],
    )
    assert codes["theme_code"].tolist() == ["finance", "workforce"] and set(codes["coded_by"]) == {"rule"}


# Tracker ---------------------------------------------------------------------------------


def test_a_status_edit_writes_one_history_row_and_the_summary_changes(scratch):
    row = tracker.recommendations(scratch, "PL").set_index("rec_id").loc[3]
    before = tracker.progress(scratch, "place")
    done_before = int(
        before[(before["grp"] == "Pennine Lancashire") & (before["status"] == "Done")]["n"].sum()
    )
    new_status = "Done" if row["status"] != "Done" else "In progress"
    history_before = len(tracker.history(scratch, "PL"))
    due = None if pd.isna(row["due_on"]) else row["due_on"]
    n = tracker.update(
        scratch,
        3,
        "PL",
        by="A Facilitator",
        status=new_status,
        owner=row["owner"],
        due_on=due,
        note=row["note"],
    )
    assert n == 1
    hist = tracker.history(scratch, "PL")
    assert len(hist) == history_before + 1
    newest = hist.iloc[0]
    assert (newest["field"], newest["old_value"], newest["new_value"], newest["changed_by"]) == (
        "status",
        row["status"],
        new_status,
        "A Facilitator",
    )
    after = tracker.progress(scratch, "place")
    done_after = int(after[(after["grp"] == "Pennine Lancashire") & (after["status"] == "Done")]["n"].sum())
    assert done_after == done_before + (1 if new_status == "Done" else -1)


def test_saving_unchanged_values_writes_nothing(scratch):
    row = tracker.recommendations(scratch, "CL").set_index("rec_id").loc[1]
    due = None if pd.isna(row["due_on"]) else row["due_on"]
    version = scratch.data_version()
    assert (
        tracker.update(
            scratch, 1, "CL", by="X", status=row["status"], owner=row["owner"], due_on=due, note=row["note"]
        )
        == 0
    )
    assert scratch.data_version() == version


def test_bad_edits_are_refused_with_a_reason(scratch):
    with pytest.raises(PcnDataError, match="Status must be one of"):
        tracker.update(scratch, 1, "CL", by="X", status="Finished")
    with pytest.raises(PcnDataError, match="who is making the change"):
        tracker.update(scratch, 1, "CL", by="  ", status="Done")
    with pytest.raises(PcnDataError, match="no recommendation 99"):
        tracker.update(scratch, 99, "CL", by="X", status="Done")


def test_every_recommendation_links_to_an_existing_page(demo_db):
    from tests.conftest import ROOT

    recs = tracker.recommendations(demo_db, "CL")
    assert len(recs) == 15
    for page in recs["evidence_page"]:
        assert (ROOT / "pages" / f"{page}.py").exists(), page


# Engagement ------------------------------------------------------------------------------


def test_participation_shares_equal_an_independent_count(demo_db):
    part = engagement.participation(demo_db, Filters(ics="QE1")).set_index(["place_code", "kind"])
    links = demo_db.query("""SELECT e.place_code, e.kind, ep.pcn_code FROM engagement_event e
                             JOIN engagement_event_pcn ep USING (event_id)""")
    sizes = demo_db.query("SELECT place_code, count(*) AS n FROM pcn GROUP BY ALL").set_index("place_code")[
        "n"
    ]
    # A row for every place and kind of event that PCNs took part in (15 in the demo), none other.
    assert set(part.index) == set(zip(links["place_code"], links["kind"], strict=True))
    assert len(part) == 15
    for (place, kind), row in part.iterrows():
        took_part = links[(links["place_code"] == place) & (links["kind"] == kind)]["pcn_code"].nunique()
        assert row["pcns_taking_part"] == took_part
        assert row["share"] == pytest.approx(took_part / sizes[place])


def test_thinnest_evidence_is_west_lancashire_or_pennine_in_2021(demo_db):
    strength = engagement.evidence_strength(demo_db, Filters(wave="2021", ics="QE1"))
    assert strength["place"].iloc[0] in {"West Lancashire", "Pennine Lancashire"}


# Pages -----------------------------------------------------------------------------------


@pytest.fixture
def scratch_app(demo_path, tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from tests.conftest import ROOT

    path = tmp_path / "app.duckdb"
    shutil.copy(demo_path, path)
    monkeypatch.setenv("PCN_DB", str(path))
    return AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)


def test_editing_a_status_in_the_app_adds_history_and_moves_the_summary(scratch_app):
    at = scratch_app
    at.query_params.update({"wave": "2023", "tracker_place": "WL"})
    at.run()
    at.switch_page("pages/recommendations.py").run()
    assert not at.exception
    at.selectbox(key="tracker_rec").set_value(6).run()
    current = at.selectbox(key="tracker_status_WL_6").value
    new = "Not applicable" if current != "Not applicable" else "Done"
    at.selectbox(key="tracker_status_WL_6").set_value(new)
    at.text_input(key="tracker_who").input("Workshop facilitator")
    next(b for b in at.button if b.label == "Save").click().run()
    assert not at.exception
    assert any("Saved 1 change" in s.value for s in at.success)
    history = at.table[0].value
    assert history.iloc[0]["Who"] == "Workshop facilitator"
    assert (history.iloc[0]["Field"], history.iloc[0]["Was"], history.iloc[0]["Now"]) == (
        "status",
        current,
        new,
    )


def test_voices_page_shows_the_lock_for_a_place_under_k(app):
    app.query_params.update({"wave": "2021", "place": "WL"})
    app.run()
    app.switch_page("pages/voices.py").run()
    assert not app.exception
    assert any("No comments to show" in i.value for i in app.info)
    assert not [m for m in app.markdown if m.value.startswith("> ")]


def test_quote_wall_steps_through_redacted_quotes(app):
    app.query_params.update({"wave": "2023"})
    app.run()
    app.switch_page("pages/voices.py").run()
    app.toggle(key="voices_wall").set_value(True).run()
    # The quote is drawn as HTML with its words escaped (Text is text).
    first = next(h.proto.body for h in app.get("html") if "“" in h.proto.body and "font-size" in h.proto.body)
    app.button(key="voices_next").click().run()
    second = next(
        h.proto.body for h in app.get("html") if "“" in h.proto.body and "font-size" in h.proto.body
    )
    assert first != second
    assert "@" not in first + second


def test_changing_place_after_choosing_a_comment_to_recode(app, demo_db):
    app.query_params.update({"wave": "2023", "place": "CL"})
    app.run()
    app.switch_page("pages/voices.py").run()

    def listed(place: str) -> pd.DataFrame:
        comments = voices.comments(demo_db, Filters(wave="2023", ics="QE1", places=(place,)))
        return comments.drop_duplicates("comment_key").reset_index(drop=True)

    def chosen() -> str:
        # The comment the page chose, read from the key of its codes widget.
        (key,) = [w.key for w in app.multiselect if w.key.startswith("voices_codes_")]
        return key.removeprefix("voices_codes_")

    # AppTest chooses an option by its label (a comment's first 110 characters), and the demo's
    # comments repeat: a Central Lancashire comment that is the last with its words, not the first.
    central = listed("CL")
    labelled = central.assign(label=central["text"].str[:110])
    last_with = labelled.drop_duplicates("label", keep="last")["comment_key"]
    cl = last_with.iloc[-1]
    assert cl != central["comment_key"].iloc[0]
    app.selectbox(key="voices_edit_comment").set_value(cl).run()
    assert not app.exception
    assert chosen() == cl
    for place in ("MB", "WL", "CL"):  # the chosen Central Lancashire comment leaves the list
        app.selectbox(key="place").set_value(place).run()
        assert not app.exception
        expected = list(listed(place)["comment_key"])
        assert len(expected) > 1, place
        # The list is this place's comments, and the choice starts again from its first (so back
        # in Central Lancashire it is not the comment chosen before), with that comment's codes.
        assert len(app.selectbox(key="voices_edit_comment").options) == len(expected)
        assert chosen() == expected[0] != cl
        codes = app.multiselect(key=f"voices_codes_{expected[0]}").value
        assert sorted(codes) == sorted(voices.comment_codes(demo_db, expected[0]))


def test_thinnest_evidence_is_named_across_the_ics_whatever_place_is_chosen(app):
    app.query_params.update({"wave": "2021", "place": "MB"})
    app.run()
    app.switch_page("pages/engagement.py").run()
    assert not app.exception
    callout = next(w.value for w in app.warning if "Thinnest evidence" in w.value)
    assert "Morecambe Bay" not in callout
    assert "West Lancashire" in callout or "Pennine Lancashire" in callout
