"""The command line, run as a user runs it."""

import json
import subprocess
import sys

import duckdb

from tests.conftest import ROOT


def run(*args, timeout=120):
    return subprocess.run(
        [sys.executable, "-m", "pcn_data", *args], capture_output=True, text=True, cwd=ROOT, timeout=timeout
    )


def test_demo_then_summary_prints_places_pcns_and_findings(tmp_path):
    db = tmp_path / "x.duckdb"
    built = run("demo", "--db", str(db))
    assert built.returncode == 0, built.stderr
    assert json.loads(built.stdout)["pcns"] == 42
    assert "[100%] Done" in built.stderr  # progress is shown
    result = run("summary", "--db", str(db))
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["places"] == 5 and summary["pcns"] == 42
    assert summary["waves"] == ["2021", "2023"]
    # West Lancashire's 2 respondents of 2021 are a group under K: hidden, as on every page.
    assert summary["respondents"]["2021"]["by_place"]["West Lancashire"] is None
    con = duckdb.connect(str(db), read_only=True)
    true_total = con.execute(
        "SELECT count(*) FROM respondent JOIN wave USING (wave_id) WHERE wave_code = '2021'"
    ).fetchone()[0]
    con.close()
    assert summary["respondents"]["2021"]["total"] == true_total
    keys = [f["key"] for f in summary["findings"]["2021"]]
    assert keys == ["ics_poor", "vision_unclear", "top_need", "net_role_clarity"]
    ics_poor = summary["findings"]["2021"][0]
    assert ics_poor["value"] > 0.5 and ics_poor["low"] < ics_poor["value"] < ics_poor["high"]
    assert ics_poor["n"] > 0 and ics_poor["formatted"].endswith("%")


def test_help_on_each_command():
    for args in (
        ["--help"],
        ["demo", "--help"],
        ["summary", "--help"],
        ["batches", "--help"],
        ["undo", "--help"],
    ):
        result = run(*args)
        assert result.returncode == 0 and "usage:" in result.stdout
    assert "--scale" in run("demo", "--help").stdout
    assert all(
        flag in run("import", "--help").stdout
        for flag in ("--mapping", "--save-mapping", "--ignore-unmapped")
    )


def test_usage_errors_exit_2():
    assert run().returncode == 2
    assert run("demo", "--scale", "galactic").returncode == 2


def test_missing_database_is_a_clear_error(tmp_path):
    result = run("summary", "--db", str(tmp_path / "nope.duckdb"))
    assert result.returncode == 1
    assert "There is no database file" in result.stderr and "Traceback" not in result.stderr


def test_demo_refuses_to_overwrite_without_force(tmp_path):
    db = tmp_path / "x.duckdb"
    assert run("demo", "--db", str(db), "--quiet").returncode == 0
    again = run("demo", "--db", str(db), "--quiet")
    assert again.returncode == 1 and "--force" in again.stderr
    assert run("demo", "--db", str(db), "--quiet", "--force", "--seed", "3").returncode == 0


def test_init_starts_a_clean_file_for_real_data(tmp_path):
    db = tmp_path / "real.duckdb"
    made = run("init", "--db", str(db))
    assert made.returncode == 0, made.stderr
    assert json.loads(run("summary", "--db", str(db)).stdout)["dataset"] == "empty"
    imported = run("import", str(ROOT / "tests/data/imports/reference.csv"), "--db", str(db))
    assert imported.returncode == 0, imported.stderr
    summary = json.loads(run("summary", "--db", str(db)).stdout)
    assert summary["dataset"] == "imported" and summary["pcns"] == 4 and summary["waves"] == []
    # The question bank is there for the first survey import.
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT count(*) FROM question").fetchone()[0] > 20
    con.close()
    again = run("init", "--db", str(db))
    assert again.returncode == 1 and "already" in again.stderr
