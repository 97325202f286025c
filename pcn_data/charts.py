"""Chart builders: pure functions from an aggregated DataFrame to a Plotly figure, and `to_png`,
which draws a figure as an image in one headless Chromium kept warm for the process.

The only module of pcn_data that imports plotly. Figures use colour-blind-safe colours
(Okabe-Ito, with NHS Blue first) and type large enough for a 1920x1080 projector.

Each builder writes its figure as plain dicts (traces and layout) and wraps them once with
`_figure`: building a figure through plotly's objects (add_bar, update_layout, make_subplots)
validated every property as it went, and cost 30 to 150 ms a chart, most of a page's run.
tests/test_charts.py validates every builder's output against plotly's schema instead.
"""

from __future__ import annotations

import asyncio
import atexit
import logging
import shutil
import textwrap
import threading

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.colors import sequential

from pcn_data.core.errors import RenderError

log = logging.getLogger(__name__)

NHS_BLUE = "#005EB8"
# Okabe-Ito, led by NHS Blue: distinguishable with the common colour-vision deficiencies.
CATEGORICAL = [NHS_BLUE, "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442"]
TEXT = "#212B32"
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
        layout[f"yaxis{axis}"] = {"gridcolor": "#D8DDE0", "zerolinecolor": "#AEB7BD", "automargin": True}
        layout[f"xaxis{axis}"] = {"automargin": True}
    layout = _merge(layout, extra)
    if legend_two_a_row is not None:
        grow = 26 * max(0, -(-legend_two_a_row // 2) - 2)
        layout["legend"].update(entrywidth=0.5, entrywidthmode="fraction")
        layout["margin"]["t"] += grow
        layout["height"] += grow
    return layout


def _bars_by_wave(df: pd.DataFrame, title: str, yaxis: dict, per_wave) -> go.Figure:
    """Return grouped bars per place, one colour per wave; per_wave(rows) gives a wave's y, text,
    customdata and hovertemplate."""
    data = [
        {
            "type": "bar",
            "name": wave,
            "x": rows["place"].tolist(),
            "textposition": "outside",
            "marker": {"color": CATEGORICAL[i % len(CATEGORICAL)]},
            **per_wave(rows),
        }
        for i, (wave, rows) in enumerate(df.groupby("wave_name", sort=False))
    ]
    layout = base_layout(
        title, barmode="group", bargap=0.25, yaxis=yaxis, legend_two_a_row=df["wave_name"].nunique()
    )
    return _figure(data, layout)


def respondents_by_place(df: pd.DataFrame, title: str = "Respondents by place and wave") -> go.Figure:
    """Return grouped bars of respondents per place, one colour per wave, counts on the bars.

    df: one row per wave x place with wave_name, place, respondents, cd_respondents,
    cds_invited, cd_response_rate (as from queries.respondents_by_place).
    """

    def per_wave(rows: pd.DataFrame) -> dict:
        rate = [_pct(r) for r in rows["cd_response_rate"]]
        invited = zip(_counts(rows["cd_respondents"]), rows["cds_invited"].tolist(), rate, strict=True)
        return {
            "y": _floats(rows["respondents"]),
            "text": _counts(rows["respondents"]),
            "customdata": [list(c) for c in invited],
            "hovertemplate": (
                "<b>%{x}</b><br>%{fullData.name}<br>Respondents: %{y}<br>"
                "Clinical Directors: %{customdata[0]} of %{customdata[1]} invited "
                "(%{customdata[2]})<extra></extra>"
            ),
        }

    top = float(df["respondents"].astype(float).max()) if len(df) else 0.0
    top = 0.0 if np.isnan(top) else top
    # The range leaves room for the counts above the bars.
    return _bars_by_wave(
        df, title, {"title": _text("Respondents"), "range": [0, max(top, 1) * 1.18]}, per_wave
    )


def response_rate_by_place(df: pd.DataFrame, title: str = "Clinical Director response rate") -> go.Figure:
    """Return grouped bars of the CD response rate (responded / invited) per place and wave.

    df: as for respondents_by_place. Places with nobody invited, or whose count is hidden, have no bar.
    """

    def per_wave(rows: pd.DataFrame) -> dict:
        rate = rows["cd_response_rate"].astype(float)
        invited = zip(_counts(rows["cd_respondents"]), rows["cds_invited"].tolist(), strict=True)
        return {
            "y": _floats(rate),
            "text": ["" if pd.isna(r) else f"{r:.0%}" for r in rate],
            "customdata": [list(c) for c in invited],
            "hovertemplate": (
                "<b>%{x}</b><br>%{fullData.name}<br>%{customdata[0]} of %{customdata[1]} "
                "Clinical Directors responded (%{y:.0%})<extra></extra>"
            ),
        }

    yaxis = {"title": _text("Responded / invited"), "tickformat": ".0%", "range": [0, 1.15]}
    return _bars_by_wave(df, title, yaxis, per_wave)


# Diverging palette (orange for negative, blue for positive; safe for the common colour-vision
# deficiencies), indexed by how far an option sits from neutral.
NEGATIVE = ["#F1A340", "#B35806"]
POSITIVE = ["#6BAED6", "#08519C"]
NEUTRAL = "#C8CDD0"
PLACEHOLDER = "#E8EDEE"
PLACEHOLDER_TEXT = "#425563"


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


def diverging_bars(
    detail: pd.DataFrame,
    title: str,
    *,
    row_col: str = "grp_label",
    min_group: int = 5,
    sort: bool = True,
    highlight: str | None = None,
) -> go.Figure:
    """Return horizontal diverging stacked bars centred on neutral, one bar per row.

    detail: option rows of one question (or one group) as from results.likert, with share
    (of substantive answers), count, base, low/high (Wilson), polarity, sort_order, and per row
    n, net, net_low, net_high, vs_ics, suppressed, is_total. Rows are sorted by net agreement
    (the total first, suppressed rows last). Non-substantive options (Don't know) are not drawn
    in the bars: their share is written beside each bar. Suppressed rows are drawn as one
    placeholder of the same size and wording whatever their true n. Rows are groups (the total
    bold and first) or, with row_col="question", the questions of one group (highlight bold).
    """
    records = detail.to_dict("records")
    rows = list({r[row_col]: r for r in reversed(records)}.values())[::-1]  # the first of each row
    by_group = row_col == "grp_label"
    order = _row_order(rows, "net" if sort else None, row_col, total_first=by_group)
    labels = {
        r[row_col]: _axis_label(r, row_col, bold=(by_group and r["is_total"]) or r[row_col] == highlight)
        for r in rows
    }
    y_order = [labels[k] for k in order]
    substantive = [r for r in records if not _missing(r["polarity"])]
    options = sorted(
        {r["option_code"]: r for r in reversed(substantive)}.values(), key=lambda r: r["sort_order"]
    )
    cells = {(r["option_code"], r[row_col]): r for r in reversed(substantive)}

    def bar(opt, colour, sign, half=False, legend=True) -> dict:
        x, hover, text = [], [], []
        for k in order:
            cell = cells.get((opt["option_code"], k))
            shown = cell is not None and not _missing(cell["suppressed"]) and not cell["suppressed"]
            share = float(cell["share"]) if shown and not _missing(cell["share"]) else None
            x.append(None if share is None else sign * share * (0.5 if half else 1))
            hover.append(
                f"{opt['label']}: {_pct(share)} ({_int(cell['count'])} of {_int(cell['base'])})<br>95% CI "
                f"{_pct(cell['low'])} to {_pct(cell['high'])}"
                if shown
                else ""
            )
            text.append(_pct(share) if (not half and (share or 0) >= 0.15) else "")
        return {
            "type": "bar",
            "y": y_order,
            "x": _floats(x),
            "orientation": "h",
            "name": opt["label"],
            "marker": {"color": colour},
            "legendgroup": opt["option_code"],
            "showlegend": legend,
            "legendrank": int(opt["sort_order"]),
            "customdata": hover,
            "hovertemplate": "%{customdata}<extra></extra>",
            "text": text,
            "textangle": 0,
            "textposition": "inside",
            "insidetextanchor": "middle",
            "textfont": {"size": 15},
        }

    neutral = [o for o in options if o["polarity"] == "neutral"]
    negative = [o for o in reversed(options) if o["polarity"] == "negative"]
    positive = [o for o in options if o["polarity"] == "positive"]
    traces = [bar(opt, NEUTRAL, -1, half=True) for opt in neutral]
    traces += [bar(opt, NEGATIVE[min(i, len(NEGATIVE) - 1)], -1) for i, opt in enumerate(negative)]
    traces += [bar(opt, NEUTRAL, 1, half=True, legend=False) for opt in neutral]
    traces += [bar(opt, POSITIVE[min(i, len(POSITIVE) - 1)], 1) for i, opt in enumerate(positive)]

    hidden = [r[row_col] for r in rows if r["suppressed"]]
    if hidden:
        traces.append(
            {
                "type": "bar",
                "y": [labels[k] for k in hidden],
                "x": [2.0] * len(hidden),
                "base": [-1.0] * len(hidden),
                "orientation": "h",
                "name": f"Fewer than {min_group} respondents: not shown",
                "marker": {"color": PLACEHOLDER, "pattern": {"shape": "/", "fgcolor": "#D0D6D9"}},
                "text": [f"Not shown: protects a group under {min_group}"] * len(hidden),
                "textposition": "inside",
                "insidetextanchor": "middle",
                "textfont": {"color": PLACEHOLDER_TEXT, "size": 16},
                "hovertemplate": "Not shown to protect confidentiality<extra></extra>",
            }
        )
    # Don't know: its count over everyone in the row who answered.
    dont_know: dict[str, list[dict]] = {}
    for r in records:
        if _missing(r["polarity"]):
            dont_know.setdefault(r[row_col], []).append(r)
    by_key = {r[row_col]: r for r in rows}
    notes = []
    for k in order:
        r = by_key[k]
        if r["suppressed"]:
            notes.append("")
            continue
        note = f"net {_signed(r['net'])}"
        dk = dont_know.get(k)
        if dk and dk[0]["n"]:
            count = sum(float(d["count"]) for d in dk if not _missing(d["count"]))
            note += f" · Don't know {_pct(count / float(dk[0]['n']))}"
        if isinstance(r.get("vs_ics"), str) and r["vs_ics"]:
            note += f"<br><span style='font-size:14px'>{_wrap(r['vs_ics'], 20)}</span>"
        notes.append(note)
    traces.append(_notes_trace(y_order, notes, 1.04))
    height = max(360, 170 + 78 * len(order))
    # The legend goes under the bars: above, it would collide with a long question as title.
    layout = base_layout(
        title,
        height=height,
        barmode="relative",
        bargap=0.3,
        margin={"b": 110},
        legend={"orientation": "h", "y": -60 / height, "yanchor": "top", "x": 0},
        xaxis={
            "range": [-1, 1.9],
            "tickvals": [-1, -0.5, 0, 0.5, 1],
            "ticktext": ["100%", "50%", "0", "50%", "100%"],
            "zeroline": True,
            "zerolinewidth": 2,
            "zerolinecolor": TEXT,
            "showgrid": True,
            "gridcolor": "#E8EDEE",
        },
        yaxis={"categoryorder": "array", "categoryarray": list(reversed(y_order))},
    )
    return _figure(traces, layout)


def gap_dumbbell(gap: pd.DataFrame, title: str, min_group: int = 5) -> go.Figure:
    """Return, per group, two dots (share agreeing 'I am clear' and 'partners are clear') joined
    by a line, with Wilson intervals as error bars; rows sorted by the gap, total first."""
    records = {r["grp_label"]: r for r in gap.to_dict("records")}
    order = _row_order(list(records.values()), "gap", "grp_label")
    labels = {k: _axis_label({**r, "n": r["base_self"]}, "grp_label") for k, r in records.items()}
    rows = [records[k] for k in order]
    y = [labels[k] for k in order]
    shown = [not r["suppressed"] for r in rows]
    traces = [
        {
            "type": "scatter",
            "x": _floats([r["share_partners"], r["share_self"]]),
            "y": [labels[r["grp_label"]]] * 2,
            "mode": "lines",
            "line": {"color": "#AEB7BD", "width": 6},
            "showlegend": False,
            "hoverinfo": "skip",
        }
        for r, ok in zip(rows, shown, strict=True)
        if ok
    ]
    for col, name, colour, symbol in (
        ("self", "I am clear about my role", NHS_BLUE, "circle"),
        ("partners", "Partners are clear about the CD role", "#E69F00", "diamond"),
    ):
        share = [r[f"share_{col}"] if ok else None for r, ok in zip(rows, shown, strict=True)]
        traces.append(
            {
                "type": "scatter",
                "x": _floats(share),
                "y": y,
                "mode": "markers",
                "name": name,
                "marker": {"size": 18, "color": colour, "symbol": symbol},
                "error_x": _error_x(
                    share,
                    [r[f"low_{col}"] if ok else None for r, ok in zip(rows, shown, strict=True)],
                    [r[f"high_{col}"] if ok else None for r, ok in zip(rows, shown, strict=True)],
                    color=colour,
                    thickness=2,
                ),
                "customdata": [
                    f"{_pct(s)} agree (95% CI {_pct(r[f'low_{col}'])} to {_pct(r[f'high_{col}'])}), "
                    f"n = {_int(r[f'base_{col}'])}"
                    for s, r in zip(share, rows, strict=True)
                ],
                "hovertemplate": f"{name}<br>%{{customdata}}<extra></extra>",
            }
        )
    gap_text = [
        f"gap {r['gap'] * 100:+.0f} pts<br><span style='font-size:14px'>95% CI "
        f"{r['gap_low'] * 100:+.0f} to {r['gap_high'] * 100:+.0f}</span>"
        if ok
        else _side_note(min_group)
        for r, ok in zip(rows, shown, strict=True)
    ]
    traces.append(_notes_trace(y, gap_text, 1.04))
    layout = base_layout(
        title,
        height=max(320, 130 + 78 * len(order)),
        xaxis={
            "range": [0, 1.45],
            "tickvals": [0, 0.25, 0.5, 0.75, 1],
            "tickformat": ".0%",
            "title": _text("Share agreeing (agree or strongly agree)"),
        },
        yaxis={"categoryorder": "array", "categoryarray": list(reversed(y))},
    )
    return _figure(traces, layout)


def _vline(x: float, **line) -> dict:
    """Return a vertical line across the plot at x (as plotly's add_vline draws it)."""
    return {"type": "line", "x0": x, "x1": x, "xref": "x", "y0": 0, "y1": 1, "yref": "y domain", "line": line}


def interval_dots(
    df: pd.DataFrame,
    title: str,
    *,
    est: str,
    low: str,
    high: str,
    label_col: str,
    axis_title: str,
    signed: bool = False,
    zero_line: bool = False,
    min_group: int = 5,
    reference: tuple[float, float, float] | None = None,
    reference_label: str = "ICS",
    notes: list[str] | None = None,
) -> go.Figure:
    """Return one dot per row with its 95% interval as error bars (net scores, changes).

    df: rows with label_col, est/low/high, suppressed (and optionally n). Suppressed rows, and
    rows without an estimate, get a placeholder note instead of a dot. reference (value, low,
    high) draws the comparator, e.g. the ICS, as a dashed line in a grey band.
    """
    df = df.reset_index(drop=True)
    shown = ~df["suppressed"].astype(bool) & df[est].notna()
    fmt = _signed if signed else _pct
    y = [str(v) for v in df[label_col]]
    traces = [
        {
            "type": "scatter",
            "x": _floats(df[est].where(shown)),
            "y": y,
            "mode": "markers",
            "marker": {"size": 16, "color": NHS_BLUE},
            "error_x": _error_x(
                df[est].where(shown), df[low].where(shown), df[high].where(shown), color=NHS_BLUE, thickness=2
            ),
            "customdata": [
                f"{fmt(e)} (95% CI {fmt(lo)} to {fmt(hi)})"
                for e, lo, hi in zip(df[est], df[low], df[high], strict=True)
            ],
            "hovertemplate": "%{y}: %{customdata}<extra></extra>",
            "showlegend": False,
        }
    ]
    # notes: extra words per row (e.g. "better than the ICS"), written after the value.
    extra = notes or [""] * len(df)
    notes = [
        (f"{fmt(e)}<br><span style='font-size:14px'>{_wrap(x, 20)}</span>" if x else fmt(e))
        if ok
        else _side_note(min_group, " or no data")
        for e, ok, x in zip(df[est], shown, extra, strict=True)
    ]
    # The first row's three lines reach above the plot: draw outside it.
    traces.append({**_notes_trace(y, notes, 1.05), "cliponaxis": False})
    shapes, annotations = [], []
    if zero_line:
        shapes.append(_vline(0, color=TEXT, width=2))
    if reference is not None and all(v == v for v in reference):
        value, ref_low, ref_high = reference
        shapes.append(
            {
                "type": "rect",
                "x0": ref_low,
                "x1": ref_high,
                "xref": "x",
                "y0": 0,
                "y1": 1,
                "yref": "y domain",
                "fillcolor": "#AEB7BD",
                "opacity": 0.25,
                "line": {"width": 0},
            }
        )
        shapes.append(_vline(value, color=TEXT, dash="dash", width=2))
        annotations.append(
            {
                "text": f"{reference_label} {fmt(value)}",
                "showarrow": False,
                "x": value,
                "xanchor": "center",
                "xref": "x",
                "y": 1,
                "yanchor": "bottom",
                "yref": "y domain",
            }
        )
    ticks = [-1, -0.5, 0, 0.5, 1] if signed else [0, 0.25, 0.5, 0.75, 1]
    layout = base_layout(
        title,
        # A row with a note (value, then the note wrapped on two lines) needs room for three lines.
        height=max(300, 130 + (75 if any(extra) else 60) * len(y)),
        xaxis={
            "range": [-1 if signed else 0, 1.6],
            "tickvals": ticks,
            "ticktext": [_signed(t) if signed else _pct(t) for t in ticks],
            "title": _text(axis_title),
        },
        yaxis={"categoryorder": "array", "categoryarray": list(reversed(y))},
    )
    if shapes:
        layout["shapes"] = shapes
    if annotations:
        layout["annotations"] = annotations
    return _figure(traces, layout)


def share_heatmap(
    matrix: pd.DataFrame, title: str, *, highlight_row: str | None = None, min_group: int = 5
) -> go.Figure:
    """Return a row x column heatmap of shares; each cell shows its share and n.

    matrix: rows with row (label), col (label), share, low, high, n, suppressed, dont_know_share.
    Suppressed cells are one neutral placeholder colour with the same text whatever the true n.
    """
    rows = list(dict.fromkeys(matrix["row"]))
    cols = list(dict.fromkeys(matrix["col"]))
    cells = {(c["row"], c["col"]): c for c in matrix.to_dict("records")}
    z, text, hover, ph = [], [], [], []
    for r in rows:
        zr, tr, hr, pr = [], [], [], []
        for c in cols:
            cell = cells.get((r, c))
            if cell is None or bool(cell["suppressed"]):
                zr.append(None)
                pr.append(0)
                tr.append("not shown")
                hr.append(f"{r} · {c}: not shown (protects a group under {min_group})")
            else:
                zr.append(float(cell["share"]))
                pr.append(None)
                tr.append(f"<b>{_pct(cell['share'])}</b><br>n={int(cell['base'])}")
                hr.append(
                    f"{r} · {c}: {_pct(cell['share'])} good or excellent<br>95% CI {_pct(cell['low'])} "
                    f"to {_pct(cell['high'])} · n = {int(cell['base'])} gave a rating, {int(cell['n'])} "
                    "answered<br>Don't know: "
                    f"{_pct(cell['dont_know_share'])}"
                    + (
                        f"<br>{cell['vs_ics']}"
                        if isinstance(cell.get("vs_ics"), str) and cell["vs_ics"]
                        else ""
                    )
                )
        z.append(zr)
        text.append(tr)
        hover.append(hr)
        ph.append(pr)
    traces = [
        {
            "type": "heatmap",
            "z": ph,
            "x": cols,
            "y": rows,
            "colorscale": [[0, PLACEHOLDER], [1, PLACEHOLDER]],
            "showscale": False,
            "hoverinfo": "skip",
            "xgap": 3,
            "ygap": 3,
        },
        {
            "type": "heatmap",
            "z": z,
            "x": cols,
            "y": rows,
            "zmin": 0,
            "zmax": 1,
            "colorscale": BLUES,
            "text": text,
            "texttemplate": "%{text}",
            "textfont": {"size": 15},
            "customdata": hover,
            "hovertemplate": "%{customdata}<extra></extra>",
            "xgap": 3,
            "ygap": 3,
            "colorbar": {"title": _text("Good or<br>excellent"), "tickformat": ".0%"},
        },
    ]
    layout = base_layout(
        title,
        height=max(420, 200 + 58 * len(rows)),
        yaxis={
            "autorange": "reversed",
            "ticktext": [f"<b>{r}</b>" if r == highlight_row else r for r in rows],
            "tickvals": rows,
        },
        xaxis={
            "tickangle": 0,
            "tickvals": cols,
            # Names wrapped short: six places side by side on a slide-sized chart ran into each other.
            "ticktext": [_wrap(c, 11) for c in cols],
        },
    )
    if highlight_row in rows:
        i = rows.index(highlight_row)
        layout["shapes"] = [
            {
                "type": "rect",
                "xref": "paper",
                "yref": "y",
                "x0": 0,
                "x1": 1,
                "y0": i - 0.5,
                "y1": i + 0.5,
                "line": {"color": "#D5281B", "width": 4},
            }
        ]
    return _figure(traces, layout)


def ranked_shares(
    df: pd.DataFrame, title: str, *, label_col: str = "label", color: str = NHS_BLUE
) -> go.Figure:
    """Return horizontal bars of shares ranked largest first, with Wilson intervals as error bars.

    df: one row per item with share, low, high, count, base.
    """
    df = df.sort_values("share", ascending=True)
    df = df.assign(**{label_col: df[label_col].map(_wrap)})
    trace = {
        "type": "bar",
        "x": _floats(df["share"]),
        "y": df[label_col].tolist(),
        "orientation": "h",
        "marker": {"color": color},
        "error_x": _error_x(df["share"], df["low"], df["high"], color=TEXT),
        "text": [_pct(s) for s in df["share"]],
        "textposition": "inside",
        "insidetextanchor": "start",
        "textfont": {"color": "white"},
        "customdata": [
            f"{_pct(s)} of respondents ({int(c)} of {int(b)})<br>95% CI {_pct(lo)} to {_pct(hi)}"
            + (f"<br>{vs}" if isinstance(vs, str) and vs else "")
            for s, c, b, lo, hi, vs in zip(
                df["share"],
                df["count"],
                df["base"],
                df["low"],
                df["high"],
                df["vs_ics"] if "vs_ics" in df.columns else [""] * len(df),
                strict=True,
            )
        ],
        "hovertemplate": "%{y}<br>%{customdata}<extra></extra>",
        "showlegend": False,
    }
    layout = base_layout(
        title,
        height=max(320, 120 + 66 * len(df)),  # room for two-line labels
        xaxis={"range": [0, 1.05], "tickformat": ".0%", "title": _text("Share of respondents")},
    )
    return _figure([trace], layout)


def _items(records: list[dict], label_col: str) -> list:
    """Return the items (labels) of share rows once each, in their sort order."""
    return list(dict.fromkeys(r[label_col] for r in sorted(records, key=lambda r: r["sort_order"])))


def _cells(records: list[dict], group_col: str, label_col: str) -> dict[tuple, dict]:
    """Return the first row of each group x item."""
    return {(r[group_col], r[label_col]): r for r in reversed(records)}


def _hidden(row: dict | None) -> bool:
    """Return True when a group x item has no row or its row is suppressed."""
    return row is None or _missing(row["suppressed"]) or bool(row["suppressed"])


def _share_bars(
    grp: str, rows: list[dict | None], items: list, *, thickness: float = 1.5
) -> tuple[list, dict]:
    """Return a group's shares per item (rows: its record per item, None where it has none) and
    the parts of a horizontal bar trace of them that the share charts have in common: the items,
    the 95% intervals as error bars and the hover text."""
    share = [None if r is None else r["share"] for r in rows]
    low = [None if r is None else r["low"] for r in rows]
    high = [None if r is None else r["high"] for r in rows]
    return share, {
        "y": items,
        "orientation": "h",
        "error_x": _error_x(share, low, high, thickness=thickness),
        "customdata": [
            f"{grp}: {_pct(v)} (95% CI {_pct(lo)} to {_pct(hi)})"
            for v, lo, hi in zip(share, low, high, strict=True)
        ],
        "hovertemplate": "%{y}<br>%{customdata}<extra></extra>",
    }


def grouped_shares(
    df: pd.DataFrame,
    title: str,
    *,
    group_col: str = "grp_label",
    label_col: str = "label",
    min_group: int = 5,
) -> go.Figure:
    """Return horizontal grouped bars of shares (one colour per group) with Wilson intervals.

    df: one row per group x item with share, low, high, count, base, suppressed. Suppressed
    groups are listed in the legend as not shown and draw no bars.
    """
    records = df.to_dict("records")
    items = _items(records, label_col)
    cells = _cells(records, group_col, label_col)
    traces = []
    for i, grp in enumerate(dict.fromkeys(r[group_col] for r in records)):
        rows = [cells.get((grp, item)) for item in items]
        hidden_rows = [_hidden(r) for r in rows]
        share, bars = _share_bars(grp, rows, items)
        traces.append(
            {
                "type": "bar",
                "x": _floats([None if h else v for v, h in zip(share, hidden_rows, strict=True)]),
                "name": f"{grp} (not shown: fewer than {min_group})"
                if all(hidden_rows)
                else f"{grp} (n = {int(rows[0]['base'])})",
                "marker": {"color": CATEGORICAL[i % len(CATEGORICAL)]},
                **bars,
            }
        )
    layout = base_layout(
        title,
        height=max(380, 140 + 30 * len(items) * max(1, df[group_col].nunique())),
        barmode="group",
        bargap=0.25,
        legend={"traceorder": "reversed"},
        xaxis={"range": [0, 1], "tickformat": ".0%", "title": _text("Share of respondents")},
        yaxis={"categoryorder": "array", "categoryarray": list(reversed(items))},
    )
    return _figure(traces, layout)


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


def _grid(rows: int, cols: int, h_space: float, v_space: float) -> list[tuple[list[float], list[float]]]:
    """Return the (x domain, y domain) of each cell of a grid of subplots, row by row from the top
    left, as plotly's make_subplots lays them out."""
    width = (1.0 - h_space * (cols - 1)) / cols
    height = (1.0 - v_space * (rows - 1)) / rows
    cells = []
    for r in range(rows):
        bottom = (rows - 1 - r) * (height + v_space)
        for c in range(cols):
            left = c * (width + h_space)
            cells.append(([left, left + width], [max(bottom, 0.0), min(bottom + height, 1.0)]))
    return cells


def small_multiples(
    df: pd.DataFrame,
    title: str,
    *,
    group_col: str = "grp_label",
    label_col: str = "short",
    min_group: int = 5,
    columns: int = 3,
) -> go.Figure:
    """Return one small bar chart of shares per group (places and the total), on a shared axis.

    df: one row per group x item with share, low, high, suppressed, is_total, sort_order.
    A suppressed group's panel shows the same placeholder note whatever its true n.
    """
    records = df.to_dict("records")
    totals = [r[group_col] for r in records if r["is_total"]]
    groups = list(dict.fromkeys(totals + [r[group_col] for r in records if not r["is_total"]]))
    rows_n = -(-len(groups) // columns)
    cells = _grid(rows_n, columns, 0.03, 0.12)
    items = _items(records, label_col)
    cells_by = _cells(records, group_col, label_col)
    # Axes as make_subplots(shared_xaxes=True) sets them: one per cell, each column's x axes
    # matching its bottom one, whose tick labels alone are shown; item names once per row.
    layout = base_layout(
        title, height=140 + 300 * rows_n, axes=tuple("" if i == 0 else str(i + 1) for i in range(len(cells)))
    )
    bottom = (rows_n - 1) * columns
    annotations = []
    for i, (x_domain, y_domain) in enumerate(cells):
        axis = "" if i == 0 else str(i + 1)
        shared = {} if i >= bottom else {"matches": f"x{bottom + i % columns + 1}", "showticklabels": False}
        layout[f"xaxis{axis}"] |= {
            "anchor": f"y{axis}",
            "domain": x_domain,
            **shared,
            "range": [0, 1],
            "tickformat": ".0%",
        }
        layout[f"yaxis{axis}"] |= {
            "anchor": f"x{axis}",
            "domain": y_domain,
            "categoryorder": "array",
            "categoryarray": list(reversed(items)),
            **({} if i % columns == 0 else {"showticklabels": False}),
        }
        if i < len(groups):
            annotations.append(
                {
                    "font": {"size": 17},
                    "showarrow": False,
                    "text": groups[i],
                    "x": (x_domain[0] + x_domain[1]) / 2,
                    "xanchor": "center",
                    "xref": "paper",
                    "y": y_domain[1],
                    "yanchor": "bottom",
                    "yref": "paper",
                }
            )
    traces = []
    for i, grp in enumerate(groups):
        axis = "" if i == 0 else str(i + 1)
        part = [cells_by.get((grp, item)) for item in items]
        hidden = all(_hidden(r) for r in part)
        colour = TEXT if any(r is not None and r["is_total"] for r in part) else NHS_BLUE
        share, bars = _share_bars(grp, part, items, thickness=1.2)
        traces.append(
            {
                "type": "bar",
                # Explicit gaps: a bar trace with no x at all is drawn with x = 0, 1, 2, … (false bars).
                "x": [None] * len(items) if hidden else _floats(share),
                "marker": {"color": colour},
                "showlegend": False,
                "xaxis": f"x{axis}",
                "yaxis": f"y{axis}",
                **bars,
            }
        )
        if hidden:
            annotations.append(
                {
                    "text": f"Not shown:<br>protects a group under {min_group}",
                    "x": 0.5,
                    "y": 0.5,
                    "xref": f"x{axis} domain",
                    "yref": f"y{axis} domain",
                    "showarrow": False,
                    "font": {"size": 17, "color": PLACEHOLDER_TEXT},
                    "bgcolor": PLACEHOLDER,
                }
            )
    layout["annotations"] = annotations
    return _figure(traces, layout)


STAGE_COLOURS = ["#DDE9F4", "#9CC3E4", "#4A90C9", "#0B4F8C"]


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
        colorscale=[[0, NEGATIVE[1]], [0.5, "#F4F6F7"], [1, POSITIVE[1]]],
        colorbar={"title": _text("Steps"), "tickvals": [-3, -2, -1, 0, 1, 2, 3]},
    )


def peer_ranges(ranges: pd.DataFrame, title: str, pcn_name: str) -> go.Figure:
    """Return, per domain, the PCN's stage against the range (worst to best) and median of its
    place's other PCNs and of the ICS's other PCNs."""
    domains = ["<br>".join(textwrap.wrap(d, 26)) for d in ranges["domain"]]
    records = ranges.to_dict("records")
    traces = []
    for prefix, name, colour, offset in (
        ("ics", "Other PCNs in the ICS", "#AEB7BD", 0.18),
        ("place", "Other PCNs in the place", "#6BAED6", -0.18),
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
                "color": "#E69F00",
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
    "one_to_one": ("One-to-one", "diamond", "#009E73"),
    "roundtable": ("Roundtable", "square", "#E69F00"),
    "survey_window": ("Survey window", None, "#AEB7BD"),
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


STATUS_COLOURS = {
    "Done": "#08519C",
    "In progress": "#6BAED6",
    "Not started": "#E8EDEE",
    "Not applicable": "#AEB7BD",
}


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
                "marker": {"color": colour, "line": {"color": "#AEB7BD", "width": 1}},
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

RENDER_TIMEOUT = 60  # seconds for one image; a first image also waits for Chromium to start


def chromium_path() -> str | None:
    """Return the path of Debian's Chromium, or None when it is not installed."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


class _Renderer:
    """One kaleido browser (Debian's Chromium) on its own event-loop thread, opened once.

    Starting Chromium takes about two seconds and an image from a warm browser about a tenth
    of that, so a slide pack reuses one browser for all its images, and the process keeps it
    for the next pack. Calls from several threads queue on its tab.
    """

    def __init__(self, path: str) -> None:
        import kaleido  # here, not at the top: pages that draw no image never load it

        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="kaleido", daemon=True)
        self._thread.start()

        async def open_browser():
            # mathjax=False: kaleido would otherwise load MathJax from a CDN, and the charts use no
            # LaTeX; plotly.js comes from the installed plotly package, so nothing is downloaded.
            k = kaleido.Kaleido(path=path, mathjax=False, timeout=RENDER_TIMEOUT)
            await k.open()
            return k

        try:
            self._kaleido = self._run(open_browser())
        except BaseException:
            self._stop_loop()
            raise

    def _run(self, coro):
        """Return the result of a coroutine run on the browser's loop, waiting at most the timeout."""
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(RENDER_TIMEOUT + 10)

    def png(self, fig: go.Figure, width: int, height: int, scale: float) -> bytes:
        """Return the figure drawn as PNG bytes."""
        opts = {"format": "png", "width": width, "height": height, "scale": scale}
        return self._run(self._kaleido.calc_fig(fig.to_dict(), opts=opts))

    def close(self) -> None:
        """Close the browser and stop the loop."""
        try:
            self._run(self._kaleido.close())
        finally:
            self._stop_loop()

    def _stop_loop(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)


_renderer: _Renderer | None = None
_renderer_lock = threading.Lock()


def _warm_renderer() -> _Renderer:
    """Return the process's renderer, starting Chromium on first use."""
    global _renderer
    with _renderer_lock:
        if _renderer is None:
            path = chromium_path()
            if path is None:
                raise RenderError(
                    "Chart images need Chromium, which is not installed: run `apt-get install chromium`."
                )
            try:
                _renderer = _Renderer(path)
            except Exception as exc:
                log.warning("Chromium not started for chart images", exc_info=exc)
                raise RenderError(f"Chromium could not be started to draw chart images ({exc}).") from exc
            atexit.register(close_renderer)
        return _renderer


def close_renderer() -> None:
    """Close the warm browser, if one is open (the next image starts a new one)."""
    global _renderer
    with _renderer_lock:
        renderer, _renderer = _renderer, None
    if renderer is not None:
        try:
            renderer.close()
        except Exception:  # noqa: BLE001 - a browser that died is closed already
            pass


def to_png(fig: go.Figure, *, width: int, height: int | None = None, scale: float = 2.0) -> bytes:
    """Return the figure as PNG bytes, width x height layout pixels (height: the figure's own)
    times scale, drawn by kaleido in the process's warm headless Chromium."""
    height = int(height or fig.layout.height or 480)
    try:
        return _warm_renderer().png(fig, width, height, scale)
    except RenderError:
        raise
    except Exception as exc:
        # A browser that crashed or hung is dropped, so that the next image starts a new one.
        close_renderer()
        log.warning("chart image not drawn", exc_info=exc)
        raise RenderError(f"A chart image could not be drawn ({type(exc).__name__}: {exc}).") from exc
