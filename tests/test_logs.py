"""The operator's log: one line per event on stderr (JSON lines with PCN_LOG_FORMAT=json), naming
starts, files opened, upgrades, writes, errors with their cause and slow reruns, and never the
text of an answer or a comment."""

from __future__ import annotations

import json
import logging
import shutil
import subprocess
import sys

import pytest

from pcn_data.core.db import SCHEMA_VERSION, Database
from tests.conftest import ROOT

SECRET_VOTE = "Dr Zebedee Quartermain said something unrepeatable"
# A free-text answer in the template fixture, imported below.
TEMPLATE_TEXT = "We need a shared plan with the ICB"

SCRIPT = f"""
import datetime as dt, os, sys
from streamlit.testing.v1 import AppTest
import ui
from pcn_data.workshop import polls
from pcn_data.survey import voices
from pcn_data.core.db import get_database
from pcn_data.core.filters import Filters
from pcn_data.importing.batches import Upload, apply

ui.shell.SLOW_RERUN_S = 0.0  # every rerun counts as slow here (read where ui.run times it)
at = AppTest.from_file("dashboard.py", default_timeout=60)
at.run()
assert not at.exception
db = get_database(os.environ["PCN_DB"])
made = polls.create_session(db, title="Log test", place_code="MB", held_on=dt.date(2026, 12, 2),
                            questions=[polls.QuestionSpec("One word?", "text")])
qid = int(polls.questions(db, made["session_id"])["poll_question_id"].iloc[0])
polls.set_state(db, qid, "open")
polls.cast_vote(db, qid, "phone-1", {SECRET_VOTE!r})
polls.moderate(db, qid, "phone-1", True)
comment = voices.comments(db, Filters(wave="2023", ics="QE1")).iloc[0]
voices.set_codes(db, comment["comment_key"], ["resilient"])
print("COMMENT:" + comment["text"], file=sys.stdout)
template = open("tests/data/imports/template.csv", "rb").read()
apply(db, Upload(template, "template.csv").plan(db, wave="2025"))
os.environ["PCN_DB"] = sys.argv[1]  # a file of an unknown schema version: refused, with the cause
bad = AppTest.from_file("dashboard.py", default_timeout=60)
bad.run()
"""


def test_json_log_lines_name_each_event_and_never_an_answer(demo_path, tmp_path):
    path = tmp_path / "logs.duckdb"
    shutil.copy(demo_path, path)
    future = tmp_path / "future.duckdb"
    db = Database(future)
    with db.transaction() as cur:
        cur.execute("UPDATE meta SET value = '999' WHERE key = 'schema_version'")
    db.close()
    env = {
        **__import__("os").environ,
        "PCN_DB": str(path),
        "PCN_LOG_FORMAT": "json",
        "PCN_BACKUP_DIR": str(tmp_path / "backups"),
    }
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(future)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    ours = [line for line in done.stderr.splitlines() if line.startswith("{")]
    records = [json.loads(line) for line in ours]  # every line of ours is one JSON object
    assert all({"time", "level", "logger", "message"} <= set(r) for r in records)
    messages = [r["message"] for r in records]

    def logged(text: str) -> list[dict]:
        return [r for r in records if text in r["message"]]

    assert logged("dashboard started")
    assert logged(f"database opened: {path.resolve()} (read-write)")
    assert logged("write: poll_control session")
    assert logged("write: moderation poll question")
    assert logged("write: theme_codes comment")
    assert logged("write: import batch")
    assert logged("snapshot written")  # before the import
    slow = logged("slow rerun: page overview")
    assert slow and slow[0]["page"] == "overview" and slow[0]["level"] == "WARNING"
    (refused,) = logged("database unavailable")
    assert refused["level"] == "ERROR" and "schema version 999" in refused["message"]
    # No answer, comment or poll text, in any line (ours or any other logger's).
    comment = next(line for line in done.stdout.splitlines() if line.startswith("COMMENT:"))[8:]
    for text in (SECRET_VOTE, "Quartermain", TEMPLATE_TEXT, comment[:40]):
        assert text not in done.stderr, text
    assert len(messages) == len(ours)


def test_a_schema_upgrade_is_logged(tmp_path, caplog):
    path = tmp_path / "old.duckdb"
    db = Database(path)
    with db.transaction() as cur:
        cur.execute("DROP TABLE audit_trail")
        cur.execute("UPDATE meta SET value = '5' WHERE key = 'schema_version'")
    db.close()
    with caplog.at_level(logging.INFO, logger="pcn_data"):
        Database(path).close()
    assert f"schema upgraded in place: {path} from version 5 to {SCHEMA_VERSION}" in caplog.text


def test_text_lines_are_one_line_each_with_the_cause(tmp_path):
    from pcn_data.core import logs

    record = logging.LogRecord("pcn_data.x", logging.ERROR, __file__, 1, "failed: %s", ("two\nlines",), None)
    try:
        raise ValueError("the cause")
    except ValueError:
        record.exc_info = sys.exc_info()
    text = logs._Text("log: %(levelname)s %(name)s: %(message)s", tracebacks=False).format(record)
    assert text == "log: ERROR pcn_data.x: failed: two | lines"
    line = json.loads(logs._Json(tracebacks=False).format(record))
    assert line["cause"].startswith("ValueError: the cause (at test_logs.py:") and "traceback" not in line


def _role_map(tmp_path):
    from pcn_data.core import access

    path = tmp_path / "roles.toml"
    path.write_text("[users\nbroken = ")
    return lambda: access.load_role_map(path)


def _setting(tmp_path):
    from pcn_data.core import config

    return config.min_group


def _template(tmp_path):
    from pcn_data.reports import pack_template

    return lambda: pack_template.open_template(b"PK\x03\x04 not a presentation", "ours.pptx")


def _mapping_file(tmp_path):
    from pcn_data.importing import mapping_file

    return lambda: mapping_file.loads("columns = [unclosed", "mapping.toml")


def _csv_encoding(tmp_path):
    from pcn_data.importing import reading

    return lambda: reading.read_file(b"place,answer\nMB,caf\x81\n", "answers.csv")


@pytest.mark.parametrize(
    ("make", "cause"),
    [
        (_role_map, "TOMLDecodeError"),
        (_setting, "ValueError"),
        (_template, "BadZipFile"),
        (_mapping_file, "TOMLDecodeError"),
        (_csv_encoding, "UnicodeDecodeError"),
    ],
)
def test_a_library_error_becomes_our_sentence_with_its_cause_kept_and_logged_once(
    tmp_path, monkeypatch, caplog, make, cause
):
    from pcn_data.core.errors import PcnDataError

    monkeypatch.setenv("PCN_MIN_GROUP", "five")
    with caplog.at_level(logging.DEBUG, logger="pcn_data"), pytest.raises(PcnDataError) as err:
        make(tmp_path)()
    assert type(err.value.__cause__).__name__ == cause
    assert "\n" not in str(err.value) and "Traceback" not in str(err.value)
    (record,) = [r for r in caplog.records if r.name.startswith("pcn_data")]
    # The cause is in the record: as the exception itself, or named by logs.cause.
    assert (record.exc_info and record.exc_info[1] is err.value.__cause__) or cause in record.getMessage()


QUOTED = f"could not chart the answer {SECRET_VOTE!r}"


def test_a_page_that_fails_logs_its_cause_without_the_value_it_quotes(app, monkeypatch, caplog):
    # A page's unexpected error is logged with its type and where it was raised; the value its message
    # quotes (here a participant's answer) stays out of the operator's log.
    import ui

    def boom(*args, **kwargs):
        raise ValueError(QUOTED)

    monkeypatch.setattr(ui, "query", boom)
    with caplog.at_level(logging.ERROR, logger="pcn"):
        app.run()
    assert app.exception  # Streamlit shows the error on the page
    (line,) = [r for r in caplog.records if "failed" in r.getMessage()]
    assert "ValueError" in line.getMessage() and "Zebedee" not in line.getMessage()
    assert "Zebedee" not in json.loads(logs_json(line))["cause"]


def test_a_command_that_fails_unexpectedly_logs_its_cause_without_the_value_it_quotes(
    db_file, monkeypatch, caplog, capsys
):
    from pcn_data import cli

    def boom(args):
        raise ValueError(QUOTED)

    monkeypatch.setattr(cli, "cmd_summary", boom)
    with caplog.at_level(logging.ERROR, logger="pcn_data"):
        assert cli.main(["summary", "--db", str(db_file)]) == 1
    (line,) = [r for r in caplog.records if "summary failed" in r.getMessage()]
    assert "ValueError" in line.getMessage() and "Zebedee" not in line.getMessage()
    assert "Zebedee" not in capsys.readouterr().err


def logs_json(record: logging.LogRecord) -> str:
    """Return the record as the JSON log line an operator's shipper gets."""
    from pcn_data.core import logs

    return logs._Json(tracebacks=False).format(record)


def test_an_action_the_data_layer_declines_is_logged_by_name_without_its_message(app, monkeypatch, caplog):
    # A click whose action the data layer declined shows its sentence on the page, and the operator's
    # log says so by the action's name and the error's type: without it, a click that "did nothing"
    # cannot be told from a click the server never received. The sentence can quote an answer.
    from pcn_data.workshop import maturity_round, polls
    from tests.workshop_actions import add_question_on_the_day

    def declined(*args, **kwargs):
        raise polls.PollError(QUOTED)

    monkeypatch.setattr(maturity_round, "add_to_session", declined)
    with caplog.at_level(logging.INFO, logger="pcn"):
        app.run()
        app.switch_page("pages/workshop.py").run()
        app.text_input(key="workshop_title").input("Logged workshop")
        app.multiselect(key="workshop_bank").select("rel_ics")
        app.button(key="workshop_create").click().run()
        app.button(key="workshop_add_maturity").click().run()  # through a callback (ui.act)
        add_question_on_the_day(app, "Questions?", "qa", sensitive=True)  # in a guarded block
    assert not app.exception
    lines = [r.getMessage() for r in caplog.records if "declined" in r.getMessage()]
    assert lines == [
        "declined: action run_polls (PollError)",
        "declined: action run_polls (PollError)",
    ], lines
    assert "Zebedee" not in caplog.text
