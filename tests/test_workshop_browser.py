"""A whole live workshop in real browsers: the facilitator creates a session, five phones join
by code and vote at once, the projector counts them, the facilitator reveals, the chart's totals
are right; then the server restarts and every vote is still there."""

import re
import shutil
import statistics
import time

import pytest

from scripts.live_server import browser, serve, wait_for_app
from tests.browser_helpers import choose, require_chromium
from tests.conftest import ROOT

pytestmark = pytest.mark.browser

require_chromium()

ARTIFACTS = ROOT / "test-artifacts"
PHONE = {"width": 390, "height": 844}
VOTES = ["Poor", "Poor", "Fair", "Good", "Poor"]


def presenter_count(page) -> str:
    return page.locator(".present-count").inner_text(timeout=10000)


def join(context, url, code):
    page = context.new_page()
    page.goto(f"{url}/join?code={code}")
    page.wait_for_selector("text=How would you rate your PCN", timeout=30000)
    return page


def vote(page, option):
    page.locator('[data-testid="stRadio"] label').filter(has_text=re.compile(f"^{option}$")).click()
    page.get_by_role("button", name="Send my answer").click()


def test_a_whole_workshop_with_five_phones_and_a_restart(demo_path, tmp_path):
    db = tmp_path / "workshop.duckdb"
    shutil.copy(demo_path, db)
    ARTIFACTS.mkdir(exist_ok=True)
    with serve(db) as url, browser() as chromium:
        facilitator = chromium.new_page(viewport={"width": 1920, "height": 1080})
        facilitator.goto(f"{url}/workshop")
        wait_for_app(facilitator)
        facilitator.get_by_role("textbox", name="Title").fill("Morecambe Bay CD workshop")
        choose(facilitator, "Place of the workshop", "Morecambe Bay")
        bank = facilitator.locator('[data-testid="stMultiSelect"]').filter(
            has_text="Questions from the question bank"
        )
        bank.locator("input").fill("relationship with the ICS")
        facilitator.locator('[role="listbox"] [role="option"]').first.click()
        facilitator.keyboard.press("Escape")
        facilitator.get_by_role("button", name="Create the session").click()
        facilitator.wait_for_selector("text=Session created: join code", timeout=30000)
        code = re.search(r"join code ([A-Z0-9]{6})", facilitator.inner_text("body")).group(1)
        # Widgets with a key carry the class st-key-<key>; the first question of a new file is 1.
        facilitator.locator(".st-key-workshop_open_1 button").click()
        facilitator.wait_for_selector("text=open · on screen", timeout=30000)
        wait_for_app(facilitator)
        facilitator.screenshot(path=str(ARTIFACTS / "workshop_facilitator.png"))

        projector = chromium.new_page(viewport={"width": 1920, "height": 1080})
        projector.goto(f"{url}/present")
        projector.wait_for_selector(".present-count", timeout=30000)
        assert presenter_count(projector) == "0"

        # Five phones, each its own visitor; all choose, then all send at once.
        phones = [join(chromium.new_context(viewport=PHONE), url, code) for _ in VOTES]
        for page, option in zip(phones, VOTES, strict=True):
            page.locator('[data-testid="stRadio"] label').filter(has_text=re.compile(f"^{option}$")).click()
        for page in phones:
            page.get_by_role("button", name="Send my answer").click()
        for page, option in zip(phones, VOTES, strict=True):
            page.wait_for_selector(f"text=Answer recorded: {option}", timeout=30000)
        phones[0].screenshot(path=str(ARTIFACTS / "workshop_phone.png"))
        projector.wait_for_function(
            "() => document.querySelector('.present-count')?.innerText === '5'", timeout=30000
        )

        # A participant changes their answer: the count stays, the answer moves.
        vote(phones[2], "Good")
        phones[2].wait_for_selector("text=Answer recorded: Good", timeout=30000)
        # A page refresh keeps the participant's token and answer.
        phones[2].reload()
        phones[2].wait_for_selector("text=Answer recorded: Good", timeout=30000)

        # Time from a vote to the projector: three more phones, one at a time.
        latencies = []
        for i, option in enumerate(["Excellent", "Poor", "Good"]):
            phone = join(chromium.new_context(viewport=PHONE), url, code)
            phone.locator('[data-testid="stRadio"] label').filter(has_text=re.compile(f"^{option}$")).click()
            start = time.perf_counter()
            phone.get_by_role("button", name="Send my answer").click()
            # Timed, not bounded here (benchmarks/ measures it): a CI machine running the rest of
            # the suite beside this browser has taken over 10 s.
            projector.wait_for_function(
                f"() => document.querySelector('.present-count')?.innerText === '{6 + i}'", timeout=60000
            )
            latencies.append(time.perf_counter() - start)
            phone.wait_for_selector(f"text=Answer recorded: {option}", timeout=30000)
        print(f"\nvote to projector: median {statistics.median(latencies):.2f} s, max {max(latencies):.2f} s")
        (ARTIFACTS / "vote_latency.txt").write_text(" ".join(f"{s:.3f}" for s in latencies) + "\n")

        projector.screenshot(path=str(ARTIFACTS / "workshop_presenter_count.png"))
        projector.locator(".st-key-present_reveal button").click()
        projector.wait_for_selector(".present-sub >> text=8 answers.", timeout=30000)
        projector.wait_for_selector('[data-testid="stPlotlyChart"] .main-svg', timeout=30000)
        totals = projector.locator(".present-sub").inner_text()
        # Poor, Poor, Fair, Good, Poor with the Fair changed to Good; then Excellent, Poor, Good.
        assert "Poor: 4 · Fair: 0 · Good: 3 · Excellent: 1 · Don't know: 0" in totals
        projector.wait_for_timeout(1200)
        projector.screenshot(path=str(ARTIFACTS / "workshop_presenter.png"))

    # A new server process on the same file: every vote is still counted.
    with serve(db) as url, browser() as chromium:
        projector = chromium.new_page(viewport={"width": 1920, "height": 1080})
        projector.goto(f"{url}/present")
        projector.wait_for_selector(".present-sub >> text=8 answers.", timeout=30000)
        assert "Poor: 4 · Fair: 0 · Good: 3 · Excellent: 1" in projector.locator(".present-sub").inner_text()
