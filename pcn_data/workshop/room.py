"""The live room in memory: what phones see and what the presenter counts, kept beside the poll
tables so that a room of phones waiting costs no database query.

One `Room` per poll session holds its questions (wording, options, state, reveal), the
presenter's position, and every participant's current answer. It is loaded from DuckDB once,
then written through: a vote is committed by `polls.cast_vote` and then put in memory, under
the database's write lock, so memory never holds a vote the file does not; a facilitator's
action (open, close, reveal, move, moderate, add) reloads the session's room from the file.

Listeners (the participant page's event streams) are told when a room changes: `structure`
when what phones see changed, `vote` (with the participant's token) when an answer did.
"""

from __future__ import annotations

import logging
import math
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from pcn_data.core import logs
from pcn_data.core.db import Database
from pcn_data.workshop import cloud, maturity_round, polls, qa, session_admin
from pcn_data.workshop.group_commit import GroupCommit

log = logging.getLogger(__name__)
Listener = Callable[[int, str, str | None], None]  # (session_id, what, token)


@dataclass(frozen=True)
class Question:
    """One poll question as phones and the presenter see it."""

    poll_question_id: int
    position: int
    question_code: str | None
    wording: str
    kind: str
    state: str
    results_visible: bool
    options: tuple[tuple[str, str], ...]  # (option_code, label) in order
    sensitive: bool = False  # results given to no one while the question is open


@dataclass(frozen=True)
class Vote:
    """One participant's current answer to one question."""

    codes: tuple[str, ...]  # option codes, in rank order for a ranking
    text: str | None = None
    hidden: bool = False
    cast_at: float = 0.0  # for the order of open-text answers (epoch seconds)
    token: str = ""  # whose it is (the facilitator hides an open-text answer by it)


@dataclass
class Room:
    """A poll session in memory. Read it through its methods; change it only through Rooms."""

    session_id: int
    join_code: str
    title: str
    questions: dict[int, Question] = field(default_factory=dict)
    presenter_position: int = 1
    answers: dict[int, dict[str, Vote]] = field(default_factory=dict)
    hidden_words: dict[int, frozenset[str]] = field(default_factory=dict)  # out of each word cloud
    paced: session_admin.Window | None = None  # a self-paced session's window; None: run live
    qa: qa.Board | None = None  # the room's Q&A questions and votes, when it has a Q&A

    def ordered(self) -> list[Question]:
        """Return the questions in order."""
        return sorted(self.questions.values(), key=lambda q: q.position)

    def open_question(self) -> Question | None:
        """Return the question participants may answer now, or None."""
        return next((q for q in self.ordered() if q.state == "open"), None)

    def on_screen(self) -> Question | None:
        """Return the question the presenter view shows, or None when the session has none."""
        qs = self.ordered()
        return next((q for q in qs if q.position == self.presenter_position), qs[0] if qs else None)

    def count(self, poll_question_id: int) -> int:
        """Return how many participants have answered a question."""
        return len(self.answers.get(poll_question_id, {}))

    def mine(self, poll_question_id: int, token: str) -> list[str]:
        """Return a participant's current answer: option codes in rank order, or [text]."""
        vote = self.answers.get(poll_question_id, {}).get(token)
        if vote is None:
            return []
        return [vote.text] if vote.text is not None else list(vote.codes)

    def withheld(self, poll_question_id: int) -> bool:
        """Return True while a sensitive question is open: its results are given to no one."""
        q = self.questions[poll_question_id]
        return q.sensitive and q.state == "open"

    def _check_shown(self, poll_question_id: int) -> None:
        if self.withheld(poll_question_id):
            raise polls.PollError(polls.SENSITIVE_OPEN)

    def results(self, poll_question_id: int) -> pd.DataFrame:
        """Return a choice question's results as `polls.results` does (same columns, same
        grain: one row per option), counted from memory. Refused while a sensitive question is open."""
        self._check_shown(poll_question_id)
        q = self.questions[poll_question_id]
        votes = list(self.answers.get(poll_question_id, {}).values())
        n, k = len(votes), len(q.options)
        rows = []
        for position, (code, label) in enumerate(q.options, start=1):
            ranks = [v.codes.index(code) + 1 for v in votes if code in v.codes]
            chosen = len(ranks)
            is_ranking = q.kind == "ranking"
            rows.append(
                {
                    "option_code": code,
                    "label": label,
                    "position": position,
                    "votes": chosen,
                    "n": n,
                    "share": chosen / n if n else math.nan,
                    "mean_rank": sum(ranks) / chosen if is_ranking and chosen else math.nan,
                    "points": sum(k + 1 - r for r in ranks) if is_ranking and chosen else math.nan,
                }
            )
        return pd.DataFrame(
            rows, columns=["option_code", "label", "position", "votes", "n", "share", "mean_rank", "points"]
        )

    def text_answers(self, poll_question_id: int, *, include_hidden: bool = False) -> list[Vote]:
        """Return open-text answers, oldest first (hidden ones only when asked). Refused while a
        sensitive question is open, for the facilitator's moderation too."""
        self._check_shown(poll_question_id)
        # list() first: a vote may be added by another thread while this reads (list() of a dict's
        # values is one step under the GIL; a loop over them is not).
        votes = [v for v in list(self.answers.get(poll_question_id, {}).values()) if v.text is not None]
        return sorted(
            (v for v in votes if include_hidden or not v.hidden), key=lambda v: (v.cast_at, v.token)
        )

    def word_counts(self, poll_question_id: int, known: tuple[str, ...] = ()) -> dict[str, int]:
        """Return an open-text question's word cloud counts (`cloud.counts`): its shown answers,
        redacted, without the words the facilitator hid. Refused while a sensitive question is open."""
        texts = [cloud.redacted(v.text, known) for v in self.text_answers(poll_question_id)]
        return cloud.counts(texts, self.hidden_words.get(poll_question_id, frozenset()))

    def question_state(self, q: Question, token: str | None) -> dict:
        """Return one question as a phone draws it, with this phone's own answer."""
        return {
            "id": q.poll_question_id,
            "wording": q.wording,
            "kind": q.kind,
            "options": [{"code": c, "label": label} for c, label in q.options],
            "mine": self.mine(q.poll_question_id, token) if token else [],
            "max_text": polls.MAX_TEXT,
            "sensitive": q.sensitive,  # the phone says why no results show until it closes
        }

    def phone_state(self, token: str | None) -> dict:
        """Return what a participant's phone shows: the session, the open question and their answer."""
        if self.paced is not None:
            return session_admin.phone_state(self, token)
        q = self.open_question()
        state: dict = {"title": self.title, "code": self.join_code, "question": None}
        if q is not None:
            state["question"] = self.question_state(q, token)
            if q.kind == "qa":
                state["question"]["qa"] = qa.phone_view(self, q.poll_question_id, token)
        return state


class Rooms:
    """Every room of one database file, loaded on first use; thread-safe."""

    def __init__(self, db: Database) -> None:
        self._db = weakref.ref(db)
        self._lock = threading.RLock()
        self._rooms: dict[int, Room] = {}
        self._codes: dict[str, int] = {}
        self._listeners: list[Listener] = []
        self._votes = GroupCommit()  # votes waiting for the write lock (see cast)

    @property
    def db(self) -> Database:
        """Return the database these rooms belong to."""
        db = self._db()
        if db is None:  # pragma: no cover - the registry lives no longer than its database
            raise RuntimeError("the database of these rooms has been closed")
        return db

    def listen(self, fn: Listener) -> None:
        """Call fn(session_id, what, token) after every change; what is 'structure' or 'vote'."""
        with self._lock:
            self._listeners.append(fn)

    def unlisten(self, fn: Listener) -> None:
        """Stop calling fn."""
        with self._lock:
            if fn in self._listeners:
                self._listeners.remove(fn)

    @property
    def lock(self) -> threading.RLock:
        """Return the lock of the rooms in memory (held to change one after a commit, see qa.py)."""
        return self._lock

    def tell(self, session_id: int, what: str, token: str | None = None) -> None:
        """Tell listeners a room changed (what: 'structure' for every phone, 'vote' for one token's)."""
        self._tell(session_id, what, token)

    def _tell(self, session_id: int, what: str, token: str | None = None) -> None:
        for fn in list(self._listeners):
            fn(session_id, what, token)

    def by_code(self, join_code: str) -> Room | None:
        """Return the room of the session with this join code (case and spaces ignored), or None."""
        code = "".join(str(join_code).split()).upper()
        with self._lock:
            if code in self._codes:
                return self.get(self._codes[code])
        # Only a code that exists is remembered: a phone typing nonsense does not grow the map.
        session = polls.session_by_code(self.db, code)
        if session is None:
            return None
        with self._lock:
            self._codes[session["join_code"]] = int(session["session_id"])
        return self.get(int(session["session_id"]))

    def get(self, session_id: int) -> Room | None:
        """Return a session's room, loading it from the file on first use; None if there is none."""
        with self._lock:
            room = self._rooms.get(session_id)
            if room is None:
                room = self._load(session_id)
                if room is not None:
                    self._rooms[session_id] = room
            return room

    def peek(self, session_id: int) -> Room | None:
        """Return a session's room if it is in memory, without reading the file."""
        with self._lock:
            return self._rooms.get(session_id)

    def reload(self, session_id: int) -> None:
        """Read a session's room again from the file (after a facilitator's action) and tell listeners."""
        # Read under the write lock (no vote can commit between the read and the swap) but not
        # under the rooms' own lock, which the participant page's event loop takes.
        with self.db.write_lock:
            room = self._load(session_id)
            with self._lock:
                if room is None:
                    self._rooms.pop(session_id, None)
                else:
                    self._rooms[session_id] = room
        self._tell(session_id, "structure")

    def _load(self, session_id: int) -> Room | None:
        """Return a session's room read from the file, or None."""
        db = self.db
        head = db.query("SELECT join_code, title FROM poll_session WHERE session_id = ?", [session_id])
        if head.empty:
            return None
        room = Room(session_id, str(head["join_code"].iloc[0]), str(head["title"].iloc[0]))
        room.presenter_position = polls.presenter_position(db, session_id)
        room.paced = session_admin.window(db, session_id)
        opts = db.query(
            "SELECT o.poll_question_id, o.option_code, o.label FROM poll_option o "
            "JOIN poll_question q USING (poll_question_id) WHERE q.session_id = ? "
            "ORDER BY o.poll_question_id, o.position",
            [session_id],
        )
        by_q: dict[int, list[tuple[str, str]]] = {}
        for qid, code, label in opts.itertuples(index=False, name=None):
            by_q.setdefault(int(qid), []).append((str(code), str(label)))
        for q in polls.questions(db, session_id).itertuples(index=False):
            qid = int(q.poll_question_id)
            room.questions[qid] = Question(
                qid,
                int(q.position),
                None if pd.isna(q.question_code) else str(q.question_code),
                str(q.wording),
                str(q.kind),
                str(q.state),
                bool(q.results_visible),
                tuple(by_q.get(qid, [])),
                bool(q.sensitive),
            )
            room.answers[qid] = {}
        hidden = db.query(
            "SELECT h.poll_question_id, list(h.word ORDER BY h.word) AS words FROM poll_hidden_word h "
            "JOIN poll_question q USING (poll_question_id) WHERE q.session_id = ? GROUP BY ALL",
            [session_id],
        )
        for qid, words in hidden.itertuples(index=False, name=None):
            room.hidden_words[int(qid)] = frozenset(str(w) for w in words)
        if any(q.kind == "qa" for q in room.questions.values()):
            room.qa = qa.load(db, session_id)
        # Grain: one row per participant x question (the option codes gathered in rank order).
        votes = db.query(
            """
            SELECT v.poll_question_id, v.participant_token,
                   coalesce(list(v.option_code ORDER BY v.rank NULLS LAST, v.option_code)
                       FILTER (WHERE v.option_code IS NOT NULL), []::VARCHAR[]) AS codes,
                   any_value(v.value_text) AS value_text, bool_or(v.hidden) AS hidden,
                   epoch(max(v.cast_at)) AS cast_at
            FROM poll_vote v JOIN poll_question q USING (poll_question_id)
            WHERE q.session_id = ? GROUP BY ALL
            """,
            [session_id],
        )
        for qid, token, codes, text, hidden, cast_at in votes.itertuples(index=False, name=None):
            room.answers.setdefault(int(qid), {})[str(token)] = Vote(
                tuple(str(c) for c in codes),
                None if text is None or pd.isna(text) else str(text),
                bool(hidden),
                float(cast_at),
                str(token),
            )
        for qid, token, codes, cast_at in maturity_round.load_votes(db, session_id):
            room.answers.setdefault(qid, {})[token] = Vote(codes, None, False, cast_at, token)
        return room

    def cast(self, session_id: int, poll_question_id: int, token: str, answer) -> list[str]:
        """Record a participant's answer (committed to the file before this returns) and return it
        as `Room.mine` does. Raises polls.PollError when the answer cannot be taken.

        Votes are committed together with those that arrive meanwhile (group_commit)."""
        room = self.get(session_id)
        if room is None or poll_question_id not in room.questions:
            raise polls.PollError("That question is not part of this poll.")
        ticket = _Ticket(session_id, poll_question_id, token, answer)
        self._votes.run(ticket, self.db.write_lock, self._commit)
        if ticket.error is not None:
            raise ticket.error
        self._tell(session_id, "vote", token)
        return ticket.mine

    def _commit(self, batch: list[_Ticket]) -> None:
        """Commit a batch of votes in one transaction and put those taken in memory."""
        try:
            errors = polls.cast_votes(self.db, [(t.poll_question_id, t.token, t.answer) for t in batch])
        except Exception as exc:  # the file refused the transaction
            if len(batch) > 1:
                # One vote the file cannot take must not cost the room theirs: one at a time.
                for t in batch:
                    self._commit([t])
                return
            log.warning("a vote was refused by the database: %s", logs.cause(exc))
            batch[0].error, batch[0].done = exc, True
            return
        now = time.time()
        with self._lock:
            for t, error in zip(batch, errors, strict=True):
                t.done = True
                if error is not None:
                    t.error = error
                    continue
                current = self._rooms.get(t.session_id)
                if current is None or t.poll_question_id not in current.questions:
                    continue  # read again from the file on its next use
                kind = current.questions[t.poll_question_id].kind
                answers = current.answers.setdefault(t.poll_question_id, {})
                before = answers.get(t.token)
                hidden = before is not None and before.hidden  # as the file keeps it (polls._cast)
                if kind == "text":
                    vote = Vote((), polls.typed_text(t.answer), hidden, now, t.token)
                elif kind == "ranking":
                    vote = Vote(tuple(t.answer), None, hidden, now, t.token)
                elif kind == maturity_round.KIND:
                    vote = Vote(maturity_round.codes(t.answer), None, False, now, t.token)
                else:  # in the file's order: a multiple choice is a set
                    codes = (t.answer,) if kind in ("agreement", "single") else tuple(sorted(t.answer))
                    vote = Vote(codes, None, hidden, now, t.token)
                answers[t.token] = vote
                t.mine = current.mine(t.poll_question_id, t.token)


@dataclass
class _Ticket:
    """One vote waiting for its commit, and what became of it."""

    session_id: int
    poll_question_id: int
    token: str
    answer: object
    done: bool = False
    error: Exception | None = None
    mine: list[str] = field(default_factory=list)


_registry: weakref.WeakKeyDictionary[Database, Rooms] = weakref.WeakKeyDictionary()
_registry_lock = threading.Lock()


def rooms(db: Database) -> Rooms:
    """Return the rooms of this database file (one registry per open database)."""
    with _registry_lock:
        found = _registry.get(db)
        if found is None:
            found = _registry[db] = Rooms(db)
        return found


def _on_poll_change(db: Database, session_id: int) -> None:
    """Reload a session's room after a facilitator's action, if its rooms are in memory."""
    with _registry_lock:
        found = _registry.get(db)
    if found is not None:
        found.reload(session_id)


polls.on_change(_on_poll_change)
