"""Self-paced sessions and sessions side by side through the dashboard (AppTest): the facilitator
sets a window on the Live workshop page, closes it early and duplicates the session; the page
"Sessions side by side" charts the same question across sessions, a session under the reveal
minimum named as not shown and never given a number."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest
from streamlit.testing.v1 import AppTest

from pcn_data.core.db import close_database, get_database
from pcn_data.workshop import polls, session_admin
from tests.conftest import ROOT
from tests.hostile import TEXTS, assert_charts_hold_no_markup, assert_text_is_text, shown
from tests.results_helpers import figure


@pytest.fixture
def live_app(demo_path, tmp_path, monkeypatch):
    """Yield an AppTest of the dashboard and the database it opens (a private copy)."""
    path = tmp_path / "sessions.duckdb"
    shutil.copy(demo_path, path)
    monkeypatch.setenv("PCN_DB", str(path))
    yield AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60), get_database(path)
    close_database(path)


def new_session(db, title="Morecambe Bay CDs", place="MB", *specs):
    made = polls.create_session(
        db, title=title, place_code=place, held_on=dt.date(2026, 11, 24),
        questions=list(specs) or [polls.bank_question(db, "rel_ics"), polls.QuestionSpec("Words", "text")],
    )  # fmt: skip
    return made, [int(q) for q in polls.questions(db, made["session_id"])["poll_question_id"]]


def copy_of(db, made, title, place, day):
    return session_admin.duplicate(db, made["session_id"], title=title, place_code=place, held_on=day)


def answer(db, qid, answers):
    polls.set_state(db, qid, "open")
    for i, a in enumerate(answers):
        polls.cast_vote(db, qid, f"tok-{qid}-{i:04d}", a)


def test_the_facilitator_opens_a_window_closes_it_early_and_duplicates_the_session(live_app):
    at, db = live_app
    made, _ = new_session(db)
    at.run()
    at.switch_page("pages/workshop.py").run()
    assert not at.exception
    zone = session_admin.zone(session_admin.now())
    assert any(f"Times are the server's, {zone}" in c.value for c in at.caption)
    opens, closes = dt.datetime(2026, 11, 20, 9, 0), dt.datetime(2027, 1, 8, 17, 0)
    at.session_state["workshop_paced_opens"] = opens
    at.session_state["workshop_paced_closes"] = closes
    at.button(key="workshop_paced_set").click().run()
    assert not at.exception
    paced = session_admin.window(db, made["session_id"])
    assert (paced.opens_at, paced.closes_at) == (opens, closes)
    assert f"Open until Fri 8 Jan 2027 at 17:00 ({zone})" in shown(at)
    # Each question's Open/Close gives way to the window.
    assert all(b.disabled for b in at.button if b.key and b.key.startswith("workshop_open_"))

    at.button(key="workshop_paced_close").click().run()
    assert not at.exception
    closed = session_admin.window(db, made["session_id"]).closes_at
    assert closed <= session_admin.now()
    assert f"This session closed on {session_admin.when(closed)}" in shown(at)

    at.text_input(key="workshop_copy_title").input("Pennine Lancashire CDs")
    at.selectbox(key="workshop_copy_place").set_value("PL")
    at.button(key="workshop_copy_submit").click().run()
    assert not at.exception
    sql = "SELECT session_id FROM poll_session_setting WHERE copied_from = ?"
    copies = db.query(sql, [made["session_id"]])
    assert len(copies) == 1
    assert at.selectbox(key="workshop_session").value == int(copies["session_id"].iloc[0])  # shown now
    assert "Pennine Lancashire CDs" in at.selectbox(key="workshop_session").format_func(
        at.selectbox(key="workshop_session").value
    )


def test_the_comparison_page_charts_each_session_and_hides_one_under_the_minimum(live_app, monkeypatch):
    monkeypatch.setenv("PCN_MIN_GROUP", "5")
    at, db = live_app
    made, (rel, _) = new_session(db)
    pl = copy_of(db, made, "Pennine", "PL", dt.date(2027, 1, 5))
    wl = copy_of(db, made, "West", "WL", dt.date(2027, 2, 9))
    pl_rel = int(polls.questions(db, pl["session_id"])["poll_question_id"].iloc[0])
    wl_rel = int(polls.questions(db, wl["session_id"])["poll_question_id"].iloc[0])
    mb_answers = ["good", "good", "poor", "fair"]  # 4: over the reveal minimum, under K
    pl_answers = ["poor"] * 4 + ["good", "excellent"]
    answer(db, rel, mb_answers)
    answer(db, pl_rel, pl_answers)
    answer(db, wl_rel, ["excellent", "good"])  # 2: under the reveal minimum (3)
    at.query_params["session"] = str(pl["session_id"])
    at.run()
    at.switch_page("pages/compare_sessions.py").run()
    assert not at.exception
    assert set(at.multiselect(key="compare_sessions_chosen").value) == {
        made["session_id"],
        pl["session_id"],
        wl["session_id"],
    }
    fig = figure(at, "compare_sessions_0")
    traces = fig["data"][::-1]  # drawn bottom-up: the oldest session on top
    names = [t["name"] for t in traces]
    assert names == [
        "Morecambe Bay · 24 Nov 2026 (n = 4)",
        "Pennine Lancashire · 05 Jan 2027 (n = 6)",
        "West Lancashire · 09 Feb 2027 (not shown: fewer than 3 answers)",
    ]
    labels = polls.options(db, rel).set_index("option_code")["label"]
    for trace, answers in zip(traces[:2], [mb_answers, pl_answers], strict=True):
        got = dict(zip(trace["y"], trace["x"], strict=True))
        for code in ["poor", "fair", "good", "excellent"]:
            assert got[labels[code]] == pytest.approx(answers.count(code) / len(answers))
    west = traces[2]
    assert all(x is None or x != x for x in west["x"]) and set(west["customdata"]) == {"not shown"}
    assert "2" not in west["name"].replace("2027", "")  # its true n is not written

    at.toggle(key="compare_sessions_survey").set_value(True).run()
    assert not at.exception
    names = [t["name"] for t in figure(at, "compare_sessions_0")["data"]][::-1]
    assert names[0] == "Morecambe Bay · 24 Nov 2026 (not shown: fewer than 5 answers beside the survey)"
    assert names[1].startswith("Pennine Lancashire · 05 Jan 2027 (n = ")


def test_hostile_titles_and_wordings_on_the_comparison_page_are_text(live_app):
    at, db = live_app
    spec = polls.QuestionSpec(TEXTS[4] + " " + TEXTS[1], "single", (TEXTS[0], TEXTS[2]))
    made, (q,) = new_session(db, TEXTS[3], "MB", spec)
    copy = copy_of(db, made, TEXTS[5], "PL", dt.date(2027, 1, 5))
    q2 = int(polls.questions(db, copy["session_id"])["poll_question_id"].iloc[0])
    answer(db, q, ["o1", "o2", "o1"])
    answer(db, q2, ["o2", "o2", "o2"])
    at.query_params["session"] = str(copy["session_id"])
    at.run()
    at.switch_page("pages/compare_sessions.py").run()
    assert_text_is_text(at, [TEXTS[4] + " " + TEXTS[1]])
    assert_charts_hold_no_markup(at)
    assert len(at.get("plotly_chart")) == 1
