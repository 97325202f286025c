"""Answer labels that match no option of their question: reported with the cells they fill,
matched by hand (to an option, or to no answer), saved, and reused for the next file from the
same tool."""

from __future__ import annotations

import copy

import pytest

from pcn_data.importing.batches import Upload, ValidationFailed, apply
from pcn_data.importing.mapping import IGNORE, saved_labels
from tests.hostile import markdown_text
from tests.test_import import EXPECTED_ANSWERS, FIXTURES, content, imported_answers

AGREE = ("role_clear_self", "Agree strongly")
NOT_SAY = ("rel_ics", "Prefer not to say")


@pytest.fixture
def db(scratch):
    """Return a private copy of the demo database (named db in these tests)."""
    return scratch


def google_forms(timestamp_year: str = "2023") -> Upload:
    """Return the Upload of google_forms_csv(timestamp_year)."""
    return Upload(google_forms_csv(timestamp_year), f"labels_{timestamp_year}.csv")


def google_forms_csv(timestamp_year: str = "2023") -> bytes:
    """Return the Google Forms fixture with two answers written as no option of the bank words them:
    respondent 3's "Strongly agree" as "Agree strongly", respondent 2's "Don't know" about the ICS
    as "Prefer not to say"."""
    text = (FIXTURES / "googleforms.csv").read_text(encoding="utf-8-sig")
    assert text.count(",Strongly agree,") == 1 and text.count(",Very unclear,Don't know,") == 1
    text = text.replace(",Strongly agree,", ",Agree strongly,").replace(
        ",Very unclear,Don't know,", ",Very unclear,Prefer not to say,"
    )
    # Another year's timestamps make other responses, not duplicates of the first file's.
    text = text.replace("/2023 ", f"/{timestamp_year} ")
    return text.encode("utf-8")


def test_labels_matching_no_option_are_reported_with_their_cells(db):
    before = content(db)
    plan = google_forms().plan(db, wave="2025")
    assert plan.unmatched == {AGREE: 1, NOT_SAY: 1}
    messages = [(p.row, p.column, p.message) for p in plan.problems]
    assert (4, "I am clear about what is expected of me as a CD") in [(r, c) for r, c, _ in messages]
    assert any("“Agree strongly” is not an answer" in m and "Strongly agree" in m for _, _, m in messages)
    with pytest.raises(ValidationFailed):
        apply(db, plan)
    assert content(db) == before


def test_labels_matched_by_hand_import_as_chosen_and_are_reused_for_the_next_file(db):
    plan = google_forms().plan(db, wave="2025", labels={AGREE: "sa", NOT_SAY: IGNORE})
    assert plan.problems == [] and plan.unmatched == {}
    apply(db, plan, imported_by="facilitator")
    # What the fixture holds, less the ICS answer counted as no answer.
    expected = copy.deepcopy(EXPECTED_ANSWERS)
    expected["rel_ics"]["dont_know"] -= 1
    expected["rel_ics"] = {k: v for k, v in expected["rel_ics"].items() if v}
    assert imported_answers(db, "2025") == expected
    assert saved_labels(db, "googleforms") == {
        ("role_clear_self", "agree strongly"): "sa",
        ("rel_ics", "prefer not to say"): IGNORE,
    }
    assert saved_labels(db, "msforms") == {}  # another tool's files are not affected

    # The next export from the same tool needs no hand matching.
    again = google_forms("2024").plan(db, wave="2026")
    assert again.problems == [] and again.unmatched == {}
    apply(db, again)
    assert imported_answers(db, "2026") == expected


def test_a_hand_match_to_an_option_the_question_lacks_is_refused_as_a_whole(db):
    plan = google_forms().plan(db, wave="2025", labels={AGREE: "excellent", NOT_SAY: IGNORE})
    assert [str(p) for p in plan.file_problems] == [
        "the answer “Agree strongly” is matched to 'excellent', which is not an option of 'role_clear_self'"
    ]
    with pytest.raises(ValidationFailed, match="not an option"):
        apply(db, plan)


def test_a_saved_match_to_an_option_no_longer_in_the_bank_is_asked_again(db):
    with db.transaction() as cur:
        cur.execute(
            "INSERT INTO import_label_mapping (source_format, question_code, label_key, option_code) "
            "VALUES ('googleforms', 'role_clear_self', 'agree strongly', 'gone')"
        )
    plan = google_forms().plan(db, wave="2025")
    assert plan.file_problems == []
    assert AGREE in plan.unmatched


def test_the_data_page_offers_the_unmatched_answers_and_imports_with_the_choices(own_copy, monkeypatch):
    from streamlit.testing.v1 import AppTest

    import ui
    from tests.conftest import ROOT

    db = own_copy
    # AppTest cannot drive a file uploader: hand the page the file as the uploader would.
    up = google_forms()
    monkeypatch.setattr(ui, "read_upload", lambda uploaded: up)
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    at.run()
    at.switch_page("pages/data.py").run()
    assert not at.exception
    at.text_input(key="import_wave").input("2025").run()
    at.button(key="import_check").click().run()
    assert not at.exception
    assert any("problems found" in e.value for e in at.error)
    # Labels as they read (the file's words are escaped for markdown).
    picks = {markdown_text(s.label): s for s in at.selectbox if s.key and s.key.startswith("import_label_")}
    assert sorted(picks) == [
        "“Agree strongly” (1 answer) to: I am clear about what is expected of me as a CD",
        "“Prefer not to say” (1 answer) to: How would you rate your PCN's relationship with the ICS?",
    ]
    agree, not_say = (picks[label] for label in sorted(picks))
    assert agree.options[:2] == ["(leave as a problem)", "(no answer)"] and "Strongly agree" in agree.options
    agree.set_value("sa")
    not_say.set_value(IGNORE)
    at.run()
    at.button(key="import_check").click().run()
    assert not at.exception
    assert any("No problems found" in s.value for s in at.success)
    # The choices stay on screen after the check has used them.
    assert {s.value for s in at.selectbox if s.key and s.key.startswith("import_label_")} == {"sa", IGNORE}
    at.button(key="import_all").click().run()
    assert not at.exception
    assert any("Imported batch" in s.value for s in at.success)
    assert saved_labels(db, "googleforms")[("role_clear_self", "agree strongly")] == "sa"
    assert imported_answers(db, "2025")["role_clear_self"] == EXPECTED_ANSWERS["role_clear_self"]


def test_the_command_line_names_the_unmatched_answers_then_uses_the_saved_matches(db, tmp_path, capsys):
    from pcn_data.cli import main

    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    first.write_bytes(google_forms_csv())
    second.write_bytes(google_forms_csv("2024"))
    path = db.path
    db.close()  # the command line opens the file itself
    assert main(["import", str(first), "--db", str(path), "--wave", "2025"]) == 1
    out = capsys.readouterr().out
    assert (
        "2 answer labels fit no option (“Prefer not to say” for rel_ics; "
        "“Agree strongly” for role_clear_self)" in out
    )
    # Matched once (as on the Data page), the next file from the same tool imports unaided.
    from pcn_data.core.db import Database

    with_labels = Database(path)
    apply(with_labels, google_forms().plan(with_labels, wave="2025", labels={AGREE: "sa", NOT_SAY: IGNORE}))
    with_labels.close()
    assert main(["import", str(second), "--db", str(path), "--wave", "2026"]) == 0
    assert "fit no option" not in capsys.readouterr().out
    Database.__init__(db, path)  # reopened for the fixture's teardown
