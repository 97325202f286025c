"""Shared fixtures: a demo database built once per test session, and AppTest set-up."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.runtime.pages_manager import PagesManager

from pcn_data.db import Database, close_database, get_database
from pcn_data.demo import build_demo_file

ROOT = Path(__file__).resolve().parent.parent

# AppTest resets PagesManager.uses_pages_directory before every run, so an app that keeps its
# pages in pages/ starts every AppTest run in Streamlit's legacy pages mode. The app then
# reruns once through st.navigation (ui.ensure_navigation_mode), and a rerun drops the click of
# a button, so form submissions would never arrive. A real server keeps the flag False after
# the first st.navigation call; this makes AppTest do the same. The production path, a fresh
# server, is covered by the browser tests.
_original_init = PagesManager.__init__


def _init_like_a_running_server(self, *args, **kwargs):
    if PagesManager.uses_pages_directory is None:
        PagesManager.uses_pages_directory = False
    _original_init(self, *args, **kwargs)


PagesManager.__init__ = _init_like_a_running_server


@pytest.fixture(scope="session")
def demo_path(tmp_path_factory) -> Path:
    """Return the path of a demo database built once for the whole test session."""
    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    build_demo_file(path)
    return path


@pytest.fixture(scope="session")
def demo_db(demo_path) -> Database:
    """Return the process's connection to the session's demo database."""
    db = get_database(demo_path)
    yield db
    close_database(demo_path)


@pytest.fixture
def app(demo_db, monkeypatch):
    """Return an AppTest of the dashboard on the demo database, not yet run."""
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("PCN_DB", str(demo_db.path))
    return AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
