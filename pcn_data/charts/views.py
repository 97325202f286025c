"""The charts the pages draw, as chart specs: each names its builder (a function of `charts`), the
builder's arguments and, on a page, its key, caption, table and download name. `ui.chart(spec)`
draws a spec on a page; the slide pack draws the same specs (natively and as images), so that the
pack shows exactly what the screen shows."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import pandas as pd

from pcn_data import charts
from pcn_data.core.cuts import mark_chosen
from pcn_data.core.filters import Filters
from pcn_data.survey import results
from pcn_data.survey.compare import Measure

GAP_TITLE = "Agreeing: “I am clear about my role” vs “partners are clear about it”"
HEATMAP_TITLE = "“How would you rate your PCN's relationship with …?” Good or Excellent"


@dataclass(frozen=True, eq=False)
class ChartSpec:
    """One chart: builder(*args, **kwargs) draws its figure; key, caption (wording, wave, filters,
    base), table (a frame, or what makes it) and file_name (its CSV download) are how a page shows
    it. A page's spec without a caption or table shows the chart alone."""

    builder: Callable[..., Any]
    args: tuple = ()
    kwargs: dict[str, Any] = field(default_factory=dict)
    key: str = ""
    caption: str = ""
    table: pd.DataFrame | Callable[[], pd.DataFrame] | None = None
    file_name: str = ""

    @property
    def name(self) -> str:
        """Return the builder's name, which the text alternative and native chart readers know."""
        return self.builder.__name__

    def figure(self):
        """Return the figure the builder draws, text as given (ui.chart escapes it for a page)."""
        return self.builder(*self.args, **self.kwargs)


def statement(detail: pd.DataFrame, question: str, wording: str, k: int, **shown) -> ChartSpec | None:
    """Return the diverging bars of one statement by place (from results.likert), with the table of
    its groups, or None when nobody answered it."""
    d = detail[detail["question_code"] == question]
    if d.empty:
        return None
    shown = {"table": partial(results.likert_table, d), **shown}
    return ChartSpec(charts.diverging_bars, (d, f"“{wording}”"), {"min_group": k}, **shown)


def role_gap(gap: pd.DataFrame, k: int, **shown) -> ChartSpec:
    """Return the 'clear about my role, but are others?' dumbbell (from results.agreement_gap)."""
    return ChartSpec(charts.gap_dumbbell, (gap, GAP_TITLE), {"min_group": k}, **shown)


def relationship_heatmap(matrix: pd.DataFrame, k: int, **shown) -> ChartSpec:
    """Return the partner x place heatmap (from results.relationship_matrix), the ICS row outlined."""
    cells = matrix.assign(row=matrix["partner"], col=matrix["grp_label"])
    return ChartSpec(
        charts.share_heatmap, (cells, HEATMAP_TITLE), {"highlight_row": "ICS", "min_group": k}, **shown
    )


def needs_ranked(chosen: pd.DataFrame, wording: str, **shown) -> ChartSpec:
    """Return the ranked development needs of one group (from results.needs), without the
    'I have what I need' option, which excludes the others."""
    ranked = chosen[~chosen["is_exclusive"].astype(bool)]
    return ChartSpec(charts.ranked_shares, (ranked, f"“{wording}”"), **shown)


def compare_places(
    rows: pd.DataFrame, measure: Measure, f: Filters, k: int, total: str, **shown
) -> ChartSpec:
    """Return one measure for every place against the total (from compare.measure_by_place);
    the chosen place is marked with ▶, never ranked."""
    places = rows[~rows["is_total"]].copy()
    ref = rows[rows["is_total"]].iloc[0]
    places["grp_label"] = mark_chosen(places["grp_label"], places["grp"], f)
    net = measure.kind == "net"
    reference = None if ref["suppressed"] else (float(ref["value"]), float(ref["low"]), float(ref["high"]))
    return ChartSpec(
        charts.interval_dots,
        (places, measure.label),
        {
            "est": "value",
            "low": "low",
            "high": "high",
            "label_col": "grp_label",
            "axis_title": "Net agreement (points)" if net else "Share",
            "signed": net,
            "zero_line": net,
            "min_group": k,
            "reference": reference,
            "reference_label": total,
            "notes": list(places["label"]),
        },
        **shown,
    )


def respondents(resp: pd.DataFrame, **shown) -> ChartSpec:
    """Return respondents by place, one bar per wave (from queries.respondents_by_place)."""
    return ChartSpec(charts.respondents_by_place, (resp,), **shown)


def response_rate(resp: pd.DataFrame, **shown) -> ChartSpec:
    """Return the Clinical Director response rate by place and wave (from queries.respondents_by_place)."""
    return ChartSpec(charts.response_rate_by_place, (resp,), **shown)


def progress(by: pd.DataFrame, title: str, **shown) -> ChartSpec:
    """Return the recommendations' statuses as stacked bars (from tracker.progress)."""
    return ChartSpec(charts.progress_bars, (by, title), **shown)


def change_dots(change: pd.DataFrame, title: str, label_col: str, k: int, **shown) -> ChartSpec:
    """Return the change since the previous wave, one dot per row with its 95% interval (from
    results.*_change or compare.measure_change), each labelled up, down or not distinguishable."""
    d = change.assign(suppressed=False)
    # In words beside each dot, not only by where its interval falls (WCAG 1.4.1).
    notes = [
        ("up" if c > 0 else "down") if bool(ok) else "not distinguishable"
        for c, ok in zip(d["change"], d["distinguishable"], strict=True)
    ]
    return ChartSpec(
        charts.interval_dots,
        (d, title),
        {
            "est": "change",
            "low": "change_low",
            "high": "change_high",
            "label_col": label_col,
            "axis_title": "Change (points)",
            "signed": True,
            "zero_line": True,
            "min_group": k,
            "notes": notes,
        },
        **{"table": d, **shown},
    )
