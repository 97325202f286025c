"""The dashboard through Streamlit's AppTest: every page opens, numbers match an independent count."""

from pathlib import Path

import pytest

from tests.conftest import ROOT
from ui import BARE_PAGES

PAGES = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "pages").glob("*.py"))


def metrics(at):
    return {m.label: m.value for m in at.metric}


def independent_poor_share(db, wave, place=None):
    """Share rating the ICS relationship poor, excluding Don't know, by plain SQL."""
    poor, base = db.query(
        """
        SELECT count(*) FILTER (WHERE a.option_code = 'poor'), count(*)
        FROM answer a JOIN respondent r ON r.respondent_id = a.respondent_id
        JOIN wave w ON w.wave_id = r.wave_id JOIN pcn p ON p.pcn_code = r.pcn_code
        WHERE a.question_code = 'rel_ics' AND a.option_code <> 'dont_know' AND w.wave_code = ?
          AND (? IS NULL OR p.place_code = ?)""",
        [wave, place, place],
    ).iloc[0]
    return int(poor), int(base)


@pytest.mark.parametrize("page", PAGES)
def test_every_page_opens_without_an_exception(app, page):
    app.run()
    assert not app.exception
    app.switch_page(page).run()
    assert not app.exception
    if Path(page).stem in BARE_PAGES:
        # A phone or a projector: no sidebar filters, no banner.
        assert not [s for s in app.selectbox if s.key == "wave"]
    else:
        assert any("Demo data" in w.value for w in app.warning), "the demo banner is missing"


def test_overview_headline_matches_an_independent_count(app, demo_db):
    app.run()
    assert not app.exception
    poor, base = independent_poor_share(demo_db, "2023")  # the latest wave is the default
    assert metrics(app)["ICS relationship rated poor"] == f"{100 * poor / base:.0f}%"
    assert any(f"n = {base} ·" in m.value for m in app.markdown)


def test_changing_the_place_changes_the_numbers(app, demo_db):
    app.run()
    app.selectbox(key="wave").set_value("2021").run()
    app.selectbox(key="place").set_value("MB").run()
    assert not app.exception
    poor, base = independent_poor_share(demo_db, "2021", "MB")
    assert metrics(app)["ICS relationship rated poor"] == f"{100 * poor / base:.0f}%"
    assert any("Morecambe Bay" in m.value for m in app.markdown)


def test_a_place_under_k_shows_placeholders_and_no_numbers(app):
    app.run()
    app.selectbox(key="wave").set_value("2021").run()
    app.selectbox(key="place").set_value("WL").run()
    assert not app.exception
    assert set(metrics(app).values()) == {"–"}
    notes = [m.value for m in app.markdown if "Not shown" in m.value]
    assert len(notes) == 4
    assert not any("n = " in m.value for m in app.markdown)


def test_filters_come_from_the_url(app, demo_db):
    app.query_params["wave"] = "2021"
    app.query_params["place"] = "MB"
    app.run()
    assert not app.exception
    assert app.selectbox(key="wave").value == "2021"
    assert app.selectbox(key="place").value == "MB"
    poor, base = independent_poor_share(demo_db, "2021", "MB")
    assert metrics(app)["ICS relationship rated poor"] == f"{100 * poor / base:.0f}%"


def test_a_bad_value_in_the_url_falls_back_to_the_default(app):
    app.query_params["place"] = "NOT-A-PLACE"
    app.run()
    assert not app.exception
    assert app.selectbox(key="place").value == "all"


def test_role_choices_follow_the_wave(app):
    app.run()
    app.selectbox(key="wave").set_value("2021").run()
    assert app.selectbox(key="role").options == ["All roles", "Clinical Director"]
    app.selectbox(key="wave").set_value("2023").run()
    assert len(app.selectbox(key="role").options) == 4


def test_data_page_counts_match_the_file(app, demo_db):
    app.run()
    app.switch_page("pages/data.py").run()
    assert not app.exception
    table = app.dataframe[0].value
    counts = dict(zip(table["What"], table["Rows"], strict=True))
    assert counts["Respondents"] == demo_db.scalar("SELECT count(*) FROM respondent")
    assert counts["PCNs"] == 42


def test_first_run_builds_the_demo_file_when_it_is_missing(tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    path = tmp_path / "new" / "pcn_futures.duckdb"
    monkeypatch.setenv("PCN_DB", str(path))
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    at.run()
    assert not at.exception
    assert path.exists()
    assert any("Demo data" in w.value for w in at.warning)
    assert len(at.metric) == 4


def test_a_demo_file_with_imported_responses_says_so_on_every_page(demo_path, tmp_path, monkeypatch):
    # Seen in use: the "Demo data" banner stayed after real responses were imported into the demo file.
    import json
    import shutil
    import subprocess
    import sys

    from streamlit.testing.v1 import AppTest

    path = tmp_path / "mixed.duckdb"
    shutil.copy(demo_path, path)

    def cli(*args):
        done = subprocess.run(
            [sys.executable, "-m", "pcn_data", *args], capture_output=True, text=True, cwd=ROOT, timeout=120
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    template = ROOT / "tests" / "data" / "imports" / "template.csv"
    cli("import", str(template), "--db", str(path), "--wave", "2025")
    assert json.loads(cli("summary", "--db", str(path)))["dataset"] == "mixed"

    monkeypatch.setenv("PCN_DB", str(path))
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    at.run()
    for page in PAGES:
        if Path(page).stem in BARE_PAGES:
            continue
        at.switch_page(page).run()
        assert not at.exception
        banners = [w.value for w in at.warning if "Demo data" in w.value]
        assert banners and all("Demo data mixed with imported responses" in b for b in banners), page
