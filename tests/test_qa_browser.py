"""A Q&A in real browsers: the facilitator turns approval on; five phones (390x844) join; three ask
questions (one of them hostile text), which only their authors see until the facilitator approves
two and hides one; the room votes; the presenter shows the approved ones in vote order, live; one
is marked answered and moves apart. The file holds exactly what the screens showed."""

import datetime as dt
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect

from pcn_data.core.db import Database
from pcn_data.workshop import polls
from scripts.live_server import browser, server, wait_for_app
from tests.browser_helpers import axe_violations, describe_violations, require_chromium
from tests.conftest import ROOT
from tests.hostile import TEXTS
from tests.test_accessibility_browser import STREAMLIT_OWN

pytestmark = pytest.mark.browser

require_chromium()

ARTIFACTS = ROOT / "test-artifacts"
SHOTS = Path("/tmp/qa-shots")
PHONE = {"width": 390, "height": 844}
ASKED = [
    "Who decides how the ARRS roles are shared across the place?",
    TEXTS[2] + " " + TEXTS[1],  # <script>…</script> <img src=…>: must show as these words
    "Can we stop the Friday meetings?",
]


def prepare(path: Path) -> tuple[int, str]:
    """Return the session id and join code of a session whose one question, a Q&A, is open."""
    db = Database(path)
    made = polls.create_session(
        db, title="Ask the ICS panel", place_code="MB", held_on=dt.date.today(),
        questions=[polls.QuestionSpec("Your questions for the panel", "qa")],
    )  # fmt: skip
    qid = int(polls.questions(db, made["session_id"])["poll_question_id"].iloc[0])
    polls.set_state(db, qid, "open")
    db.close()
    return made["session_id"], made["join_code"]


def texts(page, selector: str) -> list[str]:
    return page.locator(selector).all_inner_texts()


def wait_texts(page, selector: str, expected: list[str], timeout: int = 30000) -> None:
    """Wait until the elements' texts (spaces run together) are exactly these, in this order."""
    read = (
        "(s) => Array.from(document.querySelectorAll(s)).map(n => n.innerText.replace(/\\s+/g, ' ').trim())"
    )
    try:
        page.wait_for_function(
            f"([s, e]) => JSON.stringify(({read})(s)) === JSON.stringify(e)",
            arg=[selector, expected],
            timeout=timeout,
        )
    except Exception:
        raise AssertionError(f"{selector}: {page.evaluate(read, selector)} != {expected}") from None


def ask(phone, text: str) -> None:
    phone.locator("#qa-text").fill(text)
    phone.get_by_role("button", name="Send my question").click()
    phone.wait_for_selector("text=Question sent.", timeout=30000)


def upvote(phone, text: str) -> None:
    item = phone.locator(".qa-item").filter(has_text=text)
    item.get_by_role("button", name="Vote up").click()
    item.get_by_role("button", name="Voted: tap to take back").wait_for(timeout=30000)


def moderate(facilitator, status: str, item_id: int) -> None:
    button = facilitator.locator(f".st-key-workshop_qa_{status}_{item_id} button")
    # The list is redrawn every 2 s, and a status change gives a question new buttons: for a moment
    # the old row and the new one can both be on the page (and a click on the key is then ambiguous).
    expect(button).to_have_count(1, timeout=30000)
    button.click()


def test_a_q_and_a_with_approval_votes_and_an_answered_question(demo_path, tmp_path):
    path = tmp_path / "qa.duckdb"
    shutil.copy(demo_path, path)
    session_id, code = prepare(path)
    ARTIFACTS.mkdir(exist_ok=True)
    SHOTS.mkdir(exist_ok=True)
    dialogs: list[str] = []
    with browser() as chromium, server(path) as running:
        url = running.url
        facilitator = chromium.new_page(viewport={"width": 1920, "height": 1080})
        facilitator.goto(f"{url}/workshop")
        wait_for_app(facilitator)
        facilitator.get_by_text("Q&A questions wait for my approval").click()

        projector = chromium.new_page(viewport={"width": 1920, "height": 1080})
        projector.goto(f"{url}/present?session={session_id}")
        projector.wait_for_selector("[data-testid=present-qa-count]", timeout=30000)

        phones = []
        for _ in range(5):
            phone = chromium.new_context(viewport=PHONE).new_page()
            phone.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            phone.goto(f"{url}/join?code={code}")
            # The approval the facilitator turned on is pushed to the phone.
            phone.wait_for_selector("text=Questions show once the facilitator approves them", timeout=30000)
            phones.append(phone)

        # Three phones ask; each sees its own question waiting, and no one else sees it.
        for phone, text in zip(phones, ASKED, strict=False):
            ask(phone, text)
            item = phone.locator(".qa-item.own")
            assert item.locator(".qa-text").inner_text() == text
            assert "Waiting for approval" in item.inner_text()
        # The facilitator sees all three as typed. (Waited for first: only once the room holds all
        # three does their absence from the other phones and the projector say anything.)
        facilitator.wait_for_selector("text=3 questions (3 waiting for approval)", timeout=30000)
        for phone in phones[3:]:
            assert texts(phone, "#qa-list li") == ["No questions yet."]
        assert "questions waiting" in projector.inner_text("[data-testid=present-qa-count]")
        assert "0 questions waiting" in projector.inner_text("[data-testid=present-qa-count]")

        # The facilitator approves two and hides one.
        moderate(facilitator, "approved", 1)
        facilitator.wait_for_selector(".st-key-workshop_qa_answered_1", timeout=30000)
        moderate(facilitator, "approved", 2)
        facilitator.wait_for_selector(".st-key-workshop_qa_answered_2", timeout=30000)
        moderate(facilitator, "hidden", 3)
        facilitator.wait_for_selector("text=3 questions (0 waiting for approval)", timeout=30000)
        body = facilitator.inner_text("body")
        assert "alert('boo')" in body, body[-3000:]  # hostile words as text on this page too

        for phone in phones[3:]:
            wait_texts(phone, ".qa-text", ASKED[:2])
        # The hidden question is gone for the room; its author is told.
        wait_texts(phones[2], ".qa-text", [*ASKED[:2], ASKED[2]])
        # (Waited for, not read at once: the approvals' push shows the same texts with it still
        # waiting for approval; the Hide comes in a push of its own.)
        expect(phones[2].locator(".qa-item.own")).to_contain_text("Not shown to the room", timeout=30000)

        # A phone half way through typing keeps its words and its focus while the room's votes
        # are pushed to it.
        phones[4].locator("#qa-text").fill("Half typed")
        phones[4].locator("#qa-text").focus()
        # Votes: the hostile question three (not by its author), the first one two.
        for phone in (phones[0], phones[2], phones[3]):
            upvote(phone, "alert('boo')")
        upvote(phones[3], ASKED[0])
        wait_texts(phones[4], ".qa-votes", ["3 votes", "1 vote"])  # pushed while it types
        assert phones[4].locator("#qa-text").input_value() == "Half typed"
        assert phones[4].evaluate("() => document.activeElement.id") == "qa-text"
        upvote(phones[4], ASKED[0])
        # No vote for one's own question: looked for once this phone shows its question approved
        # (until then no question has a vote button, and the check would pass on nothing).
        expect(phones[1].locator(".qa-item.own.approved")).to_have_count(1, timeout=30000)
        own = phones[1].locator(".qa-item.own")
        assert own.get_by_role("button").count() == 0
        # The presenter: by votes (the later question first), the hidden one nowhere.
        wait_texts(projector, "[data-testid=present-qa] .qa-text", [ASKED[1], ASKED[0]])
        wait_texts(projector, "[data-testid=present-qa] .qa-votes", ["3 votes", "2 votes"])
        assert "2 questions waiting · 0 answered · 5 votes" in projector.inner_text(
            "[data-testid=present-qa-count]"
        )
        assert ASKED[2] not in projector.inner_text("body")
        # Every phone is pushed the counts, and shows its own votes.
        for phone in phones[3:]:
            wait_texts(phone, ".qa-votes", ["3 votes", "2 votes"])
        assert texts(phones[3], "button.vote") == ["Voted: tap to take back"] * 2
        assert texts(phones[0], "button.vote") == ["Voted: tap to take back"]  # its own has none
        # A vote taken back: the presenter follows.
        phones[4].locator(".qa-item").filter(has_text=ASKED[0]).get_by_role(
            "button", name="Voted: tap to take back"
        ).click()
        wait_texts(projector, "[data-testid=present-qa] .qa-votes", ["3 votes", "1 vote"])
        projector.screenshot(path=str(SHOTS / "qa_presenter.png"))
        phones[3].screenshot(path=str(SHOTS / "qa_phone.png"), full_page=True)
        phones[2].screenshot(path=str(SHOTS / "qa_phone_hidden.png"), full_page=True)
        facilitator.screenshot(path=str(SHOTS / "qa_facilitator.png"), full_page=True)

        # Marked answered: it moves apart on the presenter and is marked on the phones.
        moderate(facilitator, "answered", 2)
        wait_texts(projector, "[data-testid=present-qa] .qa-text", [ASKED[0]])
        wait_texts(projector, "[data-testid=present-qa-answered] .qa-text", [ASKED[1]])
        phones[3].wait_for_selector(".qa-item.answered >> text=Answered", timeout=30000)
        phones[3].screenshot(path=str(SHOTS / "qa_phone_answered.png"), full_page=True)
        projector.screenshot(path=str(SHOTS / "qa_presenter_answered.png"))
        projector.screenshot(path=str(ARTIFACTS / "qa_presenter.png"))

        # WCAG A/AA (axe) on a phone with every kind of item, the presenter and the facilitator.
        for page, allowed in ((phones[2], ()), (projector, STREAMLIT_OWN), (facilitator, STREAMLIT_OWN)):
            found = axe_violations(page, allowed)
            assert not found, describe_violations(found)

        # The hostile question was text everywhere: no script ran, no image was made of it.
        for page in (projector, *phones):
            assert page.locator(".qa-text img, .qa-text script").count() == 0
        assert dialogs == []
    db = Database(path, read_only=True)
    stored = db.query(
        "SELECT i.item_id, i.status, count(v.participant_token) AS votes FROM poll_qa_item i "
        "LEFT JOIN poll_qa_vote v USING (item_id) GROUP BY ALL ORDER BY i.item_id"
    )
    db.close()
    assert list(stored.itertuples(index=False, name=None)) == [
        (1, "approved", 1),
        (2, "answered", 3),
        (3, "hidden", 0),
    ]
