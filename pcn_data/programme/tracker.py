"""The recommendations tracker: the report's checklist with a status per place, every change
kept as history."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from pcn_data.core import trail
from pcn_data.core.db import Database
from pcn_data.core.errors import PcnDataError

STATUSES = ["Not started", "In progress", "Done", "Not applicable"]
FIELDS = ("status", "owner", "due_on", "note")

# The page whose evidence supports each sub-theme's recommendations.
EVIDENCE_PAGE = {
    "cd_role": "role_clarity",
    "clinical": "role_clarity",
    "chair_vision": "role_clarity",
    "collaborative": "relationships",
    "system": "relationships",
    "partnership": "relationships",
    "role_clarity": "role_clarity",
    "vcse": "relationships",
    "ics_work": "relationships",
    "resilient": "development_needs",
    "mgmt_admin": "development_needs",
    "development": "development_needs",
    "finance": "development_needs",
    "technology": "engagement",
    "workforce": "development_needs",
}


def recommendations(db: Database, place_code: str) -> pd.DataFrame:
    """Return the 15 recommendations with their status in one place, and the evidence page."""
    df = db.query(
        """
        SELECT r.rec_id, t.label AS sub_theme, p.label AS theme, r.theme_code, r.text, r.lead, r.tools,
               coalesce(s.status, 'Not started') AS status, s.owner, s.due_on, s.note, s.updated_by,
               s.updated_at
        FROM recommendation r
        JOIN theme t ON t.theme_code = r.theme_code
        JOIN theme p ON p.theme_code = t.parent_code
        LEFT JOIN recommendation_status s ON s.rec_id = r.rec_id AND s.place_code = ?
        ORDER BY r.sort_order
        """,
        [place_code],
    )
    df["evidence_page"] = df["theme_code"].map(EVIDENCE_PAGE)
    return df


def _text(value) -> str | None:
    """Return a value as the text kept in history, or None."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, dt.datetime | pd.Timestamp):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value).strip()
    return text or None


_CURRENT = (
    "SELECT status, owner, CAST(due_on AS VARCHAR) AS due_on, note FROM recommendation_status "
    "WHERE rec_id = ? AND place_code = ?"
)


def _old(current: pd.DataFrame) -> dict:
    """Return the stored values of one status row, or the defaults when there is none."""
    if current.empty:
        return {"status": "Not started", "owner": None, "due_on": None, "note": None}
    return current.iloc[0].to_dict()


def _changed(current: pd.DataFrame, new: dict) -> list[str]:
    """Return the fields whose stored value differs from new."""
    old = _old(current)
    return [f for f in FIELDS if _text(old[f]) != new[f]]


def update(
    db: Database,
    rec_id: int,
    place_code: str,
    *,
    by: str,
    status: str,
    owner: str | None = None,
    due_on: dt.date | None = None,
    note: str | None = None,
) -> int:
    """Save one recommendation's status in one place; write a history row per changed field.

    Return the number of fields that changed (0: nothing written).
    """
    if status not in STATUSES:
        raise PcnDataError(f"Status must be one of {', '.join(STATUSES)}, not {status!r}.")
    who = (by or "").strip()
    if not who:
        raise PcnDataError("Say who is making the change: every change is kept with its author.")
    new = {"status": status, "owner": _text(owner), "due_on": _text(due_on), "note": _text(note)}
    exists = db.scalar(
        "SELECT count(*) FROM recommendation r, place p WHERE r.rec_id = ? AND p.place_code = ?",
        [rec_id, place_code],
    )
    if not exists:
        raise PcnDataError(f"There is no recommendation {rec_id} for place {place_code!r}.")
    if not _changed(db.query(_CURRENT, [rec_id, place_code]), new):
        return 0  # nothing to write: the data version (and every cache) stays as it is
    with db.transaction() as cur:
        # Read again under the write lock: the history must record what was really replaced.
        current = cur.execute(_CURRENT, [rec_id, place_code]).df()
        old, changed = _old(current), _changed(current, new)
        if not changed:
            return 0
        cur.execute(
            """
            INSERT INTO recommendation_status (rec_id, place_code, status, owner, due_on, note, updated_by,
                                               updated_at)
            VALUES (?, ?, ?, ?, CAST(? AS DATE), ?, ?, current_timestamp)
            ON CONFLICT (rec_id, place_code) DO UPDATE SET status = excluded.status, owner = excluded.owner,
                due_on = excluded.due_on, note = excluded.note, updated_by = excluded.updated_by,
                updated_at = excluded.updated_at
            """,
            [rec_id, place_code, new["status"], new["owner"], new["due_on"], new["note"], who],
        )
        cur.executemany(
            "INSERT INTO recommendation_history "
            "(rec_id, place_code, field, old_value, new_value, changed_by) VALUES (?, ?, ?, ?, ?, ?)",
            [[rec_id, place_code, f, _text(old[f]), new[f], who] for f in changed],
        )
        # The fields only: a note is a person's text, kept in the history, not in the trail.
        trail.record(cur, "tracker_edit", f"recommendation {rec_id} in {place_code}", ", ".join(changed))
    return len(changed)


def history(db: Database, place_code: str | None = None) -> pd.DataFrame:
    """Return every change, newest first: when, who, which recommendation, field, old and new."""
    return db.query(
        """
        SELECT h.changed_at, h.changed_by, pl.name AS place, h.rec_id, r.text AS recommendation, h.field,
               h.old_value, h.new_value
        FROM recommendation_history h
        JOIN recommendation r ON r.rec_id = h.rec_id
        JOIN place pl ON pl.place_code = h.place_code
        WHERE ? IS NULL OR h.place_code = ?
        ORDER BY h.changed_at DESC, h.history_id DESC
        """,
        [place_code, place_code],
    )


def progress(db: Database, by: str, ics: str | None = None) -> pd.DataFrame:
    """Return recommendation counts per status, by place or by theme. Grain: group x status."""
    group = {"place": "pl.name", "theme": "p.label"}[by]  # whitelisted: written into SQL
    order = {"place": "min(pl.sort_order)", "theme": "min(p.sort_order)"}[by]
    return db.query(
        f"""
        SELECT {group} AS grp, coalesce(s.status, 'Not started') AS status, count(*) AS n, {order} AS o
        FROM recommendation r
        JOIN theme t ON t.theme_code = r.theme_code
        JOIN theme p ON p.theme_code = t.parent_code
        CROSS JOIN place pl
        LEFT JOIN recommendation_status s ON s.rec_id = r.rec_id AND s.place_code = pl.place_code
        WHERE ? IS NULL OR pl.ics_code = ?
        GROUP BY ALL ORDER BY o, grp
        """,
        [ics, ics],
    ).drop(columns="o")
