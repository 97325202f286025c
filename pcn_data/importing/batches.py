"""An import from start to end: recognise the file, propose a mapping, validate into a Plan,
write it as one transaction recorded in `import_batch`, list batches and undo one."""

from __future__ import annotations

import io
import json

import pandas as pd

from pcn_data.core import backup, bank, trail
from pcn_data.core.db import Database
from pcn_data.core.errors import PcnDataError
from pcn_data.importing import poll, records, survey
from pcn_data.importing.mapping import FIELDS, IGNORE, Proposal, normalise, propose, save_labels, save_mapping
from pcn_data.importing.plan import KINDS, Plan, sha256
from pcn_data.importing.reading import Sheet, Workbook, guarded, read_file

FORMATS = {
    "template": ("survey", "PCN Futures long-format template"),
    **{k: ("survey", v) for k, v in survey.WIDE_FORMATS.items()},
    "reference": ("reference", "ICS, place and PCN list"),
    "engagement": ("engagement", "engagement events"),
    "self-assessment": ("self-assessment", "PCN self-assessments"),
    "invitations": ("invitations", "invitation counts per PCN, the base of the response rate"),
    "mentimeter": ("poll", "Mentimeter results export"),
}


class ValidationFailed(PcnDataError):
    """The plan has problems and the user asked for all or nothing."""


def detect(book: Workbook) -> tuple[str, Sheet]:
    """Return the format of a file and the sheet that holds its data."""
    sheet = book.first
    if poll.is_mentimeter(book):
        return "mentimeter", sheet
    if not sheet.rows:
        return "generic", sheet
    head = [normalise(c) for c in sheet.rows[0]]
    second = [normalise(c) for c in sheet.rows[1]] if len(sheet.rows) > 1 else []
    if {"respondent_id", "question_code", "answer"} <= set(head):
        return "template", sheet
    if {"ics_code", "place_code", "pcn_code"} <= set(head):
        return "reference", sheet
    if {"place_code", "kind", "title", "starts_on"} <= set(head):
        return "engagement", sheet
    if {"pcn_code", "domain", "stage"} <= set(head):
        return "self-assessment", sheet
    if {"wave", "pcn_code", "invited"} <= set(head):
        return "invitations", sheet
    if head[:1] == ["respondent id"] and ("response" in second or "open-ended response" in second):
        return "surveymonkey", sheet
    if head[:3] == ["id", "start time", "completion time"]:
        return "msforms", sheet
    if head[:1] == ["timestamp"]:
        return "googleforms", sheet
    return "generic", sheet


class Upload:
    """A file read and recognised, ready to be mapped and validated. Any failure while reading,
    mapping or validating it is a PcnDataError of one sentence (the cause is logged)."""

    def __init__(self, data: bytes, file_name: str) -> None:
        with guarded(file_name):
            self._read(data, file_name)

    def _read(self, data: bytes, file_name: str) -> None:
        self.file_name = file_name
        self.sha256 = sha256(data)
        self.book = read_file(data, file_name)
        self.source_format, self.sheet = detect(self.book)
        self.kind = FORMATS[self.source_format][0]
        if len(self.sheet.rows) < (3 if self.source_format == "surveymonkey" else 2):
            raise PcnDataError(
                f"{file_name} has a header but no rows of data: export it again after responses have come in."
            )
        self.source = (
            survey.wide_source(self.sheet, self.source_format)
            if self.source_format in survey.WIDE_FORMATS
            else None
        )

    @property
    def description(self) -> str:
        """Return what the file was recognised as, in words."""
        return FORMATS[self.source_format][1]

    @property
    def needs_wave(self) -> bool:
        """Return True for files whose rows go to a wave the user names (survey rounds, polls)."""
        return self.kind in ("survey", "poll")

    @property
    def needs_mapping(self) -> bool:
        """Return True for exports whose columns are matched to the bank by wording."""
        return self.source is not None

    def proposals(self, db: Database) -> list[Proposal]:
        """Return the proposed target of each column of a wide export."""
        with guarded(self.file_name):
            if self.source is None:
                return []
            src = self.source
            values = [[r[i] for r in src.rows.values()] for i in range(len(src.headers))]
            return propose(db, self.source_format, src.headers, values)

    def plan(self, db: Database, **options) -> Plan:
        """Return the validated plan of this file (nothing is written); options as for _plan."""
        with guarded(self.file_name):
            return self._plan(db, **options)

    def _plan(
        self,
        db: Database,
        *,
        wave: str | None = None,
        mapping: dict[str, str] | None = None,
        default_role: str = "cd",
        place: str | None = None,
        labels: dict[tuple[str, str], str] | None = None,
        ignore_unmapped: bool = False,
    ) -> Plan:
        """Return the validated plan of this file (nothing is written).

        labels: answers matched by hand, (question code, label as written) -> option code or
        IGNORE; those confirmed for the same tool before are used too. ignore_unmapped: the
        columns not imported are confirmed to be left out."""
        plan = Plan(self.kind, self.source_format, self.file_name, self.sha256, notes=list(self.book.notes))
        if self.kind == "survey":
            if not wave:
                plan.add(None, None, "a survey import needs a wave: name the survey round, e.g. 2025")
                return plan
            if self.source is not None:
                if mapping is None:
                    mapping = {p.header: p.target for p in self.proposals(db)}
                survey.stage_wide(db, plan, self.source, mapping, wave, default_role, labels, ignore_unmapped)
            else:
                survey.stage_template(db, plan, self.sheet, wave)
        elif self.kind == "poll":
            if not wave:
                plan.add(None, None, "a poll import needs a wave code for the session, e.g. MB-2023-05")
                return plan
            poll.stage_mentimeter(db, plan, self.book, wave, place)
        elif self.kind == "reference":
            records.stage_reference(db, plan, self.sheet)
        elif self.kind == "engagement":
            records.stage_engagement(db, plan, self.sheet)
        elif self.kind == "self-assessment":
            records.stage_self_assessment(db, plan, self.sheet)
        elif self.kind == "invitations":
            records.stage_invitations(db, plan, self.sheet)
        return plan


def already_imported(db: Database, digest: str) -> int | None:
    """Return the batch that applied a file with this sha256 and is not undone, or None."""
    return db.scalar(
        "SELECT min(batch_id) FROM import_batch WHERE sha256 = ? AND status = 'applied'", [digest]
    )


_INSERTS = {
    "respondent": ["respondent_id", "wave_id", "pcn_code", "role_code", "years_band", "batch_id"],
    "answer": ["respondent_id", "question_code", "option_code", "value_text"],
    "self_assessment": ["pcn_code", "domain_code", "wave_id", "stage_code", "assessed_on", "batch_id"],
    "comment_code": ["respondent_id", "question_code", "theme_code", "coded_by"],
    "invitation": ["wave_id", "pcn_code", "role_code", "invited", "batch_id"],
}


def _insert(cur, table: str, rows: list[dict], extra: dict) -> None:
    """Insert rows (dicts) into table in one statement; columns from _INSERTS."""
    if not rows:
        return
    cols = _INSERTS[table]
    # Column by column: a dict per row would copy every record once more.
    df = pd.DataFrame({c: [extra[c]] * len(rows) if c in extra else [r[c] for r in rows] for c in cols})
    cur.register("incoming", df)
    try:
        # Table and column names come from _INSERTS above, never from the file.
        cur.execute(f"INSERT INTO {table} ({', '.join(cols)}) SELECT {', '.join(cols)} FROM incoming")
    finally:
        cur.unregister("incoming")


def apply(db: Database, plan: Plan, *, valid_only: bool = False, imported_by: str | None = None) -> dict:
    """Write a plan in one transaction; return what was written. Nothing is written on failure,
    and any failure is a PcnDataError of one sentence (the cause is logged)."""
    with guarded(plan.file_name):
        return _apply(db, plan, valid_only=valid_only, imported_by=imported_by)


def _apply(db: Database, plan: Plan, *, valid_only: bool, imported_by: str | None) -> dict:
    previous = already_imported(db, plan.sha256)
    if previous is not None:
        return {"batch_id": previous, "status": "already imported", "rows_written": 0}
    if plan.file_problems:
        raise ValidationFailed(f"{plan.file_name} cannot be imported: {plan.file_problems[0]}")
    if plan.problems and not valid_only:
        raise ValidationFailed(
            f"{plan.file_name} has {len(plan.problems)} problems in {len(plan.bad_rows)} rows, so nothing "
            f"was imported; the first: {plan.problems[0]}. Fix the file, or import the valid rows only."
        )
    good = plan.good_rows
    if good == 0:
        raise ValidationFailed(f"{plan.file_name} has no valid rows to import.")
    # The snapshot is the file as it was just before this import: nothing lands between the two.
    with db.write_lock:
        backup.take(db, "before-import")
        return _write(db, plan, good, valid_only=valid_only, imported_by=imported_by)


def _write(db: Database, plan: Plan, good: int, *, valid_only: bool, imported_by: str | None) -> dict:
    """Write a validated plan in one transaction; return what was written."""
    with db.transaction() as cur:
        # Checked again under the write lock: two uploads of one file must not both land.
        if cur.execute(
            "SELECT count(*) FROM import_batch WHERE sha256 = ? AND status = 'applied'", [plan.sha256]
        ).fetchall()[0][0]:
            raise ValidationFailed(f"{plan.file_name} was imported a moment ago by someone else.")
        batch = cur.execute(
            "INSERT INTO import_batch (kind, source_name, sha256, rows_read, rows_written, rows_rejected, "
            "imported_by) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING batch_id",
            [plan.kind, plan.file_name, plan.sha256, plan.rows_read, good, len(plan.bad_rows), imported_by],
        ).fetchall()[0][0]
        written = _WRITERS[plan.kind](cur, plan, batch, valid_only)
        if plan.mapping:
            save_mapping(cur, plan.source_format, plan.mapping, imported_by)
        if plan.labels:
            save_labels(cur, plan.source_format, plan.labels, imported_by)
        trail.record(cur, "import", f"batch {batch}", f"{plan.kind} from {plan.file_name}: {good} rows")
        # Real responses in the demo file make it neither: every page says "mixed" (see db.dataset).
        cur.execute(
            "UPDATE meta SET value = CASE value WHEN 'empty' THEN 'imported' WHEN 'demo' THEN 'mixed' "
            "ELSE value END WHERE key = 'dataset'"
        )
    return {
        "batch_id": batch,
        "status": "imported",
        "rows_written": good,
        "rows_rejected": len(plan.bad_rows),
        **written,
    }


def _write_survey(cur, plan: Plan, batch: int, valid_only: bool) -> dict:
    """Write the wave (if new), respondents, answers and rule-suggested comment codes."""
    if plan.wave:
        w = plan.wave
        cur.execute(
            "INSERT INTO wave (wave_code, name, kind, ics_code, opened_on, closed_on, status) "
            "VALUES (?, ?, ?, ?, ?, ?, 'closed')",
            [w["wave_code"], w["name"], w["kind"], w["ics_code"], w["opened_on"], w["closed_on"]],
        )
        cur.execute(
            "INSERT INTO import_change VALUES (?, 'wave', ?, 'insert', NULL)", [batch, w["wave_code"]]
        )
    respondents = plan.records_for("respondent", valid_only=valid_only)
    kept = {r["respondent_id"] for r in respondents}
    answers = [a for a in plan.records_for("answer", valid_only=valid_only) if a["respondent_id"] in kept]
    wave_code = plan.wave_code
    wave_id = cur.execute("SELECT wave_id FROM wave WHERE wave_code = ?", [wave_code]).fetchall()[0][0]
    _insert(cur, "respondent", respondents, {"wave_id": wave_id, "batch_id": batch})
    _insert(cur, "answer", answers, {})
    # Imported here: reading and checking a file need nothing of the comment pages.
    from pcn_data.survey.voices import suggest_codes

    codes = [
        {"respondent_id": a["respondent_id"], "question_code": a["question_code"], "theme_code": code}
        for a in answers
        if a["value_text"]
        for code in dict.fromkeys(suggest_codes(a["value_text"]))
    ]
    _insert(cur, "comment_code", codes, {"coded_by": "rule"})
    return {"respondents": len(respondents), "answers": len(answers), "wave": wave_code}


def _write_reference(cur, plan: Plan, batch: int, valid_only: bool) -> dict:
    """Insert new ICSs, places and PCNs and update changed names and sizes, remembering old values."""
    counts = {}
    # (table, key, parent column set on insert only (moves are refused), columns that may change)
    specs = [
        ("ics", "ics_code", [], ["name"]),
        ("place", "place_code", ["ics_code"], ["name"]),
        ("pcn", "pcn_code", ["place_code"], ["name", "practices", "list_size"]),
    ]
    for table, key, parent, fields in specs:
        added = changed = 0
        for r in plan.records_for(table, valid_only=valid_only):
            # Identifiers in these statements come from `specs`, never from the file.
            old = cur.execute(f"SELECT {', '.join(fields)} FROM {table} WHERE {key} = ?", [r[key]]).fetchall()
            if not old:
                cols = [key, *parent, *fields]
                cur.execute(
                    f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                    [r[c] for c in cols],
                )
                cur.execute(
                    "INSERT INTO import_change VALUES (?, ?, ?, 'insert', NULL)", [batch, table, r[key]]
                )
                added += 1
                continue
            before = dict(zip(fields, old[0], strict=True))
            diff = {f: r[f] for f in fields if before[f] != r[f]}
            if diff:
                cur.execute(
                    f"UPDATE {table} SET {', '.join(f'{f} = ?' for f in diff)} WHERE {key} = ?",
                    [*diff.values(), r[key]],
                )
                cur.execute(
                    "INSERT INTO import_change VALUES (?, ?, ?, 'update', ?)",
                    [batch, table, r[key], json.dumps({f: before[f] for f in diff})],
                )
                changed += 1
        counts[f"{table}_added"], counts[f"{table}_updated"] = added, changed
    return counts


def _write_engagement(cur, plan: Plan, batch: int, valid_only: bool) -> dict:
    """Insert engagement events and the PCNs represented at each."""
    links: dict[int, list[str]] = {}
    for link in plan.records_for("engagement_event_pcn", valid_only=valid_only):
        links.setdefault(link["_row"], []).append(link["pcn_code"])
    events = plan.records_for("engagement_event", valid_only=valid_only)
    for e in events:
        event_id = cur.execute(
            "INSERT INTO engagement_event (place_code, kind, title, starts_on, ends_on, attendees, wave_id, "
            "batch_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING event_id",
            [
                e["place_code"],
                e["kind"],
                e["title"],
                e["starts_on"],
                e["ends_on"],
                e["attendees"],
                e["wave_id"],
                batch,
            ],
        ).fetchall()[0][0]
        for code in links.get(e["_row"], []):
            cur.execute("INSERT INTO engagement_event_pcn VALUES (?, ?)", [event_id, code])
    return {"events": len(events)}


def _write_self_assessment(cur, plan: Plan, batch: int, valid_only: bool) -> dict:
    """Insert self-assessment stages."""
    rows = plan.records_for("self_assessment", valid_only=valid_only)
    _insert(cur, "self_assessment", rows, {"batch_id": batch})
    return {"assessments": len(rows)}


def _write_invitations(cur, plan: Plan, batch: int, valid_only: bool) -> dict:
    """Insert invitation counts."""
    rows = plan.records_for("invitation", valid_only=valid_only)
    _insert(cur, "invitation", rows, {"batch_id": batch})
    return {"invitations": len(rows)}


def _write_poll(cur, plan: Plan, batch: int, valid_only: bool) -> dict:
    """Write the poll wave, its session, questions, options and votes."""
    w = plan.wave
    cur.execute(
        "INSERT INTO wave (wave_code, name, kind, ics_code, place_code, opened_on, closed_on, status) "
        "VALUES (?, ?, 'poll', ?, ?, ?, ?, 'closed')",
        [w["wave_code"], w["name"], w["ics_code"], w["place_code"], w["opened_on"], w["closed_on"]],
    )
    cur.execute("INSERT INTO import_change VALUES (?, 'wave', ?, 'insert', NULL)", [batch, w["wave_code"]])
    wave_id = cur.execute("SELECT wave_id FROM wave WHERE wave_code = ?", [w["wave_code"]]).fetchall()[0][0]
    session = cur.execute(
        "INSERT INTO poll_session (wave_id, join_code, title) VALUES (?, ?, ?) RETURNING session_id",
        [wave_id, f"IMPORT-{batch}", w["name"]],
    ).fetchall()[0][0]
    ids = {}
    for q in plan.records_for("poll_question", valid_only=valid_only):
        ids[q["position"]] = cur.execute(
            "INSERT INTO poll_question (session_id, position, question_code, wording, kind, state, "
            "results_visible) VALUES (?, ?, ?, ?, ?, 'closed', TRUE) RETURNING poll_question_id",
            [session, q["position"], q["question_code"], q["wording"], q["kind"]],
        ).fetchall()[0][0]
        if q["options"]:
            cur.executemany(
                "INSERT INTO poll_option VALUES (?, ?, ?, ?)",
                [
                    [ids[q["position"]], code, label, i]
                    for i, (code, label) in enumerate(q["options"], start=1)
                ],
            )
    votes = plan.records_for("poll_vote", valid_only=valid_only)
    if votes:
        cur.executemany(
            "INSERT INTO poll_vote (poll_question_id, participant_token, option_code, rank, value_text) "
            "VALUES (?, ?, ?, ?, ?)",
            [
                [ids[v["position"]], f"mentimeter-{v['voter']}", v["option_code"], v["rank"], v["value_text"]]
                for v in votes
            ],
        )
    return {"questions": len(ids), "votes": len(votes), "wave": w["wave_code"]}


_WRITERS = {
    "poll": _write_poll,
    "survey": _write_survey,
    "reference": _write_reference,
    "engagement": _write_engagement,
    "self-assessment": _write_self_assessment,
    "invitations": _write_invitations,
}
assert set(_WRITERS) <= set(KINDS)


def list_batches(db: Database) -> pd.DataFrame:
    """Return every import batch, newest first."""
    return db.query(
        "SELECT batch_id, kind, source_name, imported_at, imported_by, rows_read, rows_written, "
        "rows_rejected, "
        "status FROM import_batch ORDER BY batch_id DESC"
    )


# What refers to a row of each entity an import can add: (table, column). A row the same batch
# added (a PCN under a new place) is not counted: it goes too.
_REFERENCED_BY = {
    "wave": [
        ("respondent", "wave_id"),
        ("invitation", "wave_id"),
        ("self_assessment", "wave_id"),
        ("engagement_event", "wave_id"),
        ("poll_session", "wave_id"),
    ],
    "pcn": [
        ("respondent", "pcn_code"),
        ("invitation", "pcn_code"),
        ("self_assessment", "pcn_code"),
        ("engagement_event_pcn", "pcn_code"),
    ],
    "place": [
        ("pcn", "place_code"),
        ("engagement_event", "place_code"),
        ("recommendation_status", "place_code"),
        ("wave", "place_code"),
    ],
    "ics": [("place", "ics_code"), ("wave", "ics_code")],
}
_KEY = {"ics": "ics_code", "place": "place_code", "pcn": "pcn_code", "wave": "wave_code"}


def undo(db: Database, batch_id: int) -> dict:
    """Remove everything a batch wrote and mark it undone; return the rows removed per table."""
    # DuckDB cannot delete a referenced row in the transaction that deleted the rows referring to
    # it, so a batch is undone one level at a time, children first, under one lock. The first
    # transaction decides: it removes the survey answers and votes, restores changed names, checks
    # that nothing else uses what the batch added, and marks the batch undone. The later ones only
    # remove rows that nothing refers to any more; each bumps the data version, so no cache keeps
    # a state between two of them.
    with db.write_lock:
        _undoable(db, batch_id)
        backup.take(db, "before-undo")
        with db.transaction() as cur:
            removed = _undo_data(cur, batch_id)
            added = cur.execute(
                "SELECT entity, code FROM import_change WHERE batch_id = ? AND action = 'insert'", [batch_id]
            ).fetchall()
            for entity, code in added:
                _refuse_if_used(cur, batch_id, entity, code, set(added))
            for entity, code, previous in cur.execute(
                "SELECT entity, code, previous FROM import_change WHERE batch_id = ? AND action = 'update'",
                [batch_id],
            ).fetchall():
                old = json.loads(previous)
                # Identifiers come from _KEY and the stored field names we wrote, never from a file.
                cur.execute(
                    f"UPDATE {entity} SET {', '.join(f'{f} = ?' for f in old)} WHERE {_KEY[entity]} = ?",
                    [*old.values(), code],
                )
                removed[f"{entity} restored"] = removed.get(f"{entity} restored", 0) + 1
            cur.execute("UPDATE import_batch SET status = 'undone' WHERE batch_id = ?", [batch_id])
            kind, source = cur.execute(
                "SELECT kind, source_name FROM import_batch WHERE batch_id = ?", [batch_id]
            ).fetchall()[0]
            trail.record(cur, "undo", f"batch {batch_id}", f"{kind} from {source}")
            # Undoing the last import into the demo file leaves the demo alone again.
            cur.execute(
                "UPDATE meta SET value = 'demo' WHERE key = 'dataset' AND value = 'mixed' AND NOT EXISTS "
                "(SELECT 1 FROM import_batch WHERE kind <> 'demo' AND status = 'applied')"
            )
        for step in _UNDO_LEVELS:
            with db.transaction() as cur:
                for table, sql in step.items():
                    removed[table] = len(cur.execute(sql, [batch_id]).fetchall())
        for level in (("wave", "pcn"), ("place",), ("ics",)):
            rows = [(e, c) for e, c in added if e in level]
            if rows:
                with db.transaction() as cur:
                    for entity, code in rows:
                        cur.execute(f"DELETE FROM {entity} WHERE {_KEY[entity]} = ?", [code])
                        removed[entity] = removed.get(entity, 0) + 1
    return {k: v for k, v in removed.items() if v}


# The poll sessions of the waves a batch added (a Mentimeter import); parameter: batch_id.
_POLL_SESSIONS = (
    "SELECT s.session_id FROM poll_session s JOIN wave w USING (wave_id) JOIN import_change c "
    "ON c.entity = 'wave' AND c.code = w.wave_code AND c.action = 'insert' WHERE c.batch_id = ?"
)
_POLL_QUESTIONS = f"SELECT poll_question_id FROM poll_question WHERE session_id IN ({_POLL_SESSIONS})"
# Rows of a batch that nothing refers to once the first transaction has run, level by level.
_UNDO_LEVELS = [
    {
        "engagement_event": "DELETE FROM engagement_event WHERE batch_id = ? RETURNING 1",
        "poll_question": f"DELETE FROM poll_question WHERE session_id IN ({_POLL_SESSIONS}) RETURNING 1",
    },
    {"poll_session": f"DELETE FROM poll_session WHERE session_id IN ({_POLL_SESSIONS}) RETURNING 1"},
]
# Rows that refer to what a batch added but belong to the batch itself (removed after the check).
_OWN_ROWS = {
    "engagement_event": "batch_id = ?",
    "poll_session": f"session_id IN ({_POLL_SESSIONS})",
}


def _undoable(db: Database, batch_id: int) -> None:
    """Raise unless the batch exists, is not the demo and is not undone already."""
    with db.cursor() as cur:
        _check_undoable(cur, batch_id)


def _check_undoable(cur, batch_id: int) -> None:
    """Raise unless the batch exists, is not the demo and is not undone already."""
    row = cur.execute("SELECT kind, status FROM import_batch WHERE batch_id = ?", [batch_id]).fetchall()
    if not row:
        raise PcnDataError(f"There is no import batch {batch_id}.")
    kind, status = row[0]
    if kind == "demo":
        raise PcnDataError("The demo data cannot be undone; rebuild the file instead (make demo).")
    if status == "undone":
        raise PcnDataError(f"Batch {batch_id} was already undone.")


def _undo_data(cur, batch_id: int) -> dict:
    """Delete the leaf rows of a batch (answers, respondents, assessments, votes); return counts."""
    _check_undoable(cur, batch_id)
    mine = "SELECT respondent_id FROM respondent WHERE batch_id = ?"
    statements = {
        "comment_code": f"DELETE FROM comment_code WHERE respondent_id IN ({mine}) RETURNING 1",
        "answer": f"DELETE FROM answer WHERE respondent_id IN ({mine}) RETURNING 1",
        "respondent": "DELETE FROM respondent WHERE batch_id = ? RETURNING 1",
        "engagement_event_pcn": "DELETE FROM engagement_event_pcn WHERE event_id IN "
        "(SELECT event_id FROM engagement_event WHERE batch_id = ?) RETURNING 1",
        "self_assessment": "DELETE FROM self_assessment WHERE batch_id = ? RETURNING 1",
        "invitation": "DELETE FROM invitation WHERE batch_id = ? RETURNING 1",
        "poll_vote": f"DELETE FROM poll_vote WHERE poll_question_id IN ({_POLL_QUESTIONS}) RETURNING 1",
        "poll_option": f"DELETE FROM poll_option WHERE poll_question_id IN ({_POLL_QUESTIONS}) RETURNING 1",
    }
    return {table: len(cur.execute(sql, [batch_id]).fetchall()) for table, sql in statements.items()}


def _refuse_if_used(cur, batch_id: int, entity: str, code: str, added: set[tuple[str, str]]) -> None:
    """Raise when data from elsewhere refers to a row the batch added."""
    value = code
    if entity == "wave":
        value = cur.execute("SELECT wave_id FROM wave WHERE wave_code = ?", [code]).fetchall()[0][0]
    for table, column in _REFERENCED_BY[entity]:
        # Table and column names come from _REFERENCED_BY and _OWN_ROWS, never from a file.
        own = f" AND NOT ({_OWN_ROWS[table]})" if table in _OWN_ROWS else ""
        params = [value, batch_id] if own else [value]
        if table in _KEY:
            refs = cur.execute(
                f"SELECT {_KEY[table]} FROM {table} WHERE {column} = ?{own}", params
            ).fetchall()
            used = [r for (r,) in refs if (table, r) not in added]
        else:
            used = cur.execute(f"SELECT 1 FROM {table} WHERE {column} = ?{own} LIMIT 1", params).fetchall()
        if used:
            raise PcnDataError(
                f"Batch {batch_id} cannot be undone: the {entity} {code} it added is used by other data "
                f"({table}). Undo the batches that use it first."
            )


def template_xlsx(db: Database) -> bytes:
    """Return the long-format survey template: a responses sheet, the questions and their answers,
    and the PCN codes."""
    import openpyxl
    from openpyxl.styles import Font

    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "responses"
    ws.append(survey.TEMPLATE_COLUMNS)
    ws.append(["R001", "U00000", "cd", "1to3", "23/11/2026", "role_clear_self", "Agree"])
    ws.append(
        ["R001", "U00000", "cd", "1to3", "23/11/2026", "dev_needs", "Coaching, personal impact, confidence"]
    )
    ws.append(["R001", "U00000", "cd", "1to3", "23/11/2026", "text_priority", "Recruiting to our ARRS roles"])
    q = book.create_sheet("questions")
    q.append(
        [
            "question_code",
            "wording",
            "kind",
            "allowed answers (label or code; multi-select: one row per option)",
        ]
    )
    options = db.query(
        "SELECT question_code, string_agg(label, ' | ' ORDER BY sort_order) AS labels "
        "FROM option GROUP BY question_code"
    )
    labels = dict(options.itertuples(index=False))
    for code, wording, kind in db.query(
        "SELECT question_code, wording, kind FROM question ORDER BY sort_order"
    ).itertuples(index=False):
        q.append([code, wording, kind, labels.get(code, "free text")])
    fields = book.create_sheet("codes")
    fields.append(["column", "code", "meaning"])
    for code, label in bank.ROLES:
        fields.append(["role", code, label])
    for code, label in bank.YEARS_BANDS:
        fields.append(["years_in_role", code, label])
    for code, name, place in db.query(
        "SELECT pcn_code, name, place_code FROM pcn ORDER BY place_code, name"
    ).itertuples(index=False):
        fields.append(["pcn_code", code, f"{name} ({place})"])
    for sheet in book.worksheets:
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.column_dimensions["A"].width = 18
        sheet.column_dimensions["B"].width = 40
    # Codes are text: keep leading zeros if someone types a numeric-looking one.
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            cell.number_format = "@"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def target_labels(db: Database) -> dict[str, str]:
    """Return every mapping target with the words a person chooses it by."""
    q = db.query("SELECT question_code, short_label FROM question ORDER BY sort_order")
    return {
        IGNORE: "(ignore this column)",
        **FIELDS,
        **{c: f"{s} [{c}]" for c, s in q.itertuples(index=False)},
    }
