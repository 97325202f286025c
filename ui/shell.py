"""The app shell: navigation, the page frame (styles, bare pages, banner) and the run of a page."""

from __future__ import annotations

import functools
import logging
import os
import sys
import time

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

from pcn_data.core import access as acl
from pcn_data.core import config, logs, site
from pcn_data.core.db import Database
from ui.auth import account_panel, local_notice, record_sign_in, sign_in_page, who
from ui.data import _RUN, database, query
from ui.filters import sidebar_filters
from ui.widgets import participant_page

log = logging.getLogger("pcn.app")


# A rerun slower than this is logged with its page: the operator's first sign of a struggling server.
SLOW_RERUN_S = 1.0


# The tab's icon, drawn here: a :material/…: or emoji icon is fetched from Google's servers by
# every visitor's browser, which the production Content-Security-Policy rightly refuses.
FAVICON = (
    '<svg viewBox="0 0 24 24"><circle cx="12" cy="12" r="11" fill="#005EB8"/>'
    '<g fill="#FFFFFF"><circle cx="12" cy="12" r="3"/><circle cx="12" cy="5" r="2"/>'
    '<circle cx="18" cy="16" r="2"/><circle cx="6" cy="16" r="2"/></g>'
    '<g stroke="#FFFFFF" stroke-width="1.5"><line x1="12" y1="12" x2="12" y2="5"/>'
    '<line x1="12" y1="12" x2="18" y2="16"/><line x1="12" y1="12" x2="6" y2="16"/></g></svg>'
)


def ensure_navigation_mode() -> None:
    """Rerun once if Streamlit began this server process in its legacy pages/ mode.

    An app with a pages/ folder counts as a legacy multipage app until its first call to
    st.navigation, so the very first run of a new server would execute the requested page
    file on its own, without dashboard.py's sidebar, filters and banner (a shared link to a
    page, opened on a freshly started server, showed a bare page). Clearing the flag and
    rerunning sends that request through st.navigation, with its URL and query string.
    Sessions that start together on a new server all begin in that mode, but only the first
    finds the flag still set: the others are recognised by Streamlit's legacy page runner
    (_mpa_v1) on the call stack, and rerun too.
    """
    if PagesManager.uses_pages_directory or _run_by_legacy_pages():
        PagesManager.uses_pages_directory = False
        st.rerun()


def _run_by_legacy_pages() -> bool:
    """Return True when Streamlit's legacy pages/ runner is executing this script."""
    frame = sys._getframe(1)
    while frame is not None:
        if frame.f_code.co_name == "_mpa_v1":
            return True
        frame = frame.f_back
    return False


DATASETS = {"empty": "Empty", "demo": "Demo", "imported": "Real data", "mixed": "Demo and imported"}


def banner() -> None:
    """Show the demo-data banner while the demo file is loaded, and a stronger one when real
    responses were imported into it."""
    dataset = query(Database.dataset)
    if dataset == "demo":
        st.warning(
            "**Demo data.** PCN names are invented and the answers are generated to follow the "
            "report's findings: these are not real survey results.",
            icon=":material/science:",
        )
    elif dataset == "mixed":
        st.warning(
            "**Demo data mixed with imported responses.** This file holds the generated demo and real "
            "imports together, so no figure here is either. Undo the imports on the Data page, or "
            "start a clean file for real data (see the README).",
            icon=":material/science:",
        )


# Styles every page gets (WCAG 2.2 AA): see page_style.
PAGE_STYLE = """<style>
/* Captions: Streamlit draws them in the text colour at 60% opacity, #7A8084 on white (4.0:1, under
   the 4.5:1 that WCAG 1.4.3 asks of text this size). NHS secondary text, #4C6272, opaque, is 6.4:1
   on white and 5.7:1 on the grey of a bordered card. */
[data-testid="stCaptionContainer"] { color: #4C6272; opacity: 1; }
/* Focus is always visible (WCAG 2.4.7, 2.4.13): a dark ring outside whatever has the keyboard focus,
   on top of Streamlit's own (some of its controls show none, or a faint one). */
:focus-visible { outline: 3px solid #212B32 !important; outline-offset: 2px; }
/* A text field sits inside Streamlit's bordered box, which clips a ring drawn on the field (a dark
   bar was all that showed): ring the box around it instead. */
:is([data-testid="stSelectbox"], [data-testid="stMultiSelect"], [data-testid="stTextInput"],
    [data-testid="stTextArea"], [data-testid="stDateInput"], [data-testid="stNumberInput"])
    :is(input, textarea):focus-visible { outline: none !important; }
:is([data-testid="stSelectbox"], [data-testid="stMultiSelect"], [data-testid="stTextInput"],
    [data-testid="stTextArea"], [data-testid="stDateInput"], [data-testid="stNumberInput"])
    div:has(> :is(input, textarea):focus-visible) { outline: 3px solid #212B32; outline-offset: 2px; }
/* A chart's tool buttons fade in on hover only: show them while one has the keyboard focus too. */
[data-testid="stPlotlyChart"] .modebar:focus-within .modebar-group { opacity: 1 !important; }
/* Text for screen readers only: a chart's text alternative sits beside it (see ui.chart). */
.sr-only {
    position: absolute !important; width: 1px; height: 1px; padding: 0; margin: -1px;
    overflow: hidden; clip: rect(0, 0, 0, 0); white-space: nowrap; border: 0;
}
</style>"""


def page_style() -> None:
    """Add the styles every page shares (PAGE_STYLE): captions with enough contrast, a visible
    keyboard focus, and a class for text meant only for screen readers."""
    st.html(PAGE_STYLE)


def _stem(page) -> str:
    """Return the pages/ file stem of a navigation page (the default page's url_path is empty)."""
    return page.url_path or site.DEFAULT


def run(pages) -> None:
    """Open the database, decide who is using the app, offer the pages their role may open, draw
    the shared sidebar filters and banner, and run the chosen page.

    pages: what st.navigation takes, grouped. dashboard.py calls this; so does the empty page
    that benchmarks/run.py times as the floor, so that both pay for the same shell.
    """
    started = time.perf_counter()
    _log_start()
    st.session_state.pop(_RUN, None)
    database()
    access = who()
    record_sign_in(access)
    # A page the role may not open is not in the navigation at all: a link to it lands on the
    # default page. (Local mode offers this computer every page, the benchmark's empty one included.)
    everything = access is not None and access.local and access.role == "facilitator"
    offered = {
        group: kept
        for group, listed in pages.items()
        if (kept := [p for p in listed if everything or acl.may_open(access, _stem(p))])
    }
    if access is None:
        # Not signed in (or no role): the sign-in page only. Polls are answered on /join.
        sign_in = st.Page(sign_in_page, title="Sign in", icon=":material/login:", default=True)
        page = st.navigation([sign_in])
    elif not offered:
        # A participant (another device in local mode): no dashboard page is theirs.
        page = st.navigation([st.Page(participant_page, title="Join a poll", default=True)])
    else:
        page = st.navigation(offered)
    page_style()
    if page.url_path in BARE_PAGES or access is None or access.role == "participant":
        bare_page()
        if access is not None and access.local:
            local_notice(access)
    else:
        account_panel(access)
        st.session_state["_filters"] = sidebar_filters(default_place=access.place)
        banner()
    stem = _stem(page)
    try:
        page.run()
    except Exception as exc:  # shown on the page by Streamlit; the operator gets the cause too
        # logs.cause: the message without the values it quotes, which may be an answer's text.
        log.error("page %s failed: %s", stem, logs.cause(exc), exc_info=exc, extra={"page": stem})
        raise
    finally:  # st.stop and st.rerun end a run too: a slow one is slow either way
        seconds = time.perf_counter() - started
        if seconds > SLOW_RERUN_S:
            log.warning(
                "slow rerun: page %s took %.2f s",
                stem,
                seconds,
                extra={"page": stem, "seconds": round(seconds, 2)},
            )


@functools.cache
def _log_start() -> None:
    """Start the operator's log and say the dashboard started, once per process."""
    logs.configure("INFO")
    log.info("dashboard started: process %d, database %s", os.getpid(), config.db_path())


# Pages shown on a projector: no sidebar, filters or banner. (Phones use /join, participant.py.)
BARE_PAGES = site.BARE


def bare_page() -> None:
    """Hide the sidebar, its toggle and the toolbar: the page fills the phone or the projector."""
    st.html(
        """<style>
        [data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"],
        [data-testid="stToolbar"], [data-testid="stHeader"] {display: none !important;}
        .block-container, [data-testid="stMainBlockContainer"] {padding-top: 1rem !important;}
        /* These pages redraw themselves every second or two: without this, each redraw would
           fade the whole screen for a moment, a flicker on the projector. */
        [data-testid="stElementContainer"][data-stale="true"] {
            opacity: 1 !important; transition: none !important;
        }
        </style>"""
    )
