"""Survey charts: who responded, and the results pages' diverging bars, dumbbells, interval dots,
heatmaps and shares. Each takes an aggregated, suppressed frame (never respondent rows) and draws a
hidden group as a placeholder that reads the same whatever its true n."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from pcn_data.charts.theme import (
    BLUES,
    _axis_label,
    _counts,
    _error_x,
    _figure,
    _floats,
    _int,
    _missing,
    _notes_trace,
    _pct,
    _row_order,
    _side_note,
    _signed,
    _text,
    _wrap,
    base_layout,
)
from pcn_data.core.palette import (
    CATEGORICAL,
    HATCH,
    MID_GREY,
    NEGATIVE,
    NEUTRAL,
    NHS_BLUE,
    ORANGE,
    PALE,
    PLACEHOLDER,
    PLACEHOLDER_TEXT,
    POSITIVE,
    RED,
    TEXT,
)


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
                "marker": {"color": PLACEHOLDER, "pattern": {"shape": "/", "fgcolor": HATCH}},
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
            "gridcolor": PALE,
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
            "line": {"color": MID_GREY, "width": 6},
            "showlegend": False,
            "hoverinfo": "skip",
        }
        for r, ok in zip(rows, shown, strict=True)
        if ok
    ]
    for col, name, colour, symbol in (
        ("self", "I am clear about my role", NHS_BLUE, "circle"),
        ("partners", "Partners are clear about the CD role", ORANGE, "diamond"),
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
                "fillcolor": MID_GREY,
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
                "line": {"color": RED, "width": 4},
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
