"""A real browser imports a survey export on the Data page and sees it on the Overview."""

import re
import shutil

import pytest

from scripts.live_server import browser_page, serve, wait_for_app
from tests.browser_helpers import require_chromium
from tests.conftest import ROOT

pytestmark = pytest.mark.browser

require_chromium()

ARTIFACTS = ROOT / "test-artifacts"
FIXTURES = ROOT / "tests" / "data" / "imports"


def test_upload_confirm_mapping_import_and_see_the_respondents_on_the_overview(demo_path, tmp_path):
    db = tmp_path / "import.duckdb"
    shutil.copy(demo_path, db)
    ARTIFACTS.mkdir(exist_ok=True)
    with serve(db) as url, browser_page(1920, 1080) as page:
        page.goto(f"{url}/data")
        wait_for_app(page)
        page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(
            str(FIXTURES / "msforms.xlsx")
        )
        page.wait_for_selector("text=recognised as: Microsoft Forms export", timeout=30000)
        wave = page.get_by_role("textbox", name="Survey wave (code)")
        wave.fill("2025")
        wave.press("Enter")
        wait_for_app(page)
        page.get_by_role("button", name="Confirm the mapping and check the file").click()
        page.wait_for_selector("text=No problems found", timeout=30000)
        wait_for_app(page)
        page.get_by_text("Match the file's columns").scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / "import_mapping.png"))
        who = page.get_by_role("textbox", name="Your name (kept with the import)")
        who.fill("Test facilitator")
        who.press("Enter")
        wait_for_app(page)
        page.get_by_role("button", name="Import", exact=True).click()
        page.wait_for_selector("text=Every page now shows the new data", timeout=30000)
        page.get_by_text("Import history").scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / "import_done.png"))

        page.get_by_role("link", name="Overview").first.click()
        page.wait_for_selector("text=Respondents:", timeout=30000)
        wait_for_app(page)
        body = page.inner_text("body")
        # The 6 respondents, or "hidden" where the protected table hides the ICS total to protect a
        # group inside it (test_import_pages checks which, against the table itself).
        assert re.search(r"2025 survey \(imported\): (6|hidden)\b", body), body[:500]


def test_the_template_is_written_when_its_download_is_clicked(demo_path, tmp_path):
    # The workbook is built by the click (outside any script run), not on every visit to the page.
    import io

    import openpyxl

    db = tmp_path / "template.duckdb"
    shutil.copy(demo_path, db)
    with serve(db) as url, browser_page(1920, 1080) as page:
        page.goto(f"{url}/data")
        wait_for_app(page)
        with page.expect_download() as download:
            page.get_by_role("button", name="Download the survey template (XLSX)").click()
        assert download.value.suggested_filename == "pcn_futures_survey_template.xlsx"
        book = openpyxl.load_workbook(io.BytesIO(open(download.value.path(), "rb").read()))
        assert book.sheetnames == ["responses", "questions", "codes"]
