"""The benchmark's own parts still fit the app: its empty page runs through the same shell, and
the projector and phone pages are timed on a live poll session."""

import ui
from benchmarks import run as bench
from pcn_data.workshop import polls
from tests.conftest import ROOT


def test_the_empty_page_runs_inside_the_dashboard_shell(demo_db, monkeypatch):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("PCN_DB", str(demo_db.path))
    at = AppTest.from_file(str(ROOT / "benchmarks" / "empty_app.py"), default_timeout=60)
    at.run()
    assert not at.exception
    assert at.title[0].value == "Empty page"
    # The floor pays for the shared sidebar filters, as every page does.
    assert at.selectbox(key="place") is not None


def test_pages_without_filters_are_the_ones_timed_on_a_poll():
    assert bench.LIVE_PAGES == ui.BARE_PAGES
    assert {f"pages/{name}.py" for name in bench.LIVE_PAGES} <= set(bench.PAGES)


def test_the_poll_session_is_made_once_and_timing_leaves_it_as_it_was(own_copy):
    poll = bench.poll_session(own_copy, "MB")
    assert bench.poll_session(own_copy, "MB") == poll
    qid = int(polls.questions(own_copy, poll["session_id"])["poll_question_id"].iloc[0])
    assert polls.answer_count(own_copy, qid) == bench.VOTES

    row = bench.time_page("pages/present.py", ["MB", "BP"], 2, poll)
    assert row["change_ms"] > 0 and row["queries_change"] > 0
    # The extra votes cast to time a change are taken away again.
    assert polls.answer_count(own_copy, qid) == bench.VOTES
    assert len(polls.list_sessions(own_copy)) == 1
