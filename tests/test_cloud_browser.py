"""A word cloud and a sensitive question in real browsers: five phones (390x844) answer an
open-text question; the projector's cloud counts each person once a word; the facilitator hides
one answer and one word on the Live workshop page and both leave the projected cloud, which is
never blank while it redraws. Then a sensitive question: the projector shows only its count while
it is open, refuses to reveal it, and shows the results once it is closed."""

import datetime as dt
import re
import shutil
from pathlib import Path

import pytest

from pcn_data.core.db import close_database, get_database
from pcn_data.workshop import polls
from scripts.live_server import browser, free_port, server, wait_for_app
from tests.browser_helpers import axe_violations, press, require_chromium
from tests.conftest import ROOT
from tests.test_accessibility_browser import STREAMLIT_OWN

pytestmark = pytest.mark.browser

require_chromium()

GOOD_POOR = ("Good", "Poor")
LISTED = "[data-testid=present-cloud-list] .present-text"
ARTIFACTS = ROOT / "test-artifacts"
SHOTS = Path("/tmp/cloud-shots")
PHONE = {"width": 390, "height": 844}
SCREEN = {"width": 1920, "height": 1080}
# Sent in this order (each recorded before the next), so the moderation list has this order too.
ANSWERS = [
    "Trust and access",
    "Access, access, ACCESS!",
    "Estates and access",
    "Zebra crossing nonsense",
    "Trust the estates team",
]
# Counted by hand: one a person a word; "and", "the" are stop words.
CLOUD = {"access": 3, "trust": 2, "estates": 2, "team": 1, "zebra": 1, "crossing": 1, "nonsense": 1}

# Counts, on every animation frame, the frames in which the projected cloud is not drawn.
FRAMES = """() => {
    window.frames_seen = {total: 0, blank: 0};
    window.sampling = true;
    const look = () => {
        if (!window.sampling) return;
        const img = document.querySelector('img[data-testid=present-cloud]');
        window.frames_seen.total += 1;
        if (!img || !img.complete || img.naturalWidth === 0) window.frames_seen.blank += 1;
        requestAnimationFrame(look);
    };
    requestAnimationFrame(look);
}"""
# The projected cloud's words and counts, A to Z, as "word:count" strings.
# (The cloud is an SVG image: its words are read from the image's own data.)
CLOUD_WORDS = """() => {
    const img = document.querySelector('img[data-testid=present-cloud]');
    if (!img) return [];
    const svg = new DOMParser().parseFromString(atob(img.src.split(',')[1]), 'image/svg+xml');
    return [...svg.querySelectorAll('text')]
        .map(t => t.textContent + ':' + t.getAttribute('data-count')).sort();
}"""


def cloud_is(projector, expected: dict, timeout: int = 30000) -> None:
    want = sorted(f"{w}:{n}" for w, n in expected.items())
    try:
        projector.wait_for_function(
            f"(want) => JSON.stringify(({CLOUD_WORDS})()) === JSON.stringify(want)", arg=want, timeout=timeout
        )
    except Exception:
        assert projector.evaluate(CLOUD_WORDS) == want  # says what the projector shows instead
        raise


def join(chromium, link):
    page = chromium.new_context(viewport=PHONE).new_page()
    page.goto(link)
    page.wait_for_selector("#wording", timeout=30000)
    return page


def recorded(phone, start: str, timeout: int = 30000) -> None:
    phone.wait_for_function(
        "(s) => document.getElementById('recorded')?.textContent.startsWith('Answer recorded: ' + s)",
        arg=start,
        timeout=timeout,
    )


def click(page, key: str) -> None:
    page.locator(f".st-key-{key} button").click()


def top(page, key: str) -> float:
    """Return how far down the page the button of key is, in CSS pixels."""
    return page.locator(f".st-key-{key} button").first.bounding_box()["y"]


def mod_button(page, qid: int, i: int):
    """Return the Hide (or Show) button of the i-th answer in the facilitator's moderation list."""
    return page.locator(f".st-key-workshop_mod_{qid}_{i} button")


def test_a_word_cloud_with_a_hidden_answer_and_word_and_a_sensitive_question(demo_path, tmp_path):
    path = tmp_path / "cloud.duckdb"
    shutil.copy(demo_path, path)
    db = get_database(path)
    made = polls.create_session(
        db,
        title="Fylde Coast CD workshop",
        place_code="FC",
        held_on=dt.date(2026, 12, 3),
        questions=[
            polls.QuestionSpec("One word for the year ahead?", "text"),
            polls.QuestionSpec("How is your relationship with the ICB?", "single", GOOD_POOR, sensitive=True),
        ],
    )
    text_q, sensitive_q = (int(q) for q in polls.questions(db, made["session_id"])["poll_question_id"])
    close_database(path)
    ARTIFACTS.mkdir(exist_ok=True)
    SHOTS.mkdir(exist_ok=True)
    port = free_port()
    public = f"http://127.0.0.1:{port}"
    link = f"{public}/join?code={made['join_code']}"
    with browser() as chromium, server(path, port=port, env={"PCN_PUBLIC_URL": public}) as running:
        url = running.url
        facilitator = chromium.new_page(viewport=SCREEN)
        facilitator.goto(f"{url}/workshop")
        wait_for_app(facilitator)
        press(facilitator, f"workshop_open_{text_q}", "Close")
        facilitator.wait_for_selector("text=open · on screen", timeout=30000)
        projector = chromium.new_page(viewport=SCREEN)
        projector.goto(f"{url}/present?session={made['session_id']}")
        projector.wait_for_selector(".present-count", timeout=30000)
        # Where the facilitator's controls are before anything arrives: they must not move as the
        # results appear and grow (a press and a release on different things is no click).
        controls_at = top(projector, "present_next")

        phones = [join(chromium, link) for _ in ANSWERS]
        for n, (phone, answer) in enumerate(zip(phones, ANSWERS, strict=True), start=1):
            phone.fill("#text", answer)
            phone.get_by_role("button", name="Send my answer").click()
            recorded(phone, answer)
            if n == 4:  # the facilitator opens the moderation list while answers are still coming
                facilitator.get_by_text("Moderate 4 answers").click()
                mod_button(facilitator, text_q, 0).wait_for(state="visible", timeout=30000)
        # The fifth answer arrived: the list the facilitator is reading stayed open.
        facilitator.wait_for_selector("text=Moderate 5 answers", timeout=30000)
        assert mod_button(facilitator, text_q, 4).is_visible()
        phones[3].screenshot(path=str(SHOTS / "phone_text.png"))
        projector.wait_for_function(
            "() => document.querySelector('.present-count')?.innerText === '5'", timeout=30000
        )
        assert projector.locator("[data-testid=present-cloud]").count() == 0  # hidden until revealed

        press(projector, "present_reveal", "Hide results")
        cloud_is(projector, CLOUD)
        assert top(projector, "present_next") == controls_at  # the cloud and its answers came in below
        assert projector.locator(LISTED).all_inner_texts() == ANSWERS[::-1]  # newest first
        projector.screenshot(path=str(SHOTS / "presenter_cloud.png"))
        projector.evaluate(FRAMES)

        # The facilitator hides one answer: its words leave the projected cloud, and it leaves the list.
        press(facilitator, f"workshop_mod_{text_q}_3", "Show")  # the facilitator's list shows it hidden
        gone = {w: n for w, n in CLOUD.items() if w not in ("zebra", "crossing", "nonsense")}
        cloud_is(projector, gone)
        projector.wait_for_selector("text=4 shown of 5 answers", timeout=30000)
        assert "Zebra" not in projector.locator("[data-testid=present-cloud-list]").inner_text()

        # ...and one word, typed in the box (which keeps it while the list redraws every 2 s).
        facilitator.get_by_text("Word cloud", exact=True).click()
        facilitator.wait_for_selector("text=4 words in the cloud, 0 hidden.", timeout=30000)
        box = facilitator.locator(f".st-key-workshop_word_{text_q} input")
        box.fill("Trust")
        facilitator.wait_for_timeout(2500)
        assert box.input_value() == "Trust"
        click(facilitator, f"workshop_hide_word_{text_q}")
        cloud_is(projector, {"access": 3, "estates": 2, "team": 1})
        shown = projector.locator(LISTED).all_inner_texts()
        assert shown == ["[hidden] the estates team", ANSWERS[2], ANSWERS[1], "[hidden] and access"]
        facilitator.wait_for_selector("text=3 words in the cloud, 1 hidden.", timeout=30000)
        facilitator.screenshot(path=str(SHOTS / "workshop_words.png"), full_page=True)
        # The cloud, its alternative text and the word controls pass axe (WCAG 2.2 A/AA).
        assert axe_violations(projector, STREAMLIT_OWN) == []
        assert axe_violations(facilitator, STREAMLIT_OWN) == []
        alt = projector.locator("img[data-testid=present-cloud]").get_attribute("alt")
        assert alt == "Word cloud of 3 words. Most used: access (3), estates (2), team (1)."

        # A phone changes its answer: the cloud follows, never blank in between.
        phones[0].fill("#text", "Access to funding")
        phones[0].get_by_role("button", name="Send my answer").click()
        recorded(phones[0], "Access to funding")
        cloud_is(projector, {"access": 3, "estates": 2, "funding": 1, "team": 1})
        projector.wait_for_timeout(1500)
        frames = projector.evaluate("() => { window.sampling = false; return window.frames_seen; }")
        print(f"\ncloud frames while it changed: {frames}")
        assert frames["total"] > 30 and frames["blank"] == 0, frames
        projector.screenshot(path=str(SHOTS / "presenter_cloud_moderated.png"))
        projector.screenshot(path=str(ARTIFACTS / "cloud_presenter.png"))

        # The sensitive question: on screen and open, the projector shows how many, never what.
        click(facilitator, f"workshop_show_{sensitive_q}")
        facilitator.wait_for_selector("text=Single choice · sensitive · draft · on screen", timeout=30000)
        press(facilitator, f"workshop_open_{sensitive_q}", "Close")
        for phone, option in zip(phones, ["Good", "Poor", "Poor", "Good", "Poor"], strict=True):
            phone.wait_for_selector("text=How is your relationship with the ICB?", timeout=30000)
            phone.get_by_label(option, exact=True).check()
            phone.get_by_role("button", name="Send my answer").click()
            recorded(phone, option)
        phones[1].screenshot(path=str(SHOTS / "phone_sensitive.png"))
        assert axe_violations(phones[1]) == []
        # The phone tells its participant why they will not see the results yet.
        assert "results are shown only once this question closes" in phones[1].inner_text("#question")
        projector.wait_for_function(
            "() => document.querySelector('.present-count')?.innerText === '5'", timeout=30000
        )
        assert "results can be shown once it is closed" in projector.inner_text("body")
        facilitator.wait_for_timeout(2500)  # the question list's next redraw
        assert facilitator.locator(f".st-key-workshop_reveal_{sensitive_q} button").first.is_disabled()
        click(projector, "present_reveal")
        projector.wait_for_selector("text=This question is sensitive", timeout=30000)
        projector.wait_for_timeout(1500)
        assert projector.locator("[data-testid=present-bars]").count() == 0
        assert "Good: " not in projector.inner_text("body")
        projector.screenshot(path=str(SHOTS / "presenter_sensitive_open.png"))

        # Closed: now it can be revealed, and the phones' votes are all there.
        press(projector, "present_open", "Open answers")
        projector.wait_for_selector("text=Not open for answers", timeout=30000)
        press(projector, "present_reveal", "Hide results")
        projector.wait_for_selector("[data-testid=present-bars]", timeout=30000)
        totals = projector.locator("[data-testid=present-totals]").inner_text()
        assert "5 answers. Good: 2 · Poor: 3" in totals
        projector.screenshot(path=str(SHOTS / "presenter_sensitive_closed.png"))
        for phone in phones:  # a phone never shows the room's results
            assert "Poor: 3" not in phone.inner_text("body")
        body = re.sub(r"\s+", " ", projector.inner_text("body"))
        assert "Reconnecting" not in body or projector.locator(".present-offline").is_hidden()
