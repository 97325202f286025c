"""Q&A: on a poll question of kind 'qa' the room asks questions from their phones and votes the
others' up; the facilitator approves (when the session asks for approval), hides, or marks them
answered; the presenter shows the top ones live.

Rules, decided here:
- a question is open text as a person typed it (`polls.typed_text`), at most `polls.MAX_TEXT`
  characters, and a participant asks at most MAX_PER_PERSON on one Q&A (hidden ones count, so
  that hiding is not a way to ask more);
- with approval on (poll_session_setting.qa_approval) a question is 'pending' and seen by its
  author and the facilitator only; without, it is 'approved' at once;
- one vote a participant an item, which they can withdraw; no vote for one's own question (a
  count then says how many others want it asked); votes only for approved questions while the
  Q&A is open;
- the room (phones, presenter, export) sees questions redacted as open-text answers are; the
  facilitator moderates the words typed; no one but the author is told who asked.

Phones act through `submit` and `vote`, a group commit like `room.Rooms.cast`: actions that
arrive while a commit is under way are committed together, then put in the room in memory under
the database's write lock. Facilitator actions commit here and reload the room (`polls._changed`).
"""

from __future__ import annotations

import html
import json
import re
import threading
import time
import weakref
from dataclasses import dataclass, field, replace
from functools import lru_cache

import pandas as pd

from pcn_data.core import trail
from pcn_data.core.db import Database
from pcn_data.survey.redaction import known_names, redact
from pcn_data.workshop import polls
from pcn_data.workshop.group_commit import GroupCommit

MAX_PER_PERSON = 5
STATUSES = ("pending", "approved", "hidden", "answered")
PRESENTER_TOP = 8  # questions shown on the projector, most votes first
PRESENTER_ANSWERED = 3  # the latest answered ones, listed apart
PUSH_EVERY_S = 0.25  # phones are told of the room's votes at most this often (see _tell_soon)


@dataclass(frozen=True)
class Item:
    """One question asked by the room, as memory holds it (replaced, never changed in place)."""

    item_id: int
    poll_question_id: int
    token: str  # who asked it: only ever compared, never sent anywhere
    text: str  # as typed: for the facilitator
    shown: str  # redacted: for the room
    status: str
    submitted_at: float
    voters: frozenset[str] = frozenset()


@dataclass
class Board:
    """A session's Q&A in memory: its approval setting and items by poll question."""

    approval: bool = False
    known: tuple[str, ...] = ()  # the names redaction takes out (PCN names of the file)
    items: dict[int, dict[int, Item]] = field(default_factory=dict)
    version: int = 0  # counts changes made in memory since the load (see _room_list)
    cache: dict[int, tuple] = field(default_factory=dict)  # poll question -> ((id, version), JSON)


# The Unicode direction controls (as plain.clean): a question must not turn the projector's
# words after it around.
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")


@lru_cache(maxsize=4096)
def _shown(text: str, known: tuple[str, ...]) -> str:
    """Return a question redacted for the room, without direction controls (cached: a reload
    redacts each text once)."""
    return _BIDI.sub("", redact(text, known))


def approval(db: Database, session_id: int) -> bool:
    """Return True when the session's Q&A questions need the facilitator's approval."""
    return bool(
        db.scalar("SELECT qa_approval FROM poll_session_setting WHERE session_id = ?", [session_id]) or False
    )


def set_approval(db: Database, session_id: int, on: bool) -> None:
    """Ask (or stop asking) for approval before a Q&A question shows; questions already asked keep
    their status."""
    with db.transaction(bump_version=False) as cur:
        cur.execute(
            "INSERT INTO poll_session_setting (session_id, qa_approval) VALUES (?, ?) "
            "ON CONFLICT (session_id) DO UPDATE SET qa_approval = excluded.qa_approval",
            [session_id, bool(on)],
        )
        trail.record(cur, "poll_control", f"session {session_id}", f"Q&A approval {'on' if on else 'off'}")
    polls._changed(db, session_id)


def items(db: Database, poll_question_id: int) -> pd.DataFrame:
    """Return a Q&A's questions for the facilitator, most votes first (ties: oldest first):
    item_id, text (as typed), status, submitted_at, votes. Grain: one row per question asked."""
    return db.query(
        """
        SELECT i.item_id, i.text, i.status, i.submitted_at, count(v.participant_token) AS votes
        FROM poll_qa_item i LEFT JOIN poll_qa_vote v USING (item_id)
        WHERE i.poll_question_id = ? GROUP BY ALL ORDER BY votes DESC, i.submitted_at, i.item_id
        """,
        [poll_question_id],
    )


def set_status(db: Database, item_id: int, status: str) -> None:
    """Approve, hide or mark answered one question the room asked (audited, without its words)."""
    if status not in STATUSES[1:]:
        raise polls.PollError(f"Unknown status {status!r}.")
    with db.transaction(bump_version=False) as cur:
        row = cur.execute(
            "SELECT q.session_id FROM poll_qa_item i JOIN poll_question q USING (poll_question_id) "
            "WHERE i.item_id = ?",
            [item_id],
        ).fetchall()
        if not row:
            raise polls.PollError("That question no longer exists.")
        cur.execute("UPDATE poll_qa_item SET status = ? WHERE item_id = ?", [status, item_id])
        trail.record(cur, "moderation", f"qa item {item_id}", status)
    polls._changed(db, int(row[0][0]))


_warmed = threading.Event()


def _warm() -> None:
    """Read redaction's name lists once, off the request path: the first question asked in a
    process would otherwise wait about 0.7 s for them."""
    if not _warmed.is_set():
        _warmed.set()
        threading.Thread(target=redact, args=("Warm up the name lists", ()), daemon=True).start()


def load(db: Database, session_id: int) -> Board:
    """Return a session's Q&A read from the file."""
    _warm()
    board = Board(approval(db, session_id), tuple(known_names(db)))
    # Grain: one row per item, its voters gathered.
    df = db.query(
        """
        SELECT i.item_id, i.poll_question_id, i.participant_token, i.text, i.status,
               epoch(i.submitted_at) AS submitted_at,
               coalesce(list(v.participant_token) FILTER (WHERE v.participant_token IS NOT NULL),
                        []::VARCHAR[]) AS voters
        FROM poll_qa_item i JOIN poll_question q USING (poll_question_id)
        LEFT JOIN poll_qa_vote v USING (item_id)
        WHERE q.session_id = ? GROUP BY ALL
        """,
        [session_id],
    )
    for item_id, qid, token, text, status, at, voters in df.itertuples(index=False, name=None):
        board.items.setdefault(int(qid), {})[int(item_id)] = Item(
            int(item_id), int(qid), str(token), str(text), _shown(str(text), board.known), str(status),
            float(at), frozenset(str(v) for v in voters),
        )  # fmt: skip
    return board


def ranked(room, poll_question_id: int) -> tuple[list[Item], list[Item]]:
    """Return a Q&A's approved questions (most votes first, ties oldest first) and its answered
    ones (latest first), as the room sees them."""
    found = list(room.qa.items.get(poll_question_id, {}).values()) if room.qa else []
    waiting = sorted(
        (i for i in found if i.status == "approved"),
        key=lambda i: (-len(i.voters), i.submitted_at, i.item_id),
    )
    answered = sorted(
        (i for i in found if i.status == "answered"), key=lambda i: (-i.submitted_at, -i.item_id)
    )
    return waiting, answered


STATUS_LABELS = {"pending": "waiting for approval", "approved": "shown to the room", "answered": "answered",
                 "hidden": "hidden"}  # fmt: skip


def moderation_actions(status: str) -> list[tuple[str, str]]:
    """Return the facilitator's choices for a question in this status: (new status, button label)."""
    return {
        "pending": [("approved", "Approve"), ("hidden", "Hide")],
        "approved": [("answered", "Mark answered"), ("hidden", "Hide")],
        "answered": [("approved", "Not answered"), ("hidden", "Hide")],
        "hidden": [("approved", "Show again")],
    }[status]


def for_facilitator(room, poll_question_id: int) -> list[Item]:
    """Return every question of a Q&A for moderation, in the order asked (a new one at the end)."""
    # Not by votes or status, as the room sees them: the list redraws every 2 s, and a row that
    # moved under the facilitator's cursor would take the click meant for another question.
    found = list(room.qa.items.get(poll_question_id, {}).values()) if room.qa else []
    return sorted(found, key=lambda i: (i.submitted_at, i.item_id))


def _room_list(room, poll_question_id: int) -> str:
    """Return the JSON text of a Q&A's questions as every phone sees them (approved ones by votes,
    then answered ones), made once for each change of the board and shared by every phone."""
    board = room.qa
    if board is None:
        return "[]"
    key = (poll_question_id, board.version)
    cached = board.cache.get(poll_question_id)
    if cached is not None and cached[0] == key:
        return cached[1]
    waiting, answered = ranked(room, poll_question_id)
    text = json.dumps(
        [
            {"id": i.item_id, "text": i.shown, "votes": len(i.voters), "status": i.status}
            for i in waiting + answered
        ]
    )
    board.cache[poll_question_id] = (key, text)
    return text


def phone_view(room, poll_question_id: int, token: str | None) -> dict:
    """Return what a phone shows of a Q&A: `list`, the room's questions with their votes (JSON
    text shared by every phone: a push to 150 phones builds it once, not 150 times); `voted` and
    `own`, the ids this participant voted for and asked; `yours`, their questions not shown to
    the room (pending or hidden); how many they asked and may ask; whether approval is on."""
    found = list(room.qa.items.get(poll_question_id, {}).values()) if room.qa else []
    if not token:
        found = []
    own = sorted((i for i in found if i.token == token), key=lambda i: (i.submitted_at, i.item_id))
    return {
        "list": _room_list(room, poll_question_id),
        "voted": sorted(i.item_id for i in found if token in i.voters),
        "own": [i.item_id for i in own],
        "yours": [
            {"id": i.item_id, "text": i.shown, "votes": len(i.voters), "status": i.status}
            for i in own
            if i.status in ("pending", "hidden")
        ],
        "asked": len(own),
        "max_asked": MAX_PER_PERSON,
        "approval": bool(room.qa and room.qa.approval),
    }


def phone_items(view: dict) -> list[dict]:
    """Return a phone's Q&A view as the phone lists it (join.js does the same): the room's
    questions then the participant's own unseen ones, each with `voted` and `own` flags."""
    voted, own = set(view["voted"]), set(view["own"])
    return [
        {**i, "voted": i["id"] in voted, "own": i["id"] in own}
        for i in [*json.loads(view["list"]), *view["yours"]]
    ]


def presenter_html(room, poll_question_id: int) -> str:
    """Return the projector's HTML of a Q&A: the top approved questions by votes, then the latest
    answered ones dimmed. Every text is escaped here."""
    waiting, answered = ranked(room, poll_question_id)
    votes = sum(len(i.voters) for i in waiting + answered)

    def row(i: Item, cls: str) -> str:
        n = len(i.voters)
        return (
            f"<li class='qa-item {cls}'><span class='qa-votes'>{n}"
            f"<small>{'vote' if n == 1 else 'votes'}</small></span>"
            f"<span class='qa-text'>{html.escape(i.shown)}</span></li>"
        )

    style = (
        "<style>.qa-list{list-style:none;padding:0;margin:0.4rem 0 1rem;display:grid;"
        "gap:clamp(0.4rem,1.2vh,0.8rem)}"
        ".qa-item{display:grid;grid-template-columns:6.5rem 1fr;gap:1rem;align-items:center;"
        "font-size:clamp(1.4rem,3.6vh,2rem);line-height:1.25;background:#F0F4F5;"
        "border-left:8px solid #005EB8;"
        "padding:0.4rem 1rem}.qa-text{overflow-wrap:anywhere;white-space:pre-wrap}"
        ".qa-votes{font-weight:700;color:#005EB8;font-size:clamp(1.8rem,4.5vh,2.6rem);"
        "text-align:center;line-height:1}"
        ".qa-votes small{display:block;font-size:0.9rem;font-weight:400;color:#4C6272}"
        ".qa-answered{color:#4C6272;background:#F8FAFA;border-left-color:#AEB7BD}"
        ".qa-answered .qa-votes{color:#4C6272}"
        ".qa-head{font-size:clamp(1.2rem,3vh,1.6rem);color:#4C6272;margin:0.6rem 0 0.2rem}</style>"
    )
    summary = (
        f"<div class='present-sub' data-testid='present-qa-count'>{len(waiting)} "
        f"{'question' if len(waiting) == 1 else 'questions'} waiting · {len(answered)} answered · "
        f"{votes} {'vote' if votes == 1 else 'votes'}</div>"
    )
    if not waiting and not answered:
        return f"{style}{summary}<div class='present-sub'>No questions yet: ask yours on your phone.</div>"
    top = "".join(row(i, "qa-open") for i in waiting[:PRESENTER_TOP])
    body = f"<ol class='qa-list' data-testid='present-qa'>{top}</ol>" if top else ""
    if answered:
        done = "".join(row(i, "qa-answered") for i in answered[:PRESENTER_ANSWERED])
        body += (
            "<div class='qa-head'>Answered</div>"
            f"<ol class='qa-list' data-testid='present-qa-answered'>{done}</ol>"
        )
    return style + summary + body


def export_rows(db: Database, poll_question_id: int) -> pd.DataFrame:
    """Return a Q&A's questions for the session's export: approved and answered ones only,
    redacted, with their votes, answered first then most votes; no token, no pending or hidden
    question. Columns: text, status, votes."""
    df = db.query(
        """
        SELECT i.text, i.status, count(v.participant_token) AS votes
        FROM poll_qa_item i LEFT JOIN poll_qa_vote v USING (item_id)
        WHERE i.poll_question_id = ? AND i.status IN ('approved', 'answered')
        GROUP BY i.item_id, i.text, i.status, i.submitted_at
        ORDER BY i.status = 'answered' DESC, votes DESC, i.submitted_at, i.item_id
        """,
        [poll_question_id],
    )
    known = tuple(known_names(db))
    df["text"] = [_shown(t, known) for t in df["text"]]
    return df


# --- The phones' write path: a group commit, as room.Rooms.cast -----------------------------------


@dataclass
class _Ticket:
    """One phone's Q&A action waiting for its commit, and what became of it."""

    session_id: int
    poll_question_id: int
    token: str
    text: str | None = None  # a question asked
    shown: str = ""  # the question redacted for the room, made before the locks are taken
    item_id: int | None = None  # a vote (up) or its withdrawal
    up: bool = True
    done: bool = False
    error: Exception | None = None
    result: Item | None = None


_desks: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_desks_lock = threading.Lock()


def _desk(rooms) -> GroupCommit:
    """Return the group commit of one database's Q&A actions."""
    with _desks_lock:
        found = _desks.get(rooms)
        if found is None:
            found = _desks[rooms] = GroupCommit()
        return found


def submit(rooms, session_id: int, poll_question_id: int, token: str, text) -> int:
    """Ask a question from a phone (committed before this returns); return its item id.
    Raises polls.PollError when it cannot be taken."""
    cleaned = polls.typed_text(text)
    if not cleaned:
        raise polls.PollError("Write your question first.")
    if len(cleaned) > polls.MAX_TEXT:
        raise polls.PollError(f"Keep it under {polls.MAX_TEXT} characters.")
    # Redacted here, in the phone's worker thread: not under the write lock nor the rooms' lock,
    # which the participant page's event loop takes.
    room = rooms.get(session_id)
    shown = _shown(cleaned, room.qa.known if room is not None and room.qa is not None else ())
    ticket = _run(rooms, _Ticket(session_id, poll_question_id, token, text=cleaned, shown=shown))
    return ticket.result.item_id


def vote(rooms, session_id: int, poll_question_id: int, token: str, item_id: int, up: bool) -> None:
    """Vote a question up from a phone, or withdraw the vote (committed before this returns).
    Raises polls.PollError when it cannot be taken."""
    _run(rooms, _Ticket(session_id, poll_question_id, token, item_id=int(item_id), up=bool(up)))


def _run(rooms, ticket: _Ticket) -> _Ticket:
    """Queue a ticket, commit it with whatever else waits, and return it done."""
    room = rooms.get(ticket.session_id)
    q = room.questions.get(ticket.poll_question_id) if room else None
    if q is None or q.kind != "qa":
        raise polls.PollError("That question is not part of this poll.")
    if not ticket.token or len(ticket.token) > 64:
        raise polls.PollError("This phone has no participant token: reload the join page.")
    _desk(rooms).run(ticket, rooms.db.write_lock, lambda batch: _commit(rooms, batch))
    if ticket.error is not None:
        raise ticket.error
    # A pending question concerns its author only; anything else changes what every phone shows.
    if ticket.text is not None and ticket.result.status == "pending":
        rooms.tell(ticket.session_id, "vote", ticket.token)
    else:
        _tell_soon(rooms, ticket.session_id)
    return ticket


_soon: set[tuple[int, int]] = set()
_soon_lock = threading.Lock()


def _tell_soon(rooms, session_id: int) -> None:
    """Wake every phone of the session once within PUSH_EVERY_S, however many votes land meanwhile.

    A room voting at once would otherwise push the whole list to every phone for every vote:
    150 phones casting 3 votes each is 450 x 150 pushes. The phone that acted has its answer
    already (the acknowledgement carries its view); the presenter reads memory by itself."""
    key = (id(rooms), session_id)
    with _soon_lock:
        if key in _soon:
            return
        _soon.add(key)

    def fire() -> None:
        with _soon_lock:
            _soon.discard(key)
        rooms.tell(session_id, "structure")

    timer = threading.Timer(PUSH_EVERY_S, fire)
    timer.daemon = True
    timer.start()


def _commit(rooms, batch: list[_Ticket]) -> None:
    """Commit a batch of Q&A actions in one transaction and put those taken in memory."""
    db = rooms.db
    try:
        with db.transaction(bump_version=False) as cur:
            for t in batch:
                try:
                    t.result = _apply(cur, t)
                except polls.PollError as exc:
                    t.error = exc
    except Exception as exc:  # the file refused the transaction
        if len(batch) > 1:
            for t in batch:  # one action the file cannot take must not cost the others theirs
                t.error, t.result = None, None
                _commit(rooms, [t])
            return
        batch[0].error, batch[0].done = exc, True
        return
    with rooms.lock:
        for t in batch:
            t.done = True
            room = rooms.peek(t.session_id)
            if t.error is not None or room is None or room.qa is None:
                continue
            found = room.qa.items.setdefault(t.poll_question_id, {})
            if t.text is not None:
                item = replace(t.result, shown=t.shown)
                found[item.item_id] = t.result = item
            elif t.item_id in found:
                old = found[t.item_id]
                voters = old.voters | {t.token} if t.up else old.voters - {t.token}
                found[t.item_id] = replace(old, voters=voters)
            # After the change (readers take no lock): a list built meanwhile is built again.
            room.qa.version += 1


def _apply(cur, t: _Ticket) -> Item | None:
    """Write one phone's action inside a transaction; raise PollError before writing."""
    row = cur.execute(
        "SELECT q.kind, q.state, coalesce(s.qa_approval, false) FROM poll_question q "
        "LEFT JOIN poll_session_setting s USING (session_id) WHERE q.poll_question_id = ?",
        [t.poll_question_id],
    ).fetchall()
    if not row or row[0][0] != "qa":
        raise polls.PollError("That question is not part of this poll.")
    _, state, needs_approval = row[0]
    if t.text is not None:
        if state != "open":
            raise polls.PollError("Questions have closed: yours was not sent.")
        (asked,) = cur.execute(
            "SELECT count(*) FROM poll_qa_item WHERE poll_question_id = ? AND participant_token = ?",
            [t.poll_question_id, t.token],
        ).fetchall()[0]
        if asked >= MAX_PER_PERSON:
            raise polls.PollError(
                f"You have asked {MAX_PER_PERSON} questions, the most one person can ask here."
            )
        status = "pending" if needs_approval else "approved"
        item_id, at = cur.execute(
            "INSERT INTO poll_qa_item (poll_question_id, participant_token, text, status) "
            "VALUES (?, ?, ?, ?) RETURNING item_id, epoch(submitted_at)",
            [t.poll_question_id, t.token, t.text, status],
        ).fetchall()[0]
        return Item(
            int(item_id),
            t.poll_question_id,
            t.token,
            t.text,
            t.text,
            status,
            time.time() if at is None else float(at),
        )
    found = cur.execute(
        "SELECT participant_token, status FROM poll_qa_item WHERE item_id = ? AND poll_question_id = ?",
        [t.item_id, t.poll_question_id],
    ).fetchall()
    if not found:
        raise polls.PollError("That question is not part of this Q&A.")
    author, status = found[0]
    if not t.up:
        cur.execute(
            "DELETE FROM poll_qa_vote WHERE item_id = ? AND participant_token = ?", [t.item_id, t.token]
        )
        return None
    if state != "open":
        raise polls.PollError("Votes have closed: yours was not recorded.")
    if status != "approved":
        raise polls.PollError("That question is not open for votes.")
    if author == t.token:
        raise polls.PollError("You cannot vote for your own question.")
    cur.execute(
        "INSERT INTO poll_qa_vote (item_id, participant_token) VALUES (?, ?) ON CONFLICT DO NOTHING",
        [t.item_id, t.token],
    )
    return None
