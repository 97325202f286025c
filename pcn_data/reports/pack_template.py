"""The PowerPoint template a slide pack is built on: ours by default (NHS Blue, Arial, 16:9), or
the organisation's own (`pack --template FILE.pptx`, or an upload on the page), whose masters,
layouts, theme colours and fonts the pack then takes.

Ours is made from python-pptx's own template on first use (its layouts widened to 16:9, its theme
given our colours and font), so there is no binary file to keep in step with the code.
"""

from __future__ import annotations

import functools
import logging
import zipfile
from io import BytesIO
from pathlib import Path

from pcn_data.core import palette
from pcn_data.core.errors import PcnDataError

log = logging.getLogger(__name__)

SLIDE_W, SLIDE_H = 13.333, 7.5  # inches, as slides.SLIDE_W / SLIDE_H (16:9)

# Our theme: the dashboard's colours (NHS Blue, then the charts' Okabe-Ito) and Arial.
THEME_COLOURS = {
    name: colour.lstrip("#")
    for name, colour in {
        "dk1": palette.TEXT,
        "lt1": palette.WHITE,
        "dk2": palette.GREY,
        "lt2": palette.PALE,
        **{f"accent{i + 1}": c for i, c in enumerate(palette.CATEGORICAL[:6])},
        "hlink": palette.NHS_BLUE,
        "folHlink": "#330072",  # NHS purple: a visited link
    }.items()
}
THEME_FONT = "Arial"

# Where our master puts its placeholders, in inches: (x, y, width, height).
TITLE_BOX = (0.4, 0.3, SLIDE_W - 0.8, 0.9)
BODY_BOX = (0.4, 1.25, SLIDE_W - 0.8, 5.7)
FOOTER_BOX = (0.4, SLIDE_H - 0.45, SLIDE_W - 2.0, 0.35)
NUMBER_BOX = (SLIDE_W - 1.5, SLIDE_H - 0.45, 1.1, 0.35)
DATE_BOX = (SLIDE_W - 3.9, SLIDE_H - 0.45, 2.3, 0.35)

# A template is a few megabytes; these bound an upload and what its zip unpacks to.
# In Streamlit's megabytes (MiB), so that the upload box and this check agree on a file's size.
MAX_TEMPLATE_MB = 50
MAX_TEMPLATE_BYTES = MAX_TEMPLATE_MB * 1024 * 1024
MAX_UNPACKED_BYTES = 300_000_000

PPTX_MAIN = "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"
TEMPLATE_MAINS = (
    "application/vnd.openxmlformats-officedocument.presentationml.template.main+xml",
    "application/vnd.ms-powerpoint.template.macroEnabled.main+xml",
    "application/vnd.ms-powerpoint.presentation.macroEnabled.main+xml",
)


def _qn(tag: str) -> str:
    from pptx.oxml.ns import qn

    return qn(tag)


def _set_box(shape, box: tuple[float, float, float, float]) -> None:
    from pptx.util import Inches

    shape.left, shape.top, shape.width, shape.height = (Inches(v) for v in box)


def _widen(element, factor: float) -> None:
    """Scale every position and width across (a:off x, a:ext cx) of a master or layout."""
    for off in element.iter(_qn("a:off")):
        off.set("x", str(round(int(off.get("x")) * factor)))
    for ext in element.iter(_qn("a:ext")):
        if ext.get("cx") is not None:
            ext.set("cx", str(round(int(ext.get("cx")) * factor)))


def _theme(prs) -> None:
    """Give the presentation's theme our colours and font."""
    from lxml import etree

    master_part = prs.slide_master.part
    theme_part = next(rel.target_part for rel in master_part.rels.values() if rel.reltype.endswith("/theme"))
    theme = etree.fromstring(theme_part.blob)
    theme.set("name", "PCN Futures")
    scheme = theme.find(f".//{_qn('a:clrScheme')}")
    scheme.set("name", "PCN Futures")
    for name, rgb in THEME_COLOURS.items():
        slot = scheme.find(_qn(f"a:{name}"))
        for child in list(slot):
            slot.remove(child)
        etree.SubElement(slot, _qn("a:srgbClr"), val=rgb)
    fonts = theme.find(f".//{_qn('a:fontScheme')}")
    fonts.set("name", "PCN Futures")
    for kind in ("a:majorFont", "a:minorFont"):
        fonts.find(f"{_qn(kind)}/{_qn('a:latin')}").set("typeface", THEME_FONT)
    theme_part._blob = etree.tostring(theme, xml_declaration=True, encoding="UTF-8", standalone=True)


def _scheme_fill(parent, colour: str) -> None:
    from lxml import etree

    fill = etree.SubElement(parent, _qn("a:solidFill"))
    etree.SubElement(fill, _qn("a:schemeClr"), val=colour)


def _style_master(prs) -> None:
    """Place the master's placeholders for 16:9 and style its title and footers."""
    from lxml import etree
    from pptx.enum.shapes import PP_PLACEHOLDER

    master = prs.slide_master
    boxes = {
        PP_PLACEHOLDER.TITLE: TITLE_BOX,
        PP_PLACEHOLDER.BODY: BODY_BOX,
        PP_PLACEHOLDER.FOOTER: FOOTER_BOX,
        PP_PLACEHOLDER.SLIDE_NUMBER: NUMBER_BOX,
        PP_PLACEHOLDER.DATE: DATE_BOX,
    }
    for shape in master.placeholders:
        kind = shape.placeholder_format.type
        if kind in boxes:
            _set_box(shape, boxes[kind])
        if kind in (PP_PLACEHOLDER.FOOTER, PP_PLACEHOLDER.SLIDE_NUMBER, PP_PLACEHOLDER.DATE):
            level = shape._element.find(f".//{_qn('a:lvl1pPr')}")
            level.set("algn", "r" if kind == PP_PLACEHOLDER.SLIDE_NUMBER else "l")
            props = level.find(_qn("a:defRPr"))
            props.set("sz", "1100")
            for child in list(props):
                props.remove(child)
            _scheme_fill(props, "tx2")
    title = master.placeholders[0]
    title._element.find(f".//{_qn('a:bodyPr')}").set("anchor", "t")
    styles = master._element.find(_qn("p:txStyles"))
    level = styles.find(f"{_qn('p:titleStyle')}/{_qn('a:lvl1pPr')}")
    level.set("algn", "l")
    props = level.find(_qn("a:defRPr"))
    props.set("sz", "3000")
    props.set("b", "1")
    for child in props.findall(_qn("a:solidFill")):
        props.remove(child)
    fill = etree.Element(_qn("a:solidFill"))
    etree.SubElement(fill, _qn("a:schemeClr"), val="accent1")
    props.insert(0, fill)


@functools.lru_cache(maxsize=1)
def default_template() -> bytes:
    """Return our template as .pptx bytes: python-pptx's layouts at 16:9, our theme and master."""
    from pptx import Presentation
    from pptx.util import Inches

    prs = Presentation()
    factor = Inches(SLIDE_W) / prs.slide_width
    prs.slide_width, prs.slide_height = Inches(SLIDE_W), Inches(SLIDE_H)
    _widen(prs.slide_master._element.find(_qn("p:cSld")), factor)
    for layout in prs.slide_layouts:
        _widen(layout._element.find(_qn("p:cSld")), factor)
    _theme(prs)
    _style_master(prs)
    prs.core_properties.title = "PCN Futures slide pack"
    out = BytesIO()
    prs.save(out)
    return out.getvalue()


def _as_presentation_package(data: bytes) -> bytes:
    """Return a package a .potx/.pptm/.potm template was saved as, relabelled as a presentation
    (python-pptx opens only that content type; masters and layouts are the same)."""
    with zipfile.ZipFile(BytesIO(data)) as z:
        if sum(item.file_size for item in z.infolist()) > MAX_UNPACKED_BYTES:
            raise ValueError("it unpacks to more than 300 MB")
        types = z.read("[Content_Types].xml").decode("utf-8")
        if not any(t in types for t in TEMPLATE_MAINS):
            return data
        for t in TEMPLATE_MAINS:
            types = types.replace(t, PPTX_MAIN)
        out = BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as w:
            for item in z.infolist():
                w.writestr(item, types if item.filename == "[Content_Types].xml" else z.read(item))
    return out.getvalue()


def open_template(template: bytes | Path | str | None = None, name: str | None = None):
    """Return a Presentation to build a pack on, emptied of any slides of its own: ours when
    template is None, else the organisation's (a path, or the bytes of an upload called name).
    Raises PcnDataError naming the file when it is not a PowerPoint file."""
    from pptx import Presentation

    if template is None:
        data, name = default_template(), "the default template"
    elif isinstance(template, bytes):
        data, name = template, name or "the uploaded template"
    else:
        path = Path(template)
        name = name or str(path)
        try:
            data = path.read_bytes()
        except OSError as exc:
            log.warning("template %s not read", name, exc_info=exc)
            raise PcnDataError(f"The template {name} cannot be read: {exc.strerror or exc}.") from exc
    if len(data) > MAX_TEMPLATE_BYTES:
        raise PcnDataError(
            f"The template {name} is larger than {MAX_TEMPLATE_MB} MB: a template needs no pictures that big."
        )
    try:
        prs = Presentation(BytesIO(_as_presentation_package(data)))
    except Exception as exc:  # noqa: BLE001 - zip, XML and package errors all mean "not a pptx"
        log.warning("template %s not opened", name, exc_info=exc)
        raise PcnDataError(
            f"The template {name} is not a PowerPoint file (.pptx or .potx) that can be opened "
            f"({type(exc).__name__}: {exc}). Save it from PowerPoint as a .pptx and try again."
        ) from exc
    if not len(prs.slide_layouts):
        raise PcnDataError(f"The template {name} has no slide layouts to build a pack on.")
    _drop_slides(prs)
    return prs


def _drop_slides(prs) -> None:
    """Remove a template's own slides (sample or cover slides): the pack brings its own."""
    ids = prs.slides._sldIdLst
    for sld in list(ids):
        prs.part.drop_rel(sld.rId)
        ids.remove(sld)


def _placeholder_types(layout) -> list:
    return [ph.placeholder_format.type for ph in layout.placeholders]


def content_layout(prs):
    """Return the layout a pack's slides use: the template's 'Title Only' layout (a title and no
    body), else the layout with a title and the fewest other placeholders."""
    from pptx.enum.shapes import PP_PLACEHOLDER

    furniture = {PP_PLACEHOLDER.DATE, PP_PLACEHOLDER.FOOTER, PP_PLACEHOLDER.SLIDE_NUMBER}
    titled = [layout for layout in prs.slide_layouts if PP_PLACEHOLDER.TITLE in _placeholder_types(layout)]
    if not titled:
        return prs.slide_layouts[0]
    named = [x for x in titled if x.name.strip().casefold() == "title only"]
    if named:
        return named[0]
    return min(titled, key=lambda x: len([t for t in _placeholder_types(x) if t not in furniture]))
