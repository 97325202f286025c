"""Connection handling: one connection per process, transactions, a clear message when locked."""

import logging
import subprocess
import sys
import textwrap
import time
import traceback

import duckdb
import pytest

from pcn_data.core import logs
from pcn_data.core.db import SCHEMA_VERSION, Database, get_database
from pcn_data.core.errors import DatabaseError, DatabaseLockedError, PcnDataError
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


def _db_records(caplog) -> list[logging.LogRecord]:
    """Return the records the data layer logged at WARNING or above."""
    return [r for r in caplog.records if r.name.startswith("pcn_data") and r.levelno >= logging.WARNING]


def test_a_duckdb_failure_keeps_its_cause_is_logged_once_and_reads_as_one_sentence(tmp_path, caplog):
    db = Database(tmp_path / "c.duckdb")
    with caplog.at_level(logging.INFO, logger="pcn_data"), pytest.raises(DatabaseError) as err:
        db.query("SELECT * FROM no_such_table WHERE x = ?", [1])
    cause = err.value.__cause__
    assert isinstance(cause, duckdb.CatalogException)
    assert "no_such_table" in str(cause)
    (record,) = _db_records(caplog)  # once, with the DuckDB error as its cause
    assert record.exc_info[1] is cause
    assert "no_such_table" in record.getMessage()
    message = str(err.value)
    assert message.startswith("The database reported an error: Catalog Error: Table with name no_such_table")
    assert "\n" not in message and "LINE" not in message and "Traceback" not in message
    # A failed write: the same, logged as an error, and rolled back.
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="pcn_data"), pytest.raises(DatabaseError) as err:
        with db.transaction() as cur:
            cur.execute("INSERT INTO place VALUES ('P', 'NO-SUCH-ICS', 'Orphan', 0)")
    assert isinstance(err.value.__cause__, duckdb.ConstraintException)
    (record,) = _db_records(caplog)
    assert record.levelname == "ERROR" and record.exc_info[1] is err.value.__cause__
    assert "rolled back" in record.getMessage()
    assert db.scalar("SELECT count(*) FROM place") == 0
    db.close()


SECRET_ANSWER = 'Dr O\'Hare told me "in confidence"\nthat the ICB never listens'


@pytest.mark.parametrize("kind", ["duplicate key", "conversion"])
def test_a_refused_row_with_answer_text_leaves_that_text_out_of_the_log(tmp_path, caplog, kind):
    """DuckDB quotes the value it refused: a duplicate key ("label_key: …") or a string it could
    not convert ('…'). Neither the user's sentence, the log, nor a traceback of the chain may
    carry that text."""
    db = Database(tmp_path / "s.duckdb")
    with caplog.at_level(logging.DEBUG, logger="pcn_data"), pytest.raises(DatabaseError) as err:
        with db.transaction() as cur:
            if kind == "duplicate key":
                row = ["msforms", "role_1", SECRET_ANSWER, "agree"]
                sql = (
                    "INSERT INTO import_label_mapping (source_format, question_code, label_key, "
                    "option_code) VALUES (?, ?, ?, ?)"
                )
                cur.execute(sql, row)
                cur.execute(sql, row)
            else:
                cur.execute(
                    "INSERT INTO answer (respondent_id, question_code, value_number) VALUES (?, ?, ?)",
                    ["r1", "other_text", SECRET_ANSWER],
                )
    cause = err.value.__cause__
    refused = duckdb.ConstraintException if kind == "duplicate key" else duckdb.ConversionException
    assert isinstance(cause, refused)
    (record,) = _db_records(caplog)
    written = [
        str(err.value),
        "".join(traceback.format_exception(err.value)),
        logs._Text("%(message)s", tracebacks=True).format(record),
        logs._Json(tracebacks=True).format(record),
    ]
    assert ("duplicate key" if kind == "duplicate key" else "could not convert string") in written[0].lower()
    for text in written:
        for fragment in ("O'Hare", "in confidence", "never listens"):
            assert fragment not in text, text
    db.close()


def test_the_command_line_gives_one_sentence_and_logs_the_cause_of_a_duckdb_failure(tmp_path):
    path = tmp_path / "not-a-database.duckdb"
    path.write_text("a spreadsheet saved with the wrong name\n")
    result = subprocess.run(
        [sys.executable, "-m", "pcn_data", "summary", "--db", str(path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        env={**__import__("os").environ, "PCN_LOG_FORMAT": "json"},
    )
    assert result.returncode == 1
    log_line, error = result.stderr.strip().splitlines()
    assert error.startswith(f"error: The database reported an error: IO Error: The file {path} exists")
    assert error.count(". ") == 0 and "Traceback" not in result.stderr
    logged = __import__("json").loads(log_line)
    assert logged["level"] == "WARNING" and logged["logger"] == "pcn_data.core.db"
    assert logged["cause"].startswith("IOException: IO Error: The file")


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


@pytest.mark.parametrize("old", ["1", "2", "3", "4", "5", "6"])
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


def _version_6_polls(cur) -> None:
    """Put back the poll tables as version 6 had them: five kinds, no sensitive flag, no settings."""
    for table in (
        "poll_maturity",
        "poll_qa_vote",
        "poll_qa_item",
        "poll_hidden_word",
        "poll_session_setting",
        "poll_vote",
        "poll_option",
    ):
        cur.execute(f"DROP TABLE {table}")
    cur.execute("DROP TABLE poll_question")
    cur.execute("""
        CREATE TABLE poll_question (
            poll_question_id INTEGER PRIMARY KEY DEFAULT nextval('poll_question_seq'),
            session_id INTEGER NOT NULL REFERENCES poll_session (session_id),
            position INTEGER NOT NULL,
            question_code VARCHAR,
            wording VARCHAR NOT NULL,
            kind VARCHAR NOT NULL CHECK (kind IN ('agreement', 'single', 'multi', 'ranking', 'text')),
            state VARCHAR NOT NULL DEFAULT 'draft',
            results_visible BOOLEAN NOT NULL DEFAULT FALSE
        );
        CREATE TABLE poll_option (
            poll_question_id INTEGER NOT NULL REFERENCES poll_question (poll_question_id),
            option_code VARCHAR NOT NULL,
            label VARCHAR NOT NULL,
            position INTEGER NOT NULL,
            PRIMARY KEY (poll_question_id, option_code)
        );
        CREATE TABLE poll_vote (
            poll_question_id INTEGER NOT NULL REFERENCES poll_question (poll_question_id),
            participant_token VARCHAR NOT NULL,
            option_code VARCHAR,
            rank INTEGER,
            value_text VARCHAR,
            hidden BOOLEAN NOT NULL DEFAULT FALSE,
            cast_at TIMESTAMP NOT NULL DEFAULT current_timestamp
        );
    """)
    cur.execute("ALTER TABLE self_assessment DROP COLUMN desired_stage_code")


def test_a_version_6_file_keeps_its_polls_and_takes_the_new_question_types(tmp_path):
    path = tmp_path / "six.duckdb"
    db = Database(path)
    with db.transaction() as cur:
        _version_6_polls(cur)
        cur.execute("INSERT INTO ics VALUES ('X', 'An ICS')")
        cur.execute("INSERT INTO place (place_code, ics_code, name) VALUES ('P', 'X', 'A place')")
        cur.execute(
            "INSERT INTO wave (wave_id, wave_code, name, kind, ics_code, place_code, opened_on, status) "
            "VALUES (7, 'poll-1', 'Before', 'poll', 'X', 'P', DATE '2026-01-01', 'open')"
        )
        cur.execute(
            "INSERT INTO poll_session (session_id, wave_id, join_code, title) "
            "VALUES (3, 7, 'ABCDEF', 'Before')"
        )
        cur.execute(
            "INSERT INTO poll_question (session_id, position, wording, kind, state) "
            "VALUES (3, 1, 'Pick one', 'single', 'closed')"
        )
        kept = cur.execute("SELECT poll_question_id FROM poll_question").fetchone()[0]
        cur.execute(
            "INSERT INTO poll_option VALUES (?, 'a', 'Apples', 1), (?, 'b', 'Pears', 2)", [kept, kept]
        )
        cur.execute(
            "INSERT INTO poll_vote (poll_question_id, participant_token, option_code) VALUES (?, 't1', 'b')",
            [kept],
        )
        cur.execute("UPDATE meta SET value = '6' WHERE key = 'schema_version'")
    db.close()

    db = Database(path)
    assert db.meta()["schema_version"] == SCHEMA_VERSION
    assert db.query("SELECT option_code, label FROM poll_option ORDER BY 1").values.tolist() == [
        ["a", "Apples"],
        ["b", "Pears"],
    ]
    assert db.query(
        "SELECT poll_question_id, participant_token, option_code FROM poll_vote"
    ).values.tolist() == [[kept, "t1", "b"]]
    assert db.scalar("SELECT sensitive FROM poll_question WHERE poll_question_id = ?", [kept]) is False
    with db.transaction() as cur:  # the new kinds, and a new question numbered after the kept one
        cur.execute(
            "INSERT INTO poll_question (session_id, position, wording, kind) VALUES (3, 2, 'Ask', 'qa')"
        )
        cur.execute(
            "INSERT INTO poll_question (session_id, position, wording, kind) "
            "VALUES (3, 3, 'Stage', 'maturity')"
        )
    assert db.scalar("SELECT min(poll_question_id) FROM poll_question WHERE kind = 'qa'") > kept
    with db.transaction() as cur:
        cur.execute("INSERT INTO poll_session_setting (session_id, self_paced) VALUES (3, TRUE)")
    assert "desired_stage_code" in set(db.query("DESCRIBE self_assessment")["column_name"])
    db.close()
