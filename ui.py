"""Streamlit glue shared by every page: the cached database, cached queries keyed on the data
version, the shared sidebar filters (kept in the URL), and the demo-data banner."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import ipaddress
import logging
import os
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

import plain
from pcn_data import charts, demo
from pcn_data.charts import alt_text, views
from pcn_data.core import access as acl
from pcn_data.core import backup, config, cuts, logs, palette, site, trail
from pcn_data.core.db import Database, get_database
from pcn_data.core.errors import PcnDataError, RenderError
from pcn_data.core.filters import Filters
from pcn_data.importing import batches
from pcn_data.programme import engagement, tracker
from pcn_data.reports import exports, slide_files, slides
from pcn_data.survey import compare, findings, queries, redaction, results, voices
from pcn_data.workshop import maturity_round, polls
from pcn_data.workshop import room as live_room

ALL = "all"
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


def _key(fn) -> str:
    """Return the name a cacheable query is known by in the cache: its module and name."""
    return f"{fn.__module__}.{fn.__qualname__}"


# Queries a page may run through `query` (the functions themselves); cached per database file and
# data version, keyed by _key.
CACHEABLE = {
    _key(fn): fn
    for fn in (
        findings.headline_findings,
        queries.respondents_by_place,
        queries.respondent_totals,
        queries.list_waves,
        queries.list_ics,
        queries.list_places,
        queries.list_roles,
        queries.display_names,
        queries.count_rows,
        queries.question_wordings,
        results.likert,
        results.agreement_gap,
        results.relationship_matrix,
        results.needs,
        results.needs_by_role,
        results.likert_change,
        results.relationship_change,
        results.needs_change,
        compare.measure_by_place,
        compare.measure_change,
        compare.self_assessment,
        compare.engagement_by_pcn,
        compare.pcn_events,
        queries.list_pcns,
        voices.comments,
        redaction.known_names,
        voices.sub_themes,
        tracker.recommendations,
        tracker.history,
        tracker.progress,
        engagement.events,
        engagement.participation,
        engagement.evidence_strength,
        batches.list_batches,
        polls.sessions_asking,
        maturity_round.agreed,
        Database.dataset,
    )
}


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


@st.cache_resource(show_spinner=False)
def _open(path: str) -> Database:
    """Return the process's one connection to the database file, with its scheduled snapshots
    started ($PCN_BACKUP_EVERY)."""
    db = get_database(path)
    backup.start_schedule(db)
    return db


def _build_demo(path: Path) -> None:
    """Build the demo file at path, showing progress."""
    bar = st.progress(0.0, text="First run: building the demo database")
    demo.build_demo_file(path, progress=lambda f, msg: bar.progress(min(f, 1.0), text=msg))
    bar.empty()


def database() -> Database:
    """Return the open database, building the demo file on first run; stop the page on error."""
    path = config.db_path()
    try:
        if not path.exists():
            _build_demo(path)
        return _open(str(path.resolve()))
    except PcnDataError as exc:
        log.error("database unavailable: %s", exc)
        st.error(plain.md(str(exc)))
        st.stop()


@st.cache_data(show_spinner=False, max_entries=1024)
def _cached(name: str, db_path: str, data_version: int, args: tuple):
    """Return CACHEABLE[name](db, *args); the path and version key the cache (a name, not the
    function: Streamlit would hash a function's code on every call)."""
    return CACHEABLE[name](_open(db_path), *args)


_RUN = "_run_database"  # session state: (database, db.commits when read, data version), this run


def _current() -> tuple[Database, int]:
    """Return the open database and its data version, looked up once per script run (the version
    again after a write through this connection).

    Every cached query is keyed on the version; reading it for each of a page's dozen queries
    cost a query each. ui.run forgets both at the start of every run, so a write by any
    connection is seen on the next run, and a write through this one (db.commits) at once.
    """
    seen = st.session_state.get(_RUN)
    if seen is None or seen[1] != seen[0].commits:
        db = database() if seen is None else seen[0]
        seen = (db, db.commits, db.data_version())
        st.session_state[_RUN] = seen
    return seen[0], seen[2]


def data_version() -> int:
    """Return the data version the caches are keyed on (see _current)."""
    return _current()[1]


def query(fn: Callable, *args):
    """Return the result of a cached query, fn(db, *args), on the current database.

    A query marked cuts.cut_by_place or cuts.every_place is cached once for every place (keyed on
    the filters without the place), then cut to the chosen place and the total, or kept whole; so
    a facilitator changing place costs a cut, not the query.
    """
    name = _key(fn)
    if CACHEABLE.get(name) is None:  # a page may run only the queries listed
        raise ValueError(f"{name} is not a cacheable query: add it to ui.CACHEABLE")
    db, version = _current()
    f = next((a for a in args if isinstance(a, Filters)), None)
    places = getattr(CACHEABLE[name], "places", None)
    if f is None or not f.places or places is None:
        return _cached(name, str(db.path), version, args)
    every = _cached(name, str(db.path), version, tuple(cuts.every_group(a) if a is f else a for a in args))
    return cuts.chosen_groups(every, f, with_total=True) if places == "cut" else every


def url_select(
    label: str, options: dict[str, str], key: str, default: str, help: str | None = None, container=None
) -> str:
    """Return the choice of a sidebar selectbox kept in the URL as ?key=code.

    The code (not the label) goes in the URL so that a shared link survives renamed places.
    A code in the URL that is not an option is ignored, with a notice.
    """
    if key not in st.session_state:
        requested = st.query_params.get(key)
        if requested is not None and requested not in options:
            st.toast(f"Ignored {key}=“{plain.md(requested)}” in the link: it is not one of the choices.")
        st.session_state[key] = requested if requested in options else default
    elif st.session_state[key] not in options:
        st.session_state[key] = default
    value = (container or st.sidebar).selectbox(
        label, list(options), format_func=options.get, key=key, help=help
    )
    if value == default == ALL:  # "everything" is the default: keep the link short
        st.query_params.pop(key, None)
    else:
        st.query_params[key] = value
    return value


def sidebar_filters(default_place: str | None = None) -> Filters:
    """Draw the shared filters in the sidebar (kept in the URL) and return them; a Clinical
    Director's own place is chosen until they choose another."""
    waves = query(queries.list_waves)
    if waves.empty:
        st.sidebar.info("No survey waves yet.")
        return Filters()
    st.sidebar.header("Filters")
    wave_names = dict(zip(waves["wave_code"], waves["name"], strict=True))
    wave = url_select("Survey wave", wave_names, "wave", default=waves["wave_code"].iloc[-1])

    ics_list = query(queries.list_ics)
    ics = ics_list["ics_code"].iloc[0] if len(ics_list) == 1 else None
    if len(ics_list) > 1:
        ics_names = {ALL: "All ICSs", **dict(zip(ics_list["ics_code"], ics_list["name"], strict=True))}
        # Default to one ICS: place-by-place charts across all of England would be unreadable.
        chosen = url_select("ICS", ics_names, "ics", default=ics_list["ics_code"].iloc[0])
        ics = None if chosen == ALL else chosen

    places = query(queries.list_places, ics)
    place_names = {ALL: "All places", **dict(zip(places["place_code"], places["name"], strict=True))}
    place = url_select(
        "Place",
        place_names,
        "place",
        default=default_place if default_place in place_names else ALL,
        help="Clinical Directors: choose your own place.",
    )

    roles = query(queries.list_roles)
    answered = waves.loc[waves["wave_code"] == wave, "roles"].iloc[0]
    answered = set(answered) if answered is not None else set()
    role_names = {
        ALL: "All roles",
        **{c: lbl for c, lbl in zip(roles["role_code"], roles["label"], strict=True) if c in answered},
    }
    role = url_select("Role", role_names, "role", default=ALL)
    return Filters(
        wave=wave, ics=ics, places=() if place == ALL else (place,), roles=() if role == ALL else (role,)
    )


def names() -> dict[str, str]:
    """Return display names for codes of ICSs, places, roles and waves."""
    return query(queries.display_names)


def describe(f: Filters) -> str:
    """Return the filters in force in words."""
    return f.describe(names())


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
        log.error("page %s failed: %s: %s", stem, type(exc).__name__, exc, exc_info=exc, extra={"page": stem})
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


def filters() -> Filters:
    """Return the filters drawn by the entry script for this run."""
    return st.session_state.get("_filters", Filters())


def _chart_text(value):
    """Return a chart builder's argument with its text escaped for plotly, which draws <a href>,
    <b>, <span style> and their like in titles, labels and hover text: every string, and every
    text cell of a frame (names, wordings and labels come from imports). Entities show as the
    characters they stand for, so "Fylde & Wyre" still reads so."""
    if isinstance(value, str):
        return plain.html(value).replace("&#x27;", "'").replace("&quot;", '"')
    if isinstance(value, pd.DataFrame):
        out = value.copy()
        for col in out.columns:
            if isinstance(out[col].dtype, pd.CategoricalDtype):
                out[col] = out[col].cat.rename_categories(_chart_text)
            elif out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
                out[col] = out[col].map(lambda v: _chart_text(v) if isinstance(v, str) else v)
        return out
    if type(value) in (list, tuple):  # not a named tuple: those are passed as they are
        return type(value)(_chart_text(v) for v in value)
    if isinstance(value, dict):
        return {_chart_text(k): _chart_text(v) for k, v in value.items()}
    return value


def plain_table(df: pd.DataFrame) -> pd.DataFrame:
    """Return df with its text cells escaped for st.table, which renders every cell as markdown."""
    return df.map(lambda v: plain.md(v) if isinstance(v, str) else v)


def _figure(spec: views.ChartSpec):
    """Return (figure, text alternative) of a chart spec, the figure's text escaped (see
    _chart_text), with accessible tool buttons and pattern cues: a few milliseconds, less than caching it
    would cost (hashing the frames for the key, and unpickling a figure revalidates it)."""
    alt = alt_text.describe(spec.name, *spec.args, **spec.kwargs)  # read from the data, escaped where shown
    args = tuple(_chart_text(a) for a in spec.args)
    kwargs = {k: _chart_text(v) for k, v in spec.kwargs.items()}
    fig = spec.builder(*args, **kwargs)
    # The chart's tool buttons: plotly draws them at 30% grey (about 1.7:1); WCAG 1.4.11 asks 3:1.
    fig.layout.modebar = {"color": palette.SECONDARY_TEXT, "activecolor": palette.TEXT}
    if spec.builder in PATTERNED:
        pattern_cue(fig)
    return fig, alt


# Charts whose bars tell their series (waves, activities, statuses, roles) apart by colour and legend:
# each series gets a hatching too, so that colour is never the only cue (WCAG 1.4.1).
PATTERNED = {
    charts.respondents_by_place,
    charts.response_rate_by_place,
    charts.participation_bars,
    charts.progress_bars,
    charts.grouped_shares,
}
PATTERNS = ["", "/", ".", "x", "\\", "+", "-", "|"]


def _dark(colour: str) -> bool:
    """Return True when a #RRGGBB colour is dark enough for white hatching to show on it."""
    r, g, b = (int(colour.lstrip("#")[i : i + 2], 16) for i in (0, 2, 4))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b < 140


def pattern_cue(fig) -> None:
    """Give each bar series of fig its own hatching, in white on a dark bar and dark on a light one,
    beside its colour; the legend shows the same hatching."""
    bars = [t for t in fig.data if t.type == "bar" and t.showlegend is not False]
    if len(bars) < 2:
        return
    for i, trace in enumerate(bars):
        colour = trace.marker.color if isinstance(trace.marker.color, str) else None
        if not PATTERNS[i % len(PATTERNS)] or not (colour and colour.startswith("#") and len(colour) == 7):
            continue
        trace.marker.pattern = {
            "shape": PATTERNS[i % len(PATTERNS)],
            "fillmode": "overlay",
            "fgcolor": palette.WHITE if _dark(colour) else palette.TEXT,
            "solidity": 0.3,
            "size": 8,
        }


def min_group() -> int:
    """Return K, the suppression threshold in force."""
    return config.min_group()


def total_label(f: Filters) -> str:
    """Return the name of the total row: the ICS's name, or "All ICSs" when all are chosen."""
    return f.total_label(names())


def chart(spec: views.ChartSpec) -> None:
    """Draw a chart spec, the one way a page draws a chart: its one-sentence text alternative just
    before it, for screen readers only (WCAG 1.1.1: what it shows, the largest and smallest values
    shown, and n, computed from the chart's data by pcn_data.charts.alt_text); the figure, its text
    escaped; its caption; and the aggregated table behind it with a CSV download in an expander.

    The table (a frame, or what makes it) is made and sent only while its expander is open: on a
    page of seven charts the tables nobody opened were 40% of every run. A spec without a caption
    or table (Overview's, whose table is below them) draws the chart alone.

    Poll results on the projector are not charts drawn here: pcn_data.workshop.projector writes them as
    HTML bars, which redraw twice a second without the blink of a plotly chart.
    """
    fig, alt = _figure(spec)
    st.html(f'<p class="sr-only" data-testid="chartAlt" data-chart="{spec.key}">{plain.html(alt)}</p>')
    st.plotly_chart(fig, key=spec.key, theme=None, config={"displaylogo": False})
    if spec.caption:
        st.caption(plain.md(spec.caption))  # captions name places, waves and questions: imported text
    if spec.table is None:
        return
    box = st.expander("Table behind this chart", key=f"{spec.key}_open", on_change="rerun")
    if not box.open:
        return
    rows = spec.table() if callable(spec.table) else spec.table
    with box:
        st.dataframe(rows, hide_index=True, key=f"{spec.key}_table")
        st.download_button(
            "Download CSV",
            data=lambda: exports.csv_bytes(rows),  # written when clicked, not on every run
            file_name=spec.file_name,
            mime="text/csv",
            key=f"{spec.key}_csv",
            icon=":material/download:",
        )


def comparison_table(comparison: pd.DataFrame, *, key: str) -> None:
    """Draw a poll session's answers beside the survey's (from polls.survey_comparison)."""
    numbers = ["room_votes", "room_n", "room_share", "survey_n", "survey_share"]
    shown = comparison.assign(**{c: comparison[c].astype(float) for c in numbers})
    shown["room_share"] = (shown["room_share"] * 100).round(0)
    shown["survey_share"] = (shown["survey_share"] * 100).round(0)
    columns = ["question", "label", "room_votes", "room_n", "room_share", "survey_n", "survey_share"]
    if shown["survey_n"].isna().all():  # no wave to compare with: empty columns would read "None"
        columns = columns[:-2]
    st.dataframe(
        shown,
        hide_index=True,
        key=key,
        column_order=columns,
        column_config={
            "question": st.column_config.TextColumn("Question", width="large"),
            "label": "Answer",
            "room_votes": st.column_config.NumberColumn("Room: votes", format="%d"),
            "room_n": st.column_config.NumberColumn("Room: answered", format="%d"),
            "room_share": st.column_config.NumberColumn("Room", format="%d%%"),
            "survey_n": st.column_config.NumberColumn("Survey: answered", format="%d"),
            "survey_share": st.column_config.NumberColumn("Survey", format="%d%%"),
        },
    )


def survey_wave_note(comparison: pd.DataFrame, place: str) -> str:
    """Return which survey wave a room is compared with, in words (markdown, names escaped)."""
    place = plain.md(place)
    if comparison.attrs.get("wave") is None:
        return f"no survey wave publishes answers from {place} to these questions"
    return f"{plain.md(comparison.attrs['wave_name'])}, the latest with answers from {place}"


def polls_beside_survey(question_codes: tuple[str, ...], f: Filters, *, key: str) -> None:
    """Draw, when a workshop in the chosen places asked any of these questions, each such poll
    beside the latest survey, in an expander whose tables are made only while it is open."""
    # Keyed only on what the query reads: a change of wave or role reuses it.
    sessions = query(polls.sessions_asking, question_codes, f.without("wave", "pcns", "roles"))
    if sessions.empty:
        return
    box = st.expander(
        f"Workshop polls on these questions ({len(sessions)})",
        key=f"{key}_open",
        on_change="rerun",
        icon=":material/how_to_vote:",
    )
    if not box.open:
        return
    with box:
        st.caption(
            "What the room answered at each workshop, beside the latest survey with answers from the "
            "same place. "
            f"Either side with fewer than {min_group()} answers is not shown."
        )
        for s in sessions.itertuples(index=False):
            # Live: votes do not change the data version, so this is not cached.
            comparison = polls.survey_comparison(database(), int(s.session_id))
            if not comparison.empty:
                comparison = comparison[comparison["question_code"].isin(question_codes)]
            note = "" if comparison.empty else f" · {survey_wave_note(comparison, s.place)}"
            st.markdown(f"**{plain.md(s.title)}** · {plain.md(s.place)} · {s.held_on:%d %B %Y}{note}")
            if comparison.empty:
                st.caption("No answers to these questions yet.")
            else:
                comparison_table(comparison, key=f"{key}_{s.session_id}")


def _duration(seconds: int) -> str:
    """Return a period in words: "day", "6 hours", "90 minutes"."""
    for size, unit in ((86400, "day"), (3600, "hour"), (60, "minute")):
        if seconds % size == 0:
            n = seconds // size
            return unit if n == 1 else f"{n} {unit}s"
    return f"{seconds} seconds"


def backup_section(db: Database) -> None:
    """Draw the Data page's backups: where and how often snapshots are taken, the latest ones, and
    a button that takes one now and offers it for download (facilitators only)."""
    st.subheader("Backups")
    folder = backup.backup_dir(db.path)
    every = backup.backup_every()
    schedule = "no scheduled snapshots" if every is None else f"one every {_duration(every)}"
    st.markdown(
        f"The dashboard snapshots its own file while it runs: before every import and every undo, and "
        f"{schedule}, keeping the last {backup.backup_keep()} of each kind in `{folder}` "
        "(`PCN_BACKUP_DIR`, `PCN_BACKUP_EVERY`, `PCN_BACKUP_KEEP`). A snapshot is the whole database, "
        "every answer in it: keep a downloaded one as safe as the server's file."
    )
    latest = backup.listed(folder, db.path)[-5:]
    if latest:
        st.dataframe(
            [
                {
                    "Snapshot": p.name,
                    "Taken": dt.datetime.fromtimestamp(p.stat().st_mtime).strftime("%d/%m/%Y %H:%M"),
                    "KB": round(p.stat().st_size / 1024),
                }
                for p in reversed(latest)
            ],
            hide_index=True,
            key="backup_list",
        )
    if st.button("Take a snapshot now", key="backup_take", icon=":material/backup:"):
        try:
            require("backup")
            taken = backup.take(db, "manual")
            trail.record_alone(db, "snapshot", taken.name, "taken on the Data page")
            st.session_state["_backup_taken"] = str(taken)
        except PcnDataError as exc:
            st.error(plain.md(str(exc)))
    taken = st.session_state.get("_backup_taken")
    if taken and Path(taken).is_file():
        st.success(f"Snapshot taken: {plain.md(Path(taken).name)}")
        st.download_button(
            "Download the snapshot",
            data=Path(taken).read_bytes(),
            file_name=Path(taken).name,
            mime="application/octet-stream",
            key="backup_download",
            icon=":material/download:",
        )


def audit_section(db: Database) -> None:
    """Draw the audit trail for facilitators: the latest rows and the whole trail as CSV. It is
    read-only here and everywhere in the app."""
    st.subheader("Audit trail")
    st.caption(
        "Every import, undo, tracker edit, poll control, moderation, change of theme codes, snapshot, "
        "sign-in and refusal, with who and when. The app only ever adds to it."
    )
    rows = trail.read(db, limit=200)
    labels = rows.assign(action=rows["action"].map(lambda a: trail.ACTIONS.get(a, a))).rename(
        columns={
            "audit_id": "#",
            "logged_at": "When",
            "actor": "Who",
            "action": "What",
            "target": "Target",
            "detail": "Detail",
        }
    )
    st.dataframe(labels, hide_index=True, key="audit_table")
    st.download_button(
        "Download the whole audit trail (CSV)",
        data=lambda: exports.csv_bytes(trail.read(db)),
        file_name="pcn_futures_audit_trail.csv",
        key="audit_download",
        icon=":material/download:",
    )


def compare_note(meta: dict) -> str:
    """Return in words what a wave comparison compares."""
    if not meta:
        return "There is no earlier wave to compare with."
    n = names()
    earlier, later = meta["waves"]
    roles = ", ".join(n.get(r, r) for r in meta["roles"]) if meta["roles"] else "all roles"
    return (
        f"Change from {n.get(earlier, earlier)} to {n.get(later, later)}, {roles} (like with like), "
        "with 95% intervals; a change whose interval crosses zero is not distinguishable from no change."
    )


def require_one_ics(f: Filters) -> None:
    """Stop a place-by-place page with a prompt when all ICSs are chosen at once."""
    if f.ics is None and len(query(queries.list_ics)) > 1:
        st.info(
            "Choose an ICS in the sidebar: this page compares the places of one ICS.",
            icon=":material/arrow_back:",
        )
        st.stop()


def change_section(
    change: pd.DataFrame, meta: dict, *, key: str, title: str, label_col: str, file_name: str
) -> None:
    """Draw the 'change since the previous wave' chart: one dot per row with its 95% interval."""
    st.caption(plain.md(compare_note(meta)))
    if change.empty:
        return
    chart(
        views.change_dots(
            change, title, label_col, min_group(), key=key, caption=compare_note(meta), file_name=file_name
        )
    )


def import_template() -> Callable[[], bytes]:
    """Return what writes the survey template workbook for the loaded database, for a download
    button to call when clicked: writing it took 0.3 s, on every first visit to the Data page."""
    return functools.partial(batches.template_xlsx, _current()[0])


def read_upload(uploaded) -> batches.Upload | None:
    """Return the uploaded file read and recognised, once per file; show why when it cannot be read."""
    if uploaded is None:
        return None
    key = ("_upload", uploaded.file_id)
    cached = st.session_state.get("_upload")
    if cached is not None and cached[0] == key:
        return cached[1]
    try:
        with st.spinner(f"Reading {uploaded.name}…"):
            upload = batches.Upload(uploaded.getvalue(), uploaded.name)
    except PcnDataError as exc:
        st.error(plain.md(str(exc)))  # a message may quote the file
        return None
    st.session_state["_upload"] = (key, upload)
    return upload


def read_mapping_file(uploaded) -> tuple[str | None, dict[str, str], dict[tuple[str, str], str]] | None:
    """Return (tool, columns, answers) of an uploaded mapping file (TOML), or None; show why when
    it cannot be read."""
    if uploaded is None:
        return None
    from pcn_data.importing import mapping_file

    try:
        return mapping_file.loads(uploaded.getvalue().decode("utf-8"), uploaded.name)
    except UnicodeDecodeError:
        st.error(plain.md(f"{uploaded.name} is not a text file: choose the mapping file (.toml)."))
    except PcnDataError as exc:
        st.error(plain.md(str(exc)))
    return None


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


def room(session_id: int) -> live_room.Room | None:
    """Return a poll session's live room (in memory: no database query once it is loaded)."""
    return live_room.rooms(database()).get(int(session_id))


def participant_page() -> None:
    """The page a participant's device gets from the dashboard: the way to the poll."""
    st.title("Join a poll")
    st.markdown("Polls are answered on the poll page, with the code on the screen.")
    st.link_button("Open the poll page", "/join", type="primary", icon=":material/smartphone:")


def public_address() -> config.PublicAddress:
    """Return the address phones join at (PCN_PUBLIC_URL, else this machine's network address)
    and, when phones may not reach it, why."""
    listening = str(st.get_option("server.address") or "")
    return config.public_address(int(st.get_option("server.port")), listening, probe=_reachable)


@st.cache_data(ttl=60, show_spinner=False)
def _reachable(url: str) -> bool:
    """Return True when this server answers at url (checked once a minute, not on every run)."""
    return config.answers(url)


def act(action: str, fn, *args) -> None:
    """Run a data action from a widget callback (before the page redraws, so the page shows its
    effect) once the user's role is checked again here on the server; keep a refusal's message
    for `show_refusal`."""
    try:
        require(action)
        fn(*args)
    except PcnDataError as exc:
        st.session_state["_refusal"] = str(exc)


def show_refusal(container=None) -> None:
    """Show, once, why the last action was refused."""
    message = st.session_state.pop("_refusal", None)
    if message:
        (container or st).warning(message)


def auth_configured() -> bool:
    """Return True when sign-in (OpenID Connect, an [auth] section in secrets.toml) is set up."""
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all: local mode
        return False


@st.cache_data(show_spinner=False)
def _role_map(path: str, modified: float) -> dict[str, acl.Access]:
    """Return the role map, read again whenever the file changes (its mtime is in the key)."""
    return acl.load_role_map(Path(path))


# Headers a reverse proxy adds: a request that came through one is not from this computer, even
# though its connection is (the proxy's).
_PROXY_HEADERS = ("X-Forwarded-For", "Forwarded", "X-Real-IP")


def on_this_computer() -> bool:
    """Return True when the browser runs on the machine the dashboard runs on: a loopback
    connection (Streamlit reports no address for 127.0.0.1 and ::1, nor when no browser is
    connected, as under AppTest, whose stand-in runtime answers with a mock) that did not come
    through a proxy."""
    ip = st.context.ip_address
    if isinstance(ip, str):
        try:
            address = ipaddress.ip_address(ip)
        except ValueError:
            return False
        mapped = getattr(address, "ipv4_mapped", None)
        if not (address.is_loopback or (mapped is not None and mapped.is_loopback)):
            return False
    headers = st.context.headers
    return not any(headers.get(h) for h in _PROXY_HEADERS)


def who() -> acl.Access | None:
    """Return who is using the app. In local mode (no sign-in configured) this computer is the
    facilitator and every other device a participant, who may only join a poll; signed in, the
    role map decides; None when not signed in or not in the role map."""
    if not auth_configured():
        return acl.LOCAL if on_this_computer() else acl.LOCAL_VISITOR
    if not st.user.is_logged_in:
        return None
    path = acl.roles_file()
    try:
        role_map = _role_map(str(path), path.stat().st_mtime if path.exists() else 0.0)
    except PcnDataError as exc:
        st.error(plain.md(str(exc)))
        st.stop()
    return acl.access_from_claims(st.user.to_dict(), role_map)


def can(action: str) -> bool:
    """Return True when the current user may take the action."""
    return acl.can(who(), action)


def actor(access: acl.Access | None) -> str:
    """Return who the audit trail records for this access: the signed-in email, or "local"."""
    if access is None:
        return "not signed in"
    if access.local:
        return trail.LOCAL if access.role == "facilitator" else "local participant"
    return access.email or access.role


def require(action: str) -> None:
    """Raise AccessDenied unless the current user may take the action (a refusal goes in the
    audit trail); the change that follows is recorded as theirs."""
    access = who()
    try:
        acl.require(access, action)
    except acl.AccessDenied:
        log.warning("refused: action %s for %s", action, actor(access))
        trail.record_alone(database(), "refusal", action, "action", by=actor(access))
        raise
    # Every write in the app follows this check in the same thread: the trail names its author.
    trail.set_actor(actor(access))


def require_page(page: str) -> None:
    """Stop the page unless the current user may open it (navigation hides it too)."""
    access = who()
    if not acl.may_open(access, page):
        log.warning("refused: page %s for %s", page, actor(access))
        trail.record_alone(database(), "refusal", page, "page", by=actor(access))
        st.error("Your account may not open this page.")
        st.stop()


def record_sign_in(access: acl.Access | None) -> None:
    """Put a sign-in (or a signed-in account without a role) in the audit trail, once a session."""
    if not auth_configured() or not st.user.is_logged_in:
        return
    email = st.user.get("email") or ""
    if st.session_state.get("_trail_signed_in") == email:
        return
    st.session_state["_trail_signed_in"] = email
    if access is None:
        log.warning("refused: sign-in of %s, an account with no role", email)
        trail.record_alone(database(), "refusal", "sign-in", "no role for this account", by=email or "?")
    else:
        log.info("sign-in: %s as %s", email, access.role)
        trail.record_alone(database(), "sign_in", email, access.role, by=actor(access))


def local_notice(access: acl.Access) -> None:
    """Say, small, on the join and presenter pages, that the app runs in local mode."""
    if access.role == "facilitator":
        text = (
            "Local mode: no sign-in is configured. Only this computer has the facilitator's controls; "
            "every other device can only join the poll."
        )
    else:
        text = (
            "Local mode: this dashboard runs on the facilitator's computer without sign-in. "
            "From this device you can join the poll; nothing else is open to it."
        )
    st.caption(text)


def account_panel(access: acl.Access) -> None:
    """Show in the sidebar who is signed in, or that the app runs in local mode."""
    if access.local:
        st.sidebar.warning(
            "**Local mode**: no sign-in is configured. This computer is the facilitator; other devices "
            "on the network can only join a poll. Configure sign-in before real survey data goes on a "
            "shared server.",
            icon=":material/lock_open:",
        )
        return
    place = f" · {plain.md(names().get(access.place, access.place))}" if access.place else ""
    st.sidebar.caption(f"Signed in as {plain.md(access.email)} ({access.label}{place})")
    if st.sidebar.button("Sign out", key="sign_out", icon=":material/logout:"):
        st.logout()


def sign_in_page() -> None:
    """The page shown to anyone not signed in, or signed in without a role."""
    st.title("PCN Futures Dashboard")
    if st.user.is_logged_in:
        st.error(
            f"You are signed in as {plain.md(st.user.get('email'))}, but this account has no role here. "
            "Ask a facilitator to add you to the role map."
        )
        st.button("Sign out", key="sign_out_norole", on_click=st.logout)
        return
    st.markdown(
        "The survey results are confidential: sign in with your NHS account to see them. "
        "Taking part in a workshop poll needs no sign-in: open the link or QR code on the screen."
    )
    st.button("Sign in", key="sign_in", type="primary", icon=":material/login:", on_click=st.login)


PACK_FORMATS = [
    ("pptx", "PowerPoint", "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
    ("pdf", "PDF", "application/pdf"),
]


@st.cache_resource(show_spinner=False, max_entries=16)
def _pack_slot(
    db_path: str, data_version: int, f: Filters, measure: str, day: str, k: int, template: str
) -> dict:
    """Return the process's slot for one slide pack, keyed on the file, its data version, the filters,
    measure, date (printed on the pack), K and the template's sha256 ("" for ours). The pack is built
    into the slot once. A cached function that built it could not show progress: Streamlit replays,
    on every later call, the elements a cached function touched, and a progress bar of an earlier
    run is gone by then."""
    return {"lock": threading.Lock(), "files": None}


def _build_pack(slot: dict, db_path: str, f: Filters, measure: str, day: str, template) -> None:
    """Build the pack into its slot, unless it is there already, showing progress: the PowerPoint
    file (native charts, no browser) on the template (None, or the upload), then the PDF (the
    pages' chart images, drawn in Chromium). Without Chromium the PowerPoint file is still offered
    and the PDF's place says what to install."""
    with st.status("Building the slide pack", expanded=True) as status:
        bar = st.progress(0.0, text="Starting")
        try:
            with slot["lock"]:  # two sessions asking at once build it once
                if slot["files"] is None:
                    pack = slides.build_pack(
                        _open(db_path),
                        f,
                        measure=measure,
                        today=dt.date.fromisoformat(day),
                        progress=lambda x, text: bar.progress(min(x, 1.0) * 0.3, text=text),
                    )
                    data = None if template is None else template.getvalue()
                    name = None if template is None else template.name
                    files = {
                        "pptx": slide_files.to_pptx(pack, data, template_name=name),
                        "stem": pack.file_stem,
                    }
                    try:
                        files["pdf"] = slide_files.to_pdf(
                            pack, progress=lambda x, text: bar.progress(0.3 + 0.7 * min(x, 1.0), text=text)
                        )
                    except RenderError as exc:
                        files["pdf_error"] = str(exc)
                    slot["files"] = files
        except PcnDataError as exc:
            status.update(label="The slide pack could not be built", state="error")
            st.error(plain.md(str(exc)))
            return
        bar.progress(1.0, text="Done")
        status.update(label="Slide pack ready", state="complete", expanded=False)


def slide_pack(f: Filters, *, key: str, measure: str = compare.DEFAULT_MEASURE) -> None:
    """Draw the slide-pack button and an upload for the organisation's PowerPoint template; build
    the pack for the filters with its progress shown, then offer it as PowerPoint and PDF."""
    if f.wave is None or (f.ics is None and len(query(queries.list_ics)) > 1):
        st.caption("Choose a survey wave and an ICS in the sidebar to build a slide pack.")
        return
    template = st.file_uploader(
        "PowerPoint template (optional)",
        type=["pptx", "potx"],
        key=f"{key}_template",
        help="Your organisation's template: the PowerPoint pack takes its masters, layouts, theme "
        "colours and fonts, and leaves out its own slides. Without one the pack uses ours.",
    )
    digest = "" if template is None else hashlib.sha256(template.getvalue()).hexdigest()
    db = database()
    wanted = (str(db.path), data_version(), f, measure, dt.date.today().isoformat(), min_group(), digest)
    slot = _pack_slot(*wanted)
    if st.button(
        "Build slide pack",
        key=f"{key}_build",
        icon=":material/slideshow:",
        help="A 16:9 PowerPoint (its charts editable) and PDF of these filters for a meeting: headline "
        "findings, the charts with their question, base and takeaway, recommendations progress, method "
        "and confidentiality.",
    ):
        _build_pack(slot, wanted[0], f, measure, wanted[4], template)
    files = slot["files"]
    if files is None:
        return  # not built yet for these filters, data and template
    columns = st.columns([1, 1, 2])  # the two side by side, under the button
    for column, (ext, name, mime) in zip(columns, PACK_FORMATS, strict=False):
        if ext not in files:
            column.warning(f"No PDF: {plain.md(files['pdf_error'])}", icon=":material/warning:")
            continue
        column.download_button(
            f"Download slide pack ({name})",
            data=files[ext],
            file_name=f"{files['stem']}.{ext}",
            mime=mime,
            key=f"{key}_{ext}",
            icon=":material/download:",
        )
