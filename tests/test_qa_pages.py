"""Q&A on the facilitator's Live workshop page and the presenter (AppTest): the facilitator turns
approval on, approves, hides and marks answered from the page, each audited; the presenter shows
approved questions by votes; the room's words are text on both pages."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest
from streamlit.testing.v1 import AppTest

from pcn_data.core import trail
from pcn_data.core.db import close_database, get_database
from pcn_data.workshop import polls, qa, room
from tests.conftest import ROOT
from tests.hostile import TEXTS, assert_text_is_text
from tests.workshop_actions import add_question_on_the_day


@pytest.fixture
def live_app(demo_path, tmp_path, monkeypatch):
    path = tmp_path / "qa.duckdb"
    shutil.copy(demo_path, path)
    monkeypatch.setenv("PCN_DB", str(path))
    yield AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=90), get_database(path)
    close_database(path)


def qa_session(db) -> tuple[int, int]:
    made = polls.create_session(
        db, title="Ask the ICS", place_code="MB", held_on=dt.date(2026, 12, 2),
        questions=[polls.QuestionSpec("Your questions for the panel", "qa")],
    )  # fmt: skip
    sid = made["session_id"]
    qid = int(polls.questions(db, sid)["poll_question_id"].iloc[0])
    polls.set_state(db, qid, "open")
    return sid, qid


def status_in_file(db, item_id) -> str:
    return db.scalar("SELECT status FROM poll_qa_item WHERE item_id = ?", [item_id])


def html_of(at) -> str:
    return "".join(h.proto.body for h in at.get("html"))


def test_the_facilitator_approves_hides_and_marks_answered_on_the_workshop_page(live_app):
    at, db = live_app
    sid, qid = qa_session(db)
    at.run()
    at.switch_page("pages/workshop.py").run()
    assert not at.exception
    at.toggle(key=f"workshop_qa_approval_{sid}").set_value(True).run()
    assert qa.approval(db, sid)
    rooms = room.rooms(db)
    first = qa.submit(rooms, sid, qid, "tok-alice-000000", "Who decides the ARRS mix?")
    second = qa.submit(rooms, sid, qid, "tok-bob-00000000", "Why so many meetings?")
    assert status_in_file(db, first) == "pending"
    at.run()
    assert "2 questions (2 waiting for approval)" in " ".join(e.label for e in at.expander)
    at.button(key=f"workshop_qa_approved_{first}").click().run()
    at.button(key=f"workshop_qa_hidden_{second}").click().run()
    assert not at.exception
    assert (status_in_file(db, first), status_in_file(db, second)) == ("approved", "hidden")
    qa.vote(rooms, sid, qid, "tok-carol-000000", first, True)
    at.button(key=f"workshop_qa_answered_{first}").click().run()
    assert status_in_file(db, first) == "answered"
    log = trail.read(db)
    assert list(log.loc[log["target"] == f"qa item {first}", "detail"])[::-1] == ["approved", "answered"]
    assert "Q&A approval on" in set(log["detail"])
    # The presenter: the answered question dimmed and apart, the hidden one nowhere.
    at.switch_page("pages/present.py").run()
    assert not at.exception
    page = html_of(at)
    assert "Who decides the ARRS mix?" in page.split("present-qa-answered")[1]
    assert "Why so many meetings" not in page
    assert at.button(key="present_reveal").disabled  # a Q&A shows live, with no reveal


def test_the_presenter_orders_questions_by_votes(live_app):
    at, db = live_app
    sid, qid = qa_session(db)
    rooms = room.rooms(db)
    few = qa.submit(rooms, sid, qid, "tok-alice-000000", "Asked first, one vote")
    many = qa.submit(rooms, sid, qid, "tok-bob-00000000", "Asked second, two votes")
    qa.vote(rooms, sid, qid, "tok-carol-000000", few, True)
    for voter in ("tok-carol-000000", "tok-dan-00000000"):
        qa.vote(rooms, sid, qid, voter, many, True)
    at.run()
    at.switch_page("pages/present.py").run()
    assert not at.exception
    page = html_of(at)
    assert page.index("Asked second, two votes") < page.index("Asked first, one vote")
    assert "2 questions waiting · 0 answered · 3 votes" in page


def test_hostile_questions_are_text_on_the_presenter_and_the_workshop_page(live_app, monkeypatch):
    monkeypatch.setattr(qa, "PRESENTER_TOP", len(TEXTS))
    at, db = live_app
    sid, qid = qa_session(db)
    rooms = room.rooms(db)
    for i, text in enumerate(TEXTS):
        qa.submit(rooms, sid, qid, f"tok-hostile-{i:04d}", text)
    at.run()
    at.switch_page("pages/present.py").run()
    assert_text_is_text(at, TEXTS)
    at.switch_page("pages/workshop.py").run()
    assert_text_is_text(at, TEXTS)


def test_a_q_and_a_is_added_on_the_day_from_the_workshop_page(live_app):
    at, db = live_app
    sid, _ = qa_session(db)
    at.run()
    at.switch_page("pages/workshop.py").run()
    add_question_on_the_day(at, "Questions for the place board", "qa")
    assert not at.exception
    qs = polls.questions(db, sid)
    assert list(qs["kind"]) == ["qa", "qa"] and qs["wording"].iloc[-1] == "Questions for the place board"
    assert polls.options(db, int(qs["poll_question_id"].iloc[-1])).empty


def test_a_q_and_a_cannot_be_marked_sensitive_on_the_workshop_page(live_app):
    # A Q&A shows on the presenter as soon as a question is approved: "sensitive" (nothing shown
    # while it is open) would be a promise the presenter does not keep, so it is refused, not stored.
    at, db = live_app
    sid, _ = qa_session(db)
    at.run()
    at.switch_page("pages/workshop.py").run()
    add_question_on_the_day(at, "Questions about the ICB", "qa", sensitive=True)
    assert not at.exception
    assert any("cannot be marked sensitive" in e.value for e in at.error), [e.value for e in at.error]
    assert list(polls.questions(db, sid)["kind"]) == ["qa"]  # nothing added
    with pytest.raises(polls.PollError, match="cannot be marked sensitive"):
        polls.add_question(db, sid, polls.QuestionSpec("Questions?", "qa", sensitive=True))
