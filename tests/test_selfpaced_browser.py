"""A self-paced session in real browsers: five phones (390x844) open the same link and answer its
three questions at their own pace, in their own order, one changing an answer and one coming back
later to a page that remembers theirs; the facilitator closes the session early on the Live
workshop page; the phones are told it closed, and a late answer is refused with when."""

import datetime as dt
import shutil

import pytest

from pcn_data.core.db import Database
from pcn_data.workshop import polls, session_admin
from scripts.live_server import browser, free_port, server, wait_for_app
from tests.browser_helpers import axe_violations, describe_violations, require_chromium
from tests.conftest import ROOT
from tests.hostile import TEXTS

pytestmark = pytest.mark.browser

require_chromium()

ARTIFACTS = ROOT / "test-artifacts"
PHONE = {"width": 390, "height": 844}
HOSTILE = TEXTS[1]  # an <img> tag as a question's wording: it must read as text


def make_session(path) -> tuple[dict, list[int]]:
    """Create a self-paced session of three questions in the file (before the server opens it)."""
    db = Database(path)
    try:
        made = polls.create_session(
            db,
            title="Before the Morecambe Bay workshop",
            place_code="MB",
            held_on=dt.date.today(),
            questions=[
                polls.bank_question(db, "rel_ics"),
                polls.QuestionSpec(HOSTILE, "single", ("Estates", "Workforce", "Digital")),
                polls.QuestionSpec("One thing to change", "text"),
            ],
        )
        now = session_admin.now()
        day = dt.timedelta(days=1)
        session_admin.set_window(db, made["session_id"], now - day, now + 6 * day)
        qids = [int(q) for q in polls.questions(db, made["session_id"])["poll_question_id"]]
    finally:
        db.close()
    return made, qids


def progress(phone) -> str:
    return phone.locator("#progress").inner_text(timeout=30000)


def wait_progress(phone, text: str) -> None:
    phone.wait_for_function(
        "(t) => document.getElementById('progress')?.textContent === t", arg=text, timeout=30000
    )


def box(phone, qid):
    return phone.locator(f"#pq-{qid}")


def choose(phone, qid, label) -> None:
    box(phone, qid).get_by_label(label, exact=True).check()
    box(phone, qid).get_by_role("button", name="answer").click()


def write(phone, qid, text) -> None:
    box(phone, qid).locator("textarea").fill(text)
    box(phone, qid).get_by_role("button", name="answer").click()


def recorded(phone, qid, text) -> None:
    phone.wait_for_function(
        "([id, t]) => (document.querySelector('#pq-' + id + ' .recorded')?.textContent || '')"
        ".startsWith('Answer recorded: ' + t + '.')",
        arg=[qid, text],
        timeout=30000,
    )


def test_five_phones_answer_a_self_paced_session_at_their_own_pace_until_it_closes(demo_path, tmp_path):
    path = tmp_path / "paced.duckdb"
    shutil.copy(demo_path, path)
    made, (rel, first, words) = make_session(path)
    ARTIFACTS.mkdir(exist_ok=True)
    port = free_port()
    env = {"PCN_PUBLIC_URL": f"http://127.0.0.1:{port}"}
    with browser() as chromium, server(path, port=port, env=env) as live:
        link = f"{live.url}/join?code={made['join_code']}"
        phones = []
        for _ in range(5):
            phone = chromium.new_context(viewport=PHONE).new_page()
            phone.goto(link)
            wait_progress(phone, "0 of 3 answered")
            phones.append(phone)
        zone = session_admin.zone(session_admin.now())
        window = phones[0].inner_text("#window")
        assert window.startswith("Open until") and f"({zone})" in window
        # Every question is there at once, the hostile wording as the words it is.
        assert phones[0].locator(f"#pq-h-{first}").inner_text() == HOSTILE
        assert phones[0].locator("img").count() == 0

        # Each at their own pace and in their own order.
        choose(phones[0], rel, "Poor")
        choose(phones[1], first, "Workforce")
        write(phones[2], words, "More time with practices")
        recorded(phones[0], rel, "Poor")
        wait_progress(phones[0], "1 of 3 answered")
        choose(phones[0], first, "Estates")
        write(phones[0], words, "Shared estates plan")
        choose(phones[1], rel, "Fair")
        choose(phones[3], rel, "Good")
        choose(phones[2], rel, "Poor")
        wait_progress(phones[0], "3 of 3 answered")
        wait_progress(phones[1], "2 of 3 answered")
        wait_progress(phones[2], "2 of 3 answered")
        wait_progress(phones[3], "1 of 3 answered")
        assert progress(phones[4]) == "0 of 3 answered"
        # A changed answer replaces the first.
        choose(phones[1], rel, "Good")
        recorded(phones[1], rel, "Good")
        phones[0].screenshot(path=str(ARTIFACTS / "selfpaced_phone.png"), full_page=True)
        # The page every question is on passes axe (WCAG 2.2 A and AA), answered and not.
        for phone in (phones[0], phones[4]):
            found = axe_violations(phone)
            assert not found, describe_violations(found)

        # The fifth phone comes back later: the page remembers the other answers, and its own.
        choose(phones[4], first, "Digital")
        wait_progress(phones[4], "1 of 3 answered")
        phones[4].reload()
        wait_progress(phones[4], "1 of 3 answered")
        assert box(phones[4], first).get_by_label("Digital", exact=True).is_checked()
        recorded(phones[4], first, "Digital")

        # The facilitator closes it early; every phone is told, and a late answer is refused.
        facilitator = chromium.new_page(viewport={"width": 1920, "height": 1080})
        facilitator.goto(f"{live.url}/workshop")
        wait_for_app(facilitator)
        facilitator.get_by_role("button", name="Close it now").click()
        for phone in phones[:4]:
            phone.wait_for_function(
                "() => (document.getElementById('window')?.textContent || '')"
                ".startsWith('This session closed on')",
                timeout=30000,
            )
        assert phones[0].locator(".pq").count() == 0
        assert "Thank you for your answers." in phones[0].inner_text("#paced")
        phones[0].screenshot(path=str(ARTIFACTS / "selfpaced_phone_closed.png"))
        late = phones[4].evaluate(
            """([code, q]) => fetch('/join/vote', {method: 'POST', credentials: 'same-origin',
                 headers: {'Content-Type': 'application/json'},
                 body: JSON.stringify({code: code, question: q, answer: 'good'})})
               .then(r => r.json().then(b => [r.status, b.error]))""",
            [made["join_code"], rel],
        )
        assert late[0] == 409 and late[1].startswith("This session closed on") and f"({zone})" in late[1]

    db = Database(path)
    try:
        answered = (
            db.query(
                "SELECT poll_question_id, count(DISTINCT participant_token) AS n FROM poll_vote GROUP BY ALL"
            )
            .set_index("poll_question_id")["n"]
            .to_dict()
        )
        assert answered == {rel: 4, first: 3, words: 2}
        rel_votes = sorted(
            db.query("SELECT option_code FROM poll_vote WHERE poll_question_id = ?", [rel])["option_code"]
        )
        assert rel_votes == ["good", "good", "poor", "poor"]  # phone 2's Fair became Good
    finally:
        db.close()
