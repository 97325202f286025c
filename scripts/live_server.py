"""Run the dashboard under `streamlit run` on a free localhost port, and drive it with
Playwright in Debian's Chromium: shared by the browser tests and the screenshot script."""

from __future__ import annotations

import os
import random
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from pcn_data.charts import chromium_path

ROOT = Path(__file__).resolve().parent.parent

# Chromium's background connections are refused on a closed network; these flags stop them.
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def free_port() -> int:
    """Return a TCP port on localhost that is free now, chosen at random below the range the
    system hands to outgoing connections (32768 and up on Linux): a port from that range can be
    taken by a browser's or a client's connection before the server binds it, and two test
    workers asking the system for one can be given the same."""
    for _ in range(100):
        port = random.randint(20000, 32767)
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port between 20000 and 32767")


@dataclass(frozen=True)
class Server:
    """A running `streamlit run`: its base URL and process id."""

    url: str
    pid: int


@contextmanager
def serve(
    db_path: Path,
    *,
    timeout: float = 60,
    env: dict[str, str] | None = None,
    port: int | None = None,
    args: list[str] | None = None,
) -> Iterator[str]:
    """Yield the base URL of `streamlit run server.py` serving db_path; stop it afterwards.
    args are extra `streamlit run` options (e.g. --secrets.files)."""
    with server(db_path, timeout=timeout, env=env, port=port, args=args) as running:
        yield running.url


@contextmanager
def server(
    db_path: Path,
    *,
    timeout: float = 60,
    env: dict[str, str] | None = None,
    port: int | None = None,
    args: list[str] | None = None,
) -> Iterator[Server]:
    """Yield the running `streamlit run server.py` serving db_path; stop it afterwards."""
    port = port or free_port()
    log = open(Path(db_path).with_suffix(".server.log"), "w")  # noqa: SIM115
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(ROOT / "server.py"),
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--server.headless",
            "true",
            "--browser.gatherUsageStats",
            "false",
            *(args or []),
        ],
        cwd=ROOT,
        env={
            **os.environ,
            "PCN_DB": str(db_path),
            "PCN_TRACE_RERUNS": "1",
            "PYTHONUNBUFFERED": "1",
            **(env or {}),
        },
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            # Ours once it says it serves the port (only one process can bind it) and answers: a
            # health check alone could be answered by another server that holds the port.
            printed = Path(log.name).read_text(errors="replace")
            if re.search(rf"URL: http://\S+:{port}\b", printed) and _healthy(url):
                break
            if proc.poll() is not None or "is not available" in printed or time.monotonic() > deadline:
                raise RuntimeError(f"streamlit did not start on port {port}: {printed[-2000:]}")
            time.sleep(0.3)
        yield Server(url, proc.pid)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def _healthy(url: str) -> bool:
    """Return True when the server at url answers its health check."""
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
            return r.status == 200
    except OSError:
        return False


@contextmanager
def browser():
    """Yield a headless Chromium (Playwright); each new_context() is a separate visitor."""
    from playwright.sync_api import sync_playwright

    exe = chromium_path()
    if exe is None:
        raise RuntimeError("Chromium is not installed: apt-get install chromium")
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@contextmanager
def browser_page(width: int = 1920, height: int = 1080):
    """Yield a Playwright page in headless Chromium at the given viewport size."""
    with browser() as chromium:
        yield chromium.new_page(viewport={"width": width, "height": height})


def choose(page, label: str, option: str) -> None:
    """Pick option in the Streamlit selectbox labelled label (see pick)."""
    pick(page, page.locator('[data-testid="stSelectbox"]').filter(has_text=label), option)


def pick(page, selectbox, option: str, tries: int = 3) -> None:
    """Pick option in a Streamlit selectbox (a locator of its container), typing to filter the
    list first (a long list opens late or scrolled), and check that it took.

    Typing filters the list only while the input has the focus and its list is open; an input
    that lost the focus between the click and the typing (seen under load in CI: the page redrew
    after the click) takes the text and opens nothing. So each step waits for what it needs and,
    if that does not come, the pick starts again, saying so, as a person would pick again."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import expect

    box = selectbox.locator("input")
    listed = page.locator('[role="listbox"] [role="option"]')
    for attempt in range(1, tries + 1):
        try:
            box.click()
            listed.first.wait_for(state="visible", timeout=10000)
            box.fill(option)
            listed.filter(has_text=option).first.click(timeout=10000)
            # Picked: the list has closed on the option (typed text alone leaves it open).
            expect(box).to_have_attribute("aria-expanded", "false", timeout=10000)
            expect(box).to_have_value(re.compile(re.escape(option)), timeout=10000)  # (a part of it)
            return
        except (PlaywrightTimeout, AssertionError) as exc:  # a step that did not come: pick again
            if attempt == tries:
                raise AssertionError(f"{tries} tries did not pick {option!r}: {exc}") from None
            print(f"\nLOST PICK: {option!r} not picked on try {attempt} ({type(exc).__name__}); again")
            page.keyboard.press("Escape")


def wait_for_app(page, timeout_ms: int = 30000) -> None:
    """Wait until the Streamlit script has finished running and the page is still."""
    # Every page has a title: until it is drawn the script has not run.
    page.wait_for_selector('[data-testid="stMain"] h1', timeout=timeout_ms)
    # The title is drawn early; the script has finished when the app says it is not running (the
    # attribute Streamlit's own browser tests wait on).
    page.wait_for_selector(
        '[data-testid="stApp"][data-test-script-state="notRunning"]', state="attached", timeout=timeout_ms
    )
    # Elements of the previous run stay on the page, marked stale, until this run has replaced or
    # dropped them (the status widget is not shown with toolbarMode "minimal").
    page.wait_for_function(
        """() => !document.querySelector('[data-testid="stStatusWidget"]')
                 && !document.querySelector('[data-stale="true"]')""",
        timeout=timeout_ms,
    )
    # Plotly is loaded lazily: until its code arrives a chart is only a skeleton, and a page with
    # no chart element yet would pass the check below. Then wait for every chart's SVG.
    page.wait_for_function(
        """() => !document.querySelector('[data-testid="stMain"] [data-testid="stSkeleton"]')
                 && [...document.querySelectorAll('[data-testid="stPlotlyChart"]')]
                    .every(c => c.querySelector('.main-svg'))""",
        timeout=timeout_ms,
    )
    settle(page)


def settle(page, quiet_ms: int = 500, at_most_ms: int = 5000) -> None:
    """Wait until the page's fonts have loaded and its layout has not shifted for quiet_ms, for
    at most at_most_ms (a page whose content moves by itself, a live count, never settles).

    A click is a press and a release: if the button moves between them, the release lands on
    something else and no click happens. Seen in a browser test under load: the first click after
    a page load pressed "Add a maturity round" and released on a DIV; late layout shifts (32 px,
    after the icon font loaded) were still happening when the page's script had finished."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    page.evaluate(
        """() => { if (window.__lastShift !== undefined) return;
                   window.__lastShift = 0;
                   new PerformanceObserver(list => { for (const e of list.getEntries())
                       window.__lastShift = Math.max(window.__lastShift, e.startTime); })
                     .observe({type: 'layout-shift', buffered: true}); }"""
    )
    try:
        page.wait_for_function(
            """quiet => document.fonts.status === 'loaded'
                        && performance.now() - window.__lastShift > quiet""",
            arg=quiet_ms,
            timeout=at_most_ms,
        )
    except PlaywrightTimeout:  # a page that keeps moving is used as it is
        pass
