"""A poll session beyond the one live hour: a self-paced window (every question open to each
participant at their own pace between two times, refused outside it) and duplicates of a session
for another place or date (its questions, not its votes).

Times are the server's local time, stored as plain TIMESTAMPs and always shown with the zone's
name: a window set on a laptop in Preston reads 09:00 (GMT) on the phones, not 09:00 in UTC."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from pcn_data.core import trail
from pcn_data.core.db import Database
from pcn_data.workshop import polls

# What a phone can answer in a self-paced session: the kinds it draws (join_static/paced.js).
PACED_KINDS = ("agreement", "single", "multi", "ranking", "text", "maturity")


def now() -> dt.datetime:
    """Return the server's local time now, to the second (tests set their own clock here)."""
    return dt.datetime.now().replace(microsecond=0)


def zone(at: dt.datetime) -> str:
    """Return the name of the server's time zone at that local time (GMT or BST in the UK)."""
    return at.astimezone().tzname() or "server time"


def when(at: dt.datetime) -> str:
    """Return a local time in words with its zone: 'Tue 1 Dec 2026 at 09:00 (GMT)'."""
    return f"{at:%a} {at.day} {at:%b %Y} at {at:%H:%M} ({zone(at)})"


@dataclass(frozen=True)
class Window:
    """A self-paced session's window: open from opens_at (inclusive) until closes_at (exclusive);
    None on a side means no limit there."""

    opens_at: dt.datetime | None
    closes_at: dt.datetime | None

    def status(self, at: dt.datetime) -> str:
        """Return 'before', 'open' or 'after' the window at that local time."""
        if self.opens_at is not None and at < self.opens_at:
            return "before"
        if self.closes_at is not None and at >= self.closes_at:
            return "after"
        return "open"

    def describe(self, at: dt.datetime) -> str:
        """Return the window in words as a participant reads it at that time."""
        status = self.status(at)
        if status == "before":
            return f"This session opens on {when(self.opens_at)}."
        if status == "after":
            return f"This session closed on {when(self.closes_at)}."
        if self.closes_at is None:
            return "Open: answer at your own pace."
        return f"Open until {when(self.closes_at)}: answer at your own pace."

    def check(self, at: dt.datetime) -> None:
        """Raise PollError when a vote at that time falls outside the window."""
        status = self.status(at)
        if status != "open":
            raise polls.PollError(f"{self.describe(at)[:-1]}: your answer was not recorded.")


def _window_row(row) -> Window | None:
    """Return the Window of a (self_paced, opens_at, closes_at) row, or None for a live session."""
    if not row or not row[0]:
        return None
    return Window(row[1], row[2])


def window(db: Database, session_id: int) -> Window | None:
    """Return a session's self-paced window, or None when the session is run live."""
    df = db.query(
        "SELECT self_paced, opens_at, closes_at FROM poll_session_setting WHERE session_id = ?", [session_id]
    )
    if df.empty:
        return None
    r = df.iloc[0]
    opens, closes = (
        None if pd.isna(r[c]) else pd.Timestamp(r[c]).to_pydatetime() for c in ("opens_at", "closes_at")
    )
    return _window_row((bool(r["self_paced"]), opens, closes))


def vote_row(cur, poll_question_id: int) -> tuple[str, str, Window | None]:
    """Return a question's kind, state and its session's self-paced window (None when run live),
    in one query inside the vote's transaction; raise PollError for a deleted question."""
    rows = cur.execute(
        "SELECT q.kind, q.state, s.self_paced, s.opens_at, s.closes_at FROM poll_question q "
        "LEFT JOIN poll_session_setting s ON s.session_id = q.session_id WHERE q.poll_question_id = ?",
        [poll_question_id],
    ).fetchall()
    if not rows:
        raise polls.PollError("That question no longer exists.")
    kind, state, *window = rows[0]
    return kind, state, _window_row(window)


def check_vote(window: Window | None) -> bool:
    """Return True when a question's session is self-paced (its window, not the question's state,
    decides); raise PollError when a vote now falls outside that window."""
    if window is None:
        return False
    window.check(now())
    return True


def refuse_question_control(db: Database, poll_question_id: int) -> None:
    """Raise PollError when a question's session is self-paced: its window, not a facilitator's
    open or close of one question, decides when every question takes answers."""
    paced = db.scalar(
        "SELECT s.self_paced FROM poll_question q JOIN poll_session_setting s USING (session_id) "
        "WHERE q.poll_question_id = ?",
        [poll_question_id],
    )
    if paced:
        raise polls.PollError(
            "This session is self-paced: its window opens and closes every question. "
            "Change the window on the Live workshop page."
        )


def set_window(
    db: Database, session_id: int, opens_at: dt.datetime | None, closes_at: dt.datetime | None
) -> None:
    """Make a session self-paced, open to votes from opens_at until closes_at (local times)."""
    if opens_at is not None and closes_at is not None and closes_at <= opens_at:
        raise polls.PollError("A session closes after it opens: choose a later closing time.")
    with db.transaction() as cur:
        found = cur.execute("SELECT count(*) FROM poll_session WHERE session_id = ?", [session_id]).fetchall()
        if not found[0][0]:
            raise polls.PollError("That session no longer exists.")
        cur.execute(
            "INSERT INTO poll_session_setting (session_id, self_paced, opens_at, closes_at) "
            "VALUES (?, TRUE, ?, ?) "
            "ON CONFLICT (session_id) DO UPDATE SET self_paced = TRUE, opens_at = excluded.opens_at, "
            "closes_at = excluded.closes_at",
            [session_id, opens_at, closes_at],
        )
        # The presenter and the facilitator's list read the questions' state: all of them open.
        cur.execute("UPDATE poll_question SET state = 'open' WHERE session_id = ?", [session_id])
        cur.execute(
            "UPDATE wave SET status = 'open', closed_on = NULL WHERE wave_id = "
            "(SELECT wave_id FROM poll_session WHERE session_id = ?)",
            [session_id],
        )
        span = " to ".join("-" if t is None else when(t) for t in (opens_at, closes_at))
        trail.record(cur, "poll_control", f"session {session_id}", f"self-paced {span}")
    polls._changed(db, session_id)


def end_window(cur, session_id: int) -> None:
    """End a self-paced session's window now, inside the caller's transaction (a window that has
    already closed keeps its time; a live session has none)."""
    closing = now()
    cur.execute(
        "UPDATE poll_session_setting SET closes_at = ?, "
        "opens_at = CASE WHEN opens_at > ? THEN ? ELSE opens_at END "
        "WHERE session_id = ? AND self_paced AND (closes_at IS NULL OR closes_at > ?)",
        [closing, closing, closing, session_id, closing],
    )


def close_now(db: Database, session_id: int) -> None:
    """Close a self-paced session now: its window ends (the next vote is refused), its questions
    and its wave close, as "Close the session" does."""
    if window(db, session_id) is None:
        raise polls.PollError("This session is not self-paced.")
    polls.close_session(db, session_id, now().date())


def copied_from(db: Database, session_id: int) -> int | None:
    """Return the session this one duplicates, or None."""
    found = db.scalar("SELECT copied_from FROM poll_session_setting WHERE session_id = ?", [session_id])
    return None if found is None else int(found)


def duplicate(db: Database, session_id: int, *, title: str, place_code: str, held_on: dt.date) -> dict:
    """Copy a session (its questions, options, kinds, sensitive flags; no votes, nothing revealed)
    for another place or date; return the copy's session_id, join_code and wave_code."""
    title = title.strip()
    if not title:
        raise polls.PollError("Give the copy a title, e.g. 'Pennine Lancashire CD workshop'.")
    ics_code = polls.place_ics(db, place_code)
    if db.query("SELECT 1 FROM poll_session WHERE session_id = ?", [session_id]).empty:
        raise polls.PollError("That session no longer exists.")
    code = polls.new_join_code(db)
    with db.transaction() as cur:
        new, wave_code = polls.start_session(cur, title, ics_code, place_code, held_on, code)
        old_qs = cur.execute(
            "SELECT poll_question_id, position, question_code, wording, kind, sensitive FROM poll_question "
            "WHERE session_id = ? ORDER BY position",
            [session_id],
        ).fetchall()
        for qid, position, question_code, wording, kind, sensitive in old_qs:
            new_qid = cur.execute(
                "INSERT INTO poll_question (session_id, position, question_code, wording, kind, sensitive) "
                "VALUES (?, ?, ?, ?, ?, ?) RETURNING poll_question_id",
                [new, position, question_code, wording, kind, sensitive],
            ).fetchall()[0][0]
            if kind == "maturity":  # its options are the new place's PCNs, not the old one's
                from pcn_data.workshop import maturity_round

                opts = maturity_round.options(cur, new)
                cur.executemany(
                    "INSERT INTO poll_option VALUES (?, ?, ?, ?)",
                    [[new_qid, code, label, i] for i, (code, label) in enumerate(opts, start=1)],
                )
                continue
            cur.execute(
                "INSERT INTO poll_option SELECT ?, option_code, label, position FROM poll_option "
                "WHERE poll_question_id = ?",
                [new_qid, qid],
            )
        # The copy is run its own way (live or self-paced, its own window); only the approval rule
        # of its Q&A is part of the session's design.
        cur.execute(
            "INSERT INTO poll_session_setting (session_id, qa_approval, copied_from) "
            "SELECT ?, coalesce((SELECT qa_approval FROM poll_session_setting WHERE session_id = ?), FALSE), "
            "?",
            [new, session_id, session_id],
        )
        cur.execute("INSERT INTO poll_presenter VALUES (?, 1)", [new])
        trail.record(cur, "poll_control", f"session {new}", f"copied from session {session_id}")
    return {"session_id": int(new), "join_code": code, "wave_code": wave_code}


def phone_state(room, token: str | None) -> dict:
    """Return what a phone shows in a self-paced session (room: a room.Room whose `paced` is set):
    the window in words and, while it is open, every question in order with the phone's answer."""
    at = now()
    paced: Window = room.paced
    status = paced.status(at)
    questions = []
    if status == "open":
        for q in room.ordered():
            if q.kind not in PACED_KINDS:
                continue
            questions.append(room.question_state(q, token))
    return {
        "title": room.title,
        "code": room.join_code,
        "question": None,
        "self_paced": True,
        "window": {"status": status, "text": paced.describe(at)},
        "questions": questions,
        "answered": sum(1 for q in questions if q["mine"]),
        "total": len(questions),
    }
