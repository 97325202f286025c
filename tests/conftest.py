"""Shared fixtures: a demo database built once per test session, and AppTest set-up."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from pcn_data.core.db import Database, close_database, get_database
from pcn_data.demo import build_demo_file
from scripts.apptest import behave_like_a_running_server

ROOT = Path(__file__).resolve().parent.parent

behave_like_a_running_server()
# No scheduled snapshots in tests unless a test asks: a thread copying a file that a test closes
# would only make noise. (Snapshots before imports and undos are still taken.)
os.environ.setdefault("PCN_BACKUP_EVERY", "off")


def pytest_collection_modifyitems(items) -> None:
    """Run the real-browser tests first: they are the longest, and started last they would leave
    one worker running alone at the end; give each one rerun."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is None)
    # A real-browser test that fails is run once more (pytest-rerunfailures), and the summary lists
    # it as RERUN with its first failure. Two CI runs in a row each lost one browser test on a
    # loaded machine (two servers and two Chromiums on two cores); a failure twice running is still
    # a failure, and a first failure is still a finding (one was the presenter's controls moving).
    for item in items:
        if item.get_closest_marker("browser") is not None:
            item.add_marker(pytest.mark.flaky(reruns=1))


_RERUNS: list[pytest.TestReport] = []


def pytest_runtest_logreport(report) -> None:
    """Keep the report of each failure that was run again (here, with xdist, on the controller)."""
    if report.outcome == "rerun":
        _RERUNS.append(report)


def pytest_terminal_summary(terminalreporter) -> None:
    """Print why each rerun test failed the first time: a rerun that passed is not a pass to
    forget, and CI keeps only what pytest prints."""
    if not _RERUNS:
        return
    terminalreporter.section("failures that were run again (first failure of each)")
    for report in _RERUNS:
        errors = [line for line in report.longreprtext.splitlines() if line.startswith("E ")]
        lost = [line for _, text in report.sections for line in text.splitlines() if "LOST" in line]
        terminalreporter.write_line(report.nodeid)
        for line in errors[:6] + lost:
            terminalreporter.write_line(f"    {line.strip()}")
        logs = [text for name, text in report.sections if name.startswith("server log")]
        for line in logs[-1].splitlines()[-12:] if logs else []:
            terminalreporter.write_line(f"    | {line}")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """When a real-browser test fails, add the end of each server log it left in its tmp_path to
    the report: CI keeps only what pytest prints, and a page that did not change is explained
    there (a refused action, a traceback) or nowhere."""
    outcome = yield
    report = outcome.get_result()
    tmp = item.funcargs.get("tmp_path") if hasattr(item, "funcargs") else None
    if not report.failed or tmp is None or item.get_closest_marker("browser") is None:
        return
    for log in sorted(Path(tmp).glob("*.server.log")):
        lines = log.read_text(encoding="utf-8", errors="replace").splitlines()
        report.sections.append((f"server log {log.name} (last 60 lines)", "\n".join(lines[-60:])))


@pytest.fixture(scope="session")
def demo_path(tmp_path_factory) -> Path:
    """Return the path of a demo database built once for the whole test session."""
    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    build_demo_file(path)
    return path


@pytest.fixture(scope="session")
def national_path(tmp_path_factory) -> Path:
    """Return the path of a national-scale demo file (42 ICSs), built once for the session."""
    path = tmp_path_factory.mktemp("national") / "national.duckdb"
    build_demo_file(path, scale="national")
    return path


@pytest.fixture(scope="session")
def demo_db(demo_path) -> Database:
    """Return the process's connection to the session's demo database."""
    db = get_database(demo_path)
    yield db
    close_database(demo_path)


@pytest.fixture
def scratch(demo_path, tmp_path) -> Database:
    """Return a connection of its own to a private copy of the demo database, free to change."""
    path = tmp_path / "scratch.duckdb"
    shutil.copy(demo_path, path)
    db = Database(path)
    yield db
    db.close()


@pytest.fixture
def own_copy(demo_path, tmp_path, monkeypatch) -> Database:
    """Return the shared connection to a private copy of the demo file, which the app under
    test ($PCN_DB) opens too: what one writes, the other sees."""
    path = tmp_path / "own.duckdb"
    shutil.copy(demo_path, path)
    monkeypatch.setenv("PCN_DB", str(path))
    yield get_database(path)
    close_database(path)


@pytest.fixture
def app(demo_db, monkeypatch):
    """Return an AppTest of the dashboard on the demo database, not yet run."""
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("PCN_DB", str(demo_db.path))
    return AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)


@pytest.fixture
def db_file(demo_path, tmp_path) -> Path:
    """Return a private copy of the demo file, not held open by the test (the command line opens it)."""
    path = tmp_path / "import.duckdb"
    shutil.copy(demo_path, path)
    return path
