"""The audit trail: who changed what, and who was refused, appended to `audit_trail` in the change's
own transaction. The app only ever inserts into it and reads it.

Who is acting is kept per thread (a context variable): the dashboard sets it when it checks the
user's role before a write, the command line from --by; unset, it is "local"."""

from __future__ import annotations

from contextvars import ContextVar

import pandas as pd

from pcn_data.core.db import Database, note_write

LOCAL = "local"
ACTIONS = {
    "import": "Import",
    "undo": "Undo an import",
    "tracker_edit": "Recommendation tracker edit",
    "poll_control": "Poll control",
    "moderation": "Moderation",
    "theme_codes": "Theme codes",
    "sign_in": "Sign-in",
    "refusal": "Refused",
    "snapshot": "Snapshot",
    "self_assessment": "Self-assessment agreed",
}
_actor: ContextVar[str] = ContextVar("pcn_actor", default=LOCAL)


def set_actor(actor: str | None) -> None:
    """Make actor the one recorded for this thread's changes from now on (blank: "local")."""
    _actor.set((actor or "").strip() or LOCAL)


def actor() -> str:
    """Return who this thread's changes are recorded as."""
    return _actor.get()


def record(cur, action: str, target: str | None = None, detail: str | None = None) -> None:
    """Append one row, inside the caller's transaction (so the row and the change land together)."""
    if action not in ACTIONS:
        raise ValueError(f"Unknown audit action {action!r}")
    cur.execute(
        "INSERT INTO audit_trail (actor, action, target, detail) VALUES (?, ?, ?, ?)",
        [actor(), action, target, detail],
    )
    # The log line names the action, its target and author; the detail (codes, fields, file names)
    # stays in the trail.
    note_write(f"{action} {target or ''} by {actor()}".replace("  ", " "))


def record_alone(
    db: Database, action: str, target: str | None = None, detail: str | None = None, *, by: str | None = None
) -> None:
    """Append one row in a transaction of its own (events that change no data: a sign-in, a refusal)."""
    if by is not None:
        set_actor(by)
    with db.transaction(bump_version=False) as cur:
        record(cur, action, target, detail)


def read(db: Database, limit: int | None = None) -> pd.DataFrame:
    """Return the audit trail, newest first: audit_id, logged_at, actor, action, target, detail."""
    return db.query(
        "SELECT audit_id, logged_at, actor, action, target, detail FROM audit_trail ORDER BY audit_id DESC "
        "LIMIT coalesce(?, 9223372036854775807)",
        [limit],
    )
