"""The live room in memory (pcn_data/workshop/room.py) against the poll tables: every count the presenter
and the phones are given from memory is the count plain SQL gives on the file."""

from __future__ import annotations

import datetime as dt
import random
import threading
import time

import pandas as pd
import pytest

from pcn_data.core.db import Database
from pcn_data.core.errors import DatabaseError
from pcn_data.workshop import polls, room


@pytest.fixture
def db(scratch) -> Database:
    return scratch


SPECS = [
    polls.QuestionSpec("Agree?", "agreement"),
    polls.QuestionSpec("Pick one", "single", ("Red", "Green", "Blue")),
    polls.QuestionSpec("Pick any", "multi", ("Tea", "Coffee", "Water")),
    polls.QuestionSpec("Rank", "ranking", ("A", "B", "C")),
    polls.QuestionSpec("One word", "text"),
]


def session(db):
    made = polls.create_session(
        db, title="Room", place_code="MB", held_on=dt.date(2026, 12, 2), questions=list(SPECS)
    )
    qids = [int(q) for q in polls.questions(db, made["session_id"])["poll_question_id"]]
    return made["session_id"], qids


def random_answer(kind: str, codes: list[str], rng: random.Random):
    if kind in ("agreement", "single"):
        return rng.choice(codes)
    if kind == "multi":
        return rng.sample(codes, rng.randint(1, len(codes)))
    if kind == "ranking":
        return rng.sample(codes, len(codes))
    return rng.choice(["access", "  workload ", "estates"])


def sql_votes(db, qid: int) -> pd.DataFrame:
    """Votes per option for one question, counted in plain SQL (independent of both modules)."""
    return db.query(
        "SELECT option_code, count(*) AS votes, avg(rank) AS mean_rank FROM poll_vote "
        "WHERE poll_question_id = ? AND option_code IS NOT NULL GROUP BY option_code",
        [qid],
    )


def test_memory_counts_equal_the_file_after_votes_changes_and_a_fresh_load(db):
    sid, qids = session(db)
    rooms = room.rooms(db)
    rng = random.Random(7)
    tokens = [f"participant-token-{i:04d}" for i in range(40)]
    for qid in qids:
        polls.set_state(db, qid, "open")
        live = rooms.get(sid)
        q = live.questions[qid]
        codes = [c for c, _ in q.options]
        for token in tokens + rng.sample(tokens, 10):  # ten change their answer
            rooms.cast(sid, qid, token, random_answer(q.kind, codes, rng))
    fresh = room.Rooms(db).get(sid)  # what a restarted server reads back from the file
    for qid in qids:
        for live in (rooms.get(sid), fresh):
            assert live.count(qid) == polls.answer_count(db, qid) == len(tokens)
            q = live.questions[qid]
            if q.kind == "text":
                assert sorted(v.text for v in live.text_answers(qid)) == sorted(
                    polls.text_answers(db, qid)["value_text"]
                )
                continue
            mem = live.results(qid).set_index("option_code")
            sql = sql_votes(db, qid).set_index("option_code")
            for code, _ in q.options:
                expected = int(sql["votes"].get(code, 0))
                assert mem.loc[code, "votes"] == expected, (q.kind, code)
                assert mem.loc[code, "share"] == pytest.approx(expected / len(tokens))
                if q.kind == "ranking":
                    assert mem.loc[code, "mean_rank"] == pytest.approx(sql.loc[code, "mean_rank"])
            # And the same frame as the module's own SQL, column for column.
            pd.testing.assert_frame_equal(
                live.results(qid).drop(columns=["position"]).reset_index(drop=True),
                polls.results(db, qid).drop(columns=["position"]).reset_index(drop=True),
                check_dtype=False,
            )
        for token in rng.sample(tokens, 5):
            assert rooms.get(sid).mine(qid, token) == polls.my_answer(db, qid, token)


def test_a_refused_vote_is_neither_in_the_file_nor_in_memory(db):
    sid, qids = session(db)
    rooms = room.rooms(db)
    with pytest.raises(polls.PollError, match="closed"):
        rooms.cast(sid, qids[0], "participant-token-0001", "a")
    polls.set_state(db, qids[0], "open")
    with pytest.raises(polls.PollError, match="Choose one of the options"):
        rooms.cast(sid, qids[0], "participant-token-0001", "<script>")
    with pytest.raises(polls.PollError, match="not part of this poll"):
        rooms.cast(sid, 999_999, "participant-token-0001", "a")
    assert rooms.get(sid).count(qids[0]) == polls.answer_count(db, qids[0]) == 0


def test_facilitator_actions_reach_memory_and_tell_the_phones(db):
    sid, qids = session(db)
    rooms = room.rooms(db)
    heard = []
    rooms.listen(lambda s, what, token: heard.append((s, what, token)))
    assert rooms.get(sid).open_question() is None
    polls.set_state(db, qids[1], "open")
    assert rooms.get(sid).open_question().poll_question_id == qids[1]
    assert rooms.get(sid).presenter_position == 2  # opening shows it on the presenter
    assert heard[-1] == (sid, "structure", None)
    state = rooms.get(sid).phone_state("participant-token-0001")
    assert state["question"]["wording"] == "Pick one" and state["question"]["mine"] == []
    rooms.cast(sid, qids[1], "participant-token-0001", "o2")
    assert heard[-1] == (sid, "vote", "participant-token-0001")
    assert rooms.get(sid).phone_state("participant-token-0001")["question"]["mine"] == ["o2"]
    assert rooms.get(sid).phone_state("participant-token-0002")["question"]["mine"] == []
    polls.set_state(db, qids[1], "closed")
    assert rooms.get(sid).phone_state("participant-token-0001")["question"] is None
    polls.move_presenter(db, sid, +2)
    assert rooms.get(sid).on_screen().position == 4


def test_a_hidden_open_text_answer_leaves_the_presenter_at_once(db):
    sid, qids = session(db)
    rooms = room.rooms(db)
    text_q = qids[-1]
    polls.set_state(db, text_q, "open")
    for i, words in enumerate(["Call 07700 900123", "More time", "Estates"]):
        rooms.cast(sid, text_q, f"participant-token-{i:04d}", words)
    polls.moderate(db, text_q, "participant-token-0000", True)
    shown = [v.text for v in rooms.get(sid).text_answers(text_q)]
    assert shown == ["More time", "Estates"]
    assert len(rooms.get(sid).text_answers(text_q, include_hidden=True)) == 3
    assert rooms.get(sid).count(text_q) == 3  # hidden from the screen, still an answer


def test_votes_from_many_threads_with_facilitator_actions_between_are_all_kept(db):
    sid, qids = session(db)
    rooms = room.rooms(db)
    qid = qids[0]
    polls.set_state(db, qid, "open")
    errors = []

    def phone(i: int) -> None:
        try:
            for answer in ("sd", "a"):
                rooms.cast(sid, qid, f"participant-token-{i:04d}", answer)
        except Exception as exc:  # noqa: BLE001 - gathered and shown by the assertion
            errors.append(exc)

    threads = [threading.Thread(target=phone, args=(i,)) for i in range(30)]
    for t in threads:
        t.start()
    for _ in range(5):  # the facilitator moves the presenter while the room votes: reloads
        polls.move_presenter(db, sid, +1)
        polls.move_presenter(db, sid, -1)
    for t in threads:
        t.join()
    assert errors == []
    live = rooms.get(sid)
    assert live.count(qid) == polls.answer_count(db, qid) == 30
    assert live.results(qid).set_index("option_code").loc["a", "votes"] == 30


def test_one_refused_vote_in_a_batch_leaves_the_others_committed(db):
    sid, qids = session(db)
    polls.set_state(db, qids[0], "open")
    errors = polls.cast_votes(
        db,
        [
            (qids[0], "participant-token-0001", "a"),
            (qids[0], "participant-token-0002", ["not", {"an": "option"}]),
            (qids[1], "participant-token-0003", "o1"),  # closed
            (qids[0], "participant-token-0004", "sd"),
        ],
    )
    assert [type(e).__name__ if e else None for e in errors] == [None, "PollError", "PollError", None]
    assert "closed" in str(errors[2])
    assert polls.answer_count(db, qids[0]) == 2 and polls.answer_count(db, qids[1]) == 0


def test_votes_arriving_together_are_committed_together(db, monkeypatch):
    sid, qids = session(db)
    rooms = room.rooms(db)
    qid = qids[0]
    polls.set_state(db, qid, "open")
    batches = []
    real = polls.cast_votes

    def slow_commit(db_, votes):
        batches.append(len(votes))
        time.sleep(0.05)  # a slow disk: the votes behind this one queue up
        return real(db_, votes)

    monkeypatch.setattr(polls, "cast_votes", slow_commit)
    threads = [
        threading.Thread(target=rooms.cast, args=(sid, qid, f"participant-token-{i:04d}", "a"))
        for i in range(40)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(batches) == 40 and len(batches) < 20, batches  # far fewer commits than votes
    assert rooms.get(sid).count(qid) == polls.answer_count(db, qid) == 40


def test_a_vote_the_file_refuses_does_not_cost_the_others_in_its_batch(db, monkeypatch):
    sid, qids = session(db)
    rooms = room.rooms(db)
    qid = qids[0]
    polls.set_state(db, qid, "open")
    real = polls.cast_votes

    def refusing(db_, votes):
        time.sleep(0.02)  # let the votes behind it queue into one batch
        if any(token == "participant-token-POISON" for _, token, _ in votes):
            raise DatabaseError("The database reported an error: cannot store this")
        return real(db_, votes)

    monkeypatch.setattr(polls, "cast_votes", refusing)
    outcome = {}

    def phone(token: str) -> None:
        try:
            rooms.cast(sid, qid, token, "a")
            outcome[token] = "ok"
        except DatabaseError:
            outcome[token] = "refused"

    tokens = [f"participant-token-{i:04d}" for i in range(20)] + ["participant-token-POISON"]
    threads = [threading.Thread(target=phone, args=(t,)) for t in tokens]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcome.pop("participant-token-POISON") == "refused"
    assert set(outcome.values()) == {"ok"} and len(outcome) == 20
    assert rooms.get(sid).count(qid) == polls.answer_count(db, qid) == 20
