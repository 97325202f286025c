"""Snapshots of the running dashboard's own file, taken through its own connection with DuckDB's
ATTACH and COPY FROM DATABASE: before every import and undo, on a schedule, and on request.
A snapshot is an ordinary DuckDB file that records its own row counts and content hashes, so
`verify` can tell a whole one from a damaged one; `restore` puts one in place of a stopped
dashboard's file, keeping the file it replaces."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
import shutil
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from pcn_data.core import logs
from pcn_data.core.config import _env_int
from pcn_data.core.db import _UPGRADABLE, SCHEMA_VERSION, Database, _failed
from pcn_data.core.errors import ConfigError, PcnDataError

log = logging.getLogger(__name__)

DEFAULT_EVERY = "daily"
DEFAULT_KEEP = 14
_EVERY_WORDS = {"hourly": 3600, "daily": 86400, "weekly": 7 * 86400}
_EVERY = re.compile(r"^(\d+)\s*([smhd])$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
# Keys a snapshot writes into its own meta table (and that a restored file keeps, as its origin).
TAKEN_AT, ROWS, REASON, SOURCE = "snapshot_taken_at", "snapshot_rows", "snapshot_reason", "snapshot_of"


class SnapshotError(PcnDataError):
    """A snapshot could not be taken, verified or restored."""


def backup_dir(db_path: Path) -> Path:
    """Return where snapshots go: $PCN_BACKUP_DIR, else a backups/ folder beside the database file."""
    raw = os.environ.get("PCN_BACKUP_DIR", "").strip()
    return Path(raw) if raw else Path(db_path).resolve().parent / "backups"


def backup_every() -> int | None:
    """Return the seconds between scheduled snapshots ($PCN_BACKUP_EVERY: hourly, daily (the
    default), weekly, or a number with s, m, h or d such as 6h), or None when it is off."""
    raw = os.environ.get("PCN_BACKUP_EVERY", "").strip().lower() or DEFAULT_EVERY
    if raw in ("off", "never", "0"):
        return None
    if raw in _EVERY_WORDS:
        return _EVERY_WORDS[raw]
    m = _EVERY.match(raw)
    if not m or int(m.group(1)) == 0:
        raise ConfigError(
            f"PCN_BACKUP_EVERY must be hourly, daily, weekly, off or a number with s, m, h or d (such "
            f"as 6h), not {raw!r}."
        )
    return int(m.group(1)) * _UNITS[m.group(2)]


def backup_keep() -> int:
    """Return how many snapshots of each reason to keep ($PCN_BACKUP_KEEP, default 14, at least 1)."""
    keep = _env_int("PCN_BACKUP_KEEP", DEFAULT_KEEP)
    if keep < 1:
        raise ConfigError(f"PCN_BACKUP_KEEP must be 1 or more, not {keep}.")
    return keep


def _literal(text: str) -> str:
    """Return text as a SQL string literal (ATTACH takes no parameter; the path is ours, not a user's)."""
    return "'" + text.replace("'", "''") + "'"


def _ident(name: str) -> str:
    """Return name as a quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def _tables(cur, catalog: str) -> list[str]:
    """Return the base tables of a catalog, each after the tables its foreign keys refer to."""
    names = [
        r[0]
        for r in cur.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = ? AND NOT internal ORDER BY 1",
            [catalog],
        ).fetchall()
    ]
    needs = {n: set() for n in names}
    for table, ref in cur.execute(
        "SELECT table_name, referenced_table FROM duckdb_constraints() "
        "WHERE database_name = ? AND constraint_type = 'FOREIGN KEY'",
        [catalog],
    ).fetchall():
        if ref != table:
            needs[table].add(ref)
    ordered: list[str] = []
    while needs:
        ready = sorted(n for n, deps in needs.items() if deps <= set(ordered))
        if not ready:
            raise SnapshotError(f"The tables' foreign keys form a cycle: {', '.join(sorted(needs))}.")
        ordered += ready
        for n in ready:
            del needs[n]
    return ordered


def _fingerprint(cur, catalog: str, tables: list[str]) -> dict[str, list[int]]:
    """Return table -> [row count, hash of every row] (the hash reads every column of every row)."""
    out = {}
    for t in tables:
        # A snapshot's own meta keys are not part of what it copied.
        skip = "WHERE t.key NOT LIKE 'snapshot\\_%' ESCAPE '\\'" if t == "meta" else ""
        # Table names come from DuckDB's own catalogue, never from a user.
        count, digest = cur.execute(
            f"SELECT count(*), coalesce(sum(hash(t) % 1000000007), 0) "
            f"FROM {_ident(catalog)}.{_ident(t)} AS t {skip}"
        ).fetchall()[0]
        out[t] = [int(count), int(digest)]
    return out


def _copy_rows(cur, source: str, target: str, tables: list[str]) -> None:
    """Copy every table's rows, in the order given; a table whose foreign key refers to itself goes
    parents first."""
    columns: dict[str, list[str]] = {}
    for table, column in cur.execute(
        "SELECT table_name, column_name FROM duckdb_columns() WHERE database_name = ? "
        "ORDER BY table_name, column_index",
        [source],
    ).fetchall():
        columns.setdefault(table, []).append(column)
    own = {
        table: (child, parent)
        for table, child, parent in cur.execute(
            "SELECT table_name, constraint_column_names[1], referenced_column_names[1] "
            "FROM duckdb_constraints() WHERE database_name = ? AND constraint_type = 'FOREIGN KEY' "
            "AND referenced_table = table_name",
            [source],
        ).fetchall()
    }
    for table in tables:
        col_list = ", ".join(_ident(c) for c in columns[table])
        src, dst = f"{_ident(source)}.{_ident(table)}", f"{_ident(target)}.{_ident(table)}"
        if table not in own:
            cur.execute(f"INSERT INTO {dst} ({col_list}) SELECT {col_list} FROM {src}")
            continue
        # DuckDB checks a self-reference against the rows already there, so one level at a time.
        child, parent = (_ident(c) for c in own[table])
        while cur.execute(
            f"INSERT INTO {dst} ({col_list}) SELECT {col_list} FROM {src} s "
            f"WHERE s.{parent} NOT IN (SELECT {parent} FROM {dst}) "
            f"AND (s.{child} IS NULL OR s.{child} IN (SELECT {parent} FROM {dst})) RETURNING 1"
        ).fetchall():
            pass
        left = cur.execute(
            f"SELECT count(*) FROM {src} WHERE {parent} NOT IN (SELECT {parent} FROM {dst})"
        ).fetchall()[0][0]
        if left:
            raise SnapshotError(f"{left} rows of {table} refer to rows that do not exist.")


def snapshot(db: Database, dest: str | Path, *, reason: str = "manual") -> Path:
    """Return dest after writing a consistent copy of the open database there.

    Writers wait on the write lock while it runs (about 0.2 s for the demo file): the schema is
    copied with the sequences' current values, and a row written between that and the rows' copy
    would leave a restored file's sequence behind its ids. The rows are copied in one transaction,
    so the copy is the database as of one moment. The file appears complete or not at all
    (written beside, then renamed)."""
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    partial = dest.with_name(f".{dest.name}.partial")
    for leftover in (partial, partial.with_name(partial.name + ".wal")):
        leftover.unlink(missing_ok=True)
    alias = f"snap_{uuid.uuid4().hex}"
    started = time.perf_counter()
    with db.write_lock, db.cursor() as cur:
        source = cur.execute("SELECT current_database()").fetchall()[0][0]
        # Small blocks: a snapshot of a few thousand rows is kilobytes, not the 18 MB of default blocks.
        cur.execute(f"ATTACH {_literal(str(partial))} AS {_ident(alias)} (BLOCK_SIZE 16384)")
        try:
            # The schema as the live file has it, sequences at their current values included.
            cur.execute(f"COPY FROM DATABASE {_ident(source)} TO {_ident(alias)} (SCHEMA)")
            cur.execute("BEGIN TRANSACTION")
            try:
                tables = _tables(cur, source)
                _copy_rows(cur, source, alias, tables)
                rows = _fingerprint(cur, source, tables)
                cur.executemany(
                    f"INSERT OR REPLACE INTO {_ident(alias)}.meta VALUES (?, ?)",
                    [
                        [TAKEN_AT, dt.datetime.now(dt.UTC).isoformat(timespec="seconds")],
                        [ROWS, json.dumps(rows)],
                        [REASON, reason],
                        [SOURCE, str(db.path)],
                    ],
                )
                cur.execute("COMMIT")
            except BaseException:
                cur.execute("ROLLBACK")
                raise
        finally:
            cur.execute(f"DETACH {_ident(alias)}")
    partial.replace(dest)
    log.info(
        "snapshot written: %s (%s, %d bytes, %.2f s)",
        dest,
        reason,
        dest.stat().st_size,
        time.perf_counter() - started,
    )
    return dest


def snapshot_name(db_path: Path, reason: str, when: dt.datetime | None = None) -> str:
    """Return a snapshot's file name: the database's stem, the UTC time and the reason."""
    when = when or dt.datetime.now(dt.UTC)
    return f"{Path(db_path).stem}-{when:%Y%m%dT%H%M%S%fZ}-{reason}.duckdb"


def take(db: Database, reason: str) -> Path:
    """Return the path of a new snapshot in the backup folder, after pruning that reason's
    snapshots to the last $PCN_BACKUP_KEEP."""
    folder = backup_dir(db.path)
    path = snapshot(db, folder / snapshot_name(db.path, reason), reason=reason)
    prune(folder, db.path, reason, backup_keep())
    return path


def listed(folder: Path, db_path: Path, reason: str | None = None) -> list[Path]:
    """Return the snapshots of a database in a folder, oldest first (of one reason, if given)."""
    pattern = f"{Path(db_path).stem}-*-{reason or '*'}.duckdb"
    return sorted(folder.glob(pattern)) if folder.is_dir() else []


def prune(folder: Path, db_path: Path, reason: str, keep: int) -> list[Path]:
    """Delete all but the newest `keep` snapshots of one reason; return those deleted."""
    gone = listed(folder, db_path, reason)[:-keep]
    for p in gone:
        p.unlink(missing_ok=True)
        log.info("snapshot removed (keeping the last %d %s): %s", keep, reason, p)
    return gone


@dataclass
class Report:
    """What verify found: ok, and the lines that say why."""

    path: Path
    ok: bool = True
    lines: list[str] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)

    def fail(self, line: str) -> None:
        """Record why the snapshot is not whole."""
        self.ok = False
        self.lines.append(line)


def verify(path: str | Path) -> Report:
    """Return whether a snapshot opens read-only, has a schema this version can use, and holds
    every table with the rows (and row contents) it recorded when it was taken."""
    path = Path(path)
    report = Report(path)
    if not path.is_file():
        report.fail(f"There is no file at {path}.")
        return report
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as exc:
        report.fail(str(_failed(exc, path, "snapshot not opened to verify")))
        return report
    try:
        cur = con.cursor()
        meta = dict(cur.execute("SELECT key, value FROM meta").fetchall())
        version = meta.get("schema_version")
        if version == SCHEMA_VERSION:
            report.lines.append(f"schema version {version}: current")
        elif version in _UPGRADABLE:
            report.lines.append(f"schema version {version}: older, upgraded in place when opened")
        else:
            report.fail(f"schema version {version}: this dashboard needs {SCHEMA_VERSION}")
        if ROWS not in meta:
            report.fail("no row counts recorded: not a snapshot taken by the dashboard")
            return report
        expected = json.loads(meta[ROWS])
        catalog = cur.execute("SELECT current_database()").fetchall()[0][0]
        present = set(_tables(cur, catalog))
        missing = sorted(set(expected) - present)
        if missing:
            report.fail(f"tables missing: {', '.join(missing)}")
        found = _fingerprint(cur, catalog, sorted(set(expected) & present))
        for t, (count, digest) in found.items():
            report.rows[t] = count
            want_count, want_digest = expected[t]
            if count != want_count:
                report.fail(f"{t}: {count} rows, but {want_count} when the snapshot was taken")
            elif digest != want_digest:
                report.fail(f"{t}: {count} rows, but their contents differ from when the snapshot was taken")
        report.lines.insert(
            0,
            f"taken {meta.get(TAKEN_AT)} ({meta.get(REASON)}) of {meta.get(SOURCE)}: "
            f"{len(found)} tables, {sum(report.rows.values())} rows",
        )
    except duckdb.Error as exc:
        report.fail(f"unreadable: {str(_failed(exc, path, 'snapshot unreadable'))}")
    finally:
        con.close()
    return report


def restore(snapshot_path: str | Path, db_path: str | Path) -> Path | None:
    """Put a verified snapshot in place of a stopped dashboard's database file; return where the
    file it replaced was kept (None when there was none). Refuses while the file is in use."""
    snapshot_path, db_path = Path(snapshot_path), Path(db_path)
    report = verify(snapshot_path)
    if not report.ok:
        raise SnapshotError(
            f"{snapshot_path} is not a whole snapshot, so nothing was restored: {report.lines[-1]}."
        )
    kept = None
    if db_path.exists():
        # Opening it read-write is how to learn that no dashboard holds it; the checkpoint folds any
        # write-ahead log into the file, so the kept file is whole on its own.
        try:
            con = duckdb.connect(str(db_path))
            con.execute("CHECKPOINT")
            con.close()
        except duckdb.Error as exc:
            raise _failed(exc, db_path, "file to replace not opened") from exc
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        kept = db_path.with_name(f"{db_path.name}.replaced-{stamp}")
        db_path.replace(kept)
        wal = db_path.with_name(db_path.name + ".wal")
        if wal.exists():
            wal.replace(kept.with_name(kept.name + ".wal"))
    db_path.parent.mkdir(parents=True, exist_ok=True)
    partial = db_path.with_name(f".{db_path.name}.restoring")
    shutil.copyfile(snapshot_path, partial)
    partial.replace(db_path)
    log.info("restored %s from %s (replaced file kept as %s)", db_path, snapshot_path, kept)
    return kept


class Schedule:
    """A thread that takes a snapshot whenever the newest scheduled one is older than the interval."""

    def __init__(self, db: Database, every: int) -> None:
        self.db, self.every = db, every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="pcn-backups", daemon=True)

    def start(self) -> Schedule:
        """Return self, its thread started."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop the thread (a snapshot under way finishes first)."""
        self._stop.set()
        self._thread.join(timeout=30)

    def due_in(self) -> float:
        """Return the seconds until the next scheduled snapshot is due (0 when it is due now)."""
        last = listed(backup_dir(self.db.path), self.db.path, "scheduled")
        if not last:
            return 0.0
        age = time.time() - last[-1].stat().st_mtime
        return max(0.0, self.every - age)

    def _run(self) -> None:
        """Take a snapshot whenever one is due, until stopped."""
        while not self._stop.is_set():
            wait = self.due_in()
            if wait > 0:
                self._stop.wait(min(wait, 3600))
                continue
            try:
                take(self.db, "scheduled")
            except Exception as exc:  # the dashboard goes on; the operator sees why in the log
                log.error("scheduled snapshot failed: %s", logs.cause(exc))
                self._stop.wait(min(self.every, 600))


_schedules: dict[Path, Schedule] = {}
_schedules_lock = threading.Lock()


def start_schedule(db: Database) -> Schedule | None:
    """Return the scheduled-snapshot thread of this database, started once per process (None when
    $PCN_BACKUP_EVERY is off)."""
    every = backup_every()
    if every is None:
        return None
    with _schedules_lock:
        running = _schedules.get(db.path)
        if running is None or running.db is not db:
            if running is not None:
                running.stop()
            running = _schedules[db.path] = Schedule(db, every).start()
        return running
