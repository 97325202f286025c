"""Writing a slide pack to a file. Each slide is laid out once, as boxes of text, images and
placeholders in inches; python-pptx draws the boxes as PowerPoint and fpdf2 as PDF, so the two
files show the same slides."""

from __future__ import annotations

import struct
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from pcn_data.slides import CHART_BOX, SLIDE_H, SLIDE_W, TEXT_BOX, Pack, Slide

NHS_BLUE = "#005EB8"
TEXT = "#212B32"
GREY = "#425563"
PALE = "#E8EDEE"
WARNING = "#B35806"  # the charts' darkest orange
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


def _chart_boxes(slide: Slide) -> list[Box]:
    """Return the chart (or its placeholder) on the left and the words on the right."""
    x, y, w, h = CHART_BOX
    if slide.image is not None:
        left = Box(*_fit(slide.image, x, y, w, h), image=slide.image, alt=slide.alt, name="Chart")
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
    return [_heading(slide.heading), left, Box(*TEXT_BOX, tuple(words), name="About this chart")]


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


def layout(pack: Pack, number: int, slide: Slide) -> list[Box]:
    """Return the boxes of one slide, footer included (number counts from 1)."""
    body = {
        "title": _title_boxes,
        "findings": _card_boxes,
        "closing": _closing_boxes,
    }.get(slide.kind, _chart_boxes)(slide)
    return body + _footer(pack, number)


# PowerPoint ------------------------------------------------------------------------------------


def to_pptx(pack: Pack) -> bytes:
    """Return the pack as a 16:9 PowerPoint file, its notes as speaker notes."""
    from pptx import Presentation
    from pptx.dml.color import RGBColor
    from pptx.enum.shapes import MSO_SHAPE
    from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
    from pptx.oxml.ns import qn
    from pptx.util import Inches, Pt

    prs = Presentation()
    prs.slide_width, prs.slide_height = Inches(SLIDE_W), Inches(SLIDE_H)
    title_only = prs.slide_layouts[5]
    prs.core_properties.title = pack.title
    align = {"left": PP_ALIGN.LEFT, "center": PP_ALIGN.CENTER, "right": PP_ALIGN.RIGHT}

    for number, slide in enumerate(pack.slides, start=1):
        page = prs.slides.add_slide(title_only)
        for box in layout(pack, number, slide):
            geometry = (Inches(box.x), Inches(box.y), Inches(box.w), Inches(box.h))
            if box.image is not None:
                shape = page.shapes.add_picture(BytesIO(box.image), *geometry)
                shape.name = box.name
                shape._element.nvPicPr.cNvPr.set("descr", box.alt)
                continue
            if box.title:
                shape = page.shapes.title
                shape.left, shape.top, shape.width, shape.height = geometry
            elif box.fill:
                shape = page.shapes.add_shape(MSO_SHAPE.RECTANGLE, *geometry)
                # Without the theme's style a viewer draws no shadow or outline of its own.
                shape._element.remove(shape._element.find(qn("p:style")))
                shape.fill.solid()
                shape.fill.fore_color.rgb = RGBColor.from_string(box.fill[1:])
                shape.line.fill.background()
            else:
                shape = page.shapes.add_textbox(*geometry)
            shape.name = box.name
            if box.alt:
                shape._element.nvSpPr.cNvPr.set("descr", box.alt)
            frame = shape.text_frame
            frame.word_wrap = True
            frame.vertical_anchor = MSO_ANCHOR.MIDDLE if box.middle else MSO_ANCHOR.TOP
            inset = Inches(0.2) if box.fill else Inches(0.05)
            frame.margin_left = frame.margin_right = frame.margin_top = frame.margin_bottom = inset
            for i, para in enumerate(box.paras):
                p = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
                p.alignment = align[box.align]
                p.space_after = Pt(para.space_after)
                run = p.add_run()
                run.text = para.text
                run.font.name = FONT
                run.font.size = Pt(para.size)
                run.font.bold = para.bold
                run.font.color.rgb = RGBColor.from_string(para.colour[1:])
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


def to_pdf(pack: Pack) -> bytes:
    """Return the pack as a PDF, one 16:9 page per slide, laid out as the PowerPoint file is."""
    from fpdf import FPDF

    pdf = FPDF(orientation="landscape", unit="in", format=(SLIDE_H, SLIDE_W))
    pdf.set_auto_page_break(False)
    pdf.set_margins(0, 0, 0)
    pdf.set_title(pack.title)
    family, unicode = _pdf_font(pdf)
    pt = 1 / 72  # inches per point
    for number, slide in enumerate(pack.slides, start=1):
        pdf.add_page()
        for box in layout(pack, number, slide):
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
