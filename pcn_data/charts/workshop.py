"""Workshop charts: one poll question across sessions (Sessions side by side). A session under the
reveal minimum (or, beside the survey, under K) draws no bars and never writes its n.

The presenter's live results are not here: pcn_data.workshop.projector draws them as HTML bars
(and the word cloud as an SVG image), which redraw twice a second without a plotly chart's blink."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from pcn_data.charts.theme import _figure, _floats, _int, _pct, _text, base_layout
from pcn_data.core.palette import CATEGORICAL


def _of(session: str, row: dict) -> str:
    """Return a session's share of an option in words, with its votes and n."""
    return f"{session}: {_pct(row['share'])} ({_int(row['votes'])} of {_int(row['n'])})"


def session_bars(df: pd.DataFrame, title: str) -> go.Figure:
    """Return one poll question across sessions: horizontal grouped bars of each option's share,
    one colour per session (a place, or a place on a date), in the frame's order.

    df: session_compare.compare's rows for one question (session, label, option_position, votes,
    n, share, hidden, why). A hidden session draws no bars and is named in the legend as not
    shown, with why; its true n is never written."""
    records = df.sort_values("option_position", kind="stable").to_dict("records")
    items = list(dict.fromkeys(r["label"] for r in records))
    traces = []
    for i, session in enumerate(dict.fromkeys(r["session"] for r in df.to_dict("records"))):
        rows = {r["label"]: r for r in records if r["session"] == session}
        hidden = any(bool(r["hidden"]) for r in rows.values())
        first = next(iter(rows.values()))
        share = [None if hidden else rows[item]["share"] if item in rows else None for item in items]
        traces.append(
            {
                "type": "bar",
                "orientation": "h",
                "y": items,
                "x": _floats(share),
                "name": f"{session} (not shown: {first['why']})"
                if hidden
                else f"{session} (n = {_int(first['n'])})",
                "marker": {"color": CATEGORICAL[i % len(CATEGORICAL)]},
                "text": ["not shown" if hidden else _pct(v) for v in share],
                "textposition": "outside",
                "customdata": [
                    "not shown" if hidden or item not in rows else _of(session, rows[item]) for item in items
                ],
                "hovertemplate": "%{y}<br>%{customdata}<extra></extra>",
            }
        )
    sessions = max(1, df["session"].nunique())
    # Plotly draws a group's first bar lowest: reversed, the oldest session is on top of each group
    # (and first in the legend, read in reverse), as the legend and the table list them.
    traces.reverse()
    layout = base_layout(
        title,
        height=max(380, 160 + 26 * len(items) * sessions),
        barmode="group",
        bargap=0.25,
        legend={"traceorder": "reversed"},
        xaxis={"range": [0, 1.15], "tickformat": ".0%", "title": _text("Share of the session's answers")},
        yaxis={"categoryorder": "array", "categoryarray": list(reversed(items))},
    )
    return _figure(traces, layout)
