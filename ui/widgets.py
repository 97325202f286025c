"""Widgets pages share: the one chart path, tables, polls beside the survey, workshop links."""

from __future__ import annotations

import pandas as pd
import streamlit as st

import plain
from pcn_data import charts
from pcn_data.charts import alt_text, views
from pcn_data.core import config, palette
from pcn_data.core.filters import Filters
from pcn_data.reports import exports
from pcn_data.workshop import polls
from pcn_data.workshop import room as live_room
from ui.data import database, names, query
from ui.filters import min_group


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
