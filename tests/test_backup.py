"""Backups while it runs: snapshots through the running dashboard's own connection (while votes
arrive), before every import and undo, on a schedule and from the Data page; `verify` and
`restore` on the command line."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import threading
import time

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from pcn_data.core import backup
from pcn_data.core.db import SCHEMA_VERSION, Database
from pcn_data.importing.batches import Upload, apply, undo
from pcn_data.workshop import polls
from tests.conftest import ROOT

TEMPLATE = ROOT / "tests" / "data" / "imports" / "template.csv"


def cli(*args, timeout=120):
    return subprocess.run(
        [sys.executable, "-m", "pcn_data", *args], capture_output=True, text=True, cwd=ROOT, timeout=timeout
    )


def counts(path) -> dict[str, int]:
    """Return every table's row count, read from the file by a plain DuckDB connection."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        tables = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()]
        return {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables if t != "meta"}
    finally:
        con.close()


def summary(path) -> dict:
    done = cli("summary", "--db", str(path))
    assert done.returncode == 0, done.stderr
    return {k: v for k, v in json.loads(done.stdout).items() if k != "db"}


def test_a_snapshot_taken_from_the_data_page_while_votes_arrive_restores_whole(
    own_copy, tmp_path, monkeypatch
):
    db = own_copy
    monkeypatch.setenv("PCN_BACKUP_DIR", str(tmp_path / "backups"))
    made = polls.create_session(
        db,
        title="Burst",
        place_code="MB",
        held_on=dt.date(2026, 12, 2),
        questions=[polls.bank_question(db, "rel_ics")],
    )
    made_before = made
    qid = int(polls.questions(db, made["session_id"])["poll_question_id"].iloc[0])
    polls.set_state(db, qid, "open")
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    at.run()
    at.switch_page("pages/data.py").run()
    assert not at.exception

    # Phones vote through the same Database while the facilitator takes the snapshot.
    acknowledged: list[str] = []
    stop = threading.Event()
    errors = []

    def phone(i: int) -> None:
        n = 0
        while not stop.is_set():
            token = f"phone-{i}-{n}"
            try:
                polls.cast_vote(db, qid, token, ["poor", "fair", "good"][n % 3])
            except Exception as exc:  # collected: an assertion in a thread would be lost
                errors.append(exc)
                return
            acknowledged.append(token)
            n += 1

    phones = [threading.Thread(target=phone, args=(i,)) for i in range(4)]
    for t in phones:
        t.start()
    try:
        while len(acknowledged) < 20:
            time.sleep(0.01)
        before = set(acknowledged)
        at.button(key="backup_take").click().run()
        assert not at.exception
        after = len(acknowledged)
    finally:
        stop.set()
        for t in phones:
            t.join()
    assert not errors
    assert after > 20  # votes went on around the snapshot
    (snap,) = (tmp_path / "backups").glob("*-manual.duckdb")
    assert "Download the snapshot" in [b.proto.label for b in at.get("download_button")]

    verified = cli("verify", str(snap))
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "whole" in verified.stdout and f"schema version {SCHEMA_VERSION}: current" in verified.stdout

    restored = tmp_path / "new folder" / "restored.duckdb"
    done = cli("restore", str(snap), "--db", str(restored))
    assert done.returncode == 0, done.stderr
    in_snapshot = set(
        duckdb.connect(str(restored), read_only=True)
        .execute("SELECT participant_token FROM poll_vote")
        .fetchdf()["participant_token"]
    )
    # Every vote acknowledged before the click is there, and only votes that really were cast.
    assert before <= in_snapshot <= set(acknowledged)
    live = {t: int(db.scalar(f'SELECT count(*) FROM "{t}"')) for t in counts(restored)}
    got = counts(restored)
    moving = ("poll_vote", "audit_trail")
    assert {t: n for t, n in got.items() if t not in moving} == {
        t: n for t, n in live.items() if t not in moving
    }
    # The trail's row for the snapshot is written just after it.
    assert got["audit_trail"] == live["audit_trail"] - 1
    assert got["poll_vote"] == len(in_snapshot)
    assert summary(restored) == summary_of_open(db)
    # The restored file's sequences are past its ids: new sessions, questions and trail rows go in.
    again = Database(restored)
    try:
        made = polls.create_session(
            again, title="After", place_code="MB", held_on=dt.date(2026, 12, 3),
            questions=[polls.bank_question(again, "rel_ics")],
        )  # fmt: skip
        assert made["session_id"] > made_before["session_id"]
    finally:
        again.close()


def summary_of_open(db: Database) -> dict:
    """Return the summary of the open file (the command line cannot open it while it is held)."""
    from pcn_data.cli import summary as summarise

    out = json.loads(json.dumps(summarise(db), default=str))
    out.pop("db")
    return out


def test_every_import_and_undo_is_preceded_by_a_snapshot_of_the_file_as_it_was(
    scratch, tmp_path, monkeypatch
):
    db = scratch
    monkeypatch.setenv("PCN_BACKUP_DIR", str(tmp_path / "backups"))
    respondents = db.scalar("SELECT count(*) FROM respondent")
    batch = apply(db, Upload(TEMPLATE.read_bytes(), TEMPLATE.name).plan(db, wave="2025"))["batch_id"]
    (before_import,) = backup.listed(tmp_path / "backups", db.path, "before-import")
    assert counts(before_import)["respondent"] == respondents
    undo(db, batch)
    (before_undo,) = backup.listed(tmp_path / "backups", db.path, "before-undo")
    assert counts(before_undo)["respondent"] == respondents + 6
    assert backup.verify(before_import).ok and backup.verify(before_undo).ok


def test_snapshots_are_pruned_to_the_last_n_and_scheduled_ones_start_at_once(scratch, tmp_path, monkeypatch):
    db = scratch
    monkeypatch.setenv("PCN_BACKUP_DIR", str(tmp_path / "b"))
    monkeypatch.setenv("PCN_BACKUP_KEEP", "2")
    for _ in range(3):
        backup.take(db, "manual")
    assert len(backup.listed(tmp_path / "b", db.path, "manual")) == 2

    monkeypatch.setenv("PCN_BACKUP_EVERY", "6h")
    schedule = backup.start_schedule(db)
    try:
        deadline = time.time() + 30
        while not backup.listed(tmp_path / "b", db.path, "scheduled") and time.time() < deadline:
            time.sleep(0.05)
        assert len(backup.listed(tmp_path / "b", db.path, "scheduled")) == 1
        assert 6 * 3600 - 60 < schedule.due_in() <= 6 * 3600  # the next one in six hours
    finally:
        schedule.stop()
    for bad in ("fortnightly", "0h", "-1d"):
        monkeypatch.setenv("PCN_BACKUP_EVERY", bad)
        with pytest.raises(backup.ConfigError, match="PCN_BACKUP_EVERY"):
            backup.backup_every()


def test_verify_says_when_a_snapshot_is_not_whole(scratch, tmp_path):
    snap = backup.snapshot(scratch, tmp_path / "s.duckdb")
    con = duckdb.connect(str(snap))
    con.execute("DELETE FROM answer WHERE respondent_id IN (SELECT respondent_id FROM respondent LIMIT 1)")
    con.close()
    done = cli("verify", str(snap))
    assert done.returncode == 1
    assert (
        "NOT WHOLE" in done.stdout
        and "answer:" in done.stdout
        and "when the snapshot was taken" in done.stdout
    )
    assert cli("verify", str(tmp_path / "missing.duckdb")).returncode == 1


def test_restore_refuses_while_a_dashboard_holds_the_file_and_keeps_the_file_it_replaces(scratch, tmp_path):
    snap = backup.snapshot(scratch, tmp_path / "s.duckdb")
    # The scratch connection plays the running dashboard: it holds its file.
    refused = cli("restore", str(snap), "--db", str(scratch.path))
    assert refused.returncode == 1
    assert "in use by another program" in refused.stderr and "stop it" in refused.stderr
    assert "Traceback" not in refused.stderr
    path = scratch.path
    with scratch.transaction() as cur:
        cur.execute("DELETE FROM recommendation_history")  # a change made after the snapshot
    scratch.close()
    done = cli("restore", str(snap), "--db", str(path))
    assert done.returncode == 0, done.stderr
    (kept,) = path.parent.glob(f"{path.name}.replaced-*")
    assert counts(kept)["recommendation_history"] == 0
    assert counts(path)["recommendation_history"] > 0
    Database.__init__(scratch, path)  # for the fixture's close
