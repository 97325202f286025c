"""The import seen through the dashboard (AppTest): pages show an import without a restart, and
the Data page lists and undoes batches."""

import shutil

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from pcn_data.core.db import close_database, get_database
from pcn_data.core.filters import Filters
from pcn_data.importing.batches import Upload, apply
from tests.conftest import ROOT
from tests.hostile import markdown_text

FIXTURES = ROOT / "tests" / "data" / "imports"


@pytest.fixture
def private(demo_path, tmp_path, monkeypatch):
    """Return (AppTest, Database) on a private copy of the demo file, shared with the app's process."""
    path = tmp_path / "pages.duckdb"
    shutil.copy(demo_path, path)
    monkeypatch.setenv("PCN_DB", str(path))
    db = get_database(path)
    yield AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60), db
    close_database(path)


def respondents_line(at) -> str:
    """Return the overview's respondents line as it reads (imported wave names are escaped)."""
    return markdown_text(next(m.value for m in at.markdown if m.value.startswith("**Respondents:**")))


def test_an_import_shows_on_the_overview_without_a_restart(private):
    at, db = private
    at.run()
    assert not at.exception
    assert "2025" not in respondents_line(at)
    plan = Upload((FIXTURES / "msforms.xlsx").read_bytes(), "msforms.xlsx").plan(db, wave="2025")
    apply(db, plan)
    at.run()
    assert not at.exception
    # Its 6 respondents are one cell of the protected respondents table: the line shows what the
    # table publishes (the count, or "hidden" where a group inside would otherwise be exposed).
    from pcn_data.survey import protect
    from pcn_data.survey.queries import respondent_totals

    total = respondent_totals(db, Filters(ics="QE1"))
    row = total[total["wave_code"] == "2025"].iloc[0]
    shown = "hidden" if pd.isna(row["respondents"]) else f"{int(row['respondents'])}"
    assert f"2025 survey (imported): **{shown}**" in respondents_line(at)
    true_n = protect.current(db).tables[("2025", "QE1", protect.RESPONDENTS)].n.sum()
    assert true_n == 6 and shown in ("6", "hidden")
    # The sidebar offers the new wave too.
    assert "2025 survey (imported)" in at.selectbox(key="wave").options


def test_the_data_page_lists_batches_and_undoes_one(private):
    at, db = private
    result = apply(
        db, Upload((FIXTURES / "googleforms.csv").read_bytes(), "googleforms.csv").plan(db, wave="2025")
    )
    at.run()
    at.switch_page("pages/data.py").run()
    assert not at.exception
    history = next(d.value for d in at.dataframe if "source_name" in d.value.columns)
    assert list(history["source_name"])[:2] == ["googleforms.csv", "demo generator, seed 2021, scale ics"]
    assert at.selectbox(key="import_undo_batch").value == result["batch_id"]
    assert at.button(key="import_undo").disabled  # not before the confirmation is ticked
    at.checkbox(key="import_undo_confirm").check().run()
    at.button(key="import_undo").click().run()
    assert not at.exception
    assert any(f"Batch {result['batch_id']} undone" in s.value for s in at.success)
    assert db.scalar("SELECT count(*) FROM respondent WHERE batch_id = ?", [result["batch_id"]]) == 0
    assert db.scalar("SELECT count(*) FROM wave WHERE wave_code = '2025'") == 0


def test_the_data_page_offers_the_template(private):
    at, _db = private
    at.run()
    at.switch_page("pages/data.py").run()
    assert not at.exception
    assert at.get("download_button")  # the template download is drawn
