"""Data access for pages: the open database, the data version and cached queries keyed on it."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import streamlit as st

import plain
from pcn_data import demo
from pcn_data.core import backup, config, cuts, logs
from pcn_data.core.db import Database, get_database
from pcn_data.core.errors import PcnDataError
from pcn_data.core.filters import Filters
from pcn_data.importing import batches
from pcn_data.programme import engagement, tracker
from pcn_data.survey import compare, findings, queries, redaction, results, voices
from pcn_data.workshop import maturity_round, polls

log = logging.getLogger("pcn.app")


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
        log.error("database unavailable: %s", logs.cause(exc))
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


def names() -> dict[str, str]:
    """Return display names for codes of ICSs, places, roles and waves."""
    return query(queries.display_names)
