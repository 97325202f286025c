"""Writing a slide pack to a file. Each slide is laid out once, as boxes of text, charts and
placeholders in inches; python-pptx draws the boxes as PowerPoint and fpdf2 as PDF, so the two
files show the same slides.

The PowerPoint file draws each chart natively (an editable chart, or a table for a heatmap) on the
masters and layouts of a template (ours, or the organisation's), and needs no browser. The PDF
draws the charts as the pages' images, which needs Chromium."""

from __future__ import annotations

import struct
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from pcn_data.core.palette import GREY, NEGATIVE, NHS_BLUE, PALE, TEXT
from pcn_data.reports.native_charts import NativeChart
from pcn_data.reports.slides import CHART_BOX, SLIDE_H, SLIDE_W, TEXT_BOX, Pack, Slide, chart_images

WARNING = NEGATIVE[1]  # the charts' darkest orange
FONT = "Arial"  # LibreOffice and the PDF draw it with Liberation Sans, whose metrics are Arial's

# TrueType fonts for the PDF, from Debian's fonts-liberation and fonts-dejavu-core (either will do);
# without them the PDF falls back to Helvetica and plain punctuation.
PDF_FONTS = [
    (
        "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
        "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf",
    ),
    (
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    ),
]


@dataclass(frozen=True)
class Para:
    """A paragraph: its text and type (size in points)."""

    text: str
    size: float
    bold: bool = False
    colour: str = TEXT
    space_after: float = 6.0  # points


@dataclass(frozen=True)
class Box:
    """Something drawn on a slide at x, y with width w and height h (inches)."""

    x: float
    y: float
    w: float
    h: float
    paras: tuple[Para, ...] = ()
    image: bytes | None = None
    chart: NativeChart | None = None  # a native chart (PowerPoint only)
    alt: str = ""
    fill: str | None = None
    align: str = "left"  # left | center | right
    middle: bool = False  # centre the text vertically
    title: bool = False  # the slide's title (PowerPoint's title placeholder)
    name: str = ""


def png_size(data: bytes) -> tuple[int, int]:
    """Return (width, height) in pixels from a PNG's header."""
    return struct.unpack(">II", data[16:24])


def _fit(data: bytes, x: float, y: float, w: float, h: float) -> tuple[float, float, float, float]:
    """Return the box of an image fitted into (x, y, w, h), keeping its shape: centred across, at
    the top, level with the words beside it."""
    pw, ph = png_size(data)
    scale = min(w / pw, h / ph)
    iw, ih = pw * scale, ph * scale
    return x + (w - iw) / 2, y, iw, ih


def _heading(text: str) -> Box:
    return Box(0.4, 0.3, SLIDE_W - 0.8, 0.9, (Para(text, 30, True, NHS_BLUE),), title=True, name="Title")


def _footer(pack: Pack, number: int) -> list[Box]:
    return [
        Box(0.4, SLIDE_H - 0.45, SLIDE_W - 2.0, 0.35, (Para(pack.footer, 11, colour=GREY),), name="Footer"),
        Box(
            SLIDE_W - 1.5,
            SLIDE_H - 0.45,
            1.1,
            0.35,
            (Para(f"{number} / {len(pack.slides)}", 11, colour=GREY),),
            align="right",
            name="Slide number",
        ),
    ]


def _label(text: str) -> Para:
    return Para(text.upper(), 12, True, GREY, 2)


NOTE_H = 0.5  # inches under a native chart for what its gaps mean


def _chart_boxes(slide: Slide, image: bytes | None = None, native: bool = False) -> list[Box]:
    """Return the chart (or its placeholder) on the left and the words on the right: the native
    chart when native and the slide has one, else the image."""
    x, y, w, h = CHART_BOX
    extra = []
    if native and slide.chart is not None:
        chart = slide.chart
        left = Box(x, y, w, h - NOTE_H if chart.note else h, chart=chart, alt=slide.alt, name="Chart")
        if chart.note:
            extra = [
                Box(
                    x,
                    y + h - NOTE_H,
                    w,
                    NOTE_H,
                    (Para(chart.note, 12, colour=GREY, space_after=0),),
                    name="Chart note",
                )
            ]
    elif image is not None:
        left = Box(*_fit(image, x, y, w, h), image=image, alt=slide.alt, name="Chart")
    else:
        left = Box(
            x,
            y,
            w,
            h,
            (Para("Not shown", 32, True, GREY, 12), *(Para(t, 22, colour=GREY) for t in slide.lines)),
            fill=PALE,
            align="center",
            middle=True,
            alt=slide.alt,
            name="Not shown",
        )
    words = [_label(slide.about_label), Para(slide.about, 17, space_after=14)]
    if slide.base:
        words += [_label("Base"), Para(slide.base, 15, space_after=14)]
    if slide.takeaway:
        words += [_label("Takeaway"), Para(slide.takeaway, 18, True, NHS_BLUE)]
    return [_heading(slide.heading), left, *extra, Box(*TEXT_BOX, tuple(words), name="About this chart")]


def _card_boxes(slide: Slide) -> list[Box]:
    """Return the four headline cards side by side."""
    gap, top, height = 0.25, 1.5, 5.2
    width = (SLIDE_W - 0.8 - gap * (len(slide.cards) - 1)) / max(len(slide.cards), 1)
    boxes = [_heading(slide.heading)]
    for i, card in enumerate(slide.cards):
        paras = (
            Para(card.title, 19, True, space_after=12),
            Para(card.value, 54, True, NHS_BLUE, 12),
            *(Para(t, 16) for t in card.lines),
        )
        boxes.append(
            Box(0.4 + i * (width + gap), top, width, height, paras, fill=PALE, name=f"Finding {i + 1}")
        )
    return boxes


def _title_boxes(slide: Slide) -> list[Box]:
    """Return the title slide: the pack's title, its scope, and the facts a reader needs first."""
    scope, *facts, rule = slide.lines
    width = SLIDE_W - 1.2
    paras = [Para(t, 18, space_after=8) for t in facts]
    if slide.warning:
        paras.append(Para(slide.warning, 18, True, WARNING))
    return [
        Box(0.6, 0.7, width, 1.0, (Para(slide.heading, 36, True, NHS_BLUE),), title=True, name="Title"),
        Box(0.6, 1.7, width, 0.8, (Para(scope, 30, True),), name="Scope"),
        Box(0.6, 2.55, width, 2.8, tuple(paras), name="Facts"),
        Box(0.6, 5.55, width, 1.1, (Para(rule, 17),), fill=PALE, middle=True, name="Confidentiality"),
    ]


def _closing_boxes(slide: Slide) -> list[Box]:
    """Return the closing slide's points."""
    paras = tuple(Para(f"•  {t}", 19, space_after=12) for t in slide.lines)
    return [_heading(slide.heading), Box(0.6, 1.4, SLIDE_W - 1.2, 5.4, paras, name="Method")]


def layout(
    pack: Pack, number: int, slide: Slide, image: bytes | None = None, *, native: bool = False
) -> list[Box]:
    """Return the boxes of one slide, footer included (number counts from 1): its chart native
    (PowerPoint) or as an image (PDF)."""
    boxes = {"title": _title_boxes, "findings": _card_boxes, "closing": _closing_boxes}
    body = boxes[slide.kind](slide) if slide.kind in boxes else _chart_boxes(slide, image, native)
    return body + _footer(pack, number)


# PowerPoint ------------------------------------------------------------------------------------

# Our colours as the template's theme colours, so that a pack on the organisation's template takes
# its colours: emphasis is the theme's first accent, labels its second text colour, panels its
# second background. The warning keeps its orange wherever it is.
THEME_OF = {NHS_BLUE: "ACCENT_1", GREY: "TEXT_2", PALE: "BACKGROUND_2", TEXT: None}


class _Frame:
    """Where the boxes of our 13.333 x 7.5-inch layout go on a template's slide: across, scaled to
    its width; down, the body (below our title, above our footer) fitted between the bottom of the
    layout's title and the top of its footers. Type scales with the body."""

    BODY = (1.25, SLIDE_H - 0.55)  # our body: from under the title to over the footer

    def __init__(self, prs, layout) -> None:
        from pptx.enum.shapes import PP_PLACEHOLDER
        from pptx.util import Emu

        self.width, self.height = Emu(prs.slide_width).inches, Emu(prs.slide_height).inches
        self.sx = self.width / SLIDE_W
        sy = self.height / SLIDE_H
        top, bottom = self.BODY[0] * sy, self.BODY[1] * sy
        furniture = (PP_PLACEHOLDER.FOOTER, PP_PLACEHOLDER.SLIDE_NUMBER, PP_PLACEHOLDER.DATE)
        for ph in layout.placeholders:
            kind = ph.placeholder_format.type
            if ph.top is None or ph.height is None:
                continue
            y, h = Emu(ph.top).inches, Emu(ph.height).inches
            if kind == PP_PLACEHOLDER.TITLE and y + h < self.height / 2:
                top = max(top, y + h + 0.05)
            elif kind in furniture and y > self.height / 2:
                bottom = min(bottom, y - 0.1)
        self.top, self.bottom = top, bottom
        self.sy = (bottom - top) / (self.BODY[1] - self.BODY[0])
        self.type = min(self.sx, self.sy)

    def box(self, x: float, y: float, w: float, h: float) -> tuple:
        """Return a box of our layout as EMU on the template's slide."""
        from pptx.util import Inches

        y0 = self.top + (y - self.BODY[0]) * self.sy
        return Inches(x * self.sx), Inches(y0), Inches(w * self.sx), Inches(h * self.sy)

    def pt(self, size: float):
        from pptx.util import Pt

        return Pt(round(size * self.type, 1))


def _colour(font_or_fill, colour: str) -> None:
    """Set a colour: the template's theme colour where ours has one, else the colour itself."""
    from pptx.dml.color import RGBColor
    from pptx.enum.dml import MSO_THEME_COLOR

    theme = THEME_OF.get(colour, "")
    if theme is None:
        return  # the template's text colour
    if theme:
        font_or_fill.color.theme_color = getattr(MSO_THEME_COLOR, theme)
    else:
        font_or_fill.color.rgb = RGBColor.from_string(colour[1:])


def _fill(shape_fill, colour: str) -> None:
    from pptx.dml.color import RGBColor
    from pptx.enum.dml import MSO_THEME_COLOR

    shape_fill.solid()
    theme = THEME_OF.get(colour)
    if theme:
        shape_fill.fore_color.theme_color = getattr(MSO_THEME_COLOR, theme)
    else:
        shape_fill.fore_color.rgb = RGBColor.from_string(colour[1:])


def _write_text(frame, box: Box, fr: _Frame, *, styled: bool = True) -> None:
    """Write a box's paragraphs into a text frame (styled=False: as the placeholder's style has it)."""
    from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
    from pptx.util import Inches

    align = {"left": PP_ALIGN.LEFT, "center": PP_ALIGN.CENTER, "right": PP_ALIGN.RIGHT}
    frame.word_wrap = True
    if styled:
        frame.vertical_anchor = MSO_ANCHOR.MIDDLE if box.middle else MSO_ANCHOR.TOP
        inset = Inches(0.2) if box.fill else Inches(0.05)
        frame.margin_left = frame.margin_right = frame.margin_top = frame.margin_bottom = inset
    for i, para in enumerate(box.paras):
        p = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        run = p.add_run()
        run.text = para.text
        if not styled:
            continue
        p.alignment = align[box.align]
        p.space_after = fr.pt(para.space_after)
        run.font.size = fr.pt(para.size)
        run.font.bold = para.bold
        _colour(run.font, para.colour)


def _style_size(layout, kind, default: float) -> float:
    """Return the type size (points) a template gives a placeholder's first level: the layout's own
    placeholder, then the master's, then the master's title or other text style."""
    from pptx.enum.shapes import PP_PLACEHOLDER
    from pptx.oxml.ns import qn

    master = layout.slide_master
    places = [ph for ph in layout.placeholders if ph.placeholder_format.type == kind]
    places += [ph for ph in master.placeholders if ph.placeholder_format.type == kind]
    for ph in places:
        for level in ph._element.iter(qn("a:lvl1pPr")):
            props = level.find(qn("a:defRPr"))
            if props is not None and props.get("sz"):
                return int(props.get("sz")) / 100
    style = "p:titleStyle" if kind == PP_PLACEHOLDER.TITLE else "p:otherStyle"
    found = master._element.xpath(f"./p:txStyles/{style}/a:lvl1pPr/a:defRPr/@sz")
    return int(found[0]) / 100 if found else default


def fitting_size(text: str, width: float, height: float, size: float, smallest: float) -> float:
    """Return the largest type size (points), at most size and at least smallest, at which text
    fits a box of width x height inches, by a generous estimate of its wrapped lines: a glyph taken
    as 0.62 em wide (as in wide faces, Georgia or Verdana), a line as 1.2 em high. A template's
    title style sized for short titles would otherwise run off the top of the slide."""
    while size > smallest:
        per_line = max(1, int(width * 72 / (0.62 * size)))
        lines, used = 1, 0
        for word in text.split():
            if used and used + 1 + len(word) > per_line:
                lines, used = lines + 1, len(word)
            else:
                used += len(word) + (1 if used else 0)
        if lines * size * 1.2 / 72 <= height - 0.1:
            return size
        size -= 1
    return smallest


def _fit_placeholder(shape, layout, kind, default: float, smallest: float) -> None:
    """Shrink a placeholder's text below the template's size only where it would overflow."""
    from pptx.util import Emu, Pt

    size = _style_size(layout, kind, default)
    text = shape.text_frame.text
    fit = fitting_size(text, Emu(shape.width).inches - 0.2, Emu(shape.height).inches, size, smallest)
    if fit < size:
        for p in shape.text_frame.paragraphs:
            for run in p.runs:
                run.font.size = Pt(fit)


def _furniture(page, layout, kind, box: Box, fr: _Frame):
    """Return the slide's footer or slide-number placeholder, as the layout places and styles it,
    or a text box where the layout has none. The footer takes the width from the left of the
    footers to the slide number (the date's place too: a pack has its date in the footer), and
    smaller type only where its words would not fit."""
    from pptx.enum.shapes import PP_PLACEHOLDER

    places = {ph.placeholder_format.type: ph for ph in layout.placeholders}
    if kind not in places:
        shape = page.shapes.add_textbox(*fr.box(box.x, box.y, box.w, box.h))
        _write_text(shape.text_frame, box, fr)
        return shape
    page.shapes.clone_placeholder(places[kind])
    shape = page.shapes[-1]
    _write_text(shape.text_frame, box, fr, styled=False)
    if kind == PP_PLACEHOLDER.FOOTER:
        own = places[kind]
        left = min(ph.left for ph in places.values() if ph.top is not None and ph.top >= own.top - own.height)
        number = places.get(PP_PLACEHOLDER.SLIDE_NUMBER)
        right = (
            number.left - int(0.1 * 914400)
            if number is not None and number.left > own.left
            else (own.left + own.width)
        )
        shape.left, shape.top, shape.width, shape.height = left, own.top, right - left, own.height
        _fit_placeholder(shape, layout, kind, 12, 8)
    return shape


def to_pptx(pack: Pack, template=None, *, template_name: str | None = None) -> bytes:
    """Return the pack as PowerPoint, its charts native and its notes as speaker notes, built on a
    template: ours (None), or the organisation's (a path, or the bytes of an upload called
    template_name). Needs no browser unless a chart has no native type (then it is a picture)."""
    from pptx.enum.shapes import MSO_SHAPE, PP_PLACEHOLDER
    from pptx.oxml.ns import qn

    from pcn_data.reports import pack_template, pptx_charts

    prs = pack_template.open_template(template, template_name)
    layout_ = pack_template.content_layout(prs)
    fr = _Frame(prs, layout_)
    prs.core_properties.title = pack.title
    kept = (
        PP_PLACEHOLDER.TITLE,
        PP_PLACEHOLDER.CENTER_TITLE,
        PP_PLACEHOLDER.FOOTER,
        PP_PLACEHOLDER.SLIDE_NUMBER,
    )
    pictures = [s for s in pack.slides if s.spec is not None and s.chart is None]
    images = chart_images(pack, only=pictures) if pictures else {}

    for number, slide in enumerate(pack.slides, start=1):
        page = prs.slides.add_slide(layout_)
        image = images.get(number - 1)
        for box in layout(pack, number, slide, image, native=True):
            if box.name in ("Footer", "Slide number"):
                kind = PP_PLACEHOLDER.FOOTER if box.name == "Footer" else PP_PLACEHOLDER.SLIDE_NUMBER
                _furniture(page, layout_, kind, box, fr).name = box.name
                continue
            geometry = fr.box(box.x, box.y, box.w, box.h)
            if box.chart is not None:
                shape = pptx_charts.add(page, box.chart, geometry, fr.pt)
            elif box.image is not None:
                shape = page.shapes.add_picture(BytesIO(box.image), *geometry)
                shape._element.nvPicPr.cNvPr.set("descr", box.alt)
            elif box.title and page.shapes.title is not None:
                shape = page.shapes.title  # where and how the template's layout puts its title
                _write_text(shape.text_frame, box, fr, styled=False)
                _fit_placeholder(shape, layout_, PP_PLACEHOLDER.TITLE, 44, 20)
            else:
                if box.fill:
                    shape = page.shapes.add_shape(MSO_SHAPE.RECTANGLE, *geometry)
                    # Without the theme's style a viewer draws no shadow or outline of its own.
                    shape._element.remove(shape._element.find(qn("p:style")))
                    _fill(shape.fill, box.fill)
                    shape.line.fill.background()
                else:
                    shape = page.shapes.add_textbox(*geometry)
                _write_text(shape.text_frame, box, fr)
            shape.name = box.name
            if box.alt:
                shape._element.xpath("./*[1]/p:cNvPr")[0].set("descr", box.alt)
        for ph in list(page.placeholders):  # a layout's other placeholders, left empty
            if ph.placeholder_format.type not in kept and not (ph.has_text_frame and ph.text_frame.text):
                ph._element.getparent().remove(ph._element)
        if slide.notes:
            page.notes_slide.notes_text_frame.text = slide.notes
    out = BytesIO()
    prs.save(out)
    return out.getvalue()


# PDF -------------------------------------------------------------------------------------------

# Punctuation that Helvetica (Latin-1) lacks, for the fallback without a TrueType font.
_PLAIN = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "–": "-", "…": "...", "•": "-", "▶": ">"})


def _pdf_font(pdf) -> tuple[str, bool]:
    """Return the font family to use and whether it is Unicode (a TrueType font was found)."""
    for regular, bold in PDF_FONTS:
        if Path(regular).exists() and Path(bold).exists():
            pdf.add_font("body", "", regular)
            pdf.add_font("body", "B", bold)
            return "body", True
    return "helvetica", False


def _rgb(colour: str) -> tuple[int, int, int]:
    return tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))


def _text_height(pdf, family: str, p: Para, text: str, width: float) -> float:
    """Return the height in inches that a paragraph takes when wrapped to width."""
    pdf.set_font(family, "B" if p.bold else "", p.size)
    return pdf.multi_cell(width, p.size * 1.2 / 72, text, dry_run=True, output="HEIGHT")


def to_pdf(pack: Pack, images: dict[int, bytes] | None = None, progress=None) -> bytes:
    """Return the pack as a PDF, one 16:9 page per slide, laid out as the PowerPoint file is, its
    charts the pages' images (images: {slide index: PNG}, drawn here in Chromium when not given;
    RenderError says what to install when Chromium is missing)."""
    from fpdf import FPDF

    if images is None:
        images = chart_images(pack, progress=progress)
    pdf = FPDF(orientation="landscape", unit="in", format=(SLIDE_H, SLIDE_W))
    pdf.set_auto_page_break(False)
    pdf.set_margins(0, 0, 0)
    pdf.set_title(pack.title)
    family, unicode = _pdf_font(pdf)
    pt = 1 / 72  # inches per point
    for number, slide in enumerate(pack.slides, start=1):
        pdf.add_page()
        for box in layout(pack, number, slide, images.get(number - 1)):
            if box.image is not None:
                pdf.image(BytesIO(box.image), x=box.x, y=box.y, w=box.w, h=box.h, alt_text=box.alt)
                continue
            if box.fill:
                pdf.set_fill_color(*_rgb(box.fill))
                pdf.rect(box.x, box.y, box.w, box.h, style="F")
            inset = 0.2 if box.fill else 0.05
            width = box.w - 2 * inset
            paras = [(p, p.text if unicode else p.text.translate(_PLAIN)) for p in box.paras]

            y = box.y + inset
            if box.middle:  # centred: measure the text first (a trial layout of every paragraph)
                total = sum(_text_height(pdf, family, p, t, width) + p.space_after * pt for p, t in paras)
                y = box.y + max((box.h - total) / 2, inset)
            for p, text in paras:
                pdf.set_font(family, "B" if p.bold else "", p.size)
                pdf.set_text_color(*_rgb(p.colour))
                pdf.set_xy(box.x + inset, y)
                pdf.multi_cell(width, p.size * 1.2 * pt, text, align=box.align[0].upper())
                y = pdf.get_y() + p.space_after * pt
    return bytes(pdf.output())
