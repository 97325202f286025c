"""Live workshop polls: votes counted exactly under concurrency, changed answers replaced,
results and exports computed from the votes, and every vote kept across a restart."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess
import sys
import threading
from collections import Counter

import openpyxl
import pytest
from streamlit.testing.v1 import AppTest

from pcn_data.core.db import Database, close_database, get_database
from pcn_data.core.filters import Filters
from pcn_data.reports.exports import csv_bytes, xlsx_bytes
from pcn_data.workshop import polls, room, session_admin
from tests.conftest import ROOT


@pytest.fixture
def db(scratch):
    """Return a private copy of the demo database (named db in these tests)."""
    return scratch


def new_session(db, *specs, place="MB"):
    specs = specs or (polls.bank_question(db, "rel_ics"),)
    made = polls.create_session(db, title="Test workshop", place_code=place, held_on=dt.date(2026, 11, 24),
                                questions=list(specs))  # fmt: skip
    qs = polls.questions(db, made["session_id"])
    return made, [int(q) for q in qs["poll_question_id"]]


def test_500_votes_from_50_threads_are_counted_exactly_once_and_changes_replace(db):
    made, qids = new_session(
        db,
        polls.bank_question(db, "rel_ics"),
        polls.bank_question(db, "role_clear_self"),
        polls.bank_question(db, "dev_needs"),
        polls.QuestionSpec("Rank these", "ranking", ("A", "B", "C")),
        polls.QuestionSpec("One word", "text"),
    )
    rel, clear, needs, rank, text = qids
    rel_opts = ["poor", "fair", "good", "excellent", "dont_know"]
    first = {}, {}
    final: dict[int, dict[str, object]] = {q: {} for q in qids}

    def answers(i: int, round_: int) -> dict[int, object]:
        """Participant i's answers in round 0 (first) and 1 (changed)."""
        j = i + 7 * round_
        return {
            rel: rel_opts[j % 5],
            clear: ["sd", "d", "n", "a", "sa"][(j * 3) % 5],
            needs: ["coaching", "networking", "technical"][: 1 + j % 3],
            rank: [["o1", "o2", "o3"], ["o3", "o1", "o2"], ["o2", "o3", "o1"]][j % 3],
            text: f"answer {i} round {round_}",
        }

    barrier = threading.Barrier(50)
    errors = []

    def participant(i: int) -> None:
        token = f"participant-{i:02d}"
        barrier.wait()
        try:
            for round_ in (0, 1):
                for qid, answer in answers(i, round_).items():
                    polls.cast_vote(db, qid, token, answer)
        except Exception as exc:  # collected: an assertion in a thread would be lost
            errors.append(exc)

    for qid in qids:  # all open at once for the test; the page opens one at a time
        db.query("UPDATE poll_question SET state = 'open' WHERE poll_question_id = ?", [qid])
    threads = [threading.Thread(target=participant, args=(i,)) for i in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    for i in range(50):
        for qid, answer in answers(i, 1).items():
            final[qid][f"participant-{i:02d}"] = answer
    del first
    # One answer per participant per question: the changed one.
    for qid in qids:
        assert polls.answer_count(db, qid) == 50
    rel_counts = polls.results(db, rel).set_index("option_code")["votes"].to_dict()
    assert rel_counts == {o: Counter(final[rel].values())[o] for o in rel_opts}
    need_counts = polls.results(db, needs).set_index("option_code")["votes"].to_dict()
    expected_needs = Counter(c for chosen in final[needs].values() for c in chosen)
    assert need_counts == {o: expected_needs.get(o, 0) for o in need_counts}
    ranks = db.query(
        "SELECT participant_token, option_code, rank FROM poll_vote WHERE poll_question_id = ?", [rank]
    )
    assert len(ranks) == 150
    for token, order in final[rank].items():
        mine = ranks[ranks["participant_token"] == token].sort_values("rank")["option_code"].tolist()
        assert mine == order
    texts = set(polls.text_answers(db, text)["value_text"])
    assert texts == {f"answer {i} round 1" for i in range(50)}


def test_a_closed_question_refuses_votes_and_an_invalid_answer_is_refused(db):
    made, (qid,) = new_session(db)
    with pytest.raises(polls.PollError, match="closed"):
        polls.cast_vote(db, qid, "t1", "poor")
    polls.set_state(db, qid, "open")
    with pytest.raises(polls.PollError, match="Choose one of the options"):
        polls.cast_vote(db, qid, "t1", "brilliant")
    polls.cast_vote(db, qid, "t1", "poor")
    polls.set_state(db, qid, "closed")
    with pytest.raises(polls.PollError, match="closed"):
        polls.cast_vote(db, qid, "t1", "good")
    assert polls.my_answer(db, qid, "t1") == ["poor"]


def test_opening_a_question_closes_the_others_and_puts_it_on_screen(db):
    made, (q1, q2) = new_session(db, polls.bank_question(db, "rel_ics"), polls.bank_question(db, "rel_acute"))
    polls.set_state(db, q1, "open")
    polls.set_state(db, q2, "open")
    assert polls.open_question(db, made["session_id"])["poll_question_id"] == q2
    assert polls.presenter_position(db, made["session_id"]) == 2
    assert polls.move_presenter(db, made["session_id"], -1) == 1
    assert polls.move_presenter(db, made["session_id"], -1) == 1  # stays on the first


def test_a_reveal_needs_three_answers_or_the_configured_number(db, monkeypatch):
    made, (qid,) = new_session(db)
    polls.set_state(db, qid, "open")
    for i in range(2):
        polls.cast_vote(db, qid, f"t{i}", "poor")
    with pytest.raises(polls.PollError, match="2 answers so far: results can be revealed from 3"):
        polls.reveal(db, qid)
    monkeypatch.setenv("PCN_POLL_MIN_REVEAL", "2")
    polls.reveal(db, qid)
    assert bool(polls.questions(db, made["session_id"])["results_visible"].iloc[0])
    monkeypatch.setenv("PCN_POLL_MIN_REVEAL", "1")
    with pytest.raises(Exception, match="never be below 2"):
        polls.reveal(db, qid)


def test_ranking_points_and_multiple_choice_shares_follow_the_votes(db):
    made, (needs, rank) = new_session(
        db, polls.bank_question(db, "dev_needs"), polls.QuestionSpec("Rank", "ranking", ("A", "B", "C"))
    )
    for qid in (needs, rank):
        db.query("UPDATE poll_question SET state = 'open' WHERE poll_question_id = ?", [qid])
    polls.cast_vote(db, needs, "t1", ["coaching", "networking"])
    polls.cast_vote(db, needs, "t2", ["coaching"])
    share = polls.results(db, needs).set_index("option_code")["share"]
    assert share["coaching"] == 1.0 and share["networking"] == 0.5  # of participants, not selections
    polls.cast_vote(db, rank, "t1", ["o2", "o1", "o3"])
    polls.cast_vote(db, rank, "t2", ["o2", "o3", "o1"])
    res = polls.results(db, rank).set_index("label")
    # Borda: first place 3 points, second 2, third 1.
    assert res.loc["B", "points"] == 6 and res.loc["A", "points"] == 3 and res.loc["C", "points"] == 3
    assert res.loc["B", "mean_rank"] == 1.0
    with pytest.raises(polls.PollError, match="every option in order"):
        polls.cast_vote(db, rank, "t3", ["o1"])


def test_moderated_text_is_hidden_and_exports_hold_aggregates_only(db):
    made, (rel, text) = new_session(db, polls.bank_question(db, "rel_ics"), polls.QuestionSpec("Say", "text"))
    for qid in (rel, text):
        db.query("UPDATE poll_question SET state = 'open' WHERE poll_question_id = ?", [qid])
    for i, o in enumerate(["poor", "poor", "good"]):
        polls.cast_vote(db, rel, f"secret-token-{i}", o)
    polls.cast_vote(db, text, "secret-token-0", "Keep")
    polls.cast_vote(db, text, "secret-token-1", "=rude remark")
    polls.cast_vote(db, text, "secret-token-2", "Also keep")
    polls.moderate(db, text, "secret-token-1", True)
    assert list(polls.text_answers(db, text)["value_text"]) == ["Keep", "Also keep"]
    for qid in (rel, text):  # an export holds revealed questions only
        polls.reveal(db, qid)
    table = polls.session_results(db, made["session_id"])
    poor = table[(table["position"] == 1) & (table["option"] == "Poor")].iloc[0]
    assert (poor["votes"], poor["share_pct"]) == (2, 66.7)
    assert "=rude remark" not in set(table["text"])
    for blob in (csv_bytes(table), xlsx_bytes(table)):
        assert b"secret-token" not in blob
    book = openpyxl.load_workbook(io.BytesIO(xlsx_bytes(table)))
    assert book.active.max_row == len(table) + 1


def test_the_session_export_holds_only_revealed_questions_with_redacted_text(db, monkeypatch):
    monkeypatch.setenv("PCN_POLL_MIN_REVEAL", "3")
    made, (rel, clear, needs, said, unsaid) = new_session(
        db,
        polls.bank_question(db, "rel_ics"),
        polls.bank_question(db, "role_clear_self"),
        polls.bank_question(db, "dev_needs"),
        polls.QuestionSpec("What would help?", "text"),
        polls.QuestionSpec("Anything else?", "text"),
    )
    for qid in (rel, clear, needs, said, unsaid):
        db.query("UPDATE poll_question SET state = 'open' WHERE poll_question_id = ?", [qid])
    for i, o in enumerate(["poor", "poor", "good"]):
        polls.cast_vote(db, rel, f"t{i}", o)
    for i, o in enumerate(["a", "sa"]):  # two answers: under the minimum, never revealed
        polls.cast_vote(db, clear, f"t{i}", o)
    for i in range(4):  # enough answers, but the facilitator never revealed it
        polls.cast_vote(db, needs, f"t{i}", ["coaching"])
    polls.cast_vote(db, said, "t0", "Email jane.doe+pcn@nhs.net or ring 07700 900123")
    polls.cast_vote(db, said, "t1", "Dr Smith said it best")
    polls.cast_vote(db, said, "t2", "Hidden by the facilitator")
    polls.cast_vote(db, said, "t3", "More protected time")
    polls.moderate(db, said, "t2", True)
    for i in range(3):
        polls.cast_vote(db, unsaid, f"t{i}", f"Not revealed {i}")
    polls.reveal(db, rel)
    polls.reveal(db, said)
    table = polls.session_results(db, made["session_id"])
    assert set(table["question"]) == {polls.bank_question(db, "rel_ics").wording, "What would help?"}
    texts = [t for t in table["text"] if t]
    assert "More protected time" in texts and len(texts) == 3
    blob = csv_bytes(table) + xlsx_bytes(table)
    for secret in (b"jane.doe", b"07700 900123", b"Smith", b"Hidden by", b"Not revealed", b"Coaching"):
        assert secret not in blob
    assert any("[email]" in t and "[phone]" in t for t in texts)


def test_votes_do_not_invalidate_the_dashboards_caches(db):
    made, (qid,) = new_session(db)
    polls.set_state(db, qid, "open")
    before = db.data_version()
    polls.cast_vote(db, qid, "t", "poor")
    assert db.data_version() == before


def test_the_room_is_shown_beside_the_survey_for_the_same_place_and_question(db):
    made, (qid,) = new_session(db)
    polls.set_state(db, qid, "open")
    for i, o in enumerate(["poor", "poor", "fair", "good", "poor"]):
        polls.cast_vote(db, qid, f"t{i}", o)
    table = polls.survey_comparison(db, made["session_id"]).set_index("option_code")
    # As on the results pages: shares of those who gave a rating ("Don't know" is left out).
    poor, rated, n = db.query(
        """SELECT count(*) FILTER (WHERE a.option_code = 'poor'),
                  count(*) FILTER (WHERE a.option_code <> 'dont_know'), count(*) FROM answer a
           JOIN respondent r USING (respondent_id) JOIN wave w USING (wave_id) JOIN pcn p USING (pcn_code)
           WHERE w.wave_code = '2023' AND p.place_code = 'MB' AND a.question_code = 'rel_ics'"""
    ).iloc[0]
    assert table.loc["poor", "survey_n"] == n
    assert table.loc["poor", "survey_share"] == pytest.approx(poor / rated)
    assert table.loc["poor", "room_share"] == pytest.approx(3 / 5)


def test_a_room_under_k_is_not_shown_beside_the_survey(db):
    made, (qid,) = new_session(db, place="WL")
    polls.set_state(db, qid, "open")
    for i in range(4):
        polls.cast_vote(db, qid, f"t{i}", "poor")
    table = polls.survey_comparison(db, made["session_id"])
    assert table["room_share"].isna().all() and table["room_votes"].isna().all()
    # West Lancashire's 10 survey respondents in 2023 are enough to show that side.
    assert table["survey_share"].notna().any()


def test_every_vote_survives_a_new_process_on_the_same_file(db):
    made, (qid,) = new_session(db)
    polls.set_state(db, qid, "open")
    path = db.path
    db.close()
    script = (
        "import sys; from pcn_data.core.db import Database; from pcn_data.workshop import polls\n"
        "db = Database(sys.argv[1])\n"
        "for i in range(25): polls.cast_vote(db, int(sys.argv[2]), f'p{i}', ['poor', 'good'][i % 2])\n"
        "import os; os._exit(0)  # no clean shutdown: the votes must already be on disk\n"
    )
    subprocess.run([sys.executable, "-c", script, str(path), str(qid)], check=True, cwd=ROOT, timeout=120)
    fresh = Database(path)
    try:
        votes = polls.results(fresh, qid).set_index("option_code")["votes"]
        assert (votes["poor"], votes["good"], polls.answer_count(fresh, qid)) == (13, 12, 25)
    finally:
        fresh.close()
        Database.__init__(db, path)


@pytest.fixture
def live_app(demo_path, tmp_path, monkeypatch):
    path = tmp_path / "live.duckdb"
    shutil.copy(demo_path, path)
    monkeypatch.setenv("PCN_DB", str(path))
    yield AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60), get_database(path)
    close_database(path)


def test_a_vote_through_the_live_room_is_counted_by_the_presenter(live_app):
    at, db = live_app
    made, (qid,) = new_session(db)
    polls.set_state(db, qid, "open")
    assert room.rooms(db).cast(made["session_id"], qid, "phone-one-token-1234", "fair") == ["fair"]
    assert polls.my_answer(db, qid, "phone-one-token-1234") == ["fair"]  # committed to the file
    at.run()
    # The presenter shows the count while the results are hidden; a reveal needs 3 answers.
    at.switch_page("pages/present.py").run()
    assert not at.exception
    assert "present-count'>1<" in "".join(h.proto.body for h in at.get("html"))
    at.button(key="present_reveal").click().run()
    assert any("results can be revealed from 3" in w.value for w in at.warning)


def test_the_presenter_offers_no_open_or_close_in_a_self_paced_session(live_app):
    # The window opens and closes every question of a self-paced session: the presenter's button,
    # like the workshop page's, is greyed out and says why, rather than answering a click with a refusal.
    at, db = live_app
    made, _ = new_session(db)
    now = session_admin.now()
    session_admin.set_window(db, made["session_id"], now - dt.timedelta(hours=1), now + dt.timedelta(days=3))
    at.run()
    at.switch_page("pages/present.py").run()
    assert not at.exception
    button = at.button(key="present_open")
    assert button.disabled and "self-paced" in button.help
    assert polls.questions(db, made["session_id"])["state"].tolist() == ["open"]  # the window opened it


def test_questions_written_on_the_day_need_options_and_are_appended(db):
    made, _ = new_session(db)
    with pytest.raises(polls.PollError, match="at least two options"):
        polls.add_question(db, made["session_id"], polls.QuestionSpec("Pick", "single", ("Only one",)))
    with pytest.raises(polls.PollError, match="same option twice"):
        polls.add_question(db, made["session_id"], polls.QuestionSpec("Pick", "multi", ("A", "A")))
    assert (
        polls.add_question(db, made["session_id"], polls.QuestionSpec("Pick", "multi", ("A", "", "B"))) == 2
    )
    assert polls.add_question(db, made["session_id"], polls.QuestionSpec("Agree?", "agreement")) == 3
    qs = polls.questions(db, made["session_id"])
    assert list(polls.options(db, int(qs["poll_question_id"].iloc[1]))["label"]) == ["A", "B"]
    assert len(polls.options(db, int(qs["poll_question_id"].iloc[2]))) == 5


def test_the_facilitator_creates_a_session_on_the_workshop_page(live_app):
    at, db = live_app
    at.run()
    at.switch_page("pages/workshop.py").run()
    assert not at.exception
    at.text_input(key="workshop_title").input("Fylde Coast CDs")
    at.selectbox(key="workshop_place").set_value("FC")
    at.multiselect(key="workshop_bank").set_value(["rel_ics", "dev_needs"])
    at.button(key="workshop_create").click().run()
    assert not at.exception
    sessions = polls.list_sessions(db)
    assert list(sessions["title"]) == ["Fylde Coast CDs"] and sessions["place_code"].iloc[0] == "FC"
    assert sessions["questions"].iloc[0] == 2
    assert any(sessions["join_code"].iloc[0] in s.value for s in at.success)
    qid = int(polls.questions(db, int(sessions["session_id"].iloc[0]))["poll_question_id"].iloc[0])
    at.button(key=f"workshop_open_{qid}").click().run()
    assert not at.exception
    assert polls.open_question(db, int(sessions["session_id"].iloc[0]))["poll_question_id"] == qid
    assert at.button(key=f"workshop_reveal_{qid}").disabled  # no answers yet


def test_sessions_asking_a_question_are_found_by_place_and_question(db):
    mb, _ = new_session(db)  # rel_ics, Morecambe Bay
    bp, _ = new_session(db, polls.bank_question(db, "dev_needs"), place="FC")
    wl, _ = new_session(
        db, polls.bank_question(db, "rel_ics"), polls.QuestionSpec("One word", "text"), place="WL"
    )
    ics = db.scalar("SELECT ics_code FROM place WHERE place_code = 'MB'")

    def found(codes, places=()):
        return set(
            polls.sessions_asking(db, codes, Filters(wave="2023", ics=ics, places=places))["session_id"]
        )

    assert found(("rel_ics",)) == {mb["session_id"], wl["session_id"]}
    assert found(("rel_ics",), ("MB",)) == {mb["session_id"]}
    assert found(("dev_needs", "rel_acute"), ("MB", "FC")) == {bp["session_id"]}
    assert found(("role_clear_self",)) == set()


def test_a_results_page_shows_the_workshop_polls_on_its_questions_beside_the_survey(live_app):
    at, db = live_app
    made, (qid,) = new_session(db)
    polls.set_state(db, qid, "open")
    votes = ["poor", "poor", "fair", "good", "poor", "excellent"]
    for i, o in enumerate(votes):
        polls.cast_vote(db, qid, f"t{i}", o)
    at.run()
    at.switch_page("pages/relationships.py")
    at.query_params["place"] = "MB"
    at.run()
    assert not at.exception
    assert [e.label for e in at.expander if "Workshop polls" in e.label] == [
        "Workshop polls on these questions (1)"
    ]
    at.session_state["relationships_polls_open"] = True
    at.run()
    assert not at.exception
    (table,) = [d.value for d in at.dataframe if "room_votes" in d.value.columns]
    table = table.set_index("option_code")
    # The room's share, as the projector counts it: poor in 3 of the 6 answers.
    assert table.loc["poor", "room_votes"] == 3 and table.loc["poor", "room_share"] == 50
    expected = polls.survey_comparison(db, made["session_id"]).set_index("option_code")
    assert table.loc["poor", "survey_share"] == round(expected.loc["poor", "survey_share"] * 100)

    # Another place's page does not list Morecambe Bay's workshop; nor does a page on other questions.
    at.selectbox(key="place").set_value("FC").run()
    assert not [e for e in at.expander if "Workshop polls" in e.label]
    at.selectbox(key="place").set_value("MB").run()
    assert [e for e in at.expander if "Workshop polls" in e.label]
    at.switch_page("pages/development_needs.py").run()
    assert at.selectbox(key="place").value == "MB"
    assert not at.exception
    assert not [e for e in at.expander if "Workshop polls" in e.label]


def test_the_room_is_compared_with_the_latest_wave_that_has_answers_in_its_place(live_app):
    # Seen in use: a 2025 import with no Morecambe Bay responses left the survey columns "None".
    from pcn_data.importing.batches import Upload, apply

    at, db = live_app
    template = ROOT / "tests" / "data" / "imports" / "template.csv"  # Central Lancashire and Fylde Coast
    apply(db, Upload(template.read_bytes(), template.name).plan(db, wave="2025"))
    made, (qid,) = new_session(db)  # Morecambe Bay
    polls.set_state(db, qid, "open")
    for i, o in enumerate(["poor", "poor", "fair", "good", "poor"]):
        polls.cast_vote(db, qid, f"t{i}", o)
    at.run()
    at.switch_page("pages/workshop.py").run()
    assert not at.exception
    (heading,) = [m.value.replace("\\", "") for m in at.markdown if "The room beside the survey" in m.value]
    assert "2023 follow-up survey" in heading
    assert "latest with answers from Morecambe Bay" in heading
    (table,) = [d.value for d in at.dataframe if "survey_share" in d.value.columns]
    assert table["survey_share"].notna().any() and table["survey_n"].notna().all()
