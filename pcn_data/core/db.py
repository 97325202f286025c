"""The DuckDB file: one read-write connection per process, a cursor per query,
writes serialised by a lock and wrapped in transactions."""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from pcn_data.core.config import duckdb_config
from pcn_data.core.errors import DatabaseError, DatabaseLockedError, PcnDataError
from pcn_data.core.logs import without_values

SCHEMA_VERSION = "7"
# Versions this one can upgrade in place: the upgrade adds tables (schema.sql is idempotent;
# version 6 added the audit trail), nullable columns, and rebuilds the poll question table (version
# 7 widened its kinds, which DuckDB cannot alter in place).
_UPGRADABLE = {"1", "2", "3", "4", "5", "6"}
# The poll tables rebuilt by the version 7 upgrade, referenced ones last, with the columns kept.
_REBUILT = {
    "poll_vote": "poll_question_id, participant_token, option_code, rank, value_text, hidden, cast_at",
    "poll_option": "poll_question_id, option_code, label, position",
    "poll_question": (
        "poll_question_id, session_id, position, question_code, wording, kind, state, results_visible"
    ),
}

_LOCK_PID = re.compile(r"\(PID (\d+)\)")
log = logging.getLogger(__name__)
# What the writes of this thread's open transaction did, logged once it commits (note_write).
_pending = threading.local()


def note_write(event: str) -> None:
    """Keep a line for the log about the write in progress in this thread; logged if it commits."""
    events = getattr(_pending, "events", None)
    if events is not None:
        events.append(event)


def _schema_sql() -> str:
    """Return the text of schema.sql."""
    return resources.files("pcn_data").joinpath("schema.sql").read_text(encoding="utf-8")


def _set_aside_poll_tables(cur) -> dict[str, str]:
    """Return the poll tables of a file before version 7, copied aside and dropped (table -> copy),
    so that schema.sql makes them again with the wider kinds; none when the file has them already."""
    columns = cur.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'poll_question'"
    ).fetchall()
    if not columns or ("sensitive",) in columns:
        return {}
    kept = {}
    for table in _REBUILT:  # the tables that reference poll_question first
        copy = f"_v6_{table}"
        cur.execute(f"CREATE TEMP TABLE {copy} AS SELECT {_REBUILT[table]} FROM {table}")
        cur.execute(f"DROP TABLE {table}")
        kept[table] = copy
    return kept


def _wrap(exc: duckdb.Error, path: Path) -> PcnDataError:
    """Return our own exception, with a readable message, for a DuckDB error (its values removed
    first: see _failed)."""
    text = str(exc)
    if "Could not set lock" in text or "Conflicting lock" in text:
        pid = _LOCK_PID.search(text)
        holder = f" (process {pid.group(1)})" if pid else ""
        return DatabaseLockedError(
            f"The database file {path} is in use by another program{holder}, probably the "
            f"running dashboard: stop it, or point --db at a copy of the file, and try again."
        )
    first_line = text.splitlines()[0] if text else type(exc).__name__
    return DatabaseError(f"The database reported an error: {first_line}")


def _failed(exc: duckdb.Error, path: Path, event: str, level: int = logging.WARNING) -> PcnDataError:
    """Return our exception for a DuckDB error, after removing the values its message quotes and
    logging it, with the DuckDB error as its cause, once."""
    # A constraint or conversion error quotes the value it refused ("Duplicate key "text: …"",
    # "Could not convert string '…'"), which can be a survey answer, a comment or a poll answer.
    # The error itself is kept (its type, its traceback) as the cause, with its message rewritten
    # once here, so that neither the user's sentence, the log nor any traceback of the chain
    # carries that text.
    exc.args = (without_values(str(exc), keep=(str(path), str(path.resolve()))),)
    wrapped = _wrap(exc, path)
    # A held file is expected (a second program, the dashboard running): the sentence says it all.
    if isinstance(wrapped, DatabaseLockedError):
        level = logging.INFO
    log.log(level, "%s (%s): %s", event, path, wrapped, exc_info=exc)
    return wrapped


class Database:
    """A DuckDB file opened once for the process."""

    def __init__(self, path: str | Path, *, read_only: bool = False) -> None:
        self.path = Path(path)
        self.read_only = read_only
        self._write_lock = threading.RLock()
        # Commits through this connection that raised the data version: a caller that keeps the
        # version for a while (ui, for one script run) reads it again when this has moved. Votes
        # and other writes that keep the version do not count, so they cost no re-read.
        self.commits = 0
        if not read_only:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        elif not self.path.exists():
            raise PcnDataError(f"There is no database file at {self.path}.")
        try:
            self._con = duckdb.connect(str(self.path), read_only=read_only, config=duckdb_config())
        except duckdb.Error as exc:
            raise _failed(exc, self.path, "database not opened") from exc
        if not read_only:
            self._ensure_schema()
        log.info("database opened: %s (%s)", self.path, "read-only" if read_only else "read-write")

    def _ensure_schema(self) -> None:
        """Create the tables of a new file; refuse a file of another schema version."""
        tables = self.query("SELECT table_name FROM information_schema.tables WHERE table_name = 'meta'")
        if tables.empty:
            with self.transaction(bump_version=False) as cur:
                cur.execute(_schema_sql())
                cur.executemany(
                    "INSERT INTO meta VALUES (?, ?)",
                    [["schema_version", SCHEMA_VERSION], ["data_version", "0"], ["dataset", "empty"]],
                )
            log.info("new database file %s created at schema version %s", self.path, SCHEMA_VERSION)
            return
        version = self.meta().get("schema_version")
        if version in _UPGRADABLE:
            with self.transaction(bump_version=False) as cur:
                kept = _set_aside_poll_tables(cur)
                cur.execute(_schema_sql())
                for table in reversed(_REBUILT):
                    if table in kept:
                        cols = _REBUILT[table]
                        cur.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM {kept[table]}")
                        cur.execute(f"DROP TABLE {kept[table]}")
                # Version 5 gave invitations the batch that wrote them (so an import can be undone).
                cur.execute("ALTER TABLE invitation ADD COLUMN IF NOT EXISTS batch_id INTEGER")
                # Version 7: where a PCN wants to be in a year, beside its stage.
                cur.execute("ALTER TABLE self_assessment ADD COLUMN IF NOT EXISTS desired_stage_code VARCHAR")
                cur.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", [SCHEMA_VERSION])
            log.warning(
                "schema upgraded in place: %s from version %s to %s", self.path, version, SCHEMA_VERSION
            )
            return
        if version != SCHEMA_VERSION:
            raise PcnDataError(
                f"The database file {self.path} has schema version {version}, but this version of "
                f"the dashboard needs {SCHEMA_VERSION}: rebuild it or use a matching release."
            )

    def query(self, sql: str, params: Sequence[Any] = ()) -> pd.DataFrame:
        """Return the result of one parameterised SELECT as a DataFrame."""
        cur = self._con.cursor()
        try:
            return cur.execute(sql, list(params)).df()
        except duckdb.Error as exc:
            raise _failed(exc, self.path, "query failed") from exc
        finally:
            cur.close()

    def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        """Return the first column of the first row, or None."""
        cur = self._con.cursor()
        try:
            row = cur.execute(sql, list(params)).fetchone()
        except duckdb.Error as exc:
            raise _failed(exc, self.path, "query failed") from exc
        finally:
            cur.close()
        return None if row is None else row[0]

    @contextmanager
    def transaction(self, *, bump_version: bool = True) -> Iterator[duckdb.DuckDBPyConnection]:
        """Yield a cursor inside BEGIN/COMMIT; roll back on any error. Writers queue on a lock."""
        if self.read_only:
            raise PcnDataError(f"The database file {self.path} is open read-only.")
        with self._write_lock:
            cur = self._con.cursor()
            _pending.events = []
            started = time.perf_counter()
            try:
                cur.execute("BEGIN TRANSACTION")
                try:
                    yield cur
                    if bump_version:
                        cur.execute(
                            "UPDATE meta SET value = CAST(CAST(value AS BIGINT) + 1 AS VARCHAR) "
                            "WHERE key = 'data_version'"
                        )
                    cur.execute("COMMIT")
                    self.commits += bump_version
                except BaseException:
                    cur.execute("ROLLBACK")
                    raise
                ms = 1000 * (time.perf_counter() - started)
                for event in _pending.events:
                    log.info("write: %s (%.0f ms)", event, ms)
                if not _pending.events:
                    log.debug("write committed (%.0f ms)", ms)
            except duckdb.Error as exc:
                raise _failed(exc, self.path, "write failed and was rolled back", logging.ERROR) from exc
            finally:
                _pending.events = None
                cur.close()

    @contextmanager
    def cursor(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """Yield a cursor of the process's connection for statements that cannot run inside
        transaction() (ATTACH, DETACH); DuckDB errors come out as our own."""
        cur = self._con.cursor()
        try:
            yield cur
        except duckdb.Error as exc:
            raise _failed(exc, self.path, "statement failed") from exc
        finally:
            cur.close()

    @property
    def write_lock(self) -> threading.RLock:
        """Return the lock writers hold; hold it to make several transactions one step."""
        return self._write_lock

    def meta(self) -> dict[str, str]:
        """Return the meta table as a dict."""
        df = self.query("SELECT key, value FROM meta")
        return dict(zip(df["key"], df["value"], strict=True))

    def data_version(self) -> int:
        """Return a number that changes whenever data is written; cache keys include it."""
        value = self.scalar("SELECT value FROM meta WHERE key = 'data_version'")
        return int(value or 0)

    def check(self) -> dict[str, str]:
        """Return the schema version after reading a table, for a health probe; raises if unreadable."""
        self.scalar("SELECT count(*) FROM wave")
        return {"status": "ok", "schema_version": self.meta().get("schema_version", "")}

    def dataset(self) -> str:
        """Return what the file holds: empty, demo, imported, or mixed (demo and imported)."""
        return self.meta().get("dataset") or "empty"

    def is_demo(self) -> bool:
        """Return True while the file holds generated demo data (alone, or mixed with imports)."""
        return self.dataset() in ("demo", "mixed")

    def close(self) -> None:
        """Close the connection."""
        self._con.close()


_open: dict[Path, Database] = {}
_open_lock = threading.Lock()


def get_database(path: str | Path) -> Database:
    """Return this process's one read-write Database for path, opening it on first use."""
    key = Path(path).resolve()
    with _open_lock:
        db = _open.get(key)
        if db is None:
            db = Database(key)
            _open[key] = db
        return db


def close_database(path: str | Path) -> None:
    """Close and forget this process's connection to path, if open."""
    key = Path(path).resolve()
    with _open_lock:
        db = _open.pop(key, None)
    if db is not None:
        db.close()
