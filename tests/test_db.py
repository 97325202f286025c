"""Connection handling: one connection per process, transactions, a clear message when locked."""

import subprocess
import sys
import textwrap
import time

import pytest

from pcn_data.db import SCHEMA_VERSION, Database, get_database
from pcn_data.errors import DatabaseError, DatabaseLockedError, PcnDataError
from tests.conftest import ROOT


@pytest.fixture
def holder(tmp_path):
    """Start another process that holds the database file open read-write, like the dashboard."""
    path = tmp_path / "held.duckdb"
    Database(path).close()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(f"""
            import sys, time, duckdb
            con = duckdb.connect({str(path)!r})
            print("ready", flush=True)
            sys.stdin.read()
        """),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout.readline().strip() == "ready"
    yield path, proc
    proc.stdin.close()
    proc.wait(timeout=10)


def test_a_locked_file_gets_one_clear_sentence(holder):
    path, proc = holder
    with pytest.raises(DatabaseLockedError) as err:
        Database(path)
    message = str(err.value)
    assert str(path) in message and f"process {proc.pid}" in message
    assert "stop it" in message and "Traceback" not in message
    assert message.count(". ") == 0  # one sentence


def test_the_command_line_reports_a_locked_file_without_a_traceback(holder):
    path, _ = holder
    result = subprocess.run(
        [sys.executable, "-m", "pcn_data", "summary", "--db", str(path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert result.returncode == 1
    assert result.stderr.startswith("error: The database file")
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_one_connection_per_process(tmp_path):
    a = get_database(tmp_path / "one.duckdb")
    b = get_database(str(tmp_path / "one.duckdb"))
    assert a is b


def test_a_failed_transaction_writes_nothing(tmp_path):
    db = Database(tmp_path / "t.duckdb")
    before = db.data_version()
    with pytest.raises(RuntimeError), db.transaction() as cur:
        cur.execute("INSERT INTO ics VALUES ('X', 'Half-written ICS')")
        raise RuntimeError("interrupted")
    assert db.scalar("SELECT count(*) FROM ics") == 0
    assert db.data_version() == before
    with db.transaction() as cur:
        cur.execute("INSERT INTO ics VALUES ('X', 'Whole ICS')")
    assert db.scalar("SELECT count(*) FROM ics") == 1
    assert db.data_version() == before + 1
    db.close()


def test_duckdb_errors_are_wrapped_in_our_exception(tmp_path):
    db = Database(tmp_path / "e.duckdb")
    with pytest.raises(DatabaseError, match="The database reported an error"):
        db.query("SELECT * FROM no_such_table")
    with pytest.raises(DatabaseError), db.transaction() as cur:
        cur.execute("INSERT INTO place VALUES ('P', 'NO-SUCH-ICS', 'Orphan', 0)")
    db.close()


def test_concurrent_writers_are_serialised(tmp_path):
    import threading

    db = Database(tmp_path / "w.duckdb")
    errors = []

    def write(i):
        try:
            with db.transaction() as cur:
                cur.execute("INSERT INTO ics VALUES (?, ?)", [f"I{i}", f"ICS {i}"])
                time.sleep(0.001)
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(i,)) for i in range(40)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert db.scalar("SELECT count(*) FROM ics") == 40
    db.close()


def test_a_file_of_another_schema_version_is_refused(tmp_path):
    db = Database(tmp_path / "v.duckdb")
    with db.transaction() as cur:
        cur.execute("UPDATE meta SET value = '999' WHERE key = 'schema_version'")
    db.close()
    with pytest.raises(PcnDataError, match="schema version 999"):
        Database(tmp_path / "v.duckdb")


@pytest.mark.parametrize("old", ["1", "2", "3", "4", "5"])
def test_an_older_file_is_upgraded_in_place_keeping_its_data(tmp_path, old):
    path = tmp_path / "old.duckdb"
    db = Database(path)
    with db.transaction() as cur:
        cur.execute("INSERT INTO ics VALUES ('X', 'Kept ICS')")
        # What a file of that version lacked.
        lacked = {
            "1": ["import_mapping", "import_change"],
            "2": ["poll_presenter"],
            "3": ["import_label_mapping"],
            "5": ["audit_trail"],
        }
        for table in [t for v, tables in lacked.items() if v >= old for t in tables]:
            cur.execute(f"DROP TABLE {table}")
        cur.execute("ALTER TABLE invitation DROP COLUMN batch_id")  # added by version 5
        cur.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", [old])
    db.close()
    db = Database(path)
    assert db.meta()["schema_version"] == SCHEMA_VERSION
    assert db.scalar("SELECT name FROM ics WHERE ics_code = 'X'") == "Kept ICS"
    for table in ("poll_presenter", "import_mapping", "import_change", "import_label_mapping", "audit_trail"):
        assert db.scalar("SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [table]) == 1
    assert "batch_id" in set(db.query("DESCRIBE invitation")["column_name"])
    db.close()
