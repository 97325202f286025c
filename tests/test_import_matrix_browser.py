"""A real browser takes a SurveyMonkey export with matrix questions from upload to the
Relationships page, which shows its answers."""

from __future__ import annotations

import csv
import datetime as dt
import io
import shutil
import sys

import duckdb
import pytest

from scripts.live_server import browser_page, serve, wait_for_app
from tests.browser_helpers import require_chromium
from tests.conftest import ROOT

pytestmark = pytest.mark.browser

require_chromium()

sys.path.insert(0, str(ROOT / "tests" / "data" / "imports"))
import make_matrix_fixtures as fixtures  # noqa: E402

ARTIFACTS = ROOT / "test-artifacts"
RATINGS = ["Poor", "Fair", "Good", "Excellent", "Don't know"]
AGREE = ["Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree", "Strongly agree"]


def census(db_path) -> bytes:
    """Return a SurveyMonkey export (matrix questions) with one Clinical Director per PCN of the
    demo file: enough people that the ICS total is published."""
    con = duckdb.connect(str(db_path), read_only=True)
    pcns = [name for (name,) in con.execute("SELECT name FROM pcn ORDER BY place_code, pcn_code").fetchall()]
    con.close()
    people = [
        (str(i), name, "Clinical Director", dt.datetime(2025, 11, 3, 9) + dt.timedelta(hours=i),
         [AGREE[i % 5], AGREE[i * 2 % 5], AGREE[i * 3 % 5]],
         ["Good" if i % 3 == 0 else "Poor", RATINGS[(i + 1) % 5], RATINGS[(i + 2) % 4], RATINGS[i % 4]],
         [i % 7], "")
        for i, name in enumerate(pcns)
    ]  # fmt: skip
    return fixtures.surveymonkey(people)


def test_a_surveymonkey_matrix_goes_from_upload_to_the_relationships_page(demo_path, tmp_path):
    db = tmp_path / "import.duckdb"
    shutil.copy(demo_path, db)
    data = census(db)
    path = tmp_path / "surveymonkey_matrix.csv"
    path.write_bytes(data)
    # Counted in the file: the people, and the share rating the ICS good or excellent.
    rows = list(csv.reader(io.StringIO(data.decode())))
    ics = rows[1].index("The ICS")
    ratings = [r[ics] for r in rows[2:] if r[ics] and r[ics] != "Don't know"]
    good = round(100 * sum(r in ("Good", "Excellent") for r in ratings) / len(ratings))
    ARTIFACTS.mkdir(exist_ok=True)
    with serve(db) as url, browser_page(1920, 1080) as page:
        page.goto(f"{url}/data")
        wait_for_app(page)
        page.locator('[data-testid="stFileUploader"] input[type="file"]').first.set_input_files(str(path))
        page.wait_for_selector("text=recognised as: SurveyMonkey export", timeout=30000)
        wave = page.get_by_role("textbox", name="Survey wave (code)")
        wave.fill("2025")
        wave.press("Enter")
        wait_for_app(page)
        page.get_by_role("button", name="Confirm the mapping and check the file").click()
        page.wait_for_selector("text=No problems found", timeout=30000)
        wait_for_app(page)
        page.get_by_role("button", name="Import", exact=True).click()
        page.wait_for_selector("text=Every page now shows the new data", timeout=30000)

        page.goto(f"{url}/relationships?wave=2025")
        wait_for_app(page)
        page.wait_for_selector("text=Rated good or excellent", timeout=30000)
        wait_for_app(page)
        page.screenshot(path=str(ARTIFACTS / "import_matrix_relationships.png"), full_page=True)
        body = page.inner_text("body")
        assert "No relationship ratings" not in body
        # The heatmap's ICS total cell: the share and its base, as counted in the file.
        assert f"{good}%\nn={len(ratings)}" in body or (f"{good}%" in body and f"n={len(ratings)}" in body), (
            body[:3000]
        )
