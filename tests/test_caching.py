"""Caching: the data version is read once per script run, a write is still seen at once, and a
change of place is cut from the answer cached for every place."""

import pandas as pd
import pytest

from pcn_data.core.cuts import chosen_groups
from pcn_data.core.db import Database
from pcn_data.core.filters import Filters
from pcn_data.programme import tracker
from pcn_data.survey import results
from tests.conftest import ROOT


def status_of(at, rec_id):
    table = next(t.value for t in at.dataframe if "rec_id" in t.value.columns)
    return table.set_index("rec_id").loc[rec_id, "status"]


def count_calls(monkeypatch, owner, name: str) -> list:
    """Return a list that grows by the arguments of every call of owner.name."""
    calls = []
    original = getattr(owner, name)
    monkeypatch.setattr(owner, name, lambda *args: calls.append(args) or original(*args))
    return calls


def open_role_clarity(app):
    app.run()
    app.switch_page("pages/role_clarity.py").run()
    assert not app.exception


def test_the_data_version_is_read_once_per_run(app, monkeypatch):
    reads = count_calls(monkeypatch, Database, "data_version")
    open_role_clarity(app)
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
        from pcn_data.programme import tracker

        before = [ui.data_version(), len(ui.query(tracker.history, "MB"))]
        tracker.update(ui.database(), 1, "MB", by="Test", status="Done", note="written mid-run")
        st.markdown(" ".join(map(str, [*before, ui.data_version(), len(ui.query(tracker.history, "MB"))])))

    at = AppTest.from_function(script, default_timeout=60).run()
    assert not at.exception
    v0, n0, v1, n1 = map(int, at.markdown[0].value.split())
    assert v1 == v0 + 1 and n1 > n0


CUT_BY_PLACE = [
    ("likert", lambda db, f: results.likert(db, results.ROLE_ITEMS, f, "ICS total")),
    ("agreement_gap", lambda db, f: results.agreement_gap(db, f, "ICS total")),
    ("relationship_matrix", lambda db, f: results.relationship_matrix(db, f, "ICS total")),
    ("needs", lambda db, f: results.needs(db, f, "ICS total")),
]


@pytest.mark.parametrize("name, run", CUT_BY_PLACE, ids=[c[0] for c in CUT_BY_PLACE])
@pytest.mark.parametrize(
    "f",
    [
        Filters(wave="2021", places=("MB",)),
        Filters(wave="2021", places=("WL",)),
        Filters(wave="2023", places=("FC",), roles=("manager",)),
        Filters(wave="2023", ics="QE1", places=("PL",), roles=("cd",)),
    ],
    ids=repr,
)
def test_a_query_cut_by_place_equals_the_query_for_that_place(demo_db, name, run, f):
    from ui import CACHEABLE

    assert getattr(CACHEABLE[f"pcn_data.survey.results.{name}"], "places", None) == "cut"
    every = run(demo_db, f.without("places"))
    pd.testing.assert_frame_equal(chosen_groups(every, f, with_total=True), run(demo_db, f))


def test_a_place_change_reuses_the_answer_for_every_place(app, monkeypatch):
    app.run()
    app.switch_page("pages/relationships.py").run()
    calls = []

    def counted(*args):
        calls.append(args)
        return results.relationship_matrix(*args)

    counted.places = "cut"
    monkeypatch.setitem(__import__("ui").CACHEABLE, "pcn_data.survey.results.relationship_matrix", counted)
    app.selectbox(key="place").set_value("MB").run()
    app.selectbox(key="place").set_value("FC").run()
    assert not app.exception
    assert calls == []  # both places cut from the answer cached for every place


def test_a_charts_table_is_made_only_while_its_expander_is_open(app, monkeypatch):
    made = count_calls(monkeypatch, results, "likert_table")
    open_role_clarity(app)
    assert made == [] and not app.dataframe and not app.get("download_button")
    app.session_state["role_role_clear_self_open"] = True
    app.run()
    assert len(made) == 1
    assert [t.value.columns[0] for t in app.dataframe] == ["Statement"]
    assert len(app.get("download_button")) == 1


def test_only_the_listed_queries_run_through_the_cache():
    import ui

    with pytest.raises(ValueError, match="not a cacheable query"):
        ui.query(results.change)
