"""Shared by the real-browser tests: skip without Chromium (but never in CI), pick a
Streamlit selectbox option the way a person does, press a button and wait for its action to take,
and audit a page with axe-core."""

import os
from dataclasses import dataclass

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from pcn_data.charts import chromium_path
from scripts.live_server import choose, pick  # noqa: F401 (shared by the browser tests)


def require_chromium() -> None:
    """Skip the calling test module when Chromium is missing; in CI that is an error."""
    if chromium_path() is None:
        if os.environ.get("CI"):
            raise RuntimeError("Chromium is required in CI: .ci/run installs Debian's chromium package")
        pytest.skip("Chromium is not installed here (apt-get install chromium)", allow_module_level=True)


# axe-core's rules for WCAG 2.0, 2.1 and 2.2 at levels A and AA: the standard an NHS body must meet.
WCAG_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa")


@dataclass(frozen=True)
class Allowed:
    """A violation that is not ours to fix: axe's rule, on elements inside `within` (a CSS selector),
    with why it is there and the upstream issue that tracks it."""

    rule: str
    within: str
    why: str
    upstream: str


def axe_violations(
    page,
    allowed: tuple[Allowed, ...] = (),
    *,
    seen: set[str] | None = None,
    tags: tuple[str, ...] = WCAG_TAGS,
) -> list[dict]:
    """Run axe-core (the copy shipped in the axe-playwright-python wheel: nothing is downloaded) on the
    page as it stands, and return every violating element that no entry of allowed covers, as dicts of
    rule, impact, help, target, html and summary. An element is covered when an entry names its rule
    and the element lies inside that entry's `within`; the rules of the entries that covered one are
    added to seen (so that a caller can tell an entry no longer needed)."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": list(tags)}})
    found = []
    for violation in results.response["violations"]:
        covers = [a.within for a in allowed if a.rule == violation["id"]]
        for node in violation["nodes"]:
            if covers and _inside(page, node["target"], covers):
                if seen is not None:
                    seen.add(violation["id"])
                continue
            found.append(
                {
                    "rule": violation["id"],
                    "impact": node.get("impact") or violation.get("impact"),
                    "help": violation["help"],
                    "target": node["target"],
                    "html": node["html"][:300],
                    "summary": node.get("failureSummary", ""),
                }
            )
    return found


def _inside(page, target: list, selectors: list[str]) -> bool:
    """Return True when the element axe names by target (a selector, or a list of selectors through
    shadow roots and frames; the last one picks the element) lies inside one of selectors."""
    return page.evaluate(
        """([target, selectors]) => {
            const last = target[target.length - 1];
            const el = document.querySelector(Array.isArray(last) ? last[last.length - 1] : last);
            return !!el && selectors.some(s => el.closest(s));
        }""",
        [target, selectors],
    )


def describe_violations(found: list[dict]) -> str:
    """Return violations one a line, for an assertion message."""
    return "\n".join(f"{v['rule']} ({v['impact']}): {v['target']} {v['html'][:160]}" for v in found)


# Records where the pointer events of a click landed (the st-key of the widget, else the tag): on a
# lost click, this tells a click that never reached the button from one the button got and the
# server never did (the server's log names each click it receives: PCN_TRACE_RERUNS).
_WATCH = """() => {
  window.__clicks = [];
  if (window.__watching) return;
  window.__watching = true;
  const where = e => (e.target.closest && e.target.closest('[class*="st-key-"]')
      ?.className.match(/st-key-[^ ]+/)?.[0]) || e.target.tagName;
  for (const type of ['pointerdown', 'mousedown', 'pointerup', 'mouseup', 'click'])
    document.addEventListener(type, e => window.__clicks.push(type + '@' + where(e)), {capture: true});
}"""


def _click(page, button) -> None:
    """Click the button, recording where its pointer events land."""
    page.evaluate(_WATCH)
    button.click()


def _landed(page) -> str:
    """Return where the last click's pointer events landed, for a LOST CLICK line."""
    try:
        return ", ".join(page.evaluate("() => window.__clicks || []")) or "no pointer events"
    except PlaywrightError as exc:  # the page went away: say so rather than hide the lost click
        return f"unknown ({type(exc).__name__})"


def submit(page, key: str, shows: str, wait_ms: int = 20000) -> None:
    """Click the button of key (an action safe to repeat, such as a form that records) and wait
    until the page shows `shows`; a click the server never acted on is reported and made once more,
    as press() does for a button whose label changes."""
    button = page.locator(f".st-key-{key} button").first
    _click(page, button)
    try:
        expect(page.locator("body")).to_contain_text(shows, timeout=wait_ms)
        return
    except AssertionError:
        print(f"\nLOST CLICK: {key} still not {shows!r} {wait_ms} ms after a click ({_landed(page)}); again")
    button.click()
    expect(page.locator("body")).to_contain_text(shows, timeout=30000)


def press(page, key: str, then: str, wait_ms: int = 20000) -> None:
    """Click the button of key and wait until it reads `then` (its action taken). A click the
    server never acted on, seen under load (a room of 150 phones; two browser tests at once in CI),
    is reported and clicked once more if the button still reads as before, as a facilitator would;
    a second loss fails the test, saying so."""
    button = page.locator(f".st-key-{key} button").first  # (a button with help is drawn twice)
    before = button.inner_text()
    _click(page, button)
    try:
        expect(button).to_have_text(then, timeout=wait_ms)
        return
    except AssertionError:
        if button.inner_text() != before:
            raise
        landed = _landed(page)
        print(f"\nLOST CLICK: {key} still reads {before!r} {wait_ms} ms after a click ({landed}); again")
    button.click()
    try:
        expect(button).to_have_text(then, timeout=30000)
    except AssertionError:
        raise AssertionError(
            f"two clicks on {key} did not take: it still reads {button.inner_text()!r}"
        ) from None
