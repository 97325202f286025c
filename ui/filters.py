"""The shared filters: the sidebar's choices kept in the URL, and what they mean in words."""

from __future__ import annotations

import streamlit as st

import plain
from pcn_data.core import config
from pcn_data.core.filters import Filters
from pcn_data.survey import queries
from ui.data import names, query

ALL = "all"


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


def describe(f: Filters) -> str:
    """Return the filters in force in words."""
    return f.describe(names())


def filters() -> Filters:
    """Return the filters drawn by the entry script for this run."""
    return st.session_state.get("_filters", Filters())


def min_group() -> int:
    """Return K, the suppression threshold in force."""
    return config.min_group()


def total_label(f: Filters) -> str:
    """Return the name of the total row: the ICS's name, or "All ICSs" when all are chosen."""
    return f.total_label(names())


def require_one_ics(f: Filters) -> None:
    """Stop a place-by-place page with a prompt when all ICSs are chosen at once."""
    if f.ics is None and len(query(queries.list_ics)) > 1:
        st.info(
            "Choose an ICS in the sidebar: this page compares the places of one ICS.",
            icon=":material/arrow_back:",
        )
        st.stop()
