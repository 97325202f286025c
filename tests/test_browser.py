"""A real browser against `streamlit run`: load the Overview, change the place, see it update."""

import re
import shutil

import pytest

from scripts.live_server import browser, browser_page, choose, serve, wait_for_app
from tests.browser_helpers import require_chromium
from tests.conftest import ROOT

pytestmark = pytest.mark.browser

require_chromium()

ARTIFACTS = ROOT / "test-artifacts"


def metric_value(page, label):
    card = page.locator('[data-testid="stMetric"]').filter(has_text=label)
    return card.locator('[data-testid="stMetricValue"]').inner_text()


def test_overview_updates_when_the_place_changes(demo_path, tmp_path):
    # The server needs its own file: this test process already holds the session's demo file.
    db = tmp_path / "browser.duckdb"
    shutil.copy(demo_path, db)
    ARTIFACTS.mkdir(exist_ok=True)
    with serve(db) as url, browser_page() as page:
        page.goto(f"{url}/?wave=2021")
        wait_for_app(page)
        assert "Demo data" in page.inner_text("body")
        assert "2021 Clinical Director survey · Lancashire and South Cumbria ICS" in page.inner_text("body")
        ics_value = metric_value(page, "Net role clarity")

        choose(page, "Place", "Morecambe Bay")
        page.wait_for_function("() => document.body.innerText.includes('· Morecambe Bay ·')", timeout=30000)
        wait_for_app(page)
        assert metric_value(page, "Net role clarity") != ics_value
        assert "place=MB" in page.url and "wave=2021" in page.url
        page.screenshot(path=str(ARTIFACTS / "overview_morecambe_bay.png"))

        choose(page, "Place", "West Lancashire")
        page.wait_for_function("() => document.body.innerText.includes('· West Lancashire ·')", timeout=30000)
        wait_for_app(page)
        assert metric_value(page, "Net role clarity") == "–"
        assert "Not shown" in page.inner_text("body")
        page.screenshot(path=str(ARTIFACTS / "overview_west_lancashire_suppressed.png"), full_page=True)


def test_a_shared_link_to_a_page_opened_on_a_fresh_server_gets_the_full_dashboard(demo_path, tmp_path):
    # The first run of a new server process must still go through dashboard.py's navigation.
    db = tmp_path / "fresh.duckdb"
    shutil.copy(demo_path, db)
    with serve(db) as url, browser_page() as page:
        page.goto(f"{url}/data?wave=2021&place=MB")
        wait_for_app(page)
        page.wait_for_selector('[data-testid="stSidebar"] >> text=Filters', timeout=30000)
        body = page.inner_text("body")
        assert "Data and method" in body and "Demo data" in body
        assert (
            page.get_by_role("combobox", name="Survey wave").input_value() == "2021 Clinical Director survey"
        )
        assert page.get_by_role("combobox", name="Place").input_value() == "Morecambe Bay"
        assert "wave=2021" in page.url and "place=MB" in page.url


def test_sessions_opened_together_on_a_fresh_server_all_get_the_full_dashboard(demo_path, tmp_path):
    # Only the first session found Streamlit's legacy-pages flag still set; the others showed bare pages.
    db = tmp_path / "together.duckdb"
    shutil.copy(demo_path, db)
    pages = {"data": "Data and method", "development_needs": "Development needs", "engagement": "Engagement"}
    with serve(db) as url, browser() as chromium:
        tabs = {}
        for path in pages:
            tabs[path] = chromium.new_context().new_page()
            tabs[path].goto(f"{url}/{path}?wave=2021&place=MB", wait_until="commit")
        for path, heading in pages.items():
            wait_for_app(tabs[path], timeout_ms=60000)
            assert heading in tabs[path].inner_text('[data-testid="stMain"] h1')
            assert tabs[path].get_by_role("combobox", name="Place").input_value() == "Morecambe Bay"


@pytest.mark.parametrize("size", [(1280, 800), (1920, 1080)], ids=["1280x800", "1920x1080"])
def test_every_results_page_with_a_place_from_the_url(demo_path, tmp_path, size):
    db = tmp_path / "pages.duckdb"
    shutil.copy(demo_path, db)
    ARTIFACTS.mkdir(exist_ok=True)
    with serve(db) as url, browser_page(*size) as page:
        for path, heading in (
            ("", "PCN Futures: overview"),
            ("role_clarity", "Role clarity and vision"),
            ("relationships", "Relationships across the ICS"),
            ("development_needs", "Development needs"),
            ("data", "Data and method"),
        ):
            page.goto(f"{url}/{path}?wave=2021&place=MB")
            wait_for_app(page)
            main = page.inner_text('[data-testid="stMain"]')
            assert heading in main
            assert page.locator('[data-testid="stException"]').count() == 0
            assert page.get_by_role("combobox", name="Place").input_value() == "Morecambe Bay"
            if path not in ("data",):
                assert "Morecambe Bay" in main
            page.screenshot(path=str(ARTIFACTS / f"{path or 'overview'}_MB_{size[0]}x{size[1]}.png"))


def test_place_comparison_then_pcn_profile_through_the_url(demo_path, demo_db, tmp_path):
    db = tmp_path / "compare.duckdb"
    shutil.copy(demo_path, db)
    ARTIFACTS.mkdir(exist_ok=True)
    code = demo_db.scalar("SELECT pcn_code FROM pcn WHERE place_code = 'MB' ORDER BY name LIMIT 1")
    with serve(db) as url, browser_page() as page:
        page.goto(f"{url}/compare_places?wave=2023&place=MB&measure=good_ics")
        wait_for_app(page)
        main = page.inner_text('[data-testid="stMain"]')
        assert "Compare places" in main
        # The chosen place is marked on the chart's axis once plotly has drawn it.
        page.wait_for_function(
            """() => (document.querySelector('[data-testid="stPlotlyChart"]')?.textContent || '')
                     .includes('▶ Morecambe Bay')""",
            timeout=30000,
        )
        assert (
            page.get_by_role("combobox", name="Measure").input_value().startswith("Rating the relationship")
        )
        page.screenshot(path=str(ARTIFACTS / "compare_places_MB.png"))

        page.goto(f"{url}/pcn_profile?wave=2023&place=MB&pcn={code}")
        wait_for_app(page)
        # The heading is drawn before the rest: on a loaded machine the check above can pass
        # while the script is still writing the page.
        page.wait_for_selector("text=Survey results are not published for a single PCN", timeout=60000)
        wait_for_app(page)
        main = page.inner_text('[data-testid="stMain"]')
        name = demo_db.scalar("SELECT name FROM pcn WHERE pcn_code = ?", [code])
        assert page.get_by_role("combobox", name="PCN").input_value() == name
        assert "Self-assessment" in main and "Engagement" in main
        assert "Survey results are not published for a single PCN" in main
        assert f"pcn={code}" in page.url
        page.screenshot(path=str(ARTIFACTS / "pcn_profile.png"), full_page=True)


def done_in_west_lancashire(page) -> int:
    """Return the number done in the place's one-line summary ('West Lancashire: … 3 done …')."""
    text = page.locator("text=West Lancashire:").first.locator("xpath=..").inner_text()
    return int(re.search(r"(\d+) done", text).group(1))


def test_editing_a_recommendation_shows_in_history_and_summary(demo_path, tmp_path):
    db = tmp_path / "tracker.duckdb"
    shutil.copy(demo_path, db)
    ARTIFACTS.mkdir(exist_ok=True)
    with serve(db) as url, browser_page() as page:
        for path in ("voices?wave=2023", "engagement?wave=2021"):
            page.goto(f"{url}/{path}")
            wait_for_app(page)
            assert page.locator('[data-testid="stException"]').count() == 0
            page.screenshot(path=str(ARTIFACTS / f"{path.split('?')[0]}.png"))

        page.goto(f"{url}/recommendations?wave=2023&tracker_place=WL")
        wait_for_app(page)
        done_before = done_in_west_lancashire(page)
        choose(page, "Recommendation", "3. Engage CDs in wider system leadership")
        wait_for_app(page)
        # The new recommendation's Status box replaces the old one once its run has drawn it: until
        # then both can be on the page (the click's run may not have begun when wait_for_app looks).
        page.wait_for_function(
            """() => document.querySelectorAll('input[role="combobox"][aria-label="Status"]').length === 1""",
            timeout=30000,
        )
        wait_for_app(page)
        status_box = page.get_by_role("combobox", name="Status")
        new = "Not applicable" if status_box.input_value() == "Done" else "Done"
        choose(page, "Status", new)
        page.get_by_label("Your name (kept with the change)").fill("Browser facilitator")
        page.get_by_role("button", name="Save").click()
        page.wait_for_selector("text=Saved", timeout=30000)
        wait_for_app(page)
        history = page.locator('[data-testid="stTable"]').inner_text()
        assert "Browser facilitator" in history and new in history
        done_after = done_in_west_lancashire(page)
        assert done_after == done_before + (1 if new == "Done" else -1)
        page.screenshot(path=str(ARTIFACTS / "recommendations.png"), full_page=True)
