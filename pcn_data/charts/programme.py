"""Programme charts: the PCN Maturity Matrix (stages, movement, a PCN against its peers),
engagement (timeline, participation) and the recommendations' progress. Their data is not
confidential (PCNs fill in the matrix openly); PCNs are never ranked."""

from __future__ import annotations

import textwrap

import pandas as pd
import plotly.graph_objects as go

from pcn_data.charts.theme import (
    _figure,
    _floats,
    _int,
    _missing,
    _pct,
    _text,
    base_layout,
)
from pcn_data.core.palette import (
    CATEGORICAL,
    GREEN,
    MID_GREY,
    MIDPOINT,
    NEGATIVE,
    NHS_BLUE,
    ORANGE,
    POSITIVE,
    STAGE_COLOURS,
    STATUS_COLOURS,
    TEXT,
)


def _pcn_heatmap(df: pd.DataFrame, value_col: str, text, title: str, **trace) -> go.Figure:
    """Return a PCN x domain heatmap of value_col, PCNs in the frame's order (never ranked), each
    cell labelled text(value, row); trace: the colour scale and its bar.

    df: one row per PCN x domain with pcn, domain, domain_order (the first row of a cell counts).
    """
    records = df.to_dict("records")
    domains = list(dict.fromkeys(r["domain"] for r in sorted(records, key=lambda r: r["domain_order"])))
    pcns = list(dict.fromkeys(r["pcn"] for r in records))
    cells = {(r["pcn"], r["domain"]): r for r in reversed(records)}
    grid = [[cells.get((p, d)) for d in domains] for p in pcns]
    heatmap = {
        "type": "heatmap",
        "z": [_floats(None if c is None else c[value_col] for c in row) for row in grid],
        "x": ["<br>".join(textwrap.wrap(d, 18)) for d in domains],
        "y": pcns,
        **trace,
        "text": [[text(c) for c in row] for row in grid],
        "texttemplate": "%{text}",
        "textfont": {"size": 14},
        "xgap": 2,
        "ygap": 2,
        "hovertemplate": "%{y}<br>%{x}: %{text}<extra></extra>",
    }
    layout = base_layout(
        title,
        height=max(400, 220 + 34 * len(pcns)),
        yaxis={"autorange": "reversed"},
        xaxis={"tickangle": 0},
    )
    return _figure([heatmap], layout)


def stage_heatmap(sa: pd.DataFrame, title: str) -> go.Figure:
    """Return a PCN x domain heatmap of self-assessment stages (Foundation to Step 3).

    sa: one row per PCN x domain with pcn, domain, domain_order, stage, ordinal. PCNs are listed
    by name (never ranked): the matrix is for discussion, not a league table.
    """
    scale = [
        [0, STAGE_COLOURS[0]],
        [0.25, STAGE_COLOURS[0]],
        [0.25, STAGE_COLOURS[1]],
        [0.5, STAGE_COLOURS[1]],
        [0.5, STAGE_COLOURS[2]],
        [0.75, STAGE_COLOURS[2]],
        [0.75, STAGE_COLOURS[3]],
        [1, STAGE_COLOURS[3]],
    ]
    return _pcn_heatmap(
        sa,
        "ordinal",
        lambda cell: "" if cell is None or _missing(cell["stage"]) else cell["stage"],
        title,
        zmin=-0.5,
        zmax=3.5,
        colorscale=scale,
        colorbar={
            "tickvals": [0, 1, 2, 3],
            "ticktext": ["Foundation", "Step 1", "Step 2", "Step 3"],
            "title": _text("Stage"),
        },
    )


def movement_heatmap(moves: pd.DataFrame, title: str) -> go.Figure:
    """Return a PCN x domain heatmap of stage movement between two assessments (+1 = one step up)."""

    def text(cell) -> str:
        if cell is None or _missing(cell["move"]):
            return ""
        return "same" if cell["move"] == 0 else f"{int(cell['move']):+d}"

    return _pcn_heatmap(
        moves,
        "move",
        text,
        title,
        zmin=-3,
        zmax=3,
        zmid=0,
        colorscale=[[0, NEGATIVE[1]], [0.5, MIDPOINT], [1, POSITIVE[1]]],
        colorbar={"title": _text("Steps"), "tickvals": [-3, -2, -1, 0, 1, 2, 3]},
    )


def peer_ranges(ranges: pd.DataFrame, title: str, pcn_name: str) -> go.Figure:
    """Return, per domain, the PCN's stage against the range (worst to best) and median of its
    place's other PCNs and of the ICS's other PCNs."""
    domains = ["<br>".join(textwrap.wrap(d, 26)) for d in ranges["domain"]]
    records = ranges.to_dict("records")
    traces = []
    for prefix, name, colour, offset in (
        ("ics", "Other PCNs in the ICS", MID_GREY, 0.18),
        ("place", "Other PCNs in the place", POSITIVE[0], -0.18),
    ):
        for i, r in enumerate(records):
            if r[f"{prefix}_peers"]:
                traces.append(
                    {
                        "type": "scatter",
                        "x": _floats([r[f"{prefix}_worst"], r[f"{prefix}_best"]]),
                        "y": [i + offset] * 2,
                        "mode": "lines",
                        "line": {"color": colour, "width": 10},
                        "name": f"{name}: worst to best",
                        "legendgroup": prefix,
                        "showlegend": i == 0,
                        "hoverinfo": "skip",
                    }
                )
        traces.append(
            {
                "type": "scatter",
                "x": _floats(ranges[f"{prefix}_median"]),
                "y": [i + offset for i in range(len(ranges))],
                "mode": "markers",
                "marker": {"symbol": "line-ns", "size": 22, "line": {"width": 4, "color": TEXT}},
                "name": "Median of the other PCNs",
                "legendgroup": "median",
                "showlegend": prefix == "place",
                "hovertemplate": f"{name}: median %{{x}}<extra></extra>",
            }
        )
    traces.append(
        {
            "type": "scatter",
            "x": _floats(ranges["ordinal"]),
            "y": list(range(len(ranges))),
            "mode": "markers+text",
            "name": pcn_name,
            "marker": {
                "size": 22,
                "color": ORANGE,
                "symbol": "diamond",
                "line": {"color": TEXT, "width": 1},
            },
            "text": ranges["stage"].tolist(),
            "textposition": "top center",
            "hovertemplate": "%{text}<extra></extra>",
        }
    )
    layout = base_layout(
        title,
        height=200 + 110 * len(ranges),
        xaxis={
            "range": [-0.3, 3.3],
            "tickvals": [0, 1, 2, 3],
            "ticktext": ["Foundation", "Step 1", "Step 2", "Step 3"],
        },
        yaxis={"tickvals": list(range(len(ranges))), "ticktext": domains, "autorange": "reversed"},
    )
    return _figure(traces, layout)


KIND_STYLE = {
    "workshop": ("Workshop", "circle", NHS_BLUE),
    "one_to_one": ("One-to-one", "diamond", GREEN),
    "roundtable": ("Roundtable", "square", ORANGE),
    "survey_window": ("Survey window", None, MID_GREY),
}


def engagement_timeline(events: pd.DataFrame, title: str) -> go.Figure:
    """Return a timeline per place: survey windows as bars, other activities as markers sized by
    attendees. events: place, kind, title, starts_on, ends_on, attendees, pcns."""
    records = events.to_dict("records")
    places = list(dict.fromkeys(r["place"] for r in records))
    windows = [r for r in records if r["kind"] == "survey_window"]
    traces = [
        {
            "type": "scatter",
            "x": [w["starts_on"], w["ends_on"] or w["starts_on"]],
            "y": [w["place"]] * 2,
            "mode": "lines",
            "line": {"color": KIND_STYLE["survey_window"][2], "width": 16},
            "name": "Survey window",
            "legendgroup": "survey_window",
            "showlegend": i == 0,
            "hovertemplate": f"{w['title']}<extra></extra>",
        }
        for i, w in enumerate(windows)
    ]
    for kind, (label, symbol, colour) in KIND_STYLE.items():
        rows = [r for r in records if r["kind"] == kind]
        if kind == "survey_window" or not rows:
            continue
        attendees = [None if _missing(r["attendees"]) else r["attendees"] for r in rows]
        traces.append(
            {
                "type": "scatter",
                "x": [r["starts_on"] for r in rows],
                "y": [r["place"] for r in rows],
                "mode": "markers",
                "name": label,
                "marker": {
                    "symbol": symbol,
                    "color": colour,
                    "size": [10 + 2 * min(float(1 if a is None else a), 12) for a in attendees],
                    "line": {"color": "white", "width": 1},
                    "opacity": 0.85,
                },
                "customdata": [
                    [r["title"], _int(a), r["pcns"]] for r, a in zip(rows, attendees, strict=True)
                ],
                "hovertemplate": "%{customdata[0]}<br>%{x|%d %b %Y}<br>%{customdata[1]} attendees, "
                "%{customdata[2]} PCNs<extra></extra>",
            }
        )
    layout = base_layout(
        title,
        height=max(360, 180 + 70 * len(places)),
        yaxis={"categoryorder": "array", "categoryarray": list(reversed(places))},
        xaxis={"type": "date"},
    )
    return _figure(traces, layout)


def participation_bars(df: pd.DataFrame, title: str) -> go.Figure:
    """Return, per place, the share of its PCNs that took part in each kind of activity, labelled
    with the count and base. df: place, kind_label, share, pcns_taking_part, pcns_in_place."""
    traces = [
        {
            "type": "bar",
            "x": rows["place"].tolist(),
            "y": _floats(rows["share"]),
            "name": kind,
            "marker": {"color": CATEGORICAL[i % len(CATEGORICAL)]},
            "text": [
                f"{_pct(s)}<br>{int(a)} of {int(b)}"
                for s, a, b in zip(
                    rows["share"], rows["pcns_taking_part"], rows["pcns_in_place"], strict=True
                )
            ],
            "textposition": "outside",
            "cliponaxis": False,
            "hovertemplate": "%{x} · " + kind + ": %{y:.0%} of PCNs<extra></extra>",
        }
        for i, (kind, rows) in enumerate(df.groupby("kind_label", sort=True))
    ]
    layout = base_layout(
        title,
        barmode="group",
        bargap=0.25,
        yaxis={"range": [0, 1.25], "tickformat": ".0%", "title": _text("Share of the place's PCNs")},
    )
    return _figure(traces, layout)


def progress_bars(df: pd.DataFrame, title: str) -> go.Figure:
    """Return stacked horizontal bars of recommendation statuses per group (place or theme).

    df: grp, status, n (as from tracker.progress).
    """
    groups = list(dict.fromkeys(df["grp"]))
    traces = []
    for status, colour in STATUS_COLOURS.items():
        n = df[df["status"] == status].set_index("grp").reindex(groups)["n"].fillna(0)
        traces.append(
            {
                "type": "bar",
                "y": groups,
                "x": _floats(n),
                "orientation": "h",
                "name": status,
                "marker": {"color": colour, "line": {"color": MID_GREY, "width": 1}},
                "text": [str(int(v)) if v else "" for v in n],
                "textposition": "inside",
                "hovertemplate": "%{y}: %{x} " + status.lower() + "<extra></extra>",
            }
        )
    layout = base_layout(
        title,
        height=max(300, 160 + 60 * len(groups)),
        barmode="stack",
        yaxis={"categoryorder": "array", "categoryarray": list(reversed(groups))},
        xaxis={"title": _text("Recommendations")},
    )
    return _figure(traces, layout)


# Images ------------------------------------------------------------------------------------
