"""Caching: the data version is read once per script run, and a write is still seen at once."""

import shutil

import pytest

from pcn_data import tracker
from pcn_data.db import Database, close_database, get_database
from tests.conftest import ROOT


@pytest.fixture
def own_copy(demo_path, tmp_path, monkeypatch):
    """Return a Database on a private copy of the demo file, which the app opens too."""
    path = tmp_path / "own.duckdb"
    shutil.copy(demo_path, path)
    monkeypatch.setenv("PCN_DB", str(path))
    yield get_database(path)
    close_database(path)


def status_of(at, rec_id):
    table = next(t.value for t in at.dataframe if "rec_id" in t.value.columns)
    return table.set_index("rec_id").loc[rec_id, "status"]


def test_the_data_version_is_read_once_per_run(app, monkeypatch):
    reads = []
    read = Database.data_version
    monkeypatch.setattr(Database, "data_version", lambda self: reads.append(1) or read(self))
    app.run()
    app.switch_page("pages/role_clarity.py").run()
    assert not app.exception
    for _ in range(2):
        reads.clear()
        app.run()
        assert len(reads) == 1
    app.selectbox(key="place").set_value("MB")
    reads.clear()
    app.run()
    assert len(reads) == 1


def test_a_write_through_the_data_layer_shows_on_the_next_run(own_copy):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    at.query_params["tracker_place"] = "MB"
    at.run()
    at.switch_page("pages/recommendations.py").run()
    assert not at.exception
    rec_id = 1
    before = status_of(at, rec_id)
    after = next(s for s in tracker.STATUSES if s != before)
    tracker.update(own_copy, rec_id, "MB", by="Test", status=after)
    at.run()
    assert status_of(at, rec_id) == after


def test_a_write_during_a_run_is_seen_by_the_rest_of_that_run(own_copy):
    from streamlit.testing.v1 import AppTest

    def script():
        import streamlit as st

        import ui
        from pcn_data import tracker

        before = [ui.data_version(), len(ui.query("history", "MB"))]
        tracker.update(ui.database(), 1, "MB", by="Test", status="Done", note="written mid-run")
        st.markdown(" ".join(map(str, [*before, ui.data_version(), len(ui.query("history", "MB"))])))

    at = AppTest.from_function(script, default_timeout=60).run()
    assert not at.exception
    v0, n0, v1, n1 = map(int, at.markdown[0].value.split())
    assert v1 == v0 + 1 and n1 > n0
