"""The slide pack the oversight group takes to its meetings: a model of slides built from the same
suppressed queries and chart calls as the pages, then written as PowerPoint and PDF (slide_files).

Every survey number comes from a query that passes through `stats.suppress`; a chart whose subject
(the chosen place, or the ICS) is hidden becomes a placeholder slide with the same words whatever
the true n, and no text, note or alt text carries a hidden value.

The PowerPoint file draws each chart natively (native_charts: read from the page's figure, so
editable and with no browser needed); only the PDF draws the charts as images, in Chromium.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import pandas as pd

from pcn_data.charts import views
from pcn_data.core import cuts
from pcn_data.core.config import min_group
from pcn_data.core.db import Database
from pcn_data.core.errors import PcnDataError
from pcn_data.core.filters import Filters
from pcn_data.programme.tracker import progress as tracker_progress
from pcn_data.reports.native_charts import NativeChart, native_chart
from pcn_data.survey import compare, results
from pcn_data.survey.compare import MEASURES, measure_by_place
from pcn_data.survey.findings import headline_findings
from pcn_data.survey.queries import (
    display_names,
    list_ics,
    list_places,
    list_waves,
    question_wordings,
    respondent_totals,
    respondents_by_place,
)

# The slide is 13.333 x 7.5 inches (16:9). A chart is laid out 1000 pixels wide and shown 9.15
# inches wide, so its type (sized for a 1920-pixel screen) comes out a third larger on a projector;
# scale 2 keeps the image sharp.
SLIDE_W, SLIDE_H = 13.333, 7.5
CHART_BOX = (0.35, 1.25, 9.15, 5.7)  # x, y, width, height in inches
TEXT_BOX = (9.75, 1.25, 3.25, 5.7)
CHART_WIDTH = 1000
IMAGE_SCALE = 2.0

Progress = Callable[[float, str], None]


@dataclass(frozen=True)
class Card:
    """One headline finding on the findings slide."""

    title: str
    value: str  # "58%", "+37", or "–" when not shown
    lines: tuple[str, ...]


@dataclass(frozen=True)
class Slide:
    """One slide of the pack. kind: title | findings | chart | placeholder | closing."""

    kind: str
    heading: str
    lines: tuple[str, ...] = ()  # body text of the title and closing slides
    about_label: str = "Question"  # "Question", or "What it shows" for charts of no survey question
    about: str = ""  # the question wording as asked, or what the chart shows
    base: str = ""
    takeaway: str = ""
    spec: views.ChartSpec | None = None  # the page's chart spec: drawn as an image for the PDF
    chart: NativeChart | None = None  # the same chart as PowerPoint draws it (None: a picture)
    alt: str = ""  # alt text of the chart (or of the placeholder)
    notes: str = ""  # speaker notes
    cards: tuple[Card, ...] = ()
    warning: str = ""  # shown boldly on the title slide: demo data


@dataclass(frozen=True)
class Pack:
    """A built pack: its slides, the words of its footer, and a file name without extension."""

    title: str
    footer: str
    file_stem: str
    slides: tuple[Slide, ...] = field(default_factory=tuple)


def pct(x) -> str:
    """Return a share as a whole percentage."""
    return f"{float(x):.0%}"


def pts(x) -> str:
    """Return a net score or difference in signed percentage points (+37, −12): a minus sign, not a
    hyphen, so that a line never breaks between the sign and the number."""
    return f"{float(x) * 100:+.0f}".replace("-", "\u2212")


def _n(x) -> str:
    """Return a count as a whole number."""
    return str(int(x))


def _hidden(k: int) -> str:
    """Return why a group is not shown, in the same words whatever its true n."""
    return f"fewer than {k} respondents, or hidden to protect a smaller group"


# Resolving what the pack is for --------------------------------------------------------------


def _match(value: str, options: pd.DataFrame, code_col: str, what: str) -> str:
    """Return the code of the row whose code or name is value (any case), or raise with the choices."""
    wanted = value.strip().casefold()
    for code, name in zip(options[code_col], options["name"], strict=True):
        if wanted in (str(code).casefold(), str(name).casefold()):
            return code
    choices = ", ".join(f"{n} ({c})" for c, n in zip(options[code_col], options["name"], strict=True))
    raise PcnDataError(f"There is no {what} {value!r} in this file: choose one of {choices}.")


def pack_filters(
    db: Database, *, place: str | None = None, ics: str | None = None, wave: str | None = None
) -> Filters:
    """Return the filters of a pack from names or codes: one place (or none, for the ICS), the
    ICS (default: the place's, else the first), and the wave (default: the latest survey)."""
    waves = list_waves(db)
    if waves.empty:
        raise PcnDataError("This file has no survey waves yet, so there is nothing to put in a pack.")
    wave_code = _match(wave, waves, "wave_code", "survey wave") if wave else waves["wave_code"].iloc[-1]
    ics_list = list_ics(db)
    ics_code = _match(ics, ics_list, "ics_code", "ICS") if ics else None
    places = list_places(db, ics_code)
    place_code = _match(place, places, "place_code", "place") if place else None
    if place_code:
        ics_code = places.loc[places["place_code"] == place_code, "ics_code"].iloc[0]
    if ics_code is None:
        ics_code = ics_list["ics_code"].iloc[0]
    return Filters(wave=wave_code, ics=ics_code, places=(place_code,) if place_code else ())


# Building the slides ----------------------------------------------------------------------------


@dataclass
class _Context:
    """What every slide needs to know: the data, filters, K and names."""

    db: Database
    f: Filters
    k: int
    names: dict[str, str]
    total: str  # the total row's label: the ICS's name
    subject_code: str  # grp code of the pack's subject: the place, or "total"
    subject: str  # its name
    wordings: dict[str, str]

    @property
    def is_place(self) -> bool:
        return self.subject_code != cuts.TOTAL


@dataclass(frozen=True)
class PlannedChart:
    """A chart slide before its image is drawn: spec is None for a placeholder."""

    heading: str
    about: str
    spec: views.ChartSpec | None
    base: str = ""
    takeaway: str = ""
    alt: str = ""
    notes: str = ""
    about_label: str = "Question"
    reason: str = ""  # why a placeholder shows nothing

    def slide(self, k: int) -> Slide:
        """Return the slide, with the chart read natively from the page's figure, or, without a
        chart spec, as a placeholder."""
        if self.spec is None:
            return Slide(
                "placeholder", self.heading, (self.reason,), self.about_label, self.about, alt=self.alt
            )
        return Slide(
            "chart",
            self.heading,
            (),
            self.about_label,
            self.about,
            self.base,
            self.takeaway,
            self.spec,
            native_chart(self.spec, k),
            self.alt,
            self.notes,
        )


def _placeholder(c: _Context, heading: str, about: str, reason: str = "") -> PlannedChart:
    """Return a placeholder slide: the same words whatever the true n of the subject."""
    reason = reason or f"{c.subject}: {_hidden(c.k)}."
    return PlannedChart(heading, about, None, alt=f"Not shown. {reason}", reason=reason)


def _subject_rows(c: _Context, df: pd.DataFrame) -> pd.DataFrame | None:
    """Return the subject's rows of a suppressed frame, or None when they are hidden or absent."""
    if df.empty:
        return None
    rows = cuts.of_selection(df, c.f)
    if rows.empty or bool(rows["suppressed"].astype(bool).any()):
        return None
    return rows


def _not_shown(groups: pd.DataFrame) -> str:
    """Return the names of the hidden groups of a chart, for its alt text (never their n)."""
    hidden = list(groups.loc[groups["suppressed"].astype(bool), "grp_label"])
    return f" Not shown: {', '.join(hidden)}." if hidden else ""


def _base_line(c: _Context, subject_n, total_n=None) -> str:
    """Return the base in words: n of the subject, and of the ICS for a place pack."""
    text = f"n = {_n(subject_n)} ({c.subject})"
    if c.is_place and total_n is not None and not pd.isna(total_n):
        text += f"; n = {_n(total_n)} ({c.total})"
    return text


def _respondents(c: _Context) -> PlannedChart:
    """Return the 'who responded' slide (counts from the protected respondents table)."""
    resp = respondents_by_place(c.db, c.f.without("wave"))
    about = "Respondents by place and survey wave, and how many Clinical Directors responded"
    heading = "Who responded"
    if resp.empty:
        return _placeholder(c, heading, about)
    now = resp[resp["wave_code"] == c.f.wave]
    if c.is_place:
        now = now[now["place_code"] == c.subject_code]
        r, cds = (now[col].iloc[0] if len(now) else pd.NA for col in ("respondents", "cd_respondents"))
    else:
        total = respondent_totals(c.db, c.f)
        r = total["respondents"].iloc[0] if len(total) else pd.NA
        cds = (
            respondent_totals(c.db, replace(c.f, roles=("cd",)))["respondents"].iloc[0]
            if len(total)
            else pd.NA
        )
    # A count the protected table hides is never stated: the pack says it is not shown.
    r = 0 if pd.isna(r) else int(r)
    cds = None if pd.isna(cds) else int(cds)
    invited = int(now["cds_invited"].sum())
    wave = c.names.get(c.f.wave, c.f.wave)
    roles = ", ".join(c.names.get(x, x) for x in c.f.roles) if c.f.roles else "all roles"
    if r < c.k:
        # Hidden by the protected table (under K, or beside a place that is).
        takeaway = (
            f"{wave}: fewer than {c.k} respondents in {c.subject}, so its survey results are not shown."
        )
        base = f"Fewer than {c.k} respondents ({c.subject})"
    else:
        takeaway = f"{wave}: {r} respondents in {c.subject} ({roles})"
        if invited and cds is not None:
            takeaway += f"; {cds} of {invited} Clinical Directors invited responded ({pct(cds / invited)})"
        takeaway += "."
        base = f"n = {r} respondents ({c.subject}, {roles})"
    return PlannedChart(
        heading,
        about,
        views.respondents(resp),
        base=base,
        takeaway=takeaway,
        alt=f"Bar chart of respondents by place, one bar per survey wave. {takeaway}",
        notes="Counts of who responded are cells of the protected respondents table: a hidden one is "
        "not stated. "
        "The chart shows every wave; the words on this slide are for the chosen wave.",
        about_label="What it shows",
    )


# Statements on the slides, with the words for their positive and negative answers.
STATEMENTS = [
    ("role_clear_self", "Role clarity", "agree", "disagree"),
    ("vision_pcn", "Shared vision", "clear", "unclear"),
]


def _statement(c: _Context, detail: pd.DataFrame, question: str, heading: str, yes: str, no: str):
    """Return the slide of one statement's diverging bars by place."""
    wording = c.wordings[question]
    spec = views.statement(detail, question, wording, c.k)
    rows = _subject_rows(c, spec.args[0]) if spec else None
    if rows is None:
        return _placeholder(c, heading, wording)
    d = spec.args[0]
    pos = rows.loc[rows["polarity"] == "positive", "share"].astype(float).sum()
    neg = rows.loc[rows["polarity"] == "negative", "share"].astype(float).sum()
    first = rows.iloc[0]
    takeaway = f"{c.subject}: {pct(pos)} {yes}, {pct(neg)} {no} (net {pts(first['net'])})"
    groups = d.drop_duplicates("grp")
    if c.is_place:
        takeaway += f"; {first['vs_ics']}." if first["vs_ics"] else "."
    else:
        differ = groups[groups["vs_ics"].isin(["higher than the ICS", "lower than the ICS"])]
        takeaway += (
            "; "
            + "; ".join(f"{g} {v}" for g, v in zip(differ["grp_label"], differ["vs_ics"], strict=True))
            + "."
            if not differ.empty
            else "; no place is distinguishable from the ICS."
        )
    total = groups[groups["is_total"]]
    total_n = None if total.empty or bool(total["suppressed"].iloc[0]) else total["n"].iloc[0]
    alt = f"Diverging bars of the answers to “{wording}”, one bar per place and the ICS. {takeaway}"
    alt += _not_shown(groups)
    return PlannedChart(
        heading,
        wording,
        spec,
        base=_base_line(c, first["n"], total_n) + "; n per bar on the chart",
        takeaway=takeaway,
        alt=alt,
        notes=f"{yes.capitalize()} and {no} are shares of those who gave an answer. Bars are sorted by "
        f"net {yes} (% {yes} minus % {no}), the ICS first; a place is higher or lower than the ICS only "
        "where the 95% intervals do not overlap.",
    )


def _gap(c: _Context) -> PlannedChart:
    """Return the slide of 'clear about my role, but are others?'."""
    heading = "Clear about my role, but are others?"
    about = f"“{c.wordings['role_clear_self']}” and “{c.wordings['role_partners_clear']}”"
    gap = results.agreement_gap(c.db, c.f, c.total)
    rows = _subject_rows(c, gap)
    if rows is None:
        return _placeholder(c, heading, about)
    r = rows.iloc[0]
    takeaway = (
        f"{c.subject}: {pct(r['share_self'])} of Clinical Directors agree they are clear about their role, "
        f"{pct(r['share_partners'])} that partners are clear about it: a gap of {pts(r['gap'])} points."
    )
    total = gap[gap["is_total"]]
    total_n = None if total.empty or bool(total["suppressed"].iloc[0]) else total["base_self"].iloc[0]
    return PlannedChart(
        heading,
        about,
        views.role_gap(gap, c.k),
        base="Clinical Directors: " + _base_line(c, r["base_self"], total_n),
        takeaway=takeaway,
        alt=f"Dot chart of the share agreeing with each statement, by place and the ICS. {takeaway}",
        notes="Clinical Directors only: the first statement is asked of no one else. Dots carry 95% Wilson "
        "intervals; the gap's interval treats the two shares as independent.",
    )


def _relationships(c: _Context) -> PlannedChart:
    """Return the slide of the partner x place heatmap."""
    heading = "Relationships across the ICS"
    about = c.wordings["rel_ics"].replace("the ICS", "…")
    matrix = results.relationship_matrix(c.db, c.f, c.total)
    rows = _subject_rows(c, matrix)
    if rows is None:
        return _placeholder(c, heading, about)
    best = rows.loc[rows["share"].astype(float).idxmax()]
    worst = rows.loc[rows["share"].astype(float).idxmin()]
    ics = rows[rows["question_code"] == "rel_ics"]
    takeaway = (
        f"{c.subject}, rated good or excellent: highest {best['partner']} ({pct(best['share'])}), "
        f"lowest {worst['partner']} ({pct(worst['share'])})"
    )
    if not ics.empty and ics["partner"].iloc[0] != worst["partner"]:
        takeaway += f"; ICS {pct(ics['share'].iloc[0])}"
    takeaway += "."
    lo, hi = int(rows["base"].min()), int(rows["base"].max())
    n = f"{lo}" if lo == hi else f"{lo} to {hi}"
    return PlannedChart(
        heading,
        about,
        views.relationship_heatmap(matrix, c.k),
        base=f"n = {n} per partner ({c.subject}), those who gave a rating; n in each cell",
        takeaway=takeaway,
        alt=f"Heatmap of the share rating each partner good or excellent, by place and the ICS. {takeaway}",
        notes="Shares of those who gave a rating: Don't know is left out of the base. The ICS row is "
        "outlined: most rate that relationship poor.",
    )


def _needs(c: _Context) -> PlannedChart:
    """Return the slide of the ranked development needs of the subject."""
    heading = f"Development needs: {c.subject}"
    wording = c.wordings[results.NEEDS]
    needs = results.needs(c.db, c.f, c.total)
    rows = _subject_rows(c, needs)
    if rows is None:
        return _placeholder(c, heading, wording)
    exclusive = rows["is_exclusive"].astype(bool)
    ranked = rows[~exclusive].sort_values(["share", "sort_order"], ascending=[False, True])
    top = ranked[ranked["share"] == ranked["share"].iloc[0]]
    names = " and ".join(top["short"])
    takeaway = f"{c.subject}: the top need is {names} ({pct(top['share'].iloc[0])} of respondents)"
    if exclusive.any():
        takeaway += f"; {pct(rows.loc[exclusive, 'share'].iloc[0])} say they have what they need"
    takeaway += "."
    return PlannedChart(
        heading,
        wording,
        views.needs_ranked(rows, wording),
        base=f"n = {_n(rows['base'].iloc[0])} respondents ({c.subject})",
        takeaway=takeaway,
        alt=f"Bar chart of the share of respondents choosing each need, largest first. {takeaway}",
        notes="Shares of respondents, not of selections: people could choose several. Bars show 95% Wilson "
        "intervals.",
    )


def _compare(c: _Context, measure: compare.Measure) -> PlannedChart:
    """Return the slide of one measure for every place against the ICS (the Compare page's chart)."""
    heading = "Compare places"
    about = f"{measure.label} (question: “{c.wordings[measure.question]}”)"
    rows = measure_by_place(c.db, measure, c.f, c.total)
    if rows.empty:
        return _placeholder(c, heading, about)
    fmt = pts if measure.kind == "net" else pct
    ref = rows[rows["is_total"]].iloc[0]
    ref_text = "not shown" if ref["suppressed"] else fmt(ref["value"])
    places = rows[~rows["is_total"]]
    shown = places[~places["suppressed"].astype(bool)]
    if c.is_place:
        me = cuts.of_selection(rows, c.f)
        if me.empty or bool(me["suppressed"].iloc[0]):
            takeaway = f"{c.subject}: not shown ({_hidden(c.k)})"
            base_parts = []
        else:
            takeaway = f"{c.subject}: {fmt(me['value'].iloc[0])}, {me['label'].iloc[0]}"
            base_parts = [f"n = {_n(me['base'].iloc[0])} ({c.subject})"]
        takeaway += f"; {c.total}: {ref_text}."
    else:
        takeaway = f"{c.total}: {ref_text}"
        for word in ("better", "worse", "higher", "lower"):
            named = shown.loc[shown["label"] == f"{word} than the ICS", "grp_label"]
            if not named.empty:
                takeaway += f"; {word} than the ICS: {', '.join(named)}"
        if not (shown["label"] != "not distinguishable from the ICS").any():
            takeaway += "; no place is distinguishable from the ICS"
        takeaway += "."
        base_parts = [f"n = {_n(b)} ({g})" for g, b in zip(shown["grp_label"], shown["base"], strict=True)]
    if not ref["suppressed"]:
        base_parts.append(f"n = {_n(ref['base'])} ({c.total})")
    alt = f"Dot chart of {measure.label} for every place with 95% intervals, against the ICS. {takeaway}"
    alt += _not_shown(places)
    return PlannedChart(
        heading,
        about,
        views.compare_places(rows, measure, c.f, c.k, c.total),
        base="; ".join(base_parts) if base_parts else f"Not shown: {_hidden(c.k)}.",
        takeaway=takeaway,
        alt=alt,
        notes="Every place of the ICS in a fixed order, never ranked. The grey band is the ICS with its 95% "
        "interval; a place is better or worse only where the intervals do not overlap.",
    )


def _progress_slide(c: _Context) -> PlannedChart:
    """Return the recommendations-progress slide (the tracker: not survey answers)."""
    heading = "Recommendations progress"
    about = "The report's recommendations in each place, by status"
    by_place = tracker_progress(c.db, "place", c.f.ics)
    if by_place.empty:
        return _placeholder(c, heading, about, "No recommendations in this file.")
    scope = by_place[by_place["grp"] == c.subject] if c.is_place else by_place
    counts = scope.groupby("status")["n"].sum()
    places = by_place["grp"].nunique()
    per_place = int(by_place["n"].sum()) // max(places, 1)
    order = ["Done", "In progress", "Not started", "Not applicable"]  # what has been done first
    parts = [f"{int(counts[s])} {s.lower()}" for s in order if counts.get(s, 0)]
    where = c.subject if c.is_place else f"Across {places} places"
    takeaway = f"{where}: {', '.join(parts)}, of {int(counts.sum())}."
    return PlannedChart(
        heading,
        about,
        views.progress(by_place, "By place"),
        base=f"{per_place} recommendations in each of {places} places",
        takeaway=takeaway,
        alt=f"Stacked bars of recommendation statuses by place. {takeaway}",
        notes="From the recommendations tracker, where every change is kept with who made it and when.",
        about_label="What it shows",
    )


def _findings(c: _Context) -> Slide:
    """Return the headline findings slide: the Overview's four cards."""
    cards = []
    for finding in headline_findings(c.db, c.f):
        if finding.suppressed:
            lines = (finding.measure, f"Not shown: {_hidden(c.k)}.")
        else:
            lines = tuple(
                x for x in (finding.detail, finding.measure, f"n = {finding.n} · {finding.interval()}") if x
            )
        cards.append(Card(finding.title, finding.formatted(), lines))
    return Slide(
        "findings",
        f"Headline findings: {c.subject}",
        cards=tuple(cards),
        notes="The four headline findings of the Overview page, with base n and 95% intervals.",
    )


def _title(c: _Context, today: dt.date, dataset: str) -> Slide:
    """Return the title slide: scope, wave, date, data source and the suppression rule."""
    roles = ", ".join(c.names.get(x, x) for x in c.f.roles) if c.f.roles else "All roles"
    source = f"{c.db.path.name}, data version {c.db.data_version()}"
    return Slide(
        "title",
        "PCN Futures: evidence for the oversight group",
        lines=(
            c.subject if c.is_place else c.total,
            f"Survey wave: {c.names.get(c.f.wave, c.f.wave)}",
            f"Respondents: {roles}",
            f"Prepared {today.day} {today:%B %Y}",
            f"Data source: {source}.",
            f"Confidentiality: results from any group of fewer than {c.k} respondents are not shown, and "
            "enough other groups are hidden with it that no combination of views, totals and downloads "
            "gives it back.",
        ),
        warning={
            "demo": "Demo data: PCN names are invented and the answers are generated to follow the "
            "report's findings. These are not real survey results.",
            "mixed": "Demo data mixed with imported responses: the file holds generated demo answers and "
            "real imports together, so these figures are neither.",
        }.get(dataset, ""),
    )


def _closing(c: _Context) -> Slide:
    """Return the closing slide on method and confidentiality."""
    return Slide(
        "closing",
        "Method and confidentiality",
        lines=(
            f"Groups of fewer than {c.k} respondents are shown as a placeholder that looks the same whatever "
            "their size. Enough other groups are hidden with each that no combination of views, totals "
            "and downloads gives it back: every number is read from one protected table per question.",
            "Every percentage carries its base (n) and a 95% Wilson interval. A place is better or worse "
            "than the ICS only where the intervals do not overlap; places and PCNs are never ranked.",
            "Shares of rating scales leave out Don't know; development needs are shares of respondents, "
            "not of selections.",
            "Counts of who responded are protected as answers are: a group under K reads as hidden.",
            "No free-text comments and no respondent-level answers are in this pack.",
            "The charts are those of the dashboard's pages, drawn from the same queries.",
        ),
    )


def _image_height(fig) -> int:
    """Return the height to draw a chart at, towards filling the slide's chart box: a short chart
    grows by half at most (more would bloat its bars), a tall one gives up 15% at most (more would
    crowd its rows), because a chart taller than the box is shrunk with its type."""
    fill = CHART_WIDTH * CHART_BOX[3] / CHART_BOX[2]
    own = fig.layout.height
    return round(min(max(own, min(fill, 1.5 * own)), max(fill, 0.85 * own)))


def _context(db: Database, f: Filters) -> _Context:
    """Return what the slides of a pack share, after checking the filters suit a pack."""
    if f.wave is None or f.ics is None:
        raise PcnDataError("A slide pack is for one survey wave and one ICS: choose both.")
    if len(f.places) > 1 or f.pcns:
        raise PcnDataError("A slide pack is for one place or the whole ICS, not several places or PCNs.")
    names = display_names(db)
    total = f.total_label(names)
    subject_code = cuts.selection_code(f)
    subject = names.get(subject_code, total)
    return _Context(db, f, min_group(), names, total, subject_code, subject, question_wordings(db))


def _plan(c: _Context, measure: str) -> list[PlannedChart]:
    """Return the chart slides of a pack, in order."""
    if measure not in MEASURES:
        raise PcnDataError(f"There is no measure {measure!r}.")
    detail = results.likert(c.db, [q for q, *_ in STATEMENTS], c.f, c.total)
    return [
        _respondents(c),
        *(_statement(c, detail, q, heading, yes, no) for q, heading, yes, no in STATEMENTS),
        _gap(c),
        _relationships(c),
        _needs(c),
        _compare(c, MEASURES[measure]),
        _progress_slide(c),
    ]


def plan_charts(db: Database, f: Filters, measure: str = compare.DEFAULT_MEASURE) -> list[PlannedChart]:
    """Return the chart slides of the pack for the filters, with their chart calls, undrawn."""
    return _plan(_context(db, f), measure)


def build_pack(
    db: Database,
    f: Filters,
    *,
    measure: str = compare.DEFAULT_MEASURE,
    today: dt.date | None = None,
    progress: Progress | None = None,
) -> Pack:
    """Return the slide pack for one wave and one place (or the whole ICS), each chart read natively
    from the page's figure. No image is drawn here: no browser is needed (see chart_images)."""
    report = progress or (lambda fraction, message: None)
    report(0.0, "Reading the data")
    today = today or dt.date.today()
    c = _context(db, f)
    planned = _plan(c, measure)
    chart_slides = []
    for i, p in enumerate(planned):
        report(0.1 + 0.85 * i / len(planned), f"Chart {i + 1} of {len(planned)}: {p.heading}")
        chart_slides.append(p.slide(c.k))
    dataset = db.dataset()
    report(1.0, "Done")
    return Pack(
        title=f"PCN Futures: {c.subject}",
        footer=f"PCN Futures · {f.describe(c.names)}"
        + {"demo": " · Demo data", "mixed": " · Demo data mixed with imported responses"}.get(dataset, "")
        + f" · {today:%d/%m/%Y}",
        file_stem=re.sub(r"[^a-z0-9]+", "_", f"pcn_futures_{c.subject}_{f.wave}".lower()).strip("_"),
        slides=(_title(c, today, dataset), _findings(c), *chart_slides, _closing(c)),
    )


def chart_images(pack: Pack, *, only=None, progress: Progress | None = None) -> dict[int, bytes]:
    """Return {slide index: PNG} of the charts of a pack drawn as the pages draw them, in one warm
    Chromium (for the PDF, and for a chart PowerPoint has no type for; only: those slides). Raises
    RenderError, which says what to install, when Chromium is missing."""
    from pcn_data import charts  # here: only drawing images loads plotly's renderer

    report = progress or (lambda fraction, message: None)
    wanted = [(i, s) for i, s in enumerate(pack.slides) if s.spec is not None and (only is None or s in only)]
    out = {}
    for j, (i, s) in enumerate(wanted):
        report(j / max(len(wanted), 1), f"Drawing chart {j + 1} of {len(wanted)}: {s.heading}")
        fig = s.spec.figure()
        out[i] = charts.to_png(fig, width=CHART_WIDTH, height=_image_height(fig), scale=IMAGE_SCALE)
    report(1.0, "Done")
    return out
