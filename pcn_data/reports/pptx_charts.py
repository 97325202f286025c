"""Drawing a native chart (native_charts.NativeChart) on a PowerPoint slide with python-pptx: bar
and column charts whose data is embedded (an editable workbook inside the chart part), and tables
with coloured cells for heatmaps. A gap is an empty cell, never a number. Type uses the template's
theme font; the data keeps the dashboard's colours, which carry meaning (agree and disagree)."""

from __future__ import annotations

from lxml import etree

from pcn_data.core.palette import TEXT, WHITE
from pcn_data.reports.native_charts import NativeChart, Series, is_dark

GRID = "D8DDE0"
AXIS = "AEB7BD"
HIGHLIGHT = "D5281B"  # the outline of the table's highlighted row (the page's red)


def _qn(tag: str) -> str:
    from pptx.oxml.ns import qn

    return qn(tag)


def _rgb(colour: str):
    from pptx.dml.color import RGBColor

    return RGBColor.from_string(colour.lstrip("#").upper())


def add(page, chart: NativeChart, geometry: tuple, pt):
    """Add a native chart (or table) to a slide at geometry (EMU x, y, cx, cy); pt(size) gives the
    type size scaled to the slide. Returns its graphic frame."""
    if chart.kind == "table":
        return _table(page, chart, geometry, pt)
    return _chart(page, chart, geometry, pt)


def _literal(values) -> etree._Element:
    """Return c:numLit of values, leaving out gaps."""
    lit = etree.Element(_qn("c:numLit"))
    etree.SubElement(lit, _qn("c:formatCode")).text = "General"
    etree.SubElement(lit, _qn("c:ptCount"), val=str(len(values)))
    for i, v in enumerate(values):
        if v is not None:
            point = etree.SubElement(lit, _qn("c:pt"), idx=str(i))
            etree.SubElement(point, _qn("c:v")).text = repr(float(v))
    return lit


def _error_bars(ser, s: Series) -> None:
    """Add a series' 95% intervals as custom error bars (their lengths are literal values in the
    chart: no gap's interval is written)."""
    bars = etree.Element(_qn("c:errBars"))
    etree.SubElement(bars, _qn("c:errBarType"), val="both")
    etree.SubElement(bars, _qn("c:errValType"), val="cust")
    etree.SubElement(bars, _qn("c:noEndCap"), val="0")
    for tag, values in (("c:plus", s.plus), ("c:minus", s.minus)):
        etree.SubElement(bars, _qn(tag)).append(_literal(values))
    line = etree.SubElement(etree.SubElement(bars, _qn("c:spPr")), _qn("a:ln"), w="19050")
    fill = etree.SubElement(line, _qn("a:solidFill"))
    etree.SubElement(fill, _qn("a:srgbClr"), val="212B32")
    ser.find(_qn("c:cat")).addprevious(bars)


def _delete_label(ser, i: int) -> None:
    """Leave one bar of a series without its value written on it."""
    labels = ser.find(_qn("c:dLbls"))
    if labels is None:
        return
    for old in labels.findall(_qn("c:dLbl")):
        if old.find(_qn("c:idx")).get("val") == str(i):
            labels.remove(old)
    label = etree.Element(_qn("c:dLbl"))
    etree.SubElement(label, _qn("c:idx"), val=str(i))
    etree.SubElement(label, _qn("c:delete"), val="1")
    labels.insert(len(labels.findall(_qn("c:dLbl"))), label)


def _hide_legend_entries(chart_el, indices: list[int]) -> None:
    legend = chart_el.find(f".//{_qn('c:legend')}")
    position = legend.find(_qn("c:legendPos"))
    for i in reversed(indices):
        entry = etree.Element(_qn("c:legendEntry"))
        etree.SubElement(entry, _qn("c:idx"), val=str(i))
        etree.SubElement(entry, _qn("c:delete"), val="1")
        position.addnext(entry)


def _chart(page, chart: NativeChart, geometry: tuple, pt):
    from pptx.chart.data import CategoryChartData
    from pptx.enum.chart import XL_CHART_TYPE, XL_LABEL_POSITION, XL_LEGEND_POSITION, XL_TICK_LABEL_POSITION

    data = CategoryChartData(number_format=chart.number_format)
    data.categories = list(chart.categories)
    for s in chart.series:
        data.add_series(s.name, list(s.values))
    kind = {
        ("bar", False): XL_CHART_TYPE.BAR_CLUSTERED,
        ("bar", True): XL_CHART_TYPE.BAR_STACKED,
        ("column", False): XL_CHART_TYPE.COLUMN_CLUSTERED,
        ("column", True): XL_CHART_TYPE.COLUMN_STACKED,
    }[(chart.kind, chart.stacked)]
    frame = page.shapes.add_chart(kind, *geometry, data)
    c = frame.chart
    c.has_title = False
    c.font.size = pt(14)
    plot = c.plots[0]
    plot.gap_width = 40 if chart.stacked else 60
    if not chart.stacked:
        plot.overlap = 0 if len(chart.series) == 1 else -10
    for series, s in zip(plot.series, chart.series, strict=True):
        ser = series._element
        series.invert_if_negative = False
        if s.colour:
            series.format.fill.solid()
            series.format.fill.fore_color.rgb = _rgb(s.colour)
        if s.outline:
            series.format.line.color.rgb = _rgb(s.outline)
            series.format.line.width = 9525  # 0.75 pt
        for i, colour in enumerate(s.point_colours):
            if colour:
                point = series.points[i].format.fill
                point.solid()
                point.fore_color.rgb = _rgb(colour)
        if s.plus is not None:
            _error_bars(ser, s)
        if s.labels:
            labels = series.data_labels
            labels.number_format = chart.number_format
            labels.number_format_is_linked = False
            labels.show_value = True
            labels.font.size = pt(13)
            if chart.stacked:
                labels.position = XL_LABEL_POSITION.CENTER
                fill = s.colour or WHITE
                labels.font.color.rgb = _rgb(WHITE if is_dark(fill) else TEXT)
            else:
                labels.position = XL_LABEL_POSITION.INSIDE_BASE if s.plus else XL_LABEL_POSITION.OUTSIDE_END
                if s.plus:
                    labels.font.color.rgb = _rgb(WHITE if is_dark(s.colour or WHITE) else TEXT)
            for i, written in enumerate(s.shown_labels):
                if not written:  # the page writes no value on this bar (too short to hold it)
                    _delete_label(ser, i)
    # Axes: categories as the page lists them (top down), labels at the left edge even where bars
    # run left of zero; the value axis with light grid lines and the page's range.
    cat, val = c.category_axis, c.value_axis
    cat.tick_labels.font.size = pt(13)
    cat.tick_label_position = XL_TICK_LABEL_POSITION.LOW
    cat.format.line.color.rgb = _rgb(AXIS)
    if chart.kind == "bar":
        # The first category at the top, as the page lists them; the value axis stays at the bottom.
        cat.reverse_order = True
        c._chartSpace.find(f".//{_qn('c:valAx')}/{_qn('c:crosses')}").set("val", "max")
    val.has_major_gridlines = True
    val.major_gridlines.format.line.color.rgb = _rgb(GRID)
    val.format.line.fill.background()
    val.tick_labels.font.size = pt(12)
    val.tick_labels.number_format = chart.axis_format or chart.number_format
    val.tick_labels.number_format_is_linked = False
    if chart.axis_min is not None:
        val.minimum_scale = chart.axis_min
    if chart.axis_max is not None:
        val.maximum_scale = chart.axis_max
        val.major_unit = (chart.axis_max - (chart.axis_min or 0)) / 4
    if chart.axis_title:
        val.has_title = True
        val.axis_title.text_frame.text = chart.axis_title
        val.axis_title.text_frame.paragraphs[0].runs[0].font.size = pt(13)
        val.axis_title.text_frame.paragraphs[0].runs[0].font.bold = False
    legend = [s for s in chart.series if s.legend]
    if len(chart.series) > 1 and legend:
        c.has_legend = True
        c.legend.position = XL_LEGEND_POSITION.TOP
        c.legend.include_in_layout = False
        c.legend.font.size = pt(13)
        hidden = [i for i, s in enumerate(chart.series) if not s.legend]
        if hidden:
            _hide_legend_entries(c._chartSpace, hidden)
    else:
        c.has_legend = False
    return frame


def _outline(cell, colour: str, width: int = 38100) -> None:
    """Draw lines above and below a table cell (borders come first in a:tcPr, before its fill)."""
    tc_pr = cell._tc.get_or_add_tcPr()
    for side in ("a:lnB", "a:lnT"):
        line = etree.Element(_qn(side), w=str(width))
        fill = etree.SubElement(line, _qn("a:solidFill"))
        etree.SubElement(fill, _qn("a:srgbClr"), val=colour.lstrip("#"))
        tc_pr.insert(0, line)


def _table(page, chart: NativeChart, geometry: tuple, pt):
    """A heatmap as a table: a header row of columns, then one row per row of the heatmap, each
    cell filled with the page's colour for its share."""
    from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
    from pptx.util import Emu

    x, y, cx, cy = geometry
    n_rows, n_cols = len(chart.rows) + 1, len(chart.header)
    frame = page.shapes.add_table(n_rows, n_cols, x, y, cx, cy)
    table = frame.table
    table.first_row = True
    table.horz_banding = False
    first = int(cx * 0.24)
    column = (cx - first) // (n_cols - 1)
    table.columns[0].width = Emu(first)
    for j in range(1, n_cols):
        table.columns[j].width = Emu(column)
    # The header row as tall as its longest place name wraps to, the other rows share the rest.
    size = pt(11).pt
    per_line = max(1, int(Emu(column).inches * 72 / (0.55 * size)))
    lines = max(-(-len(h) // per_line) for h in chart.header[1:]) + 1  # +1: words wrap early
    header = min(int(914400 * (lines * size * 1.25 / 72 + 0.08)), cy // 3)
    table.rows[0].height = Emu(header)
    for i in range(1, n_rows):
        table.rows[i].height = Emu((cy - header) // (n_rows - 1))

    def write(cell, text: str, *, size: float, bold: bool = False, colour: str | None = None, align=None):
        """Write a cell's text on one line: its first part (the share) bold, then the rest (n)."""
        cell.text = ""
        cell.vertical_anchor = MSO_ANCHOR.MIDDLE
        cell.margin_top = cell.margin_bottom = Emu(0)
        cell.margin_left = cell.margin_right = Emu(45720)
        p = cell.text_frame.paragraphs[0]
        p.alignment = align or PP_ALIGN.CENTER
        first, *rest = text.split("\n")
        for k, part in enumerate([first, *(f"  {r}" for r in rest)]):
            run = p.add_run()
            run.text = part
            run.font.size = pt(size if k == 0 else size - 2)
            run.font.bold = bold and k == 0
            if colour:
                run.font.color.rgb = _rgb(colour)

    for j, heading in enumerate(chart.header):
        write(table.cell(0, j), heading, size=11, bold=True)
    for i, row in enumerate(chart.rows, start=1):
        for j, cell in enumerate(row):
            target = table.cell(i, j)
            if cell.fill:
                target.fill.solid()
                target.fill.fore_color.rgb = _rgb(cell.fill)
            else:
                target.fill.background()
            write(
                target,
                cell.text,
                size=12,
                bold=cell.bold,
                colour=cell.colour,
                align=PP_ALIGN.LEFT if j == 0 else PP_ALIGN.CENTER,
            )
    if chart.highlight_row is not None:
        for j in range(n_cols):
            _outline(table.cell(chart.highlight_row + 1, j), HIGHLIGHT)
    return frame
