"""The presenter's revealed results as plain HTML bars: drawn in one DOM update, so a chart that
changes with every vote never blinks empty on the projector (a plotly chart redrawn each second
did, 6 frames in 1,504). Every label is escaped here."""

from __future__ import annotations

import base64
import html

import pandas as pd

from pcn_data.core.palette import NHS_BLUE, PALE

BAR = NHS_BLUE


def results_bars(res: pd.DataFrame, kind: str) -> str:
    """Return the HTML of a choice question's results: a bar per option, its count and share
    (for a ranking, its Borda points and mean rank), largest scale = the largest bar.

    res: the columns of `polls.results` / `Room.results` (one row per option)."""
    ranking = kind == "ranking"
    values = res["points"].fillna(0) if ranking else res["votes"]
    top = max(float(values.max()) if len(values) else 0.0, 1.0)
    rows = []
    for r, value in zip(res.itertuples(index=False), values, strict=True):
        width = 100.0 * float(value) / top
        if ranking:
            rank = "" if pd.isna(r.mean_rank) else f" · mean rank {r.mean_rank:.1f}"
            figure = f"{int(value)} points{rank}"
        else:
            share = "" if r.share is None or pd.isna(r.share) else f" ({100 * r.share:.0f}%)"
            figure = f"{int(r.votes)}{share}"
        rows.append(
            "<div class='bar-row'>"
            f"<div class='bar-label'>{html.escape(str(r.label))}</div>"
            f"<div class='bar-track'><div class='bar' style='width:{width:.1f}%'></div></div>"
            f"<div class='bar-figure'>{html.escape(figure)}</div>"
            "</div>"
        )
    # Sizes follow the screen's height (vh), so that a 1280x720 projector shows every bar too.
    style = (
        "<style>.bars{display:grid;gap:clamp(0.4rem,1.2vh,0.7rem);margin:0.5rem 0 1rem}"
        ".bar-row{display:grid;grid-template-columns:minmax(12rem,30%) 1fr minmax(9rem,auto);"
        "gap:1rem;align-items:center;font-size:clamp(1.5rem,4vh,2rem);line-height:1.2}"
        ".bar-label{overflow-wrap:anywhere}"
        f".bar-track{{background:{PALE};height:clamp(2rem,5.5vh,3rem);border-radius:4px}}.bar{{background:{BAR};height:100%;"
        "border-radius:4px;min-width:2px}.bar-figure{font-weight:700;white-space:nowrap}</style>"
    )
    caption = "Points: a first place scores most." if ranking else ""
    note = f"<div class='present-sub'>{caption}</div>" if caption else ""
    return f"{style}<div class='bars' data-testid='present-bars'>{''.join(rows)}</div>{note}"


def word_cloud(svg: str, description: str, answers: list[str]) -> str:
    """Return the HTML of a revealed open-text question: its word cloud beside the list of the
    answers shown (moderated, redacted), in one element so that a redraw replaces both at once.

    svg: from `cloud.svg` (its words escaped there), shown as an image: in an <img> an SVG runs no
    script and loads nothing. description: its text alternative; answers: plain text, oldest first,
    escaped here and listed newest first (a list longer than the screen scrolls, and no one scrolls a
    projector: the room sees the answers arriving, not the first few forever)."""
    src = "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")
    alt = html.escape(description, quote=True)
    image = f"<img class='cloud' data-testid='present-cloud' src='{src}' alt='{alt}'>"
    items = "".join(f"<div class='present-text'>{html.escape(a)}</div>" for a in reversed(answers))
    if len(answers) > 1:
        items = "<div class='cloud-order'>Newest first</div>" + items
    style = (
        "<style>.cloud-wrap{display:grid;grid-template-columns:minmax(0,2.4fr) minmax(14rem,1fr);"
        "gap:1.5rem;align-items:start;margin-top:0.5rem}"
        ".cloud-wrap img.cloud{width:100%;height:auto;max-height:64vh;object-fit:contain;display:block}"
        ".cloud-list{max-height:64vh;overflow-y:auto}"
        ".cloud-list .present-text{font-size:clamp(1.1rem,2.6vh,1.5rem);margin:0 0 0.5rem}"
        ".cloud-order{font-size:1rem;color:#425563;margin:0 0 0.4rem}</style>"
    )
    listed = items or "<div class='present-sub'>No answers shown yet.</div>"
    return (
        f"{style}<div class='cloud-wrap'>{image}"
        f"<div class='cloud-list' data-testid='present-cloud-list'>{listed}</div></div>"
    )
