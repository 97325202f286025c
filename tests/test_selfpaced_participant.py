"""A self-paced session on the participant's page (/join) over HTTP, as a phone uses it: every
question on the page at once, each answered and changed at the participant's pace, and a vote
before the window opens or after it closes refused with when, in the server's time zone."""

from __future__ import annotations

import datetime as dt
import json
import queue
import threading

import httpx

from pcn_data.workshop import polls, session_admin
from tests.hostile import TEXTS
from tests.test_participant import new_session, phones, read_events, vote  # noqa: F401 - the fixture

DAY = dt.timedelta(days=1)


def page_state(page: httpx.Response) -> dict:
    """Return the state the page embeds for join.js / paced.js."""
    start = page.text.index('id="pcn-state">') + len('id="pcn-state">')
    return json.loads(page.text[start : page.text.index("</script>", start)])


def test_a_phone_answers_two_questions_of_a_self_paced_session_and_changes_one(phones):  # noqa: F811
    url, db = phones
    made, (rel, words) = new_session(db)
    session_admin.set_window(db, made["session_id"], session_admin.now() - DAY, session_admin.now() + 7 * DAY)
    with httpx.Client(base_url=url) as phone:
        page = phone.get(f"/join?code={made['join_code']}")
        assert page.status_code == 200 and 'id="paced"' in page.text and "/join/static/paced.js" in page.text
        state = page_state(page)
        assert state["self_paced"] and [q["id"] for q in state["questions"]] == [rel, words]
        assert (state["answered"], state["total"]) == (0, 2)
        assert (
            "Open until" in state["window"]["text"]
            and f"({session_admin.zone(session_admin.now())})" in (state["window"]["text"])
        )
        # The second question first, then the first: no question waits for another.
        assert vote(phone, made["join_code"], words, "Time to think").json()["mine"] == ["Time to think"]
        assert vote(phone, made["join_code"], rel, "poor").json()["mine"] == ["poor"]
        assert vote(phone, made["join_code"], rel, "good").json()["mine"] == ["good"]  # changed
        again = page_state(phone.get(f"/join?code={made['join_code']}"))
        assert [q["mine"] for q in again["questions"]] == [["good"], ["Time to think"]]
        assert (again["answered"], again["total"]) == (2, 2)
    rows = db.query(
        "SELECT poll_question_id, coalesce(option_code, value_text) FROM poll_vote ORDER BY poll_question_id"
    )
    assert rows.values.tolist() == [[rel, "good"], [words, "Time to think"]]


def test_votes_before_the_window_opens_and_after_it_closes_are_refused_with_when(phones):  # noqa: F811
    url, db = phones
    made, (rel, _) = new_session(db)
    opens = (session_admin.now() + 2 * DAY).replace(hour=9, minute=0, second=0)
    session_admin.set_window(db, made["session_id"], opens, opens + DAY)
    with httpx.Client(base_url=url) as phone:
        state = page_state(phone.get(f"/join?code={made['join_code']}"))
        assert state["window"]["status"] == "before" and state["questions"] == []
        assert state["window"]["text"] == f"This session opens on {session_admin.when(opens)}."
        early = vote(phone, made["join_code"], rel, "good")
        assert early.status_code == 409
        assert early.json()["error"] == (
            f"This session opens on {session_admin.when(opens)}: your answer was not recorded."
        )
        closed = session_admin.now() - DAY
        session_admin.set_window(db, made["session_id"], closed - DAY, closed)
        late = vote(phone, made["join_code"], rel, "good")
        assert late.status_code == 409 and f"closed on {session_admin.when(closed)}" in late.json()["error"]
        assert page_state(phone.get(f"/join?code={made['join_code']}"))["window"]["status"] == "after"
    assert db.scalar("SELECT count(*) FROM poll_vote") == 0


def test_closing_early_is_pushed_to_a_waiting_phone_and_hostile_wording_stays_data(phones):  # noqa: F811
    url, db = phones
    made, qids = new_session(db, "Self-paced", *[polls.QuestionSpec(h, "text") for h in TEXTS[:3]])
    session_admin.set_window(db, made["session_id"], None, session_admin.now() + DAY)
    events: queue.Queue = queue.Queue()
    with httpx.Client(base_url=url, timeout=httpx.Timeout(5, read=30)) as phone:
        page = phone.get(f"/join?code={made['join_code']}")
        assert "<img" not in page.text.split('id="pcn-state"')[0]  # wordings only in the JSON data
        with phone.stream("GET", f"/join/events?code={made['join_code']}") as stream:
            threading.Thread(target=read_events, args=(stream, events), daemon=True).start()
            first = events.get(timeout=10)
            assert [q["wording"] for q in first["questions"]] == [h.strip() for h in TEXTS[:3]]
            assert vote(phone, made["join_code"], qids[1], TEXTS[0][:200]).status_code == 200
            assert events.get(timeout=10)["answered"] == 1  # the phone's other tabs
            session_admin.close_now(db, made["session_id"])
            pushed = events.get(timeout=10)
            assert pushed["window"]["status"] == "after" and pushed["questions"] == []
