"""The pack's charts as PowerPoint draws them natively: categories, series and numbers that a
reader can edit, restyle and read with a screen reader, instead of pictures.

Each native chart is read from the figure the page draws (the same chart spec of `views`, the same
builder of `charts`, the same suppressed frame): its categories in the order the page shows them,
its series with their colours, the values of its bars, their 95% intervals and the words written
beside each row. So the pack cannot show a number the page hides: a value the figure leaves out
(a gap) is a gap here too, and the row says why in the page's words. No plotly here: the figure is
read through its traces' plain dicts.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace

from pcn_data.charts import views
from pcn_data.core.palette import GREY, REFERENCE, TEXT, WHITE

# How a row is named when a chart hides it: the words of the pages' placeholders.
HIDDEN_TEXT = "Not shown: protects a group under {k}"


@dataclass(frozen=True)
class Series:
    """One series of a native chart: its name, one value per category (None: a gap), colour."""

    name: str
    values: tuple[float | None, ...]
    colour: str | None = None
    legend: bool = True  # listed in the legend (the second half of a neutral answer is not)
    labels: bool = True  # values written on the bars
    plus: tuple[float | None, ...] | None = None  # error bars: upper and lower distance
    minus: tuple[float | None, ...] | None = None
    point_colours: tuple[str | None, ...] = ()  # per-category fill, where it differs
    shown_labels: tuple[bool, ...] = ()  # per category: the page writes this bar's value on it
    outline: str | None = None  # the bars' outline colour, where the page draws one


@dataclass(frozen=True)
class Cell:
    """One cell of a native table."""

    text: str
    fill: str | None = None
    bold: bool = False
    colour: str | None = None  # text colour, None: the theme's


@dataclass(frozen=True)
class NativeChart:
    """A chart PowerPoint draws: kind 'bar' (horizontal), 'column' (vertical) or 'table'.

    Categories are listed top to bottom (bars) or left to right (columns), as the page shows them.
    Values are what the page plots: shares as fractions (number_format 0%), net scores and
    differences in points (x100, signed), counts as counts.
    """

    kind: str
    title: str
    categories: tuple[str, ...] = ()
    series: tuple[Series, ...] = ()
    stacked: bool = False
    number_format: str = "General"
    axis_format: str | None = None  # the value axis' tick labels, when not number_format
    axis_min: float | None = None
    axis_max: float | None = None
    axis_title: str = ""
    note: str = ""  # under the chart: what a gap or a placeholder row means
    header: tuple[str, ...] = ()  # tables: the column headings (the first names the rows)
    rows: tuple[tuple[Cell, ...], ...] = ()  # tables: the cells, row by row
    highlight_row: int | None = None  # tables: the row outlined on the page


# Reading a figure ------------------------------------------------------------------------------


def _missing(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def _number(x) -> float | None:
    """Return a plotted value as a float, None for a gap (None or NaN)."""
    if _missing(x):
        return None
    value = float(x)
    return None if math.isnan(value) else value


def plain(text) -> str:
    """Return a figure's label as plain text: its small second line (n, or a note) on a line of
    its own, other breaks (wrapping for the screen) as spaces, no tags."""
    text = str(text)
    text = re.sub(r"<br>\s*<span[^>]*>", "\n", text)
    text = text.replace("<br>", " ")
    text = re.sub(r"<[^>]+>", "", text)
    return re.sub(r"[ \t]+", " ", text).strip()


def _traces(fig) -> list[dict]:
    """Return the figure's traces as plain dicts (numpy arrays kept as they are)."""
    return [t.to_plotly_json() for t in fig.data]


def _top_to_bottom(fig, labels: list) -> list:
    """Return the rows of a horizontal chart from the top down, as the page shows them: plotly draws
    the first of its category array (or of the trace, without one) at the bottom."""
    yaxis = fig.layout.yaxis
    if yaxis.categoryarray:
        return list(reversed(yaxis.categoryarray))
    if yaxis.autorange == "reversed":
        return list(labels)
    return list(reversed(list(labels)))


def _by_label(trace: dict, axis: str = "y", value: str = "x") -> dict:
    """Return {category label: value} of a trace."""
    return dict(zip(list(trace[axis]), list(trace[value]), strict=True))


def _notes(traces: list[dict]) -> dict:
    """Return {row label: the words written beside it} from a text-only trace, if there is one."""
    for t in traces:
        if t.get("type") == "scatter" and t.get("mode") == "text":
            return dict(zip(list(t["y"]), [str(x) for x in t["text"]], strict=True))
    return {}


def _row_label(label, note: str, hidden: bool, k: int) -> str:
    """Return a row's category: its name and n, then the first words beside it (net +37); a hidden
    row reads the same placeholder whatever its true n."""
    name, *small = plain(label).split("\n")
    if hidden:
        return f"{name}\n{HIDDEN_TEXT.format(k=k)}"
    words = [*small]
    first = plain(note).split("\n")[0] if note else ""
    if first:
        words.append(first)
    return "\n".join([name, " · ".join(words)]) if words else name


def _errors(trace: dict, order: list, scale: float) -> tuple[tuple | None, tuple | None]:
    """Return the upper and lower error distances of a trace's bars in category order."""
    bars = trace.get("error_x")
    if not bars or bars.get("array") is None:
        return None, None
    plus = dict(zip(list(trace["y"]), list(bars["array"]), strict=True))
    minus = dict(zip(list(trace["y"]), list(bars["arrayminus"]), strict=True))

    def scaled(d):
        return tuple(None if _number(d.get(k)) is None else _number(d[k]) * scale for k in order)

    return scaled(plus), scaled(minus)


def _scaled(values, scale: float) -> tuple:
    return tuple(None if v is None else v * scale for v in values)


# One reader per chart builder ------------------------------------------------------------------


def _respondents(spec: views.ChartSpec, fig, k: int) -> NativeChart:
    """Grouped columns of respondents per place, one series per wave; a hidden count is a gap."""
    traces = [t for t in _traces(fig) if t.get("type") == "bar"]
    places = list(dict.fromkeys(p for t in traces for p in t["x"]))
    series, hidden = [], []
    for t in traces:
        values = _by_label(t, "x", "y")
        texts = dict(zip(list(t["x"]), list(t["text"]), strict=True))
        series.append(Series(t["name"], tuple(_number(values.get(p)) for p in places), t["marker"]["color"]))
        gone = [p for p in places if texts.get(p) == "hidden"]
        if gone:
            hidden.append(f"{t['name']}: {', '.join(gone)}")
    note = (
        f"No bar: the count is hidden to protect a group under {k} ({'; '.join(hidden)})." if hidden else ""
    )
    return NativeChart(
        "column",
        plain(fig.layout.title.text),
        tuple(places),
        tuple(series),
        number_format="0",
        axis_min=0,
        axis_title="Respondents",
        note=note,
    )


def _diverging(spec: views.ChartSpec, fig, k: int) -> NativeChart:
    """Diverging stacked bars: negative answers to the left of zero, positive to the right, the
    neutral answer split across zero, as on the page; a hidden row is a row of gaps."""
    traces = _traces(fig)
    placeholder = next((t for t in traces if t.get("type") == "bar" and "base" in t), None)
    bars = [t for t in traces if t.get("type") == "bar" and t is not placeholder]
    notes = _notes(traces)
    order = _top_to_bottom(fig, bars[0]["y"] if bars else [])
    hidden = set(placeholder["y"]) if placeholder else set()
    series = []
    for t in bars:
        values = _by_label(t)
        texts = dict(zip(list(t["y"]), [str(x) for x in t.get("text", [])], strict=False))
        written = tuple(bool(texts.get(y)) for y in order)  # the page writes shares of 15% and more
        series.append(
            Series(
                t["name"],
                tuple(_number(values.get(y)) for y in order),
                t["marker"]["color"],
                legend=t.get("showlegend", True),
                labels=any(written),
                shown_labels=written,
            )
        )
    categories = tuple(_row_label(y, notes.get(y, ""), y in hidden, k) for y in order)
    return NativeChart(
        "bar",
        plain(fig.layout.title.text),
        categories,
        tuple(series),
        stacked=True,
        number_format='0%;0%;""',
        axis_format="0%;0%;0%",
        axis_min=-1,
        axis_max=1,
        note=(
            "Shares of those who gave an answer; the neutral answer is split across the centre."
            + (f" {HIDDEN_TEXT.format(k=k)}: that row has no bars." if hidden else "")
        ),
    )


def _dots(spec: views.ChartSpec, fig, k: int, *, scale: float = 1.0, fmt: str = "0%") -> NativeChart:
    """Dot charts (two shares per row, or one measure per row) as clustered bars with their 95%
    intervals as error bars; a row without a dot is a row of gaps."""
    traces = _traces(fig)
    dots = [t for t in traces if t.get("type") == "scatter" and t.get("mode") == "markers"]
    notes = _notes(traces)
    order = _top_to_bottom(fig, dots[0]["y"] if dots else [])
    series, shown = [], set()
    for t in dots:
        values = _by_label(t)
        plus, minus = _errors(t, order, scale)
        vals = _scaled(tuple(_number(values.get(y)) for y in order), scale)
        shown |= {y for y, v in zip(order, vals, strict=True) if v is not None}
        series.append(Series(t.get("name") or "", vals, t["marker"]["color"], plus=plus, minus=minus))
    categories = tuple(_row_label(y, notes.get(y, ""), y not in shown, k) for y in order)
    return NativeChart(
        "bar",
        plain(fig.layout.title.text),
        categories,
        tuple(series),
        number_format=fmt,
        axis_title=plain(fig.layout.xaxis.title.text or ""),
        note="Lines on the bars: 95% intervals."
        + (f" {HIDDEN_TEXT.format(k=k)}: that row has no bar." if len(shown) < len(order) else ""),
    )


def _gap(spec: views.ChartSpec, fig, k: int) -> NativeChart:
    return replace(_dots(spec, fig, k), axis_min=0, axis_max=1)


def _compare(spec: views.ChartSpec, fig, k: int) -> NativeChart:
    """One measure per place against the ICS: the ICS (the page's grey band) is the first bar."""
    signed = bool(spec.kwargs.get("signed"))
    scale, fmt = (100.0, "+0;\u22120;0") if signed else (1.0, "0%")
    chart = _dots(spec, fig, k, scale=scale, fmt=fmt)
    reference = spec.kwargs.get("reference")
    series = chart.series[0]
    categories = chart.categories
    if reference is not None:
        value, low, high = (float(x) * scale for x in reference)
        categories = (str(spec.kwargs.get("reference_label", "ICS")), *categories)
        series = Series(
            spec.args[1] if len(spec.args) > 1 else "",
            (value, *series.values),
            series.colour,
            plus=(high - value, *series.plus),
            minus=(value - low, *series.minus),
            point_colours=(REFERENCE, *([None] * len(series.values))),
        )
    elif series.name == "":
        series = Series(spec.args[1], series.values, series.colour, plus=series.plus, minus=series.minus)
    return replace(
        chart,
        categories=categories,
        series=(series,),
        axis_min=-100 if signed else 0,
        axis_max=100 if signed else 1,
        note=chart.note.replace("Lines on the bars", "Lines on the bars (the first bar is the ICS)"),
    )


def _ranked(spec: views.ChartSpec, fig, k: int) -> NativeChart:
    """Bars of shares, largest first, with their 95% intervals."""
    (t,) = [t for t in _traces(fig) if t.get("type") == "bar"]
    order = _top_to_bottom(fig, t["y"])
    values = _by_label(t)
    plus, minus = _errors(t, order, 1.0)
    return NativeChart(
        "bar",
        plain(fig.layout.title.text),
        tuple(plain(y) for y in order),
        (
            Series(
                "Share of respondents",
                tuple(_number(values[y]) for y in order),
                t["marker"]["color"],
                plus=plus,
                minus=minus,
            ),
        ),
        number_format="0%",
        axis_min=0,
        axis_max=1,
        axis_title=plain(fig.layout.xaxis.title.text or ""),
        note="Lines on the bars: 95% intervals.",
    )


def _stacked(spec: views.ChartSpec, fig, k: int) -> NativeChart:
    """Stacked bars of counts (recommendation statuses by place)."""
    bars = [t for t in _traces(fig) if t.get("type") == "bar"]
    order = _top_to_bottom(fig, bars[0]["y"] if bars else [])
    series = tuple(
        Series(
            t["name"],
            tuple(_number(_by_label(t).get(y)) for y in order),
            t["marker"]["color"],
            shown_labels=tuple(bool(_by_label(t, "y", "text").get(y)) for y in order),
            outline=(t["marker"].get("line") or {}).get("color"),
        )
        for t in bars
    )
    return NativeChart(
        "bar",
        plain(fig.layout.title.text),
        tuple(plain(y) for y in order),
        series,
        stacked=True,
        number_format='0;-0;""',
        axis_format="0",
        axis_min=0,
        axis_title=plain(fig.layout.xaxis.title.text or ""),
    )


def _rgb(colour: str) -> tuple[int, int, int]:
    """Return (r, g, b) of '#RRGGBB' or 'rgb(r,g,b)'."""
    if colour.startswith("#"):
        return tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return tuple(int(float(x)) for x in re.findall(r"[\d.]+", colour)[:3])


def _hex(rgb) -> str:
    return "#" + "".join(f"{round(c):02X}" for c in rgb)


def scale_colour(scale: list, z: float) -> str:
    """Return the colour of z (0 to 1) on a plotly colour scale [[position, colour], …]."""
    z = min(max(z, 0.0), 1.0)
    for (p0, c0), (p1, c1) in zip(scale, scale[1:], strict=False):
        if z <= p1:
            t = 0.0 if p1 == p0 else (z - p0) / (p1 - p0)
            return _hex([a + (b - a) * t for a, b in zip(_rgb(c0), _rgb(c1), strict=True)])
    return _hex(_rgb(scale[-1][1]))


def is_dark(colour: str) -> bool:
    """Return True when white text reads better than dark text on colour (relative luminance)."""

    def channel(c):
        c /= 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in _rgb(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b < 0.18


def _heatmap(spec: views.ChartSpec, fig, k: int) -> NativeChart:
    """A heatmap as a table: one row per partner, one column per place, each cell its share and n
    in the page's colour; a hidden cell is the page's placeholder."""
    traces = [t for t in _traces(fig) if t.get("type") == "heatmap"]
    ground, cells = traces[0], traces[-1]
    placeholder = ground["colorscale"][0][1]
    rows = list(cells["y"])
    cols = list(cells["x"])
    bold = {plain(t) for t in (fig.layout.yaxis.ticktext or ()) if "<b>" in str(t)}
    out = []
    for i, r in enumerate(rows):
        line = [Cell(str(r), bold=str(r) in bold)]
        for j, _c in enumerate(cols):
            z = _number(cells["z"][i][j])
            if z is None:
                line.append(Cell("not shown", placeholder, colour=GREY))
                continue
            fill = scale_colour(list(cells["colorscale"]), z)
            line.append(
                Cell(
                    plain(cells["text"][i][j]).replace(" n=", "\nn = "),
                    fill,
                    True,
                    WHITE if is_dark(fill) else TEXT,
                )
            )
        out.append(tuple(line))
    highlight = spec.kwargs.get("highlight_row")
    hidden = any(c.text == "not shown" for row in out for c in row)
    return NativeChart(
        "table",
        plain(fig.layout.title.text),
        header=("", *(plain(c) for c in cols)),
        rows=tuple(out),
        highlight_row=rows.index(highlight) if highlight in rows else None,
        note="Share rating the relationship good or excellent, and n who gave a rating."
        + (f" Not shown: protects a group under {k}." if hidden else ""),
    )


READERS = {
    "respondents_by_place": _respondents,
    "diverging_bars": _diverging,
    "gap_dumbbell": _gap,
    "interval_dots": _compare,
    "ranked_shares": _ranked,
    "progress_bars": _stacked,
    "share_heatmap": _heatmap,
}


def native_chart(spec: views.ChartSpec, k: int) -> NativeChart | None:
    """Return the native chart of a chart spec, read from the figure the page draws, or None when
    PowerPoint has no type for it (the pack then shows the figure as a picture)."""
    reader = READERS.get(spec.name)
    if reader is None:
        return None
    return reader(spec, spec.figure(), k)
