"""Q&A (pcn_data/workshop/qa.py): the room asks questions and votes them up; the facilitator approves,
hides or marks them answered. Counts in memory (what phones and the presenter get) are checked
against plain SQL on the file; a pending or hidden question reaches no one but its author."""

from __future__ import annotations

import datetime as dt
import threading

import pytest

from pcn_data.core import trail
from pcn_data.core.db import Database
from pcn_data.reports.exports import csv_bytes, xlsx_bytes
from pcn_data.workshop import polls, qa, room
from tests.hostile import FORBIDDEN_HTML, TEXTS, html_text


@pytest.fixture
def db(scratch) -> Database:
    return scratch


def qa_session(db, *, approval: bool):
    made = polls.create_session(
        db,
        title="Q&A",
        place_code="MB",
        held_on=dt.date(2026, 12, 2),
        questions=[polls.QuestionSpec("Agree?", "agreement"), polls.QuestionSpec("Your questions", "qa")],
    )
    sid = made["session_id"]
    _, qid = (int(q) for q in polls.questions(db, sid)["poll_question_id"])
    qa.set_approval(db, sid, approval)
    polls.set_state(db, qid, "open")
    return sid, qid


def sql_votes(db, item_id: int) -> int:
    """Votes for one item, counted in plain SQL on the file."""
    return int(db.scalar("SELECT count(*) FROM poll_qa_vote WHERE item_id = ?", [item_id]))


def test_a_question_asked_shows_at_once_without_approval_and_votes_order_it(db):
    sid, qid = qa_session(db, approval=False)
    rooms = room.rooms(db)
    a = qa.submit(rooms, sid, qid, "tok-alice-000000", "  Who funds the ARRS roles?  ")
    b = qa.submit(rooms, sid, qid, "tok-bob-00000000", "When is the next place board?")
    for voter in ("tok-carol-000000", "tok-dan-00000000"):
        qa.vote(rooms, sid, qid, voter, b, True)
    qa.vote(rooms, sid, qid, "tok-bob-00000000", a, True)
    view = qa.phone_items(rooms.get(sid).phone_state("tok-carol-000000")["question"]["qa"])
    assert [(i["text"], i["votes"], i["voted"], i["own"]) for i in view] == [
        ("When is the next place board?", 2, True, False),
        ("Who funds the ARRS roles?", 1, False, False),
    ]
    assert [i["votes"] for i in view] == [sql_votes(db, b), sql_votes(db, a)]
    # A fresh load from the file gives the same board as memory kept.
    fresh = qa.phone_items(room.Rooms(db).get(sid).phone_state("tok-carol-000000")["question"]["qa"])
    assert fresh == view


def test_ties_are_ordered_by_time_and_answered_ones_are_listed_apart(db):
    sid, qid = qa_session(db, approval=False)
    rooms = room.rooms(db)
    first = qa.submit(rooms, sid, qid, "tok-alice-000000", "First")
    second = qa.submit(rooms, sid, qid, "tok-bob-00000000", "Second")
    third = qa.submit(rooms, sid, qid, "tok-carol-000000", "Third")
    qa.vote(rooms, sid, qid, "tok-dan-00000000", third, True)
    board = rooms.get(sid)
    assert [i.item_id for i in qa.ranked(board, qid)[0]] == [third, first, second]
    qa.set_status(db, third, "answered")
    board = rooms.get(sid)
    waiting, answered = qa.ranked(board, qid)
    assert [i.item_id for i in waiting] == [first, second] and [i.item_id for i in answered] == [third]
    html = qa.presenter_html(board, qid)
    assert html.index("First") < html.index("Second") < html.index("Third")
    assert "qa-answered" in html


def test_the_facilitators_list_keeps_its_order_as_votes_and_statuses_change(db):
    # A row that moves under the facilitator's cursor turns a click on "Hide" into a click on another
    # question: the list is in the order asked, whatever the room's votes or the statuses.
    sid, qid = qa_session(db, approval=True)
    rooms = room.rooms(db)
    ids = [qa.submit(rooms, sid, qid, f"tok-{n}-0000000000", f"Question {n}") for n in "abc"]

    def listed() -> list[int]:
        return [i.item_id for i in qa.for_facilitator(rooms.get(sid), qid)]

    assert listed() == ids
    qa.set_status(db, ids[2], "approved")
    qa.set_status(db, ids[1], "approved")
    for voter in ("tok-v1-0000000000", "tok-v2-0000000000"):
        qa.vote(rooms, sid, qid, voter, ids[2], True)
    qa.set_status(db, ids[0], "hidden")
    assert [i.item_id for i in qa.ranked(rooms.get(sid), qid)[0]] == [ids[2], ids[1]]  # the room's order
    assert listed() == ids
    ids.append(qa.submit(rooms, sid, qid, "tok-d-0000000000", "Question d"))
    assert listed() == ids  # a new question joins at the end


def test_with_approval_a_question_shows_only_to_its_author_until_approved(db):
    sid, qid = qa_session(db, approval=True)
    rooms = room.rooms(db)
    item = qa.submit(rooms, sid, qid, "tok-alice-000000", "Is the ICS listening?")
    mine = qa.phone_items(rooms.get(sid).phone_state("tok-alice-000000")["question"]["qa"])
    assert [(i["text"], i["status"], i["own"]) for i in mine] == [("Is the ICS listening?", "pending", True)]
    assert qa.phone_items(rooms.get(sid).phone_state("tok-bob-00000000")["question"]["qa"]) == []
    assert "Is the ICS listening" not in qa.presenter_html(rooms.get(sid), qid)
    with pytest.raises(polls.PollError, match="not open for votes"):
        qa.vote(rooms, sid, qid, "tok-bob-00000000", item, True)
    assert sql_votes(db, item) == 0
    qa.set_status(db, item, "approved")
    seen = qa.phone_items(rooms.get(sid).phone_state("tok-bob-00000000")["question"]["qa"])
    assert [i["text"] for i in seen] == ["Is the ICS listening?"]
    assert "Is the ICS listening?" in qa.presenter_html(rooms.get(sid), qid)
    # Hidden: gone for the room and the presenter; votes refused; its author is told.
    qa.set_status(db, item, "hidden")
    assert qa.phone_items(rooms.get(sid).phone_state("tok-bob-00000000")["question"]["qa"]) == []
    assert "Is the ICS listening" not in qa.presenter_html(rooms.get(sid), qid)
    with pytest.raises(polls.PollError, match="not open for votes"):
        qa.vote(rooms, sid, qid, "tok-bob-00000000", item, True)
    own = qa.phone_items(rooms.get(sid).phone_state("tok-alice-000000")["question"]["qa"])
    assert [i["status"] for i in own] == ["hidden"]
    # Each facilitator action is in the audit trail, without the question's words.
    log = trail.read(db)
    rows = log[log["target"] == f"qa item {item}"]
    assert list(rows["detail"])[::-1] == ["approved", "hidden"]
    assert not log["detail"].fillna("").str.contains("ICS listening").any()


def test_one_vote_a_participant_withdrawable_and_not_for_their_own_question(db):
    sid, qid = qa_session(db, approval=False)
    rooms = room.rooms(db)
    item = qa.submit(rooms, sid, qid, "tok-alice-000000", "Why?")
    qa.vote(rooms, sid, qid, "tok-bob-00000000", item, True)
    qa.vote(rooms, sid, qid, "tok-bob-00000000", item, True)  # sent twice: still one vote
    assert sql_votes(db, item) == 1
    with pytest.raises(polls.PollError, match="your own"):
        qa.vote(rooms, sid, qid, "tok-alice-000000", item, True)
    qa.vote(rooms, sid, qid, "tok-bob-00000000", item, False)
    assert sql_votes(db, item) == 0
    assert qa.phone_items(rooms.get(sid).phone_state("tok-bob-00000000")["question"]["qa"])[0]["votes"] == 0


def test_questions_are_cleaned_capped_and_refused_when_closed(db):
    sid, qid = qa_session(db, approval=False)
    rooms = room.rooms(db)
    with pytest.raises(polls.PollError, match="Write"):
        qa.submit(rooms, sid, qid, "tok-alice-000000", " \u200b \x00 ")
    with pytest.raises(polls.PollError, match="under"):
        qa.submit(rooms, sid, qid, "tok-alice-000000", "x" * (polls.MAX_TEXT + 1))
    for i in range(qa.MAX_PER_PERSON):
        qa.submit(rooms, sid, qid, "tok-alice-000000", f"Question {i}\x07")
    with pytest.raises(polls.PollError, match=f"{qa.MAX_PER_PERSON} questions"):
        qa.submit(rooms, sid, qid, "tok-alice-000000", "One more")
    stored = db.query("SELECT text FROM poll_qa_item WHERE poll_question_id = ? ORDER BY item_id", [qid])
    assert list(stored["text"]) == [f"Question {i}" for i in range(qa.MAX_PER_PERSON)]
    polls.set_state(db, qid, "closed")
    with pytest.raises(polls.PollError, match="closed"):
        qa.submit(rooms, sid, qid, "tok-bob-00000000", "Late")
    # A Q&A item id sent for another question is refused, not counted.
    other = polls.add_question(db, sid, polls.QuestionSpec("More questions", "qa"))
    other_id = int(polls.questions(db, sid).set_index("position").loc[other, "poll_question_id"])
    polls.set_state(db, other_id, "open")
    first = int(db.scalar("SELECT min(item_id) FROM poll_qa_item"))
    with pytest.raises(polls.PollError):
        qa.vote(rooms, sid, other_id, "tok-bob-00000000", first, True)
    assert sql_votes(db, first) == 0


def test_questions_are_redacted_for_the_room_but_not_for_the_facilitator(db):
    sid, qid = qa_session(db, approval=False)
    rooms = room.rooms(db)
    asked = "Can Dr Sarah Jones email me at sarah.jones@nhs.net?"
    qa.submit(rooms, sid, qid, "tok-alice-000000", asked)
    shown = qa.phone_items(rooms.get(sid).phone_state("tok-bob-00000000")["question"]["qa"])[0]["text"]
    assert "sarah.jones@nhs.net" not in shown and "Sarah Jones" not in shown
    assert "sarah.jones@nhs.net" not in qa.presenter_html(rooms.get(sid), qid)
    assert list(qa.items(db, qid)["text"]) == [asked]  # the facilitator moderates what was typed


def test_the_export_holds_approved_and_answered_questions_with_votes_never_tokens(db):
    sid, qid = qa_session(db, approval=True)
    rooms = room.rooms(db)
    ids = {
        text: qa.submit(rooms, sid, qid, f"tok-{i}-0000000000", text)
        for i, text in enumerate(
            ["Approved one", "Answered one", "Hidden one", "Pending one", "Mail a@b.com"]
        )
    }
    for text in ("Approved one", "Answered one", "Hidden one", "Mail a@b.com"):
        qa.set_status(db, ids[text], "approved")
    for voter in ("tok-v1-0000000000", "tok-v2-0000000000"):
        qa.vote(rooms, sid, qid, voter, ids["Answered one"], True)
    qa.set_status(db, ids["Answered one"], "answered")
    qa.set_status(db, ids["Hidden one"], "hidden")
    table = polls.session_results(db, sid)
    rows = table[table["type"] == polls.KINDS["qa"]]
    assert list(rows["text"]) == ["Answered one", "Approved one", "Mail [email]"]
    assert list(rows["votes"]) == [2, 0, 0]
    assert list(rows["option"]) == ["Answered", "Not answered", "Not answered"]
    flat = table.astype(str).to_string()
    assert "Hidden one" not in flat and "Pending one" not in flat and "tok-" not in flat
    # The workshop page's download: a question typed as a formula stays text in a spreadsheet.
    formula = qa.submit(rooms, sid, qid, "tok-formula-00000000", '=HYPERLINK("http://evil.example")')
    qa.set_status(db, formula, "approved")
    csv = csv_bytes(polls.session_results(db, sid)).decode("utf-8-sig")
    assert "Answered one" in csv and "'=HYPERLINK" in csv and "Pending one" not in csv
    assert xlsx_bytes(polls.session_results(db, sid), "poll results")[:2] == b"PK"


def test_hostile_questions_are_text_on_the_projector(db, monkeypatch):
    monkeypatch.setattr(qa, "PRESENTER_TOP", len(TEXTS))  # every one on the screen
    sid, qid = qa_session(db, approval=False)
    rooms = room.rooms(db)
    for i, text in enumerate(TEXTS):
        qa.submit(rooms, sid, qid, f"tok-hostile-{i:04d}", text)
    projected = qa.presenter_html(rooms.get(sid), qid)
    for fragment in FORBIDDEN_HTML:
        assert fragment not in projected
    words = html_text(projected)
    assert "<script>alert('boo')</script>" in words and "[Sign in](https://evil.example/login)" in words
    assert "right-to-left override" in words and "W" * 250 in words


def test_a_room_asking_and_voting_at_once_is_committed_together_and_memory_equals_the_file(db, monkeypatch):
    sid, qid = qa_session(db, approval=False)
    rooms = room.rooms(db)
    tokens = [f"tok-room-{i:08d}" for i in range(20)]
    ids = [qa.submit(rooms, sid, qid, t, f"Question {i}") for i, t in enumerate(tokens)]
    commits = []
    real = qa._commit

    def counted(registry, batch):
        commits.append(len(batch))
        real(registry, batch)

    monkeypatch.setattr(qa, "_commit", counted)
    errors = []

    def phone(i: int) -> None:
        try:
            for j in (1, 2, 3):
                qa.vote(rooms, sid, qid, tokens[i], ids[(i + j) % len(ids)], True)
            qa.vote(rooms, sid, qid, tokens[i], ids[(i + 1) % len(ids)], False)  # one taken back
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=phone, args=(i,)) for i in range(len(tokens))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sum(commits) == 4 * len(tokens)  # every action committed once
    print(f"{sum(commits)} actions in {len(commits)} commits")
    memory = {i["id"]: i["votes"] for i in qa.phone_items(rooms.get(sid).phone_state(None)["question"]["qa"])}
    assert memory == {item: sql_votes(db, item) for item in ids}
    assert sum(memory.values()) == 2 * len(tokens)
    fresh = room.Rooms(db).get(sid).phone_state(None)["question"]["qa"]
    assert {i["id"]: i["votes"] for i in qa.phone_items(fresh)} == memory
