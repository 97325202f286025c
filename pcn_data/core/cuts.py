"""Cuts: what the chosen place (or role) does to a view, and how a group compares with the total,
each written once, beside the filters.

A view by place reads every place of the ICS, whatever is chosen, and the choice only cuts (or
marks) the rows afterwards: every place is a cell of the same protected table, so one place's cell
is the same in the view of one as in the view of all, and one cached answer serves every choice.
No function here reads data or suppresses anything: they select and label rows the protected
tables (pcn_data.survey.protect) already published.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pcn_data.core.filters import Filters

TOTAL = "total"  # the group code of the total row of a places-and-total frame
NOT_DISTINGUISHABLE = "not distinguishable from the ICS"
# A breakdown's own dimension of the filters: a view by place cuts its places from every place.
OWN = {"place": "places", "role": "roles"}


def every_group(f: Filters, by: str = "place") -> Filters:
    """Return the filters without the breakdown's own dimension (the places, for a view by place):
    what such a view reads before the choice cuts it."""
    own = OWN.get(by)
    return f.without(own) if own else f


def chosen_groups(
    df: pd.DataFrame, f: Filters, by: str = "place", *, with_total: bool = False
) -> pd.DataFrame:
    """Return the rows of the groups chosen in the breakdown's dimension (and the total row, with
    with_total); every row when nothing is chosen there."""
    chosen = getattr(f, OWN[by]) if by in OWN else ()
    if not chosen or df.empty:
        return df
    keep = df["grp"].isin(chosen)
    if with_total:
        keep |= df["is_total"].astype(bool)
    return df[keep].reset_index(drop=True)


def cut_by_place(fn):
    """Mark a query whose answer for chosen places is its answer for every place cut to those
    places and the total (chosen_groups), so that a cache can serve every change of place from one
    answer (ui.query does)."""
    fn.places = "cut"
    return fn


def every_place(fn):
    """Mark a query that shows every place whatever is chosen (the choice only marks one, see
    mark_chosen): a cache keys it on the filters without the place (ui.query does)."""
    fn.places = "every"
    return fn


def selection_code(f: Filters) -> str:
    """Return the group code of the selection: the chosen place, else the total."""
    return f.places[0] if f.places else TOTAL


def of_selection(df: pd.DataFrame, f: Filters) -> pd.DataFrame:
    """Return the rows of a places-and-total frame for the selection: the chosen place, else the
    total."""
    if df.empty:
        return df
    return df[~df["is_total"].astype(bool) & df["grp"].isin(f.places)] if f.places else df[df["is_total"]]


def mark_chosen(labels, codes, f: Filters) -> list[str]:
    """Return the group labels with the chosen places marked ▶ (never moved: places are not ranked)."""
    return [f"▶ {g}" if c in f.places else g for g, c in zip(labels, codes, strict=True)]


def against_total(
    rows: pd.DataFrame,
    keys: list[str],
    *,
    higher: str = "higher than the ICS",
    lower: str = "lower than the ICS",
    est: str | None = None,
) -> pd.Series:
    """Return, per row, how its 95% interval (low, high) sits against the total row with the same
    keys: higher or lower where the intervals do not overlap, NOT_DISTINGUISHABLE where they do;
    empty for the total itself, for hidden rows, where the total is hidden or missing, and where
    est (the row's estimate) is missing."""
    total = rows[rows["is_total"].astype(bool)]
    ref = total[[*keys, "low", "high"]].rename(columns={"low": "_ref_low", "high": "_ref_high"})
    hidden_total = total["suppressed"].astype(bool).to_numpy()
    ref.loc[hidden_total, ["_ref_low", "_ref_high"]] = np.nan
    merged = rows.join(ref.set_index(keys), on=keys)
    label = np.where(
        merged["high"] < merged["_ref_low"],
        lower,
        np.where(merged["low"] > merged["_ref_high"], higher, NOT_DISTINGUISHABLE),
    )
    out = pd.Series(label, index=rows.index, dtype=object)
    blank = rows["is_total"].astype(bool) | rows["suppressed"].astype(bool) | merged["_ref_low"].isna()
    if est is not None:
        blank |= rows[est].isna()
    out[blank] = ""
    return out
