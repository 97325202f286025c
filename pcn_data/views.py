"""The charts the pages draw, written once as calls of the chart builders, so that the slide pack
draws exactly what the screen shows. No plotly here: a call names its builder in `charts`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from pcn_data.core.filters import Filters
from pcn_data.survey.compare import Measure

GAP_TITLE = "Agreeing: “I am clear about my role” vs “partners are clear about it”"
HEATMAP_TITLE = "“How would you rate your PCN's relationship with …?” Good or Excellent"


@dataclass(frozen=True)
class ChartCall:
    """One call of a chart builder: charts.<builder>(*args, **kwargs)."""

    builder: str
    args: tuple = ()
    kwargs: dict[str, Any] = field(default_factory=dict)

    def figure(self):
        """Return the figure the builder draws (imported here: only charts.py imports plotly)."""
        from pcn_data import charts

        return getattr(charts, self.builder)(*self.args, **self.kwargs)


def statement(detail: pd.DataFrame, question: str, wording: str, k: int) -> ChartCall | None:
    """Return the diverging bars of one statement by place (from results.likert), or None when
    nobody answered it."""
    d = detail[detail["question_code"] == question]
    if d.empty:
        return None
    return ChartCall("diverging_bars", (d, f"“{wording}”"), {"min_group": k})


def role_gap(gap: pd.DataFrame, k: int) -> ChartCall:
    """Return the 'clear about my role, but are others?' dumbbell (from results.agreement_gap)."""
    return ChartCall("gap_dumbbell", (gap, GAP_TITLE), {"min_group": k})


def relationship_heatmap(matrix: pd.DataFrame, k: int) -> ChartCall:
    """Return the partner x place heatmap (from results.relationship_matrix), the ICS row outlined."""
    cells = matrix.assign(row=matrix["partner"], col=matrix["grp_label"])
    return ChartCall("share_heatmap", (cells, HEATMAP_TITLE), {"highlight_row": "ICS", "min_group": k})


def needs_ranked(chosen: pd.DataFrame, wording: str) -> ChartCall:
    """Return the ranked development needs of one group (from results.needs), without the
    'I have what I need' option, which excludes the others."""
    ranked = chosen[~chosen["is_exclusive"].astype(bool)]
    return ChartCall("ranked_shares", (ranked, f"“{wording}”"))


def compare_places(rows: pd.DataFrame, measure: Measure, f: Filters, k: int, total: str) -> ChartCall:
    """Return one measure for every place against the total (from compare.measure_by_place);
    the chosen place is marked with ▶, never ranked."""
    places = rows[~rows["is_total"]].copy()
    ref = rows[rows["is_total"]].iloc[0]
    if f.places:
        places["grp_label"] = [
            f"▶ {g}" if c in f.places else g for g, c in zip(places["grp_label"], places["grp"], strict=True)
        ]
    net = measure.kind == "net"
    reference = None if ref["suppressed"] else (float(ref["value"]), float(ref["low"]), float(ref["high"]))
    return ChartCall(
        "interval_dots",
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
    )
