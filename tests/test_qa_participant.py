"""Q&A over HTTP, as phones use it (POST /join/ask, /join/upvote, /join/withdraw and the event
stream), served by a real uvicorn on the database connection the test reads."""

from __future__ import annotations

import datetime as dt
import json
import queue
import threading

import httpx

import participant
from pcn_data.workshop import polls, qa
from tests.hostile import TEXTS
from tests.test_participant import phones, read_events  # noqa: F401 - phones is a fixture

__all__ = ["phones"]


def qa_session(db, *, approval: bool) -> tuple[str, int, int]:
    made = polls.create_session(
        db, title="Questions for the ICS", place_code="MB", held_on=dt.date(2026, 12, 2),
        questions=[polls.QuestionSpec("Ask the panel", "qa")],
    )  # fmt: skip
    sid = made["session_id"]
    qid = int(polls.questions(db, sid)["poll_question_id"].iloc[0])
    qa.set_approval(db, sid, approval)
    polls.set_state(db, qid, "open")
    return made["join_code"], sid, qid


def post(client, route, code, qid, answer, **headers):
    return client.post(
        f"/join/{route}",
        content=json.dumps({"code": code, "question": qid, "answer": answer}),
        headers={"Content-Type": "application/json", **headers},
    )


def phone(url, code) -> httpx.Client:
    client = httpx.Client(base_url=url, timeout=httpx.Timeout(5, read=30))
    client.get(f"/join?code={code}")
    return client


def page_state(client, code) -> dict:
    page = client.get(f"/join?code={code}")
    return json.loads(page.text.split('id="pcn-state">')[1].split("</script>")[0])


def votes_in_file(db, item_id) -> int:
    return int(db.scalar("SELECT count(*) FROM poll_qa_vote WHERE item_id = ?", [item_id]))


def test_a_question_asked_is_in_the_file_when_acknowledged_and_votes_count_once(phones):
    url, db = phones
    code, _, qid = qa_session(db, approval=False)
    alice, bob = phone(url, code), phone(url, code)
    asked = post(alice, "ask", code, qid, "Who holds the ARRS budget?")
    assert asked.status_code == 200, asked.text
    (item,) = qa.phone_items(asked.json()["qa"])
    assert item["text"] == "Who holds the ARRS budget?" and item["own"] and item["votes"] == 0
    assert list(qa.items(db, qid)["text"]) == ["Who holds the ARRS budget?"]  # committed first
    # A second vote by the same phone is still one vote; it can be withdrawn.
    for _ in range(2):
        up = post(bob, "upvote", code, qid, str(item["id"]))
        assert up.status_code == 200
        assert qa.phone_items(up.json()["qa"])[0] == {**item, "own": False, "votes": 1, "voted": True}
    assert votes_in_file(db, item["id"]) == 1
    assert qa.phone_items(page_state(alice, code)["question"]["qa"])[0]["votes"] == 1
    own = post(alice, "upvote", code, qid, str(item["id"]))
    assert own.status_code == 409 and "your own" in own.json()["error"]
    assert qa.phone_items(post(bob, "withdraw", code, qid, str(item["id"])).json()["qa"])[0]["votes"] == 0
    assert votes_in_file(db, item["id"]) == 0


def test_q_and_a_posts_that_could_be_forged_are_refused(phones):
    url, db = phones
    code, _, qid = qa_session(db, approval=False)
    alice = phone(url, code)
    item = qa.phone_items(post(alice, "ask", code, qid, "Fine question").json()["qa"])[0]["id"]
    with httpx.Client(base_url=url) as stranger:  # never opened the page: no cookie
        for route, answer in (("ask", "Spam"), ("upvote", str(item))):
            refused = post(stranger, route, code, qid, answer)
            assert refused.status_code == 403 and "allow cookies" in refused.json()["error"]
    bob = phone(url, code)
    for route, answer in (("ask", "Spam"), ("upvote", str(item))):
        assert post(bob, route, code, qid, answer, Origin="https://evil.example").status_code == 403
        assert bob.post(f"/join/{route}", data={"code": code, "answer": answer}).status_code == 415
    assert post(bob, "ask", code, qid, "x" * 9000).status_code == 413
    assert post(bob, "upvote", code, qid, "not a number").status_code == 400
    assert post(bob, "upvote", code, qid, ["1"]).status_code == 400
    assert post(bob, "ask", "NOSUCH", qid, "Hello").status_code == 404
    assert list(qa.items(db, qid)["text"]) == ["Fine question"] and votes_in_file(db, item) == 0


def test_a_pending_or_hidden_question_reaches_no_other_phone_and_takes_no_vote(phones):
    url, db = phones
    code, _, qid = qa_session(db, approval=True)
    alice, bob = phone(url, code), phone(url, code)
    events: queue.Queue = queue.Queue()
    with bob.stream("GET", f"/join/events?code={code}") as stream:
        threading.Thread(target=read_events, args=(stream, events), daemon=True).start()
        assert qa.phone_items(events.get(timeout=10)["question"]["qa"]) == []
        asked = post(alice, "ask", code, qid, "Secret until approved")
        (mine,) = qa.phone_items(asked.json()["qa"])
        assert mine["status"] == "pending"
        assert "Secret until approved" not in json.dumps(page_state(bob, code))
        refused = post(bob, "upvote", code, qid, str(mine["id"]))
        assert refused.status_code == 409 and votes_in_file(db, mine["id"]) == 0
        qa.set_status(db, mine["id"], "approved")  # pushed to the waiting phone
        pushed = events.get(timeout=10)
        assert [i["text"] for i in qa.phone_items(pushed["question"]["qa"])] == ["Secret until approved"]
        assert post(bob, "upvote", code, qid, str(mine["id"])).status_code == 200
        assert qa.phone_items(events.get(timeout=10)["question"]["qa"])[0]["votes"] == 1
        qa.set_status(db, mine["id"], "hidden")
        assert qa.phone_items(events.get(timeout=10)["question"]["qa"]) == []
        refused = post(bob, "upvote", code, qid, str(mine["id"]))
        assert refused.status_code == 409 and "not open for votes" in refused.json()["error"]
        assert qa.phone_items(page_state(alice, code)["question"]["qa"])[0]["status"] == "hidden"
    # An item sent with another question's id (here an agreement question) is refused.
    sid = int(polls.session_by_code(db, code)["session_id"])
    polls.add_question(db, sid, polls.QuestionSpec("Agree?", "agreement"))
    other = int(polls.questions(db, sid)["poll_question_id"].iloc[-1])
    qa.set_status(db, mine["id"], "approved")
    assert post(bob, "upvote", code, other, str(mine["id"])).status_code == 409
    assert votes_in_file(db, mine["id"]) == 1  # the one vote cast while it was approved


def test_hostile_questions_come_back_as_text_to_every_phone(phones):
    url, db = phones
    code, _, qid = qa_session(db, approval=False)
    bob = phone(url, code)
    for i, text in enumerate(TEXTS):
        asker = phone(url, code)  # at most five questions each
        got = post(asker, "ask", code, qid, text)
        assert got.status_code == 200, (i, got.text)
    page = bob.get(f"/join?code={code}").text
    state = json.loads(page.split('id="pcn-state">')[1].split("</script>")[0])
    shown = {i["text"] for i in qa.phone_items(state["question"]["qa"])}
    assert "<script>alert('boo')</script>" in shown  # the words, as JSON data for textContent
    assert "<script>alert" not in page.split('id="pcn-state">')[1]  # nothing that ends the element
    assert not any("\u202e" in t for t in shown)  # direction overrides cleaned (participant._clean)
    assert participant.COOKIE not in page
