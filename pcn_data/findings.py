"""The headline findings the Overview shows and `summary` prints, computed live from the data."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import pandas as pd

from pcn_data.db import Database
from pcn_data.filters import Filters
from pcn_data.queries import add_shares, get_question, net_scores, selection_counts
from pcn_data.stats import wilson


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


def _share(
    db: Database, f: Filters, key: str, title: str, code: str, options: set[str], measure: str, page: str
) -> Finding:
    """Return the finding 'share choosing any of options' for one question."""
    q = get_question(db, code)
    counts = selection_counts(db, code, f)
    if counts.empty:
        return Finding(key, title, q["wording"], measure, None, None, None, None, True, page)
    shares = add_shares(counts)
    picked = shares[shares["option_code"].isin(options)]
    suppressed = bool(picked["suppressed"].any())
    if suppressed:
        return Finding(key, title, q["wording"], measure, None, None, None, None, True, page)
    count = float(picked["count"].sum())
    base = float(picked["base"].iloc[0])
    lo, hi = wilson(count, base)
    return Finding(
        key,
        title,
        q["wording"],
        measure,
        count / base if base else None,
        _float(lo),
        _float(hi),
        int(base),
        False,
        page,
    )


def _top_need(db: Database, f: Filters) -> Finding:
    """Return the development need chosen by the largest share of respondents."""
    code = "dev_needs"
    q = get_question(db, code)
    title = "Top development need"
    counts = selection_counts(db, code, f)
    if counts.empty or bool(counts["suppressed"].any()):
        return Finding(
            "top_need",
            title,
            q["wording"],
            "of respondents",
            None,
            None,
            None,
            None,
            True,
            "development_needs",
        )
    shares = add_shares(counts)
    needs = shares[~shares["is_exclusive"].astype(bool)].sort_values(
        ["share", "sort_order"], ascending=[False, True]
    )
    top = needs.iloc[0]
    return Finding(
        "top_need",
        title,
        q["wording"],
        "of respondents chose it",
        _float(top["share"]),
        _float(top["low"]),
        _float(top["high"]),
        int(top["base"]),
        False,
        "development_needs",
        detail=str(top["label"]),
    )


def _net_role_clarity(db: Database, f: Filters) -> Finding:
    """Return net agreement with 'I am clear about what is expected of me as a CD'."""
    code = "role_clear_self"
    q = get_question(db, code)
    title = "Net role clarity"
    counts = selection_counts(db, code, f)
    if counts.empty or bool(counts["suppressed"].any()):
        return Finding(
            "net_role_clarity",
            title,
            q["wording"],
            "agree minus disagree",
            None,
            None,
            None,
            None,
            True,
            "role_clarity",
            is_net=True,
        )
    row = net_scores(counts).iloc[0]
    return Finding(
        "net_role_clarity",
        title,
        q["wording"],
        "agree minus disagree, percentage points",
        _float(row["net"]),
        _float(row["low"]),
        _float(row["high"]),
        int(row["base"]),
        False,
        "role_clarity",
        is_net=True,
    )


def headline_findings(db: Database, f: Filters) -> list[Finding]:
    """Return the four headline findings for one wave and the filters in force."""
    if f.wave is None:
        raise ValueError("Headline findings are for one wave: set Filters.wave")
    return [
        _share(
            db,
            f,
            "ics_poor",
            "ICS relationship rated poor",
            "rel_ics",
            {"poor"},
            "rated it Poor (of those who gave a rating)",
            "relationships",
        ),
        _share(
            db,
            f,
            "vision_unclear",
            "Unclear about the PCN's shared vision",
            "vision_pcn",
            {"somewhat_unclear", "very_unclear"},
            "somewhat or very unclear",
            "role_clarity",
        ),
        _top_need(db, f),
        _net_role_clarity(db, f),
    ]
