"""The headline findings the Overview shows and `summary` prints, computed live from the data."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace

import pandas as pd

from pcn_data.core.db import Database
from pcn_data.core.filters import Filters
from pcn_data.survey.queries import add_shares, net_scores, question_wordings, selection_counts
from pcn_data.survey.stats import wilson


@dataclass(frozen=True)
class Finding:
    """One headline: a share (or net score) with its base and 95% interval, or suppressed."""

    key: str
    title: str
    question: str  # wording, as asked
    measure: str  # what the value is a share of, in words
    value: float | None
    low: float | None
    high: float | None
    n: int | None  # base of the value
    suppressed: bool
    page: str  # the page whose evidence this summarises
    is_net: bool = False
    detail: str | None = None  # e.g. which need came top

    def as_dict(self) -> dict:
        """Return the finding as a JSON-ready dict."""
        return asdict(self)

    def formatted(self) -> str:
        """Return the value as people read it: 58% or +37, or a dash when suppressed."""
        if self.suppressed or self.value is None:
            return "–"
        if self.is_net:
            return f"{self.value * 100:+.0f}"
        return f"{self.value * 100:.0f}%"

    def interval(self) -> str:
        """Return the 95% interval in words, or an empty string."""
        if self.suppressed or self.low is None:
            return ""
        if self.is_net:
            return f"95% CI {self.low * 100:+.0f} to {self.high * 100:+.0f}"
        return f"95% CI {self.low * 100:.0f}% to {self.high * 100:.0f}%"


def _float(x) -> float | None:
    """Return x as a float, or None when missing."""
    return None if x is None or pd.isna(x) else float(x)


@dataclass(frozen=True)
class _Spec:
    """How one headline is computed: the share choosing `options`, the top option, or net agreement."""

    key: str
    title: str
    question_code: str
    measure: str
    page: str
    kind: str  # share | top | net
    options: frozenset[str] = frozenset()


SPECS = [
    _Spec(
        "ics_poor",
        "ICS relationship rated poor",
        "rel_ics",
        "rated it Poor (of those who gave a rating)",
        "relationships",
        "share",
        frozenset({"poor"}),
    ),
    _Spec(
        "vision_unclear",
        "Unclear about the PCN's shared vision",
        "vision_pcn",
        "somewhat or very unclear",
        "role_clarity",
        "share",
        frozenset({"somewhat_unclear", "very_unclear"}),
    ),
    _Spec(
        "top_need", "Top development need", "dev_needs", "of respondents chose it", "development_needs", "top"
    ),
    _Spec(
        "net_role_clarity",
        "Net role clarity",
        "role_clear_self",
        "agree minus disagree, percentage points",
        "role_clarity",
        "net",
    ),
]


def _finding(spec: _Spec, wording: str, counts: pd.DataFrame) -> Finding:
    """Return one headline from the selection's counts for its question, or its suppressed
    placeholder."""
    hidden = Finding(
        spec.key,
        spec.title,
        wording,
        spec.measure,
        None,
        None,
        None,
        None,
        True,
        spec.page,
        is_net=spec.kind == "net",
    )
    if counts.empty or bool(counts["suppressed"].any()):
        return hidden
    if spec.kind == "net":
        row = net_scores(counts).iloc[0]
        value, low, high, base, detail = row["net"], row["low"], row["high"], row["base"], None
    elif spec.kind == "top":
        shares = add_shares(counts)
        needs = shares[~shares["is_exclusive"].astype(bool)]
        row = needs.sort_values(["share", "sort_order"], ascending=[False, True]).iloc[0]
        value, low, high, base, detail = row["share"], row["low"], row["high"], row["base"], str(row["label"])
    else:
        shares = add_shares(counts)
        picked = shares[shares["option_code"].isin(spec.options)]
        count, base = float(picked["count"].sum()), float(picked["base"].iloc[0])
        low, high = wilson(count, base)
        value, detail = (count / base if base else None), None
    return replace(
        hidden,
        value=_float(value),
        low=_float(low),
        high=_float(high),
        n=int(base),
        suppressed=False,
        detail=detail,
    )


def headline_findings(db: Database, f: Filters) -> list[Finding]:
    """Return the four headline findings for one wave and the filters in force."""
    if f.wave is None:
        raise ValueError("Headline findings are for one wave: set Filters.wave")
    # One count for the four questions: the suppression still protects each question on its own.
    counts = selection_counts(db, [spec.question_code for spec in SPECS], f)
    wordings = question_wordings(db)
    return [
        _finding(
            spec,
            wordings[spec.question_code],
            counts[counts["question_code"] == spec.question_code].reset_index(drop=True),
        )
        for spec in SPECS
    ]
