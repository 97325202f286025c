"""The charts' common theme: large type on a white ground for a 1920x1080 projector, the layout
every chart starts from, and the small helpers the builders share.

Each builder writes its figure as plain dicts (traces and layout) and wraps them once with
`_figure`: building a figure through plotly's objects (add_bar, update_layout, make_subplots)
validated every property as it went, and cost 30 to 150 ms a chart, most of a page's run.
tests/test_charts.py validates every builder's output against plotly's schema instead.
"""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.colors import sequential

from pcn_data.core.palette import GRID, MID_GREY, TEXT

FONT_SIZE = 18
# Plotly's "Blues" as its validator spells it out (plotly.js has its own, different, "Blues").
BLUES = [[i / (len(sequential.Blues) - 1), c] for i, c in enumerate(sequential.Blues)]


def _figure(data: list[dict], layout: dict) -> go.Figure:
    """Return a Figure of trace and layout dicts, without validating them property by property."""
    return go.Figure({"data": data, "layout": layout}, _validate=False)


def _merge(base: dict, extra: dict) -> dict:
    """Return base updated by extra, merging nested dicts (as plotly's update_layout does)."""
    out = dict(base)
    for key, value in extra.items():
        out[key] = (
            _merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
        )
    return out


def _missing(x) -> bool:
    """Return True for None, NaN and pandas' NA."""
    return x is None or x is pd.NA or x != x


def _floats(values) -> np.ndarray:
    """Return numbers as an array of floats, NaN where missing (plotly draws a gap)."""
    return np.array([np.nan if _missing(v) else float(v) for v in values], dtype=float)


def _text(title: str | None) -> dict:
    """Return an axis or colour-bar title."""
    return {} if title is None else {"text": title}


def base_layout(
    title: str,
    *,
    height: int = 480,
    axes: tuple[str, ...] = ("",),
    legend_two_a_row: int | None = None,
    **extra,
) -> dict:
    """Return the dashboard's common layout: large type, white ground, legend on top, updated by
    extra (nested dicts merged). axes: the suffixes of the x/y axes to style ("", "2", …).

    Long titles (question wordings) are wrapped: plotly does not wrap them, and a 1280-pixel
    screen would cut them off. legend_two_a_row: the number of legend entries of a half-width
    chart, set two a row; each row past the second grows the chart, so that the legend, which
    plotly stacks upwards, never covers the title.
    """
    lines = textwrap.wrap(title, 60) or [""]
    layout = {
        "title": {"text": "<br>".join(lines), "x": 0, "xanchor": "left", "font": {"size": FONT_SIZE + 4}},
        "font": {"size": FONT_SIZE, "color": TEXT, "family": "Arial, Helvetica, sans-serif"},
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
        "height": height + 28 * (len(lines) - 1),
        "margin": {"l": 20, "r": 20, "t": 110 + 28 * (len(lines) - 1), "b": 20},
        "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0},
        "hoverlabel": {"font": {"size": FONT_SIZE}},
    }
    for axis in axes:
        layout[f"yaxis{axis}"] = {"gridcolor": GRID, "zerolinecolor": MID_GREY, "automargin": True}
        layout[f"xaxis{axis}"] = {"automargin": True}
    layout = _merge(layout, extra)
    if legend_two_a_row is not None:
        grow = 26 * max(0, -(-legend_two_a_row // 2) - 2)
        layout["legend"].update(entrywidth=0.5, entrywidthmode="fraction")
        layout["margin"]["t"] += grow
        layout["height"] += grow
    return layout


def _error_x(est, low, high, *, color: str | None = None, thickness: float = 1.5) -> dict:
    """Return plotly error bars drawing the 95% interval (low, high) around est."""
    est, low, high = (_floats(v) for v in (est, low, high))
    bars = {
        "type": "data",
        "symmetric": False,
        "array": high - est,
        "arrayminus": est - low,
        "thickness": thickness,
    }
    if color is not None:
        bars["color"] = color
    return bars


def _wrap(text: str, width: int = 30) -> str:
    """Return text broken into lines of about width characters for an axis label."""
    return "<br>".join(textwrap.wrap(str(text), width))


def _counts(values) -> list:
    """Return counts as ints, with "hidden" where the protected table hides one."""
    return ["hidden" if _missing(v) else int(v) for v in values]


def _pct(x) -> str:
    """Return a share as a whole percentage, or a dash when missing."""
    return "–" if x is None or pd.isna(x) else f"{x:.0%}"


def _int(x) -> int:
    """Return a count as an int, 0 when missing."""
    return 0 if _missing(x) else int(x)


def _signed(x) -> str:
    """Return a net score in points (+37), or a dash when missing."""
    return "–" if x is None or pd.isna(x) else f"{x * 100:+.0f}"


def _side_note(min_group: int, extra: str = "") -> str:
    """Return the placeholder written beside a hidden row, on two lines: in one, it ran past the
    right edge of a chart narrower than a wide screen (a slide, a laptop)."""
    return f"Not shown: protects<br>a group under {min_group}{extra}"


def _row_order(rows: list[dict], sort_col: str | None, label_col: str, total_first: bool = True) -> list[str]:
    """Return row labels: the total first, then by sort_col descending (missing last), suppressed
    rows last; ties keep their order."""
    first = [r for r in rows if total_first and r["is_total"]]
    rest = [r for r in rows if not (total_first and r["is_total"])]
    shown = [r for r in rest if not r["suppressed"]]
    if sort_col:
        known = [r for r in shown if not _missing(r[sort_col])]
        shown = sorted(known, key=lambda r: -float(r[sort_col])) + [r for r in shown if _missing(r[sort_col])]
    hidden = [r for r in rest if r["suppressed"]]
    return [r[label_col] for r in first + shown + hidden]


def _axis_label(row, label_col: str, bold: bool = False) -> str:
    """Return the y-axis label of a row: its name with n, bold for the total or a highlighted row."""
    name = str(row[label_col])
    if row["suppressed"]:
        return f"{name}<br><span style='font-size:14px'>not shown</span>"
    text = f"{name}<br><span style='font-size:14px'>n = {int(row['n'])}</span>"
    return f"<b>{text}</b>" if bold else text


def _notes_trace(y: list[str], notes: list[str], x: float) -> dict:
    """Return a text-only trace writing notes to the right of each row at x."""
    return {
        "type": "scatter",
        "y": y,
        "x": [x] * len(y),
        "mode": "text",
        "text": notes,
        "textposition": "middle right",
        "showlegend": False,
        "hoverinfo": "skip",
        "textfont": {"size": 16},
    }
