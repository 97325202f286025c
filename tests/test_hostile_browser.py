"""Text is text, in a real browser, under the production server (uvicorn server:app) and its
Content-Security-Policy: hostile answers on the presenter view and hostile comments on Voices
are shown as the words they are, and no tag, link, image or style of theirs reaches the page."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from contextlib import contextmanager

import pytest

from pcn_data.core.db import close_database, get_database
from plain import clean
from scripts.live_server import browser, free_port, wait_for_app
from tests.browser_helpers import require_chromium
from tests.conftest import ROOT
from tests.hostile import TEXTS
from tests.test_hostile_text import hostile_comments, hostile_session

pytestmark = pytest.mark.browser

require_chromium()

ARTIFACTS = ROOT / "test-artifacts"

# What a hostile string would have put on the page had it been read as HTML or markdown.
INJECTED = """() => {
    const main = document.querySelector('[data-testid="stMain"]');
    const styles = [...document.querySelectorAll('style')].map(s => s.textContent);
    return {
        images: [...main.querySelectorAll('img')].map(i => i.src).filter(s => !s.startsWith('data:')),
        links: [...main.querySelectorAll('a[href]')].map(a => a.href)
            .filter(h => !h.startsWith(location.origin)),
        scripts: [...main.querySelectorAll('script')].length,
        handlers: [...main.querySelectorAll('[onmouseover]')].length,
        bold: [...main.querySelectorAll('b, strong')].map(b => b.textContent)
            .filter(t => t.includes('hover me') || t === 'bold'),
        code: [...main.querySelectorAll('code')].map(c => c.textContent).filter(t => t === 'code'),
        styles: styles.filter(s => s.includes('visibility:hidden')).length,
        overrides: document.body.innerText.includes('\\u202e'),
        sideways: document.documentElement.scrollWidth > window.innerWidth + 1,
    };
}"""
NOTHING = {"images": [], "links": [], "scripts": 0, "handlers": 0, "bold": [], "code": [], "styles": 0,
           "overrides": False, "sideways": False}  # fmt: skip


@contextmanager
def production(db):
    """Yield the URL of `uvicorn server:app` serving db; stop it afterwards."""
    port = free_port()
    log = open(db.with_suffix(".server.log"), "w")  # noqa: SIM115
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "server:app", "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT,
        env={**os.environ, "PCN_DB": str(db)},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("uvicorn server:app did not start")
            time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()


@pytest.fixture
def hostile_server(demo_path, tmp_path):
    """Yield (url, session id, join code) of the production server on a copy of the demo file holding a
    hostile poll session and hostile Morecambe Bay comments."""
    db_path = tmp_path / "hostile.duckdb"
    shutil.copy(demo_path, db_path)
    db = get_database(db_path)
    made, _ = hostile_session(db)
    hostile_comments(db)
    close_database(db_path)
    with production(db_path) as url:
        yield url, made["session_id"], made["join_code"]


def watch(page, url):
    """Return the list that collects every request to another origin, every CSP complaint and
    every uncaught script error."""
    seen = []
    page.on(
        "request",
        lambda r: None if r.url.startswith(url) or r.url.startswith("data:") else seen.append(r.url),
    )
    page.on("console", lambda m: seen.append(m.text) if "Content Security Policy" in m.text else None)
    page.on("pageerror", lambda e: seen.append(f"page error: {e}"))
    return seen


def test_the_presenter_shows_hostile_answers_as_text_in_a_browser(hostile_server):
    url, session_id, _ = hostile_server
    ARTIFACTS.mkdir(exist_ok=True)
    with browser() as chromium:
        page = chromium.new_page(viewport={"width": 1920, "height": 1080})
        outside = watch(page, url)
        page.goto(f"{url}/present?session={session_id}")
        page.wait_for_function(
            f"() => document.querySelectorAll('.present-text').length === {len(TEXTS)}", timeout=30000
        )
        page.wait_for_timeout(1500)
        shown = page.locator(".present-text").all_inner_texts()
        assert [s.strip() for s in shown] == [clean(t) for t in reversed(TEXTS)]  # newest first
        question = page.locator(".present-q")
        assert question.inner_text().strip() == clean(TEXTS[4] + " " + TEXTS[1])
        assert question.is_visible()  # no answer's <style> hid it
        assert page.evaluate(INJECTED) == NOTHING
        page.screenshot(path=str(ARTIFACTS / "hostile_presenter.png"))
        assert outside == [], outside


def test_voices_shows_hostile_comments_as_text_in_a_browser(hostile_server):
    url, *_ = hostile_server
    with browser() as chromium:
        page = chromium.new_page(viewport={"width": 1600, "height": 1000})
        outside = watch(page, url)
        page.goto(f"{url}/voices?wave=2023&place=MB")
        wait_for_app(page)
        # The title is drawn before the comments: on a loaded machine the check above can pass
        # while the script is still writing them.
        page.wait_for_selector('[data-testid="stExpander"] summary', timeout=60000)
        wait_for_app(page)
        # Open every theme's expander, again for any drawn after the first pass, until every
        # hostile comment is shown (on a loaded machine the expanders arrive one after another).
        page.wait_for_function(
            """(n) => {
                document.querySelectorAll('[data-testid="stExpander"] details:not([open]) > summary')
                    .forEach(s => s.click());
                const text = [...document.querySelectorAll('[data-testid="stMain"] blockquote')]
                    .map(q => q.innerText).join(' ');
                return [...Array(n).keys()].every(i => text.includes('Qz' + i + ' '));
            }""",
            arg=len(TEXTS),
            timeout=60000,
            polling=500,
        )
        wait_for_app(page)
        # A person does not see the word joiners (U+2060) that keep addresses from becoming links.
        quotes = " ".join(page.locator('[data-testid="stMain"] blockquote').all_inner_texts())
        quotes = quotes.replace("\u2060", "")
        for i, text in enumerate(TEXTS):
            assert f"Qz{i} {clean(text)}" in quotes
        assert page.evaluate(INJECTED) == NOTHING
        # The quote wall, one hostile comment at a time.
        page.locator('[data-testid="stCheckbox"], [data-testid="stToggle"]').filter(
            has_text="Quote wall"
        ).locator("label").click()
        wait_for_app(page)
        search = page.get_by_role("textbox", name="Search the comments")
        for i, text in enumerate(TEXTS):
            search.fill(f"Qz{i} ")
            search.press("Enter")
            page.wait_for_function(
                "(t) => [...document.querySelectorAll('[data-testid=\"stMain\"] div')]"
                ".some(d => d.innerText === t)",
                arg=f"“Qz{i} {clean(text)}”",
                timeout=30000,
            )
            assert page.evaluate(INJECTED) == NOTHING, text
        assert outside == [], outside


def test_the_production_server_s_pages_work_under_its_content_security_policy(hostile_server):
    url, *_ = hostile_server
    with browser() as chromium:
        page = chromium.new_page(viewport={"width": 1600, "height": 1000})
        outside = watch(page, url)
        for path in ("", "relationships", "workshop"):
            page.goto(f"{url}/{path}")
            wait_for_app(page)  # the script ran over the websocket, charts drew (plotly, inline styles)
        page.goto(f"{url}/join")
        page.wait_for_selector("text=Join a poll", timeout=30000)
        assert outside == [], outside


def test_the_participant_page_shows_a_hostile_title_wording_and_answers_as_text(hostile_server):
    url, _, code = hostile_server
    injected = INJECTED.replace('[data-testid="stMain"]', "main")
    with browser() as chromium:
        phone = chromium.new_page(viewport={"width": 390, "height": 844})
        outside = watch(phone, url)
        # A link typed into the address as the join code is echoed as text, not as a link.
        phone.goto(f"{url}/join?code=" + urllib.parse.quote(" ".join(TEXTS)))
        phone.wait_for_selector("text=There is no poll with the code", timeout=30000)
        assert phone.evaluate(injected) == NOTHING
        phone.goto(f"{url}/join?code={code}")
        phone.wait_for_selector("#wording", timeout=30000)
        assert phone.inner_text("#title").strip() == clean(TEXTS[0])
        assert phone.inner_text("#wording").strip() == clean(TEXTS[4] + " " + TEXTS[1])
        for text in TEXTS:
            phone.fill("#text", text[:280])
            phone.get_by_role("button", name="Send my answer").click()
            phone.wait_for_function(
                "(t) => document.getElementById('recorded')?.textContent.includes(t)",
                arg=clean(text[:280]).strip(),
                timeout=30000,
            )
            assert phone.evaluate(injected) == NOTHING, text
        assert outside == [], outside
