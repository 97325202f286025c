"""Slide packs built from a page, kept per process, downloaded when ready."""

from __future__ import annotations

import datetime as dt
import hashlib
import threading

import streamlit as st

import plain
from pcn_data.core.errors import PcnDataError, RenderError
from pcn_data.core.filters import Filters
from pcn_data.reports import pack_template, slide_files, slides
from pcn_data.survey import compare, queries
from ui.data import _open, data_version, database, query
from ui.filters import min_group

PACK_FORMATS = [
    ("pptx", "PowerPoint", "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
    ("pdf", "PDF", "application/pdf"),
]


@st.cache_resource(show_spinner=False, max_entries=16)
def _pack_slot(
    db_path: str, data_version: int, f: Filters, measure: str, day: str, k: int, template: str
) -> dict:
    """Return the process's slot for one slide pack, keyed on the file, its data version, the filters,
    measure, date (printed on the pack), K and the template's sha256 ("" for ours). The pack is built
    into the slot once. A cached function that built it could not show progress: Streamlit replays,
    on every later call, the elements a cached function touched, and a progress bar of an earlier
    run is gone by then."""
    return {"lock": threading.Lock(), "files": None}


def _build_pack(slot: dict, db_path: str, f: Filters, measure: str, day: str, template) -> None:
    """Build the pack into its slot, unless it is there already, showing progress: the PowerPoint
    file (native charts, no browser) on the template (None, or the upload), then the PDF (the
    pages' chart images, drawn in Chromium). Without Chromium the PowerPoint file is still offered
    and the PDF's place says what to install."""
    with st.status("Building the slide pack", expanded=True) as status:
        bar = st.progress(0.0, text="Starting")
        try:
            with slot["lock"]:  # two sessions asking at once build it once
                if slot["files"] is None:
                    pack = slides.build_pack(
                        _open(db_path),
                        f,
                        measure=measure,
                        today=dt.date.fromisoformat(day),
                        progress=lambda x, text: bar.progress(min(x, 1.0) * 0.3, text=text),
                    )
                    data = None if template is None else template.getvalue()
                    name = None if template is None else template.name
                    files = {
                        "pptx": slide_files.to_pptx(pack, data, template_name=name),
                        "stem": pack.file_stem,
                    }
                    try:
                        files["pdf"] = slide_files.to_pdf(
                            pack, progress=lambda x, text: bar.progress(0.3 + 0.7 * min(x, 1.0), text=text)
                        )
                    except RenderError as exc:
                        files["pdf_error"] = str(exc)
                    slot["files"] = files
        except PcnDataError as exc:
            status.update(label="The slide pack could not be built", state="error")
            st.error(plain.md(str(exc)))
            return
        bar.progress(1.0, text="Done")
        status.update(label="Slide pack ready", state="complete", expanded=False)


def slide_pack(f: Filters, *, key: str, measure: str = compare.DEFAULT_MEASURE) -> None:
    """Draw the slide-pack button and an upload for the organisation's PowerPoint template; build
    the pack for the filters with its progress shown, then offer it as PowerPoint and PDF."""
    if f.wave is None or (f.ics is None and len(query(queries.list_ics)) > 1):
        st.caption("Choose a survey wave and an ICS in the sidebar to build a slide pack.")
        return
    template = st.file_uploader(
        "PowerPoint template (optional)",
        type=["pptx", "potx"],
        key=f"{key}_template",
        max_upload_size=pack_template.MAX_TEMPLATE_MB,
        help="Your organisation's template: the PowerPoint pack takes its masters, layouts, theme "
        "colours and fonts, and leaves out its own slides. Without one the pack uses ours.",
    )
    digest = "" if template is None else hashlib.sha256(template.getvalue()).hexdigest()
    db = database()
    wanted = (str(db.path), data_version(), f, measure, dt.date.today().isoformat(), min_group(), digest)
    slot = _pack_slot(*wanted)
    if st.button(
        "Build slide pack",
        key=f"{key}_build",
        icon=":material/slideshow:",
        help="A 16:9 PowerPoint (its charts editable) and PDF of these filters for a meeting: headline "
        "findings, the charts with their question, base and takeaway, recommendations progress, method "
        "and confidentiality.",
    ):
        _build_pack(slot, wanted[0], f, measure, wanted[4], template)
    files = slot["files"]
    if files is None:
        return  # not built yet for these filters, data and template
    columns = st.columns([1, 1, 2])  # the two side by side, under the button
    for column, (ext, name, mime) in zip(columns, PACK_FORMATS, strict=False):
        if ext not in files:
            column.warning(f"No PDF: {plain.md(files['pdf_error'])}", icon=":material/warning:")
            continue
        column.download_button(
            f"Download slide pack ({name})",
            data=files[ext],
            file_name=f"{files['stem']}.{ext}",
            mime=mime,
            key=f"{key}_{ext}",
            icon=":material/download:",
        )
