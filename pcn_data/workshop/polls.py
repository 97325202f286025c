"""Live workshop polls: sessions stored as waves of kind 'poll', questions from the bank (so the
room's answers compare with the survey) or written on the day, and one answer per participant
per question, replaced when they change it. Every vote is committed when it is cast."""

from __future__ import annotations

import datetime as dt
import secrets
import unicodedata
from dataclasses import dataclass

import pandas as pd

from pcn_data.core import trail
from pcn_data.core.config import min_reveal_votes
from pcn_data.core.db import Database
from pcn_data.core.errors import PcnDataError
from pcn_data.core.filters import Filters, where
from pcn_data.survey.queries import add_shares, list_waves, option_counts
from pcn_data.survey.stats import suppress
from pcn_data.survey.voices import redact
from pcn_data.workshop import cloud

KINDS = {
    "agreement": "Agreement scale",
    "single": "Single choice",
    "multi": "Multiple choice",
    "ranking": "Ranking",
    "text": "Open text",
    "qa": "Q&A",  # the room asks questions and votes them up (pcn_data/workshop/qa.py)
    "maturity": "PCN maturity matrix",
}
AGREE5 = [
    ("sd", "Strongly disagree"),
    ("d", "Disagree"),
    ("n", "Neither agree nor disagree"),
    ("a", "Agree"),
    ("sa", "Strongly agree"),
]
# Join codes avoid letters and digits that read alike on a projector (0/O, 1/I/L).
_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
MAX_TEXT = 280
# A sensitive question's results wait for it to close, so that no one watches votes land one by one.
SENSITIVE_OPEN = "This question is sensitive: its results can be shown once it is closed."


class PollError(PcnDataError):
    """A poll action that cannot be done now; the message says why."""


# Called with (db, session_id) after a facilitator's action commits: the live room (room.py)
# reloads the session, so phones and the presenter see the change without polling the file.
_listeners: list = []


def on_change(fn) -> None:
    """Call fn(db, session_id) after every committed change to a session's questions or state."""
    if fn not in _listeners:
        _listeners.append(fn)


def _changed(db: Database, session_id: int) -> None:
    for fn in list(_listeners):
        fn(db, int(session_id))


@dataclass(frozen=True)
class QuestionSpec:
    """A question to add to a session: from the bank (question_code) or ad hoc."""

    wording: str
    kind: str
    options: tuple[str, ...] = ()  # labels, for ad-hoc single/multi/ranking questions
    question_code: str | None = None
    sensitive: bool = False  # results only once the question is closed


def bank_question(db: Database, question_code: str) -> QuestionSpec:
    """Return a QuestionSpec for a bank question, keeping its options so answers compare."""
    q = db.query("SELECT wording, kind, scale_code FROM question WHERE question_code = ?", [question_code])
    if q.empty:
        raise PollError(f"There is no question {question_code!r} in the bank.")
    wording, kind, scale = q.iloc[0]
    kind = {"text": "text", "multi": "multi"}.get(kind, "agreement" if scale == "agree5" else "single")
    return QuestionSpec(wording, kind, question_code=question_code)


def new_join_code(db: Database) -> str:
    """Return a six-character join code no session uses."""
    while True:
        code = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(6))
        if not db.scalar("SELECT count(*) FROM poll_session WHERE join_code = ?", [code]):
            return code


def create_session(
    db: Database, *, title: str, place_code: str, held_on: dt.date, questions: list[QuestionSpec]
) -> dict:
    """Create a poll session (a wave of kind poll) with its questions; return its ids and join code."""
    title = title.strip()
    if not title:
        raise PollError("Give the session a title, e.g. 'Morecambe Bay CD workshop'.")
    if not questions:
        raise PollError("Add at least one question.")
    ics_code = place_ics(db, place_code)
    for q in questions:
        _check_spec(q)
    code = new_join_code(db)
    with db.transaction() as cur:
        session, wave_code = start_session(cur, title, ics_code, place_code, held_on, code)
        for position, q in enumerate(questions, start=1):
            _insert_question(cur, db, session, position, q)
        cur.execute("INSERT INTO poll_presenter VALUES (?, 1)", [session])
        trail.record(cur, "poll_control", f"session {session}", f"created with {len(questions)} questions")
    return {"session_id": session, "join_code": code, "wave_code": wave_code}


def place_ics(db: Database, place_code: str) -> str:
    """Return the ICS of the place a session is held in; raise PollError for an unknown place."""
    place = db.query("SELECT ics_code FROM place WHERE place_code = ?", [place_code])
    if place.empty:
        raise PollError(f"Unknown place {place_code!r}.")
    return place["ics_code"].iloc[0]


def start_session(
    cur, title: str, ics_code: str, place_code: str, held_on: dt.date, join_code: str
) -> tuple[int, str]:
    """Insert, in the caller's transaction, a session's wave (kind poll) and the session itself;
    return the session id and the wave code."""
    wave_code = f"poll-{place_code}-{held_on:%Y%m%d}-{join_code}"
    cur.execute(
        "INSERT INTO wave (wave_code, name, kind, ics_code, place_code, opened_on, status) "
        "VALUES (?, ?, 'poll', ?, ?, ?, 'open')",
        [wave_code, title, ics_code, place_code, held_on],
    )
    wave_id = cur.execute("SELECT wave_id FROM wave WHERE wave_code = ?", [wave_code]).fetchall()[0][0]
    session = cur.execute(
        "INSERT INTO poll_session (wave_id, join_code, title) VALUES (?, ?, ?) RETURNING session_id",
        [wave_id, join_code, title],
    ).fetchall()[0][0]
    return session, wave_code


def _check_spec(q: QuestionSpec) -> None:
    """Raise PollError when an ad-hoc question is incomplete."""
    if q.kind not in KINDS:
        raise PollError(f"Unknown question type {q.kind!r}.")
    if not q.wording.strip():
        raise PollError("A question needs its wording.")
    if q.sensitive and q.kind == "qa":
        # A Q&A is shown live, question by question as each is approved: nothing it could withhold.
        raise PollError(
            "A Q&A cannot be marked sensitive: its questions show on the screen as you approve them. "
            "To see each question before the room does, turn on “Q&A questions wait for my approval”."
        )
    if q.question_code is None and q.kind in ("single", "multi", "ranking"):
        labels = [o.strip() for o in q.options if o.strip()]
        if len(labels) < 2:
            raise PollError(f"“{q.wording}” needs at least two options, one per line.")
        if len(set(labels)) != len(labels):
            raise PollError(f"“{q.wording}” lists the same option twice.")


def _insert_question(cur, db: Database, session: int, position: int, q: QuestionSpec) -> None:
    """Insert one question and its options."""
    if q.question_code:
        options = list(
            db.query(
                "SELECT option_code, label FROM option WHERE question_code = ? ORDER BY sort_order",
                [q.question_code],
            ).itertuples(index=False, name=None)
        )
    elif q.kind == "agreement":
        options = AGREE5
    elif q.kind == "maturity":
        from pcn_data.workshop import maturity_round  # it builds on this module

        options = maturity_round.options(cur, session)
    else:
        options = [(f"o{i}", label.strip()) for i, label in enumerate(q.options, start=1) if label.strip()]
    qid = cur.execute(
        "INSERT INTO poll_question (session_id, position, question_code, wording, kind, sensitive) "
        "VALUES (?, ?, ?, ?, ?, ?) RETURNING poll_question_id",
        [session, position, q.question_code, q.wording.strip(), q.kind, bool(q.sensitive)],
    ).fetchall()[0][0]
    if options and q.kind not in ("text", "qa"):
        cur.executemany(
            "INSERT INTO poll_option VALUES (?, ?, ?, ?)",
            [[qid, code, label, i] for i, (code, label) in enumerate(options, start=1)],
        )


def join_qr_svg(url: str) -> str:
    """Return an SVG QR code of the join URL, dark on white, sized by its container."""
    import segno

    return segno.make(url, error="m").svg_inline(scale=12, border=2, dark="#212B32", light="#FFFFFF")


def add_question(db: Database, session_id: int, spec: QuestionSpec) -> int:
    """Append a question to a session; return its position."""
    _check_spec(spec)
    with db.transaction(bump_version=False) as cur:
        position = cur.execute(
            "SELECT coalesce(max(position), 0) + 1 FROM poll_question WHERE session_id = ?", [session_id]
        ).fetchall()[0][0]
        _insert_question(cur, db, session_id, position, spec)
        trail.record(cur, "poll_control", f"session {session_id}", f"question {position} added")
    _changed(db, session_id)
    return position


def close_session(db: Database, session_id: int, closed_on: dt.date) -> None:
    """Close every question of a session and mark its wave closed on that date."""
    from pcn_data.workshop import session_admin  # (it imports this module)

    with db.transaction() as cur:
        cur.execute("UPDATE poll_question SET state = 'closed' WHERE session_id = ?", [session_id])
        # A self-paced session's window decides when it takes votes: it ends now too.
        session_admin.end_window(cur, session_id)
        cur.execute(
            "UPDATE wave SET status = 'closed', closed_on = ? WHERE wave_id = "
            "(SELECT wave_id FROM poll_session WHERE session_id = ?)",
            [closed_on, session_id],
        )
        trail.record(cur, "poll_control", f"session {session_id}", "closed")
    _changed(db, session_id)


def my_answer(db: Database, poll_question_id: int, token: str) -> list:
    """Return a participant's current answer: option codes in rank order, or [text]."""
    df = db.query(
        "SELECT option_code, value_text FROM poll_vote WHERE poll_question_id = ? AND participant_token = ? "
        "ORDER BY rank NULLS LAST, option_code",
        [poll_question_id, token],
    )
    return [t if pd.notna(t) else o for o, t in df.itertuples(index=False)]


def list_sessions(db: Database) -> pd.DataFrame:
    """Return every live poll session, newest first: session_id, title, join_code, place, held_on."""
    return db.query(
        """
        SELECT s.session_id, s.title, s.join_code, w.place_code, p.name AS place, w.opened_on AS held_on,
               w.wave_code, s.created_at, count(q.poll_question_id) AS questions
        FROM poll_session s JOIN wave w USING (wave_id) LEFT JOIN place p ON p.place_code = w.place_code
        LEFT JOIN poll_question q ON q.session_id = s.session_id
        GROUP BY ALL ORDER BY s.created_at DESC, s.session_id DESC
        """
    )


def sessions_asking(db: Database, question_codes: tuple[str, ...], f: Filters) -> pd.DataFrame:
    """Return the poll sessions held in the chosen places (or ICS) that asked any of these bank
    questions, newest first: session_id, title, place, held_on."""
    cond, params = where(f, {"ics": "w.ics_code", "places": "w.place_code"})  # wave, PCNs, roles ignored
    return db.query(
        f"""
        SELECT s.session_id, s.title, p.name AS place, w.opened_on AS held_on
        FROM poll_session s JOIN wave w USING (wave_id) JOIN place p ON p.place_code = w.place_code
        WHERE {cond} AND EXISTS (
            SELECT 1 FROM poll_question q
            WHERE q.session_id = s.session_id AND list_contains(?, q.question_code)
        )
        ORDER BY w.opened_on DESC, s.session_id DESC
        """,
        [*params, list(question_codes)],
    )


def session_by_code(db: Database, join_code: str) -> dict | None:
    """Return the session with this join code (case and spaces ignored), or None."""
    code = "".join(join_code.split()).upper()
    df = db.query("SELECT session_id, title, join_code FROM poll_session WHERE join_code = ?", [code])
    return None if df.empty else df.iloc[0].to_dict()


def questions(db: Database, session_id: int) -> pd.DataFrame:
    """Return a session's questions in order, with their answer counts.

    Grain: one row per question; `answers` counts participants (not option rows)."""
    return db.query(
        """
        SELECT q.poll_question_id, q.position, q.question_code, q.wording, q.kind, q.state,
               q.results_visible, count(DISTINCT v.participant_token) AS answers, q.sensitive
        FROM poll_question q LEFT JOIN poll_vote v ON v.poll_question_id = q.poll_question_id
        WHERE q.session_id = ? GROUP BY ALL ORDER BY q.position
        """,
        [session_id],
    )


def options(db: Database, poll_question_id: int) -> pd.DataFrame:
    """Return a question's options in order: option_code, label."""
    return db.query(
        "SELECT option_code, label FROM poll_option WHERE poll_question_id = ? ORDER BY position",
        [poll_question_id],
    )


def open_question(db: Database, session_id: int) -> dict | None:
    """Return the question participants may answer now, or None (without its answer count: every
    phone asks this every 2 s, and counting the votes then would be work for nobody)."""
    df = db.query(
        """
        SELECT poll_question_id, position, question_code, wording, kind, state, results_visible
        FROM poll_question WHERE session_id = ? AND state = 'open' ORDER BY position LIMIT 1
        """,
        [session_id],
    )
    return None if df.empty else df.iloc[0].to_dict()


def _question_row(cur, poll_question_id: int, columns: str) -> tuple:
    """Return the named columns of a question inside a transaction; refuse a deleted question."""
    # columns is written by this module, never taken from a user.
    row = cur.execute(
        f"SELECT {columns} FROM poll_question WHERE poll_question_id = ?", [poll_question_id]
    ).fetchall()
    if not row:
        raise PollError("That question no longer exists.")
    return row[0]


def set_state(db: Database, poll_question_id: int, state: str) -> None:
    """Open a question (closing any other open one, and showing it on the presenter) or close it."""
    if state not in ("open", "closed"):
        raise PollError(f"Unknown state {state!r}.")
    from pcn_data.workshop import session_admin  # (it imports this module)

    session_admin.refuse_question_control(db, poll_question_id)
    with db.transaction(bump_version=False) as cur:
        session, position = _question_row(cur, poll_question_id, "session_id, position")
        if state == "open":
            # One open question at a time: a phone shows only the question the room is on.
            cur.execute(
                "UPDATE poll_question SET state = 'closed' WHERE session_id = ? AND state = 'open'", [session]
            )
            cur.execute("UPDATE poll_presenter SET position = ? WHERE session_id = ?", [position, session])
        cur.execute(
            "UPDATE poll_question SET state = ? WHERE poll_question_id = ?", [state, poll_question_id]
        )
        if state == "open":  # a sensitive question opened again hides its results until it closes
            cur.execute(
                "UPDATE poll_question SET results_visible = false WHERE poll_question_id = ? AND sensitive",
                [poll_question_id],
            )
        trail.record(cur, "poll_control", f"poll question {poll_question_id}", state)
    _changed(db, session)


def reveal(db: Database, poll_question_id: int, visible: bool = True) -> None:
    """Show or hide a question's results; a reveal needs the configured number of answers."""
    if visible:
        if withheld(db, poll_question_id):
            raise PollError(SENSITIVE_OPEN)
        n = answer_count(db, poll_question_id)
        need = min_reveal_votes()
        if n < need:
            raise PollError(f"{n} answers so far: results can be revealed from {need} answers.")
    with db.transaction(bump_version=False) as cur:
        (session,) = _question_row(cur, poll_question_id, "session_id")
        cur.execute(
            "UPDATE poll_question SET results_visible = ? WHERE poll_question_id = ?",
            [visible, poll_question_id],
        )
        trail.record(
            cur,
            "poll_control",
            f"poll question {poll_question_id}",
            "results shown" if visible else "results hidden",
        )
    _changed(db, session)


def presenter_position(db: Database, session_id: int) -> int:
    """Return the position of the question the presenter view shows."""
    return int(db.scalar("SELECT position FROM poll_presenter WHERE session_id = ?", [session_id]) or 1)


def move_presenter(db: Database, session_id: int, step: int) -> int:
    """Move the presenter view to the next (+1) or previous (-1) question; return the new position."""
    last = int(db.scalar("SELECT max(position) FROM poll_question WHERE session_id = ?", [session_id]) or 1)
    position = min(max(presenter_position(db, session_id) + step, 1), last)
    with db.transaction(bump_version=False) as cur:
        cur.execute("UPDATE poll_presenter SET position = ? WHERE session_id = ?", [position, session_id])
        trail.record(cur, "poll_control", f"session {session_id}", f"presenter on question {position}")
    _changed(db, session_id)
    return position


def new_participant_token() -> str:
    """Return an anonymous participant token: random, tied to nothing about the person."""
    return secrets.token_urlsafe(12)


def cast_vote(db: Database, poll_question_id: int, token: str, answer) -> None:
    """Record a participant's answer, replacing any earlier one; commit it before returning.

    Phones vote through the live room (`room.Rooms.cast`), which keeps its memory in step; a vote
    written here directly reaches a room already loaded only when the facilitator next acts.

    answer: an option code (agreement, single), a list of codes (multi), codes in rank order
    (ranking), or text (text)."""
    (error,) = cast_votes(db, [(poll_question_id, token, answer)])
    if error is not None:
        raise error


def cast_votes(db: Database, votes: list[tuple[int, str, object]]) -> list[PollError | None]:
    """Record several participants' answers in one transaction (a room voting at once commits
    once, not once a phone); return, for each, None or the PollError that refused it.

    A refused vote writes nothing and does not stop the others. votes: (question, token, answer)."""
    errors: list[PollError | None] = []
    # Votes do not bump the data version: a room voting must not empty every chart's cache.
    with db.transaction(bump_version=False) as cur:
        for poll_question_id, token, answer in votes:
            try:
                _cast(cur, poll_question_id, token, answer)
            except PollError as exc:
                errors.append(exc)
            else:
                errors.append(None)
    return errors


def _cast(cur, poll_question_id: int, token: str, answer) -> None:
    """Replace one participant's answer inside a transaction; raise PollError before writing."""
    if not token or len(token) > 64:
        raise PollError("This phone has no participant token: reload the join page.")
    from pcn_data.workshop import session_admin  # (it imports this module)

    # The question and its session's self-paced window in one query (a vote's cost is its queries).
    kind, state, window = session_admin.vote_row(cur, poll_question_id)
    # A self-paced session's window decides, not the question's state: every question is open in it.
    if not session_admin.check_vote(window) and state != "open":
        raise PollError("This question has closed: your answer was not recorded.")
    valid = {
        r[0]
        for r in cur.execute(
            "SELECT option_code FROM poll_option WHERE poll_question_id = ?", [poll_question_id]
        ).fetchall()
    }
    if kind == "maturity":  # its own table: a stage per domain, not option rows
        from pcn_data.workshop import maturity_round

        maturity_round.write(cur, poll_question_id, token, answer, valid)
        return
    rows = _vote_rows(kind, answer, valid)
    # An answer the facilitator hid stays hidden when it is sent again, or changed: moderation is
    # of the participant's answer, not of one wording of it.
    hidden = bool(
        cur.execute(
            "SELECT coalesce(bool_or(hidden), false) FROM poll_vote "
            "WHERE poll_question_id = ? AND participant_token = ?",
            [poll_question_id, token],
        ).fetchall()[0][0]
    )
    cur.execute(
        "DELETE FROM poll_vote WHERE poll_question_id = ? AND participant_token = ?",
        [poll_question_id, token],
    )
    cur.executemany(
        "INSERT INTO poll_vote (poll_question_id, participant_token, option_code, rank, value_text, hidden) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [[poll_question_id, token, *r, hidden] for r in rows],
    )


def typed_text(answer) -> str:
    """Return an open-text answer as a person typed it: without control characters (a NUL is
    not text), and empty when nothing in it would show (only spaces and invisible characters)."""
    if not isinstance(answer, str):
        return ""
    try:
        answer.encode("utf-8")
    except UnicodeEncodeError:  # an unpaired surrogate: no keyboard types it, the file cannot hold it
        # Deliberately no cause and no log line: the error holds the participant's whole answer
        # (its .object), and the phone is told what to do.
        raise PollError("That answer could not be read: type it again.") from None
    text = "".join(c for c in answer if c in "\n\t" or unicodedata.category(c) != "Cc").strip()
    visible = [c for c in text if unicodedata.category(c) not in ("Cf", "Zs", "Zl", "Zp") and not c.isspace()]
    return text if visible else ""


def _vote_rows(kind: str, answer, valid: set[str]) -> list[tuple]:
    """Return (option_code, rank, value_text) rows for an answer; raise PollError when invalid."""
    if kind == "text":
        text = typed_text(answer)
        if not text:
            raise PollError("Write an answer first.")
        if len(text) > MAX_TEXT:
            raise PollError(f"Keep it under {MAX_TEXT} characters.")
        return [(None, None, text)]
    codes = [answer] if kind in ("agreement", "single") else list(answer or [])
    if not codes or any(not isinstance(c, str) or c not in valid for c in codes):
        raise PollError("Choose one of the options.")
    if len(set(codes)) != len(codes):
        raise PollError("Each option can be chosen once.")
    if kind == "ranking":
        if set(codes) != valid:
            raise PollError("Put every option in order.")
        return [(c, i, None) for i, c in enumerate(codes, start=1)]
    return [(c, None, None) for c in codes]


def withheld(db: Database, poll_question_id: int) -> bool:
    """Return True while a sensitive question is open: its results are given to no one."""
    return bool(
        db.scalar(
            "SELECT count(*) FROM poll_question WHERE poll_question_id = ? AND sensitive AND state = 'open'",
            [poll_question_id],
        )
    )


def answer_count(db: Database, poll_question_id: int) -> int:
    """Return how many participants have answered a question."""
    return int(
        db.scalar(
            "SELECT count(DISTINCT participant_token) FROM (SELECT participant_token FROM poll_vote "
            "WHERE poll_question_id = ? UNION ALL SELECT participant_token FROM poll_maturity "
            "WHERE poll_question_id = ?)",
            [poll_question_id, poll_question_id],
        )
    )


def results(db: Database, poll_question_id: int) -> pd.DataFrame:
    """Return a choice question's results: option_code, label, votes, n, share, mean_rank, points.

    Grain: one row per option. `n` is the participants who answered; `share` is votes / n (for
    multiple choice, the share of participants who chose the option). Ranking: `mean_rank`
    (1 = top) and Borda `points` (k for a first place ... 1 for a last). Refused (PollError) while
    a sensitive question is open."""
    if withheld(db, poll_question_id):
        raise PollError(SENSITIVE_OPEN)
    return db.query(
        """
        WITH v AS (SELECT * FROM poll_vote WHERE poll_question_id = ?),
             n AS (SELECT count(DISTINCT participant_token) AS n FROM v),
             k AS (SELECT count(*) AS k FROM poll_option WHERE poll_question_id = ?),
             per AS (
                 SELECT o.option_code, o.label, o.position, count(v.participant_token) AS votes,
                        avg(v.rank) AS mean_rank, sum(k.k + 1 - v.rank) AS points
                 FROM poll_option o LEFT JOIN v ON v.option_code = o.option_code CROSS JOIN k
                 WHERE o.poll_question_id = ?
                 GROUP BY ALL
             )
        SELECT per.option_code, per.label, per.position, per.votes, n.n,
               CASE WHEN n.n > 0 THEN per.votes / n.n END AS share, per.mean_rank, per.points
        FROM per CROSS JOIN n ORDER BY per.position
        """,
        [poll_question_id, poll_question_id, poll_question_id],
    )


def text_answers(db: Database, poll_question_id: int, *, include_hidden: bool = False) -> pd.DataFrame:
    """Return open-text answers, oldest first: participant_token, value_text, hidden, cast_at.
    Refused (PollError) while a sensitive question is open, to the facilitator too."""
    if withheld(db, poll_question_id):
        raise PollError(SENSITIVE_OPEN)
    return db.query(
        """
        SELECT participant_token, value_text, hidden, cast_at FROM poll_vote
        WHERE poll_question_id = ? AND value_text IS NOT NULL AND (? OR NOT hidden)
        ORDER BY cast_at, participant_token
        """,
        [poll_question_id, include_hidden],
    )


def moderate(db: Database, poll_question_id: int, token: str, hidden: bool) -> None:
    """Hide an open-text answer from the presenter view (or show it again)."""
    with db.transaction(bump_version=False) as cur:
        (session,) = _question_row(cur, poll_question_id, "session_id")
        cur.execute(
            "UPDATE poll_vote SET hidden = ? WHERE poll_question_id = ? AND participant_token = ?",
            [hidden, poll_question_id, token],
        )
        # Which answer by the question only: the answer's text stays out of the trail.
        done = "answer hidden" if hidden else "answer shown"
        trail.record(cur, "moderation", f"poll question {poll_question_id}", done)
    _changed(db, session)


def hidden_words(db: Database, poll_question_id: int) -> list[str]:
    """Return the words taken out of an open-text question's word cloud, A to Z."""
    df = db.query(
        "SELECT word FROM poll_hidden_word WHERE poll_question_id = ? ORDER BY word", [poll_question_id]
    )
    return df["word"].tolist()


def hide_word(db: Database, poll_question_id: int, word: str, hidden: bool = True) -> None:
    """Take a word out of an open-text question's word cloud (and its answers on the presenter),
    or put it back."""
    word = cloud.normalise(word)
    if hidden and not cloud.is_word(word):
        raise PollError("Type one word from the cloud to hide it.")
    with db.transaction(bump_version=False) as cur:
        session, kind = _question_row(cur, poll_question_id, "session_id, kind")
        if kind != "text":
            raise PollError("Only an open-text question has a word cloud.")
        cur.execute(
            "DELETE FROM poll_hidden_word WHERE poll_question_id = ? AND word = ?", [poll_question_id, word]
        )
        if hidden:
            cur.execute("INSERT INTO poll_hidden_word VALUES (?, ?)", [poll_question_id, word])
        # Which question only: the word may be the very thing the facilitator took out of sight.
        done = "word hidden" if hidden else "word shown"
        trail.record(cur, "moderation", f"poll question {poll_question_id}", done)
    _changed(db, session)


def session_results(db: Database, session_id: int) -> pd.DataFrame:
    """Return a session's aggregated results for export: one row per question x option
    (one row per shown answer for open text), never a row per participant.

    An export follows the room's rules: only questions whose results were revealed and that
    reached the reveal minimum are in it; open text is redacted as on every page, and answers
    the facilitator hid are left out. A Q&A gives one row per question the room saw (approved or
    answered: `option` says which), redacted, with its votes (pcn_data/workshop/qa.py)."""
    rows = []
    need = min_reveal_votes()
    known = db.query("SELECT name FROM pcn")["name"].tolist()
    known += [n.removesuffix(" PCN") for n in known if n.endswith(" PCN")]
    for q in questions(db, session_id).itertuples(index=False):
        if q.kind == "qa":  # the questions the room saw (approved, answered), redacted, with votes
            from pcn_data.workshop import qa  # qa imports this module

            asked = qa.export_rows(db, q.poll_question_id)
            base = {
                "position": q.position,
                "question": q.wording,
                "type": KINDS[q.kind],
                "answers": len(asked),
            }
            for r in asked.itertuples(index=False):
                status = "Answered" if r.status == "answered" else "Not answered"
                rows.append({**base, "option": status, "votes": r.votes, "share_pct": None, "text": r.text})
            continue
        if q.kind == "maturity":  # its answers are in a table of their own: the room's spread
            from pcn_data.workshop import maturity_round

            if not (q.sensitive and q.state == "open"):
                rows += maturity_round.export_rows(db, q, need)
            continue
        if not q.results_visible or q.answers < need or (q.sensitive and q.state == "open"):
            continue
        base = {"position": q.position, "question": q.wording, "type": KINDS[q.kind], "answers": q.answers}
        if q.kind == "text":
            gone = hidden_words(db, q.poll_question_id)  # as the presenter showed it
            for text in text_answers(db, q.poll_question_id)["value_text"]:
                shown = cloud.mask(redact(text, known), gone)
                rows.append({**base, "option": "", "votes": None, "share_pct": None, "text": shown})
            continue
        for r in results(db, q.poll_question_id).itertuples(index=False):
            share = None if pd.isna(r.share) else round(100 * r.share, 1)
            rows.append(
                {**base, "option": r.label, "votes": r.votes, "share_pct": share,
                 "mean_rank": None if pd.isna(r.mean_rank) else round(r.mean_rank, 2), "text": ""}
            )  # fmt: skip
    columns = ["position", "question", "type", "answers", "option", "votes", "share_pct", "mean_rank", "text"]
    return pd.DataFrame(rows, columns=columns)


def survey_comparison(db: Database, session_id: int) -> pd.DataFrame:
    """Return the room's answers beside the latest survey wave that publishes answers to the same
    bank questions from the same place; attrs name the place and the wave (None when none does).

    Grain: question x option. Both sides are counted alike (shares of substantive answers, as on
    the results pages) and pass through the one suppression step: a side with fewer than K
    answers shows no numbers."""
    meta = db.query(
        "SELECT w.place_code FROM poll_session s JOIN wave w USING (wave_id) WHERE s.session_id = ?",
        [session_id],
    )
    waves = list_waves(db)
    if meta.empty or waves.empty:
        return pd.DataFrame()
    place = meta["place_code"].iloc[0]
    # Grain: bank question x option, counted over the room's participants (as option_counts does).
    room = db.query(
        """
        SELECT q.question_code, 'room' AS wave_code, 'room' AS parent, 'room' AS grp, q.wording,
               o.option_code, o.label, o.sort_order, o.polarity, o.is_exclusive,
               (SELECT count(DISTINCT v2.participant_token) FROM poll_vote v2
                WHERE v2.poll_question_id = q.poll_question_id) AS n,
               count(DISTINCT v.participant_token) AS count
        FROM poll_question q JOIN option o ON o.question_code = q.question_code
        LEFT JOIN poll_vote v ON v.poll_question_id = q.poll_question_id AND v.option_code = o.option_code
        WHERE q.session_id = ? AND q.kind IN ('agreement', 'single', 'multi')
              AND NOT (q.sensitive AND q.state = 'open')
        GROUP BY ALL ORDER BY q.question_code, o.sort_order
        """,
        [session_id],
    )
    if room.empty:
        return pd.DataFrame()
    keys = ["question_code", "wave_code", "parent", "grp"]
    room = add_shares(suppress(room, group_cols=keys, partition_by=keys[:3]))
    # The latest wave is not always the one to compare with: a round that reached no one in this
    # place (or too few to publish) would show an empty survey side. The choice reads only
    # published cells, so it tells no more than the results pages do.
    wave, survey = None, pd.DataFrame(columns=["question_code", "option_code", "n", "share", "suppressed"])
    for code in reversed(waves["wave_code"].tolist()):
        counts = option_counts(
            db, list(room["question_code"].unique()), Filters(wave=code, places=(place,)), by="place"
        )
        if counts["n"].notna().any():
            wave, survey = code, add_shares(counts)[list(survey.columns)]
            break
    out = room[["question_code", "wording", "option_code", "label", "count", "n", "share"]].rename(
        columns={"count": "room_votes", "n": "room_n", "share": "room_share"}
    )
    out = out.merge(
        survey.rename(columns={"n": "survey_n", "share": "survey_share", "suppressed": "survey_suppressed"}),
        on=["question_code", "option_code"],
        how="left",
    ).rename(columns={"wording": "question"})
    name = None if wave is None else waves.loc[waves["wave_code"] == wave, "name"].iloc[0]
    out.attrs.update({"wave": wave, "wave_name": name, "place": place})
    return out
