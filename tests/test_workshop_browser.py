"""A whole live workshop in real browsers: the facilitator creates a session; five phones (390x844)
join by the QR code's link, vote at once, one loses its connection and changes its answer while
offline; the projector counts exactly, the facilitator reveals; then the server restarts on the
same address, the phones reconnect by themselves without rescanning, and every vote is there."""

import base64
import re
import shutil
import statistics
import time
import urllib.parse

import pytest

from pcn_data.workshop import polls
from scripts.live_server import browser, free_port, server, wait_for_app
from tests.browser_helpers import choose, require_chromium
from tests.conftest import ROOT

pytestmark = pytest.mark.browser

require_chromium()

ARTIFACTS = ROOT / "test-artifacts"
PHONE = {"width": 390, "height": 844}
VOTES = ["Poor", "Poor", "Fair", "Good", "Poor"]


# Counts, on every animation frame, the frames in which the revealed chart is not all there.
FRAMES = """() => {
    window.frames_seen = {total: 0, blank: 0};
    window.sampling = true;
    const look = () => {
        if (!window.sampling) return;
        const bars = document.querySelectorAll('[data-testid=present-bars] .bar-row').length;
        window.frames_seen.total += 1;
        if (bars !== 5) window.frames_seen.blank += 1;
        requestAnimationFrame(look);
    };
    requestAnimationFrame(look);
}"""


def count(projector) -> str:
    return projector.locator(".present-count").inner_text(timeout=10000)


def wait_count(projector, n: int, timeout: int = 30000) -> None:
    projector.wait_for_function(
        f"() => document.querySelector('.present-count')?.innerText === '{n}'", timeout=timeout
    )


def join(chromium, link):
    """Return a new phone (its own browser context: its own cookie) on the join link."""
    page = chromium.new_context(viewport=PHONE).new_page()
    page.goto(link)
    page.wait_for_selector("#wording", timeout=30000)
    return page


def vote(phone, option) -> None:
    phone.get_by_label(option, exact=True).check()
    phone.get_by_role("button", name="Send my answer").click()


def recorded(phone, option, timeout: int = 30000) -> None:
    phone.wait_for_function(
        "(o) => document.getElementById('recorded')?.textContent.startsWith('Answer recorded: ' + o + '.')",
        arg=option,
        timeout=timeout,
    )


def qr_of(page) -> str:
    """Return the SVG text of the QR code image on a Streamlit page."""
    src = page.locator('[data-testid="stImage"] img').first.get_attribute("src")
    if src.startswith("data:"):
        head, _, body = src.partition(",")
        return base64.b64decode(body).decode() if ";base64" in head else urllib.parse.unquote(body)
    return page.evaluate("(s) => fetch(s).then(r => r.text())", src)


def modules(svg: str) -> str:
    """Return the dark modules of a QR code's SVG (its longest path), whatever attributes the
    page added to the element."""
    return max(re.findall(r'\bd="([^"]+)"', svg), key=len)


def test_a_whole_workshop_with_five_phones_a_lost_connection_and_a_restart(demo_path, tmp_path):
    db = tmp_path / "workshop.duckdb"
    shutil.copy(demo_path, db)
    ARTIFACTS.mkdir(exist_ok=True)
    port = free_port()
    public = f"http://127.0.0.1:{port}"
    env = {"PCN_PUBLIC_URL": public}
    with browser() as chromium:
        with server(db, port=port, env=env) as running:
            url = running.url
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
            wait_for_app(facilitator)
            # The link the projector shows is the configured public address, and the QR code is
            # that link; the facilitator is warned that a loopback address reaches no phone.
            link = f"{public}/join?code={code}"
            body = facilitator.inner_text("body")
            assert link in body
            assert "an address only this computer can open" in body
            assert modules(qr_of(facilitator)) == modules(polls.join_qr_svg(link))
            facilitator.locator(".st-key-workshop_open_1 button").click()
            facilitator.wait_for_selector("text=open · on screen", timeout=30000)

            projector = chromium.new_page(viewport={"width": 1920, "height": 1080})
            projector.goto(f"{url}/present")
            projector.wait_for_selector(".present-count", timeout=30000)
            assert count(projector) == "0"
            assert projector.inner_text("[data-testid=present-join-url]") == f"{public}/join"

            # Five phones, each its own visitor; all choose, then all send at once.
            phones = [join(chromium, link) for _ in VOTES]
            for phone in phones:
                assert urllib.parse.urlsplit(phone.url).query == f"code={code}"  # only the code
            for phone, option in zip(phones, VOTES, strict=True):
                phone.get_by_label(option, exact=True).check()
            for phone in phones:
                phone.get_by_role("button", name="Send my answer").click()
            for phone, option in zip(phones, VOTES, strict=True):
                recorded(phone, option)
            phones[0].screenshot(path=str(ARTIFACTS / "workshop_phone.png"))
            wait_count(projector, 5)

            # A second tab on the same phone is the same participant, with the same answer.
            tab = phones[0].context.new_page()
            tab.goto(link)
            recorded(tab, "Poor")
            # An answer changed in one tab shows in the other, its choice too (not the old one,
            # which a tap on Send would put back); then the first tab changes it back.
            vote(tab, "Fair")
            recorded(phones[0], "Fair")
            assert phones[0].get_by_label("Fair", exact=True).is_checked()
            vote(phones[0], "Poor")
            recorded(tab, "Poor")
            assert tab.get_by_label("Poor", exact=True).is_checked()
            tab.close()

            # A phone loses its connection: it says so, keeps the answer it changes meanwhile,
            # and sends it once it is back.
            offline = phones[2]
            offline.context.set_offline(True)
            offline.wait_for_selector("text=Reconnecting", timeout=30000)
            vote(offline, "Good")
            offline.wait_for_selector("text=Not sent yet", timeout=30000)
            offline.screenshot(path=str(ARTIFACTS / "workshop_phone_offline.png"))
            offline.context.set_offline(False)
            recorded(offline, "Good", timeout=60000)
            offline.wait_for_function("() => document.getElementById('status').textContent === ''")

            # Time from a vote to the projector: three more phones, one at a time.
            latencies = []
            for i, option in enumerate(["Excellent", "Poor", "Good"]):
                phone = join(chromium, link)
                phone.get_by_label(option, exact=True).check()
                start = time.perf_counter()
                phone.get_by_role("button", name="Send my answer").click()
                # Timed, not bounded here (benchmarks/room.py measures it under load).
                wait_count(projector, 6 + i, timeout=60000)
                latencies.append(time.perf_counter() - start)
                recorded(phone, option)
                phones.append(phone)
            median, worst = statistics.median(latencies), max(latencies)
            print(f"\nvote to projector: median {median:.2f} s, max {worst:.2f} s")
            (ARTIFACTS / "vote_latency.txt").write_text(" ".join(f"{s:.3f}" for s in latencies) + "\n")

            projector.screenshot(path=str(ARTIFACTS / "workshop_presenter_count.png"))
            projector.locator(".st-key-present_reveal button").click()
            projector.wait_for_selector("[data-testid=present-bars]", timeout=30000)
            projector.wait_for_selector(".present-sub >> text=8 answers.", timeout=30000)
            totals = projector.locator("[data-testid=present-totals]").inner_text()
            # Poor, Poor, Fair, Good, Poor with the Fair changed to Good; then Excellent, Poor, Good.
            assert "Poor: 4 · Fair: 0 · Good: 3 · Excellent: 1 · Don't know: 0" in totals
            projector.screenshot(path=str(ARTIFACTS / "workshop_presenter.png"))

        # The server is gone: phones and projector say so calmly.
        for phone in phones[:5]:
            phone.wait_for_selector("text=Reconnecting", timeout=30000)
        projector.wait_for_selector(".present-offline", state="visible", timeout=60000)
        assert not projector.locator('[data-testid="stDialog"]').is_visible()

        # A new server process on the same file and address: the phones come back by themselves,
        # with their answers, and every vote is still counted.
        with server(db, port=port, env=env):
            for phone, option in zip(phones[:5], ["Poor", "Poor", "Good", "Good", "Poor"], strict=True):
                phone.wait_for_function(
                    "() => document.getElementById('status').textContent === ''", timeout=60000
                )
                recorded(phone, option)
            projector.wait_for_selector(".present-offline", state="hidden", timeout=60000)
            projector.wait_for_selector(".present-sub >> text=8 answers.", timeout=60000)
            assert (
                "Poor: 4 · Fair: 0 · Good: 3 · Excellent: 1"
                in projector.locator("[data-testid=present-totals]").inner_text()
            )
            # And a phone can still change its answer: the projector follows, the revealed chart
            # updating in place: in every frame drawn meanwhile, all five bars are on the screen.
            projector.evaluate(FRAMES)
            vote(phones[0], "Excellent")
            recorded(phones[0], "Excellent")
            projector.wait_for_function(
                "() => document.querySelector('[data-testid=present-totals]')?.innerText"
                ".includes('Poor: 3 · Fair: 0 · Good: 3 · Excellent: 2')",
                timeout=30000,
            )
            projector.wait_for_timeout(1500)  # three more redraws of the live fragment
            frames = projector.evaluate("() => { window.sampling = false; return window.frames_seen; }")
            assert frames["total"] > 30 and frames["blank"] == 0, frames
