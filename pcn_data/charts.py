"""Chart builders: pure functions from an aggregated DataFrame to a Plotly figure, and `to_png`,
which draws a figure as an image in one headless Chromium kept warm for the process.

The only module of pcn_data that imports plotly. Figures use colour-blind-safe colours
(Okabe-Ito, with NHS Blue first) and type large enough for a 1920x1080 projector.
"""

from __future__ import annotations

import asyncio
import atexit
import shutil
import textwrap
import threading

import pandas as pd
import plotly.graph_objects as go

from pcn_data.errors import RenderError

NHS_BLUE = "#005EB8"
# Okabe-Ito, led by NHS Blue: distinguishable with the common colour-vision deficiencies.
CATEGORICAL = [NHS_BLUE, "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442"]
TEXT = "#212B32"
FONT_SIZE = 18


def base_layout(fig: go.Figure, title: str, *, height: int = 480) -> go.Figure:
    """Return fig with the dashboard's common layout: large type, white ground, legend on top.

    Long titles (question wordings) are wrapped: plotly does not wrap them, and a 1280-pixel
    screen would cut them off.
    """
    lines = textwrap.wrap(title, 60) or [""]
    fig.update_layout(
        title={"text": "<br>".join(lines), "x": 0, "xanchor": "left", "font": {"size": FONT_SIZE + 4}},
        font={"size": FONT_SIZE, "color": TEXT, "family": "Arial, Helvetica, sans-serif"},
        paper_bgcolor="white",
        plot_bgcolor="white",
        height=height + 28 * (len(lines) - 1),
        margin={"l": 20, "r": 20, "t": 110 + 28 * (len(lines) - 1), "b": 20},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0, "title": None},
        hoverlabel={"font": {"size": FONT_SIZE}},
    )
    fig.update_yaxes(gridcolor="#D8DDE0", zerolinecolor="#AEB7BD", automargin=True)
    fig.update_xaxes(automargin=True)
    return fig


def respondents_by_place(df: pd.DataFrame, title: str = "Respondents by place and wave") -> go.Figure:
    """Return grouped bars of respondents per place, one colour per wave, counts on the bars.

    df: one row per wave x place with wave_name, place, respondents, cd_respondents,
    cds_invited, cd_response_rate (as from queries.respondents_by_place).
    """
    fig = go.Figure()
    for i, (wave, rows) in enumerate(df.groupby("wave_name", sort=False)):
        rate = rows["cd_response_rate"].map(lambda r: "–" if pd.isna(r) else f"{r:.0%}")
        fig.add_bar(
            name=wave,
            x=rows["place"],
            y=rows["respondents"],
            text=rows["respondents"],
            textposition="outside",
            marker_color=CATEGORICAL[i % len(CATEGORICAL)],
            customdata=list(zip(rows["cd_respondents"], rows["cds_invited"], rate, strict=True)),
            hovertemplate=(
                "<b>%{x}</b><br>%{fullData.name}<br>Respondents: %{y}<br>"
                "Clinical Directors: %{customdata[0]} of %{customdata[1]} invited "
                "(%{customdata[2]})<extra></extra>"
            ),
        )
    fig.update_layout(barmode="group", bargap=0.25)
    top = float(df["respondents"].max()) if len(df) else 0.0
    fig.update_yaxes(title="Respondents", range=[0, max(top, 1) * 1.18])  # room for the labels
    fig.update_xaxes(title=None)
    return base_layout(fig, title)


def response_rate_by_place(df: pd.DataFrame, title: str = "Clinical Director response rate") -> go.Figure:
    """Return grouped bars of the CD response rate (responded / invited) per place and wave.

    df: as for respondents_by_place. Places with nobody invited have no bar.
    """
    fig = go.Figure()
    for i, (wave, rows) in enumerate(df.groupby("wave_name", sort=False)):
        rate = rows["cd_response_rate"]
        fig.add_bar(
            name=wave,
            x=rows["place"],
            y=rate,
            text=rate.map(lambda r: "" if pd.isna(r) else f"{r:.0%}"),
            textposition="outside",
            marker_color=CATEGORICAL[i % len(CATEGORICAL)],
            customdata=list(zip(rows["cd_respondents"], rows["cds_invited"], strict=True)),
            hovertemplate=(
                "<b>%{x}</b><br>%{fullData.name}<br>%{customdata[0]} of %{customdata[1]} "
                "Clinical Directors responded (%{y:.0%})<extra></extra>"
            ),
        )
    fig.update_layout(barmode="group", bargap=0.25)
    fig.update_yaxes(title="Responded / invited", tickformat=".0%", range=[0, 1.15])
    fig.update_xaxes(title=None)
    return base_layout(fig, title)


# Diverging palette (orange for negative, blue for positive; safe for the common colour-vision
# deficiencies), indexed by how far an option sits from neutral.
NEGATIVE = ["#F1A340", "#B35806"]
POSITIVE = ["#6BAED6", "#08519C"]
NEUTRAL = "#C8CDD0"
PLACEHOLDER = "#E8EDEE"
PLACEHOLDER_TEXT = "#425563"


def _error_x(est, low, high, *, color: str | None = None, thickness: float = 1.5) -> dict:
    """Return plotly error bars drawing the 95% interval (low, high) around est."""
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


def _pct(x) -> str:
    """Return a share as a whole percentage, or a dash when missing."""
    return "–" if x is None or pd.isna(x) else f"{x:.0%}"


def _signed(x) -> str:
    """Return a net score in points (+37), or a dash when missing."""
    return "–" if x is None or pd.isna(x) else f"{x * 100:+.0f}"


def _side_note(min_group: int, extra: str = "") -> str:
    """Return the placeholder written beside a hidden row, on two lines: in one, it ran past the
    right edge of a chart narrower than a wide screen (a slide, a laptop)."""
    return f"Not shown: fewer than {min_group}<br>respondents{extra}"


def _row_order(
    rows: pd.DataFrame, sort_col: str | None, label_col: str, total_first: bool = True
) -> list[str]:
    """Return row labels: the total first, then by sort_col descending, suppressed rows last."""
    rows = rows.copy()
    rows["_key"] = rows[sort_col].astype(float) if sort_col else 0.0
    first = rows["is_total"] if total_first else pd.Series(False, index=rows.index)
    shown = rows[~rows["suppressed"] & ~first].sort_values("_key", ascending=False, kind="stable")
    hidden = rows[rows["suppressed"] & ~first]
    return list(rows[first][label_col]) + list(shown[label_col]) + list(hidden[label_col])


def _axis_label(row, label_col: str, bold: bool = False) -> str:
    """Return the y-axis label of a row: its name with n, bold for the total or a highlighted row."""
    name = str(row[label_col])
    if row["suppressed"]:
        return f"{name}<br><span style='font-size:14px'>not shown</span>"
    text = f"{name}<br><span style='font-size:14px'>n = {int(row['n'])}</span>"
    return f"<b>{text}</b>" if bold else text


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
    rows = detail.drop_duplicates(row_col).copy()
    by_group = row_col == "grp_label"
    order = _row_order(rows, "net" if sort else None, row_col, total_first=by_group)
    labels = {
        r[row_col]: _axis_label(r, row_col, bold=(by_group and r["is_total"]) or r[row_col] == highlight)
        for _, r in rows.iterrows()
    }
    y_order = [labels[k] for k in order]
    fig = go.Figure()
    substantive = detail[detail["polarity"].notna()]
    options = substantive.drop_duplicates("option_code").sort_values("sort_order")
    neg = options[options["polarity"] == "negative"]
    pos = options[options["polarity"] == "positive"]
    neutral = options[options["polarity"] == "neutral"]

    def add(option_rows, opt, colour, sign, half=False, legend=True):
        data = option_rows.set_index(row_col).reindex(order)
        shown = ~data["suppressed"].fillna(True).astype(bool)
        share = data["share"].astype(float).where(shown)
        x = sign * share * (0.5 if half else 1)
        hover = [
            f"{opt['label']}: {_pct(s)} ({int(c)} of {int(b)})<br>95% CI {_pct(lo)} to {_pct(hi)}"
            if ok
            else ""
            for s, c, b, lo, hi, ok in zip(
                share,
                data["count"].fillna(0),
                data["base"].fillna(0),
                data["low"],
                data["high"],
                shown,
                strict=True,
            )
        ]
        fig.add_bar(
            y=[labels[k] for k in order],
            x=x,
            orientation="h",
            name=opt["label"],
            marker_color=colour,
            legendgroup=opt["option_code"],
            showlegend=legend,
            legendrank=int(opt["sort_order"]),
            customdata=hover,
            hovertemplate="%{customdata}<extra></extra>",
            text=[_pct(s) if (not half and s >= 0.15) else "" for s in share.fillna(0)],
            textangle=0,
            textposition="inside",
            insidetextanchor="middle",
            textfont={"size": 15},
        )

    for _, opt in neutral.iterrows():
        add(substantive[substantive["option_code"] == opt["option_code"]], opt, NEUTRAL, -1, half=True)
    for i, (_, opt) in enumerate(neg.sort_values("sort_order", ascending=False).iterrows()):
        add(
            substantive[substantive["option_code"] == opt["option_code"]],
            opt,
            NEGATIVE[min(i, len(NEGATIVE) - 1)],
            -1,
        )
    for _, opt in neutral.iterrows():
        add(
            substantive[substantive["option_code"] == opt["option_code"]],
            opt,
            NEUTRAL,
            1,
            half=True,
            legend=False,
        )
    for i, (_, opt) in enumerate(pos.sort_values("sort_order").iterrows()):
        add(
            substantive[substantive["option_code"] == opt["option_code"]],
            opt,
            POSITIVE[min(i, len(POSITIVE) - 1)],
            1,
        )

    hidden = rows[rows["suppressed"]]
    if not hidden.empty:
        fig.add_bar(
            y=[labels[k] for k in hidden[row_col]],
            x=[2.0] * len(hidden),
            base=[-1.0] * len(hidden),
            orientation="h",
            name=f"Fewer than {min_group} respondents: not shown",
            marker={"color": PLACEHOLDER, "pattern": {"shape": "/", "fgcolor": "#D0D6D9"}},
            text=[f"Not shown: fewer than {min_group} respondents"] * len(hidden),
            textposition="inside",
            insidetextanchor="middle",
            textfont={"color": PLACEHOLDER_TEXT, "size": 16},
            hovertemplate="Not shown to protect confidentiality<extra></extra>",
        )
    notes = []
    for k in order:
        r = rows.set_index(row_col).loc[k]
        if r["suppressed"]:
            notes.append("")
            continue
        note = f"net {_signed(r['net'])}"
        dk = detail[(detail[row_col] == k) & detail["polarity"].isna()]
        if not dk.empty and dk["n"].iloc[0]:
            note += f" · Don't know {_pct(float(dk['count'].sum()) / float(dk['n'].iloc[0]))}"
        if isinstance(r.get("vs_ics"), str) and r["vs_ics"]:
            note += f"<br><span style='font-size:14px'>{_wrap(r['vs_ics'], 20)}</span>"
        notes.append(note)
    fig.add_scatter(
        y=y_order,
        x=[1.04] * len(order),
        mode="text",
        text=notes,
        textposition="middle right",
        showlegend=False,
        hoverinfo="skip",
        textfont={"size": 16},
    )
    height = max(360, 170 + 78 * len(order))
    base_layout(fig, title, height=height)
    # The legend goes under the bars: above, it would collide with a long question as title.
    fig.update_layout(
        barmode="relative",
        bargap=0.3,
        margin={"b": 110},
        legend={"orientation": "h", "y": -60 / height, "yanchor": "top", "x": 0},
    )
    fig.update_xaxes(
        range=[-1, 1.9],
        tickvals=[-1, -0.5, 0, 0.5, 1],
        ticktext=["100%", "50%", "0", "50%", "100%"],
        zeroline=True,
        zerolinewidth=2,
        zerolinecolor=TEXT,
        showgrid=True,
        gridcolor="#E8EDEE",
    )
    fig.update_yaxes(categoryorder="array", categoryarray=list(reversed(y_order)))
    return fig


def gap_dumbbell(gap: pd.DataFrame, title: str, min_group: int = 5) -> go.Figure:
    """Return, per group, two dots (share agreeing 'I am clear' and 'partners are clear') joined
    by a line, with Wilson intervals as error bars; rows sorted by the gap, total first."""
    order = _row_order(gap, "gap", "grp_label")
    labels = {
        r["grp_label"]: _axis_label(pd.Series({**r.to_dict(), "n": r["base_self"]}), "grp_label")
        for _, r in gap.iterrows()
    }
    data = gap.set_index("grp_label").reindex(order)
    y = [labels[k] for k in order]
    shown = ~data["suppressed"].astype(bool)
    fig = go.Figure()
    for k, r in data.iterrows():
        if shown[k]:
            fig.add_scatter(
                x=[r["share_partners"], r["share_self"]],
                y=[labels[k]] * 2,
                mode="lines",
                line={"color": "#AEB7BD", "width": 6},
                showlegend=False,
                hoverinfo="skip",
            )
    for col, name, colour, symbol in (
        ("self", "I am clear about my role", NHS_BLUE, "circle"),
        ("partners", "Partners are clear about the CD role", "#E69F00", "diamond"),
    ):
        share = data[f"share_{col}"].where(shown)
        fig.add_scatter(
            x=share,
            y=y,
            mode="markers",
            name=name,
            marker={"size": 18, "color": colour, "symbol": symbol},
            error_x=_error_x(
                share,
                data[f"low_{col}"].where(shown),
                data[f"high_{col}"].where(shown),
                color=colour,
                thickness=2,
            ),
            customdata=[
                f"{_pct(s)} agree (95% CI {_pct(lo)} to {_pct(hi)}), n = {int(b) if b == b else 0}"
                for s, lo, hi, b in zip(
                    share,
                    data[f"low_{col}"],
                    data[f"high_{col}"],
                    data[f"base_{col}"].astype(float),
                    strict=True,
                )
            ],
            hovertemplate=f"{name}<br>%{{customdata}}<extra></extra>",
        )
    gap_text = [
        f"gap {r['gap'] * 100:+.0f} pts<br><span style='font-size:14px'>95% CI "
        f"{r['gap_low'] * 100:+.0f} to {r['gap_high'] * 100:+.0f}</span>"
        if shown[k]
        else _side_note(min_group)
        for k, r in data.iterrows()
    ]
    fig.add_scatter(
        x=[1.04] * len(y),
        y=y,
        mode="text",
        text=gap_text,
        textposition="middle right",
        showlegend=False,
        hoverinfo="skip",
        textfont={"size": 16},
    )
    fig.update_xaxes(
        range=[0, 1.45],
        tickvals=[0, 0.25, 0.5, 0.75, 1],
        tickformat=".0%",
        title="Share agreeing (agree or strongly agree)",
    )
    fig.update_yaxes(categoryorder="array", categoryarray=list(reversed(y)))
    return base_layout(fig, title, height=max(320, 130 + 78 * len(order)))


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
    fig = go.Figure()
    fig.add_scatter(
        x=df[est].where(shown),
        y=y,
        mode="markers",
        marker={"size": 16, "color": NHS_BLUE},
        error_x=_error_x(
            df[est].where(shown), df[low].where(shown), df[high].where(shown), color=NHS_BLUE, thickness=2
        ),
        customdata=[
            f"{fmt(e)} (95% CI {fmt(lo)} to {fmt(hi)})"
            for e, lo, hi in zip(df[est], df[low], df[high], strict=True)
        ],
        hovertemplate="%{y}: %{customdata}<extra></extra>",
        showlegend=False,
    )
    lo_edge = -1 if signed else 0
    # notes: extra words per row (e.g. "better than the ICS"), written after the value.
    extra = notes or [""] * len(df)
    notes = [
        (f"{fmt(e)}<br><span style='font-size:14px'>{_wrap(x, 20)}</span>" if x else fmt(e))
        if ok
        else _side_note(min_group, " or no data")
        for e, ok, x in zip(df[est], shown, extra, strict=True)
    ]
    fig.add_scatter(
        x=[1.05] * len(y),
        y=y,
        mode="text",
        text=notes,
        textposition="middle right",
        showlegend=False,
        hoverinfo="skip",
        textfont={"size": 16},
        cliponaxis=False,  # the first row's three lines reach above the plot
    )
    if zero_line:
        fig.add_vline(x=0, line_width=2, line_color=TEXT)
    if reference is not None and all(v == v for v in reference):
        value, ref_low, ref_high = reference
        fig.add_vrect(x0=ref_low, x1=ref_high, fillcolor="#AEB7BD", opacity=0.25, line_width=0)
        fig.add_vline(
            x=value,
            line_width=2,
            line_dash="dash",
            line_color=TEXT,
            annotation_text=f"{reference_label} {fmt(value)}",
            annotation_position="top",
        )
    ticks = [-1, -0.5, 0, 0.5, 1] if signed else [0, 0.25, 0.5, 0.75, 1]
    fig.update_xaxes(
        range=[lo_edge, 1.6],
        tickvals=ticks,
        ticktext=[_signed(t) if signed else _pct(t) for t in ticks],
        title=axis_title,
    )
    fig.update_yaxes(categoryorder="array", categoryarray=list(reversed(y)))
    # A row with a note (value, then the note wrapped on two lines) needs room for three lines.
    return base_layout(fig, title, height=max(300, 130 + (75 if any(extra) else 60) * len(y)))


def share_heatmap(
    matrix: pd.DataFrame, title: str, *, highlight_row: str | None = None, min_group: int = 5
) -> go.Figure:
    """Return a row x column heatmap of shares; each cell shows its share and n.

    matrix: rows with row (label), col (label), share, low, high, n, suppressed, dont_know_share.
    Suppressed cells are one neutral placeholder colour with the same text whatever the true n.
    """
    rows = list(dict.fromkeys(matrix["row"]))
    cols = list(dict.fromkeys(matrix["col"]))
    grid = matrix.set_index(["row", "col"])
    z, text, hover, ph = [], [], [], []
    for r in rows:
        zr, tr, hr, pr = [], [], [], []
        for c in cols:
            cell = grid.loc[(r, c)] if (r, c) in grid.index else None
            if cell is None or bool(cell["suppressed"]):
                zr.append(None)
                pr.append(0)
                tr.append("not shown")
                hr.append(f"{r} · {c}: not shown (fewer than {min_group} respondents)")
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
    fig = go.Figure()
    fig.add_heatmap(
        z=ph,
        x=cols,
        y=rows,
        colorscale=[[0, PLACEHOLDER], [1, PLACEHOLDER]],
        showscale=False,
        hoverinfo="skip",
        xgap=3,
        ygap=3,
    )
    fig.add_heatmap(
        z=z,
        x=cols,
        y=rows,
        zmin=0,
        zmax=1,
        colorscale="Blues",
        text=text,
        texttemplate="%{text}",
        textfont={"size": 15},
        customdata=hover,
        hovertemplate="%{customdata}<extra></extra>",
        xgap=3,
        ygap=3,
        colorbar={"title": {"text": "Good or<br>excellent"}, "tickformat": ".0%"},
    )
    if highlight_row in rows:
        i = rows.index(highlight_row)
        fig.add_shape(
            type="rect",
            xref="paper",
            yref="y",
            x0=0,
            x1=1,
            y0=i - 0.5,
            y1=i + 0.5,
            line={"color": "#D5281B", "width": 4},
        )
    fig.update_yaxes(
        autorange="reversed",
        ticktext=[f"<b>{r}</b>" if r == highlight_row else r for r in rows],
        tickvals=rows,
    )
    # Names wrapped short: six places side by side on a slide-sized chart ran into each other.
    fig.update_xaxes(tickangle=0, tickvals=cols, ticktext=[_wrap(c, 11) for c in cols])
    return base_layout(fig, title, height=max(420, 200 + 58 * len(rows)))


def ranked_shares(
    df: pd.DataFrame, title: str, *, label_col: str = "label", color: str = NHS_BLUE
) -> go.Figure:
    """Return horizontal bars of shares ranked largest first, with Wilson intervals as error bars.

    df: one row per item with share, low, high, count, base.
    """
    df = df.sort_values("share", ascending=True)
    df = df.assign(**{label_col: df[label_col].map(_wrap)})
    fig = go.Figure()
    fig.add_bar(
        x=df["share"],
        y=df[label_col],
        orientation="h",
        marker_color=color,
        error_x=_error_x(df["share"], df["low"], df["high"], color=TEXT),
        text=[_pct(s) for s in df["share"]],
        textposition="inside",
        insidetextanchor="start",
        textfont={"color": "white"},
        customdata=[
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
        hovertemplate="%{y}<br>%{customdata}<extra></extra>",
        showlegend=False,
    )
    fig.update_xaxes(range=[0, 1.05], tickformat=".0%", title="Share of respondents")
    return base_layout(fig, title, height=max(320, 120 + 66 * len(df)))  # room for two-line labels


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
    fig = go.Figure()
    items = list(df.sort_values("sort_order")[label_col].drop_duplicates())
    for i, (grp, rows) in enumerate(df.groupby(group_col, sort=False)):
        rows = rows.set_index(label_col).reindex(items)
        hidden = bool(rows["suppressed"].fillna(True).all())
        fig.add_bar(
            y=items,
            x=rows["share"].where(~rows["suppressed"].fillna(True).astype(bool)),
            orientation="h",
            name=f"{grp} (not shown: fewer than {min_group})"
            if hidden
            else f"{grp} (n = {int(rows['base'].iloc[0])})",
            marker_color=CATEGORICAL[i % len(CATEGORICAL)],
            error_x=_error_x(rows["share"], rows["low"], rows["high"]),
            customdata=[
                f"{grp}: {_pct(s)} (95% CI {_pct(lo)} to {_pct(hi)})"
                for s, lo, hi in zip(rows["share"], rows["low"], rows["high"], strict=True)
            ],
            hovertemplate="%{y}<br>%{customdata}<extra></extra>",
        )
    fig.update_layout(barmode="group", bargap=0.25, legend={"traceorder": "reversed"})
    fig.update_xaxes(range=[0, 1], tickformat=".0%", title="Share of respondents")
    fig.update_yaxes(categoryorder="array", categoryarray=list(reversed(items)))
    return base_layout(fig, title, height=max(380, 140 + 30 * len(items) * max(1, df[group_col].nunique())))


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
    from plotly.subplots import make_subplots

    groups = list(df.sort_values(["is_total"], ascending=False, kind="stable")[group_col].drop_duplicates())
    rows_n = -(-len(groups) // columns)
    fig = make_subplots(
        rows=rows_n,
        cols=columns,
        subplot_titles=groups,
        shared_xaxes=True,
        horizontal_spacing=0.03,
        vertical_spacing=0.12,
    )
    items = list(df.sort_values("sort_order")[label_col].drop_duplicates())
    for i, grp in enumerate(groups):
        r, c = i // columns + 1, i % columns + 1
        part = df[df[group_col] == grp].set_index(label_col).reindex(items)
        hidden = bool(part["suppressed"].fillna(True).all())
        colour = TEXT if bool(part["is_total"].fillna(False).any()) else NHS_BLUE
        fig.add_bar(
            # Explicit gaps: a bar trace with no x at all is drawn with x = 0, 1, 2, … (false bars).
            x=[None] * len(items) if hidden else part["share"],
            y=items,
            orientation="h",
            marker_color=colour,
            showlegend=False,
            row=r,
            col=c,
            error_x=_error_x(part["share"], part["low"], part["high"], thickness=1.2),
            customdata=[
                f"{grp}: {_pct(s)} (95% CI {_pct(lo)} to {_pct(hi)})"
                for s, lo, hi in zip(part["share"], part["low"], part["high"], strict=True)
            ],
            hovertemplate="%{y}<br>%{customdata}<extra></extra>",
        )
        if hidden:
            axis = "" if i == 0 else str(i + 1)
            fig.add_annotation(
                text=f"Not shown:<br>fewer than {min_group} respondents",
                x=0.5,
                y=0.5,
                xref=f"x{axis} domain",
                yref=f"y{axis} domain",
                showarrow=False,
                font={"size": 16, "color": PLACEHOLDER_TEXT},
                bgcolor=PLACEHOLDER,
            )
    fig.update_xaxes(range=[0, 1], tickformat=".0%")
    fig.update_yaxes(categoryorder="array", categoryarray=list(reversed(items)))
    # Item names once per row of panels (shared y axes would lose the top categories).
    for c in range(2, columns + 1):
        fig.update_yaxes(showticklabels=False, col=c)
    fig.update_annotations(font_size=17)
    return base_layout(fig, title, height=140 + 300 * rows_n)


STAGE_COLOURS = ["#DDE9F4", "#9CC3E4", "#4A90C9", "#0B4F8C"]


def stage_heatmap(sa: pd.DataFrame, title: str) -> go.Figure:
    """Return a PCN x domain heatmap of self-assessment stages (Foundation to Step 3).

    sa: one row per PCN x domain with pcn, domain, domain_order, stage, ordinal. PCNs are listed
    by name (never ranked): the matrix is for discussion, not a league table.
    """
    domains = list(sa.sort_values("domain_order")["domain"].drop_duplicates())
    pcns = list(dict.fromkeys(sa["pcn"]))
    grid = sa.pivot_table(index="pcn", columns="domain", values="ordinal", aggfunc="first").reindex(
        index=pcns, columns=domains
    )
    labels = sa.pivot_table(index="pcn", columns="domain", values="stage", aggfunc="first").reindex(
        index=pcns, columns=domains
    )
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
    fig = go.Figure()
    fig.add_heatmap(
        z=grid.values.tolist(),
        x=["<br>".join(textwrap.wrap(d, 18)) for d in domains],
        y=pcns,
        zmin=-0.5,
        zmax=3.5,
        colorscale=scale,
        text=labels.fillna("").values.tolist(),
        texttemplate="%{text}",
        textfont={"size": 14},
        xgap=2,
        ygap=2,
        hovertemplate="%{y}<br>%{x}: %{text}<extra></extra>",
        colorbar={
            "tickvals": [0, 1, 2, 3],
            "ticktext": ["Foundation", "Step 1", "Step 2", "Step 3"],
            "title": {"text": "Stage"},
        },
    )
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(tickangle=0)
    return base_layout(fig, title, height=max(400, 220 + 34 * len(pcns)))


def movement_heatmap(moves: pd.DataFrame, title: str) -> go.Figure:
    """Return a PCN x domain heatmap of stage movement between two assessments (+1 = one step up)."""
    domains = list(moves.sort_values("domain_order")["domain"].drop_duplicates())
    pcns = list(dict.fromkeys(moves["pcn"]))
    grid = moves.pivot_table(index="pcn", columns="domain", values="move", aggfunc="first").reindex(
        index=pcns, columns=domains
    )
    text = grid.map(lambda v: "" if pd.isna(v) else ("same" if v == 0 else f"{int(v):+d}"))
    fig = go.Figure()
    fig.add_heatmap(
        z=grid.values.tolist(),
        x=["<br>".join(textwrap.wrap(d, 18)) for d in domains],
        y=pcns,
        zmin=-3,
        zmax=3,
        zmid=0,
        colorscale=[[0, NEGATIVE[1]], [0.5, "#F4F6F7"], [1, POSITIVE[1]]],
        text=text.values.tolist(),
        texttemplate="%{text}",
        textfont={"size": 14},
        xgap=2,
        ygap=2,
        hovertemplate="%{y}<br>%{x}: %{text}<extra></extra>",
        colorbar={"title": {"text": "Steps"}, "tickvals": [-3, -2, -1, 0, 1, 2, 3]},
    )
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(tickangle=0)
    return base_layout(fig, title, height=max(400, 220 + 34 * len(pcns)))


def peer_ranges(ranges: pd.DataFrame, title: str, pcn_name: str) -> go.Figure:
    """Return, per domain, the PCN's stage against the range (worst to best) and median of its
    place's other PCNs and of the ICS's other PCNs."""
    domains = ["<br>".join(textwrap.wrap(d, 26)) for d in ranges["domain"]]
    fig = go.Figure()
    for prefix, name, colour, offset in (
        ("ics", "Other PCNs in the ICS", "#AEB7BD", 0.18),
        ("place", "Other PCNs in the place", "#6BAED6", -0.18),
    ):
        for i, (_, r) in enumerate(ranges.iterrows()):
            if r[f"{prefix}_peers"]:
                fig.add_scatter(
                    x=[r[f"{prefix}_worst"], r[f"{prefix}_best"]],
                    y=[i + offset] * 2,
                    mode="lines",
                    line={"color": colour, "width": 10},
                    name=f"{name}: worst to best",
                    legendgroup=prefix,
                    showlegend=i == 0,
                    hoverinfo="skip",
                )
        fig.add_scatter(
            x=ranges[f"{prefix}_median"],
            y=[i + offset for i in range(len(ranges))],
            mode="markers",
            marker={"symbol": "line-ns", "size": 22, "line": {"width": 4, "color": TEXT}},
            name="Median of the other PCNs",
            legendgroup="median",
            showlegend=prefix == "place",
            hovertemplate=f"{name}: median %{{x}}<extra></extra>",
        )
    fig.add_scatter(
        x=ranges["ordinal"],
        y=list(range(len(ranges))),
        mode="markers+text",
        name=pcn_name,
        marker={"size": 22, "color": "#E69F00", "symbol": "diamond", "line": {"color": TEXT, "width": 1}},
        text=ranges["stage"],
        textposition="top center",
        hovertemplate="%{text}<extra></extra>",
    )
    fig.update_xaxes(
        range=[-0.3, 3.3], tickvals=[0, 1, 2, 3], ticktext=["Foundation", "Step 1", "Step 2", "Step 3"]
    )
    fig.update_yaxes(tickvals=list(range(len(ranges))), ticktext=domains, autorange="reversed")
    return base_layout(fig, title, height=200 + 110 * len(ranges))


KIND_STYLE = {
    "workshop": ("Workshop", "circle", NHS_BLUE),
    "one_to_one": ("One-to-one", "diamond", "#009E73"),
    "roundtable": ("Roundtable", "square", "#E69F00"),
    "survey_window": ("Survey window", None, "#AEB7BD"),
}


def engagement_timeline(events: pd.DataFrame, title: str) -> go.Figure:
    """Return a timeline per place: survey windows as bars, other activities as markers sized by
    attendees. events: place, kind, title, starts_on, ends_on, attendees, pcns."""
    fig = go.Figure()
    places = list(dict.fromkeys(events["place"]))
    windows = events[events["kind"] == "survey_window"]
    for i, w in windows.iterrows():
        fig.add_scatter(
            x=[w["starts_on"], w["ends_on"] or w["starts_on"]],
            y=[w["place"]] * 2,
            mode="lines",
            line={"color": KIND_STYLE["survey_window"][2], "width": 16},
            name="Survey window",
            legendgroup="survey_window",
            showlegend=bool(i == windows.index[0]),
            hovertemplate=f"{w['title']}<extra></extra>",
        )
    for kind, (label, symbol, colour) in KIND_STYLE.items():
        rows = events[events["kind"] == kind]
        if kind == "survey_window" or rows.empty:
            continue
        fig.add_scatter(
            x=rows["starts_on"],
            y=rows["place"],
            mode="markers",
            name=label,
            marker={
                "symbol": symbol,
                "color": colour,
                "size": 10 + 2 * rows["attendees"].fillna(1).clip(upper=12),
                "line": {"color": "white", "width": 1},
                "opacity": 0.85,
            },
            customdata=list(
                zip(rows["title"], rows["attendees"].fillna(0).astype(int), rows["pcns"], strict=True)
            ),
            hovertemplate="%{customdata[0]}<br>%{x|%d %b %Y}<br>%{customdata[1]} attendees, "
            "%{customdata[2]} PCNs<extra></extra>",
        )
    fig.update_yaxes(categoryorder="array", categoryarray=list(reversed(places)))
    fig.update_xaxes(type="date")
    return base_layout(fig, title, height=max(360, 180 + 70 * len(places)))


def participation_bars(df: pd.DataFrame, title: str) -> go.Figure:
    """Return, per place, the share of its PCNs that took part in each kind of activity, labelled
    with the count and base. df: place, kind_label, share, pcns_taking_part, pcns_in_place."""
    fig = go.Figure()
    for i, (kind, rows) in enumerate(df.groupby("kind_label", sort=True)):
        fig.add_bar(
            x=rows["place"],
            y=rows["share"],
            name=kind,
            marker_color=CATEGORICAL[i % len(CATEGORICAL)],
            text=[
                f"{_pct(s)}<br>{int(a)} of {int(b)}"
                for s, a, b in zip(
                    rows["share"], rows["pcns_taking_part"], rows["pcns_in_place"], strict=True
                )
            ],
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{x} · " + kind + ": %{y:.0%} of PCNs<extra></extra>",
        )
    fig.update_layout(barmode="group", bargap=0.25)
    fig.update_yaxes(range=[0, 1.25], tickformat=".0%", title="Share of the place's PCNs")
    return base_layout(fig, title)


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
    fig = go.Figure()
    for status, colour in STATUS_COLOURS.items():
        rows = df[df["status"] == status].set_index("grp").reindex(groups)
        fig.add_bar(
            y=groups,
            x=rows["n"].fillna(0),
            orientation="h",
            name=status,
            marker_color=colour,
            text=[str(int(v)) if v else "" for v in rows["n"].fillna(0)],
            textposition="inside",
            marker_line={"color": "#AEB7BD", "width": 1},
            hovertemplate="%{y}: %{x} " + status.lower() + "<extra></extra>",
        )
    fig.update_layout(barmode="stack")
    fig.update_yaxes(categoryorder="array", categoryarray=list(reversed(groups)))
    fig.update_xaxes(title="Recommendations")
    return base_layout(fig, title, height=max(300, 160 + 60 * len(groups)))


def poll_bars(df: pd.DataFrame, title: str, *, kind: str, height: int = 620) -> go.Figure:
    """Return a live poll's results as horizontal bars in projector-sized type.

    df: one row per option with label, votes, n, share, mean_rank, points (polls.results).
    Choice questions show votes and the share of participants, in the options' order (top
    first); ranking shows Borda points, best first, with each option's mean rank.
    """
    if kind == "ranking":
        df = df.sort_values("points", ascending=True)
        x = df["points"].fillna(0)
        text = [f"{int(p)} points · mean rank {r:.1f}" if pd.notna(r) else "no votes" for p, r in zip(
            x, df["mean_rank"], strict=True)]  # fmt: skip
        axis = "Points (first place scores most)"
    else:
        df = df.iloc[::-1]  # plotly draws the first row at the bottom
        x = df["votes"]
        text = [f"{int(v)} ({_pct(s)})" if pd.notna(s) else f"{int(v)}" for v, s in zip(
            x, df["share"], strict=True)]  # fmt: skip
        axis = "Answers" if kind != "multi" else "Participants choosing it"
    fig = go.Figure()
    fig.add_bar(
        x=x,
        y=df["label"].map(lambda s: _wrap(s, 34)),
        orientation="h",
        marker_color=NHS_BLUE,
        text=text,
        textposition="outside",
        cliponaxis=False,
        textfont={"size": FONT_SIZE + 10},
        hovertemplate="%{y}: %{text}<extra></extra>",
        showlegend=False,
    )
    top = float(x.max()) if len(x) and x.max() > 0 else 1.0
    fig.update_xaxes(range=[0, top * 1.35], title=axis, dtick=max(1, round(top / 5)))
    fig.update_yaxes(tickfont={"size": FONT_SIZE + 8})
    fig = base_layout(fig, title, height=height)
    fig.update_layout(font={"size": FONT_SIZE + 6}, title={"font": {"size": FONT_SIZE + 14}})
    return fig


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
                raise RenderError(f"Chromium could not be started to draw chart images ({exc}).") from None
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
        raise RenderError(f"A chart image could not be drawn ({type(exc).__name__}: {exc}).") from None
