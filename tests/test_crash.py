"""Crash safety: a process writing the file is killed (SIGKILL) in the middle of an import, of a burst
of votes and of a tracker edit. After a restart the file opens and each change is whole or absent:
no partial batch, no orphan answers, no half an edit; every vote acknowledged before the kill is
there."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest

from pcn_data.core.db import Database
from pcn_data.programme import tracker
from pcn_data.workshop import polls
from tests.conftest import ROOT

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")

# The child opens the file, then runs one of these; it prints READY, MID (inside a transaction, at
# which point it waits to be killed) or ACK <n> (a write that returned) and flushes each line.
CHILD = r"""
import sys, time
from pcn_data.core.db import Database
from pcn_data.workshop import polls
from pcn_data.programme import tracker
from pcn_data.core import trail
from pcn_data.importing import batches

path, mode = sys.argv[1], sys.argv[2]
db = Database(path)

def say(line):
    print(line, flush=True)

def wait_to_be_killed(*args, **kwargs):
    say("MID")
    time.sleep(120)

if mode == "import":
    # Stop inside the import's transaction, once its respondents and answers are written.
    real_insert = batches._insert
    def insert_then_wait(cur, table, rows, extra):
        real_insert(cur, table, rows, extra)
        if table == "answer":
            wait_to_be_killed()
    batches._insert = insert_then_wait
    data = open(sys.argv[3], "rb").read()
    plan = batches.Upload(data, "round.csv").plan(db, wave="2025")
    say("READY")
    batches.apply(db, plan, imported_by="crash test")
elif mode == "votes":
    qid = int(sys.argv[3])
    say("READY")
    n = 0
    while True:
        polls.cast_vote(db, qid, f"phone-{n}", ["poor", "fair", "good"][n % 3])
        say(f"ACK {n}")
        n += 1
elif mode == "tracker":
    # Stop inside the edit's transaction, after its status and history are written.
    trail.record = wait_to_be_killed
    say("READY")
    tracker.update(db, 6, "WL", by="crash test", status="Done", note="half an edit")
"""


def run_child(path, mode, *args, until: str, timeout: float = 60) -> list[str]:
    """Start the child, read its lines until one starts with `until`, SIGKILL it; return the lines."""
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(path), mode, *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PCN_BACKUP_DIR": str(path.parent / "backups"), "PCN_LOG_LEVEL": "WARNING"},
    )
    lines = []
    deadline = time.time() + timeout
    try:
        for line in child.stdout:
            lines.append(line.strip())
            if line.startswith(until) or time.time() > deadline:
                break
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    # What the child said between the line that stopped the reading and the kill is an
    # acknowledgement too: the pipe still holds it.
    lines += [line.strip() for line in child.stdout.read().splitlines()]
    assert any(line.startswith(until) for line in lines), (lines, child.stderr.read()[-2000:])
    assert child.returncode == -signal.SIGKILL
    return lines


@pytest.fixture
def path(demo_path, tmp_path):
    """Return a private copy of the demo file, closed (the child process opens it)."""
    p = tmp_path / "crash.duckdb"
    shutil.copy(demo_path, p)
    return p


def orphans(db: Database) -> int:
    """Return the answers, codes and votes whose parent row is missing."""
    return int(
        db.scalar(
            """
            SELECT (SELECT count(*) FROM answer a
                    WHERE a.respondent_id NOT IN (SELECT respondent_id FROM respondent))
                 + (SELECT count(*) FROM comment_code c
                    WHERE c.respondent_id NOT IN (SELECT respondent_id FROM respondent))
                 + (SELECT count(*) FROM respondent r
                    WHERE r.batch_id NOT IN (SELECT batch_id FROM import_batch))
                 + (SELECT count(*) FROM poll_vote v
                    WHERE v.poll_question_id NOT IN (SELECT poll_question_id FROM poll_question))
            """
        )
    )


def test_an_import_killed_in_its_transaction_is_absent_and_can_be_run_again(path, tmp_path):
    from pcn_data.importing.batches import Upload, apply

    round_csv = tmp_path / "round.csv"
    shutil.copy(ROOT / "tests" / "data" / "imports" / "template.csv", round_csv)
    db = Database(path)
    before = db.query("SELECT (SELECT count(*) FROM respondent) r, (SELECT count(*) FROM answer) a").iloc[0]
    batches_before = db.scalar("SELECT count(*) FROM import_batch")
    db.close()

    run_child(path, "import", round_csv, until="MID")

    db = Database(path)  # the file opens after the kill
    try:
        after = db.query("SELECT (SELECT count(*) FROM respondent) r, (SELECT count(*) FROM answer) a").iloc[
            0
        ]
        assert tuple(after) == tuple(before)
        assert db.scalar("SELECT count(*) FROM import_batch") == batches_before  # no partial batch
        assert db.scalar("SELECT count(*) FROM wave WHERE wave_code = '2025'") == 0
        assert db.scalar("SELECT count(*) FROM audit_trail WHERE action = 'import'") == 0
        assert orphans(db) == 0
        # Not remembered as imported: the same file goes in whole now.
        result = apply(db, Upload(round_csv.read_bytes(), "round.csv").plan(db, wave="2025"))
        assert result["status"] == "imported" and result["respondents"] == 6
    finally:
        db.close()


def test_every_vote_acknowledged_before_a_kill_is_there(path):
    db = Database(path)
    made = polls.create_session(
        db,
        title="Burst",
        place_code="MB",
        held_on=dt.date(2026, 12, 2),
        questions=[polls.bank_question(db, "rel_ics")],
    )
    qid = int(polls.questions(db, made["session_id"])["poll_question_id"].iloc[0])
    polls.set_state(db, qid, "open")
    db.close()

    lines = run_child(path, "votes", qid, until="ACK 300")

    acked = {f"phone-{line.split()[1]}" for line in lines if line.startswith("ACK")}
    db = Database(path)
    try:
        stored = set(
            db.query("SELECT participant_token FROM poll_vote WHERE poll_question_id = ?", [qid])[
                "participant_token"
            ]
        )
        assert acked <= stored  # nothing acknowledged is lost
        assert len(stored - acked) <= 1  # at most the vote in flight at the kill, whole
        assert db.scalar("SELECT count(*) FROM poll_vote WHERE poll_question_id = ?", [qid]) == len(stored)
        assert orphans(db) == 0
    finally:
        db.close()


def test_a_tracker_edit_killed_in_its_transaction_leaves_no_half_edit(path):
    db = Database(path)
    before = db.query("SELECT * FROM recommendation_status WHERE rec_id = 6 AND place_code = 'WL'")
    history = db.scalar("SELECT count(*) FROM recommendation_history")
    assert before.empty or before["note"].iloc[0] != "half an edit"
    db.close()

    run_child(path, "tracker", until="MID")

    db = Database(path)
    try:
        after = db.query("SELECT * FROM recommendation_status WHERE rec_id = 6 AND place_code = 'WL'")
        assert after.astype(str).equals(before.astype(str))
        assert db.scalar("SELECT count(*) FROM recommendation_history") == history
        assert db.scalar("SELECT count(*) FROM audit_trail") == 0
        # The same edit now goes through whole: status, history and its audit row.
        assert tracker.update(db, 6, "WL", by="after", status="Done", note="whole edit") >= 1
        assert db.scalar("SELECT count(*) FROM audit_trail WHERE action = 'tracker_edit'") == 1
    finally:
        db.close()
