"""Statistics and confidentiality: Wilson intervals, net agreement, and `suppress`,
the single step every aggregate of survey answers passes through."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from pcn_data.core import config
from pcn_data.core.config import validate_min_group

Z95 = 1.959963984540054


def wilson(x, n, z: float = Z95) -> tuple[np.ndarray, np.ndarray]:
    """Return the Wilson score interval (low, high) for x successes in n; NaN where n is 0 or missing."""
    x = np.asarray(x, dtype=float)
    n = np.asarray(n, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = x / n
        denom = 1 + z**2 / n
        centre = (p + z**2 / (2 * n)) / denom
        half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / denom
        lo = np.where(n > 0, np.clip(centre - half, 0, 1), np.nan)
        hi = np.where(n > 0, np.clip(centre + half, 0, 1), np.nan)
    return lo, hi


def net_agreement(positive, negative, n, z: float = Z95):
    """Return (net, low, high): % positive minus % negative with a 95% MOVER-Wilson interval.

    The two shares come from one multinomial sample, so the interval combines their Wilson
    limits with the negative correlation between them (Newcombe's square-and-add method).
    """
    pos = np.asarray(positive, dtype=float)
    neg = np.asarray(negative, dtype=float)
    n = np.asarray(n, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        p1, p2 = pos / n, neg / n
        l1, u1 = wilson(pos, n, z)
        l2, u2 = wilson(neg, n, z)
        rho = -np.sqrt(np.where((p1 < 1) & (p2 < 1), p1 * p2 / ((1 - p1) * (1 - p2)), 0.0))
        net = p1 - p2
        lo = net - np.sqrt(np.maximum((p1 - l1) ** 2 + (u2 - p2) ** 2 - 2 * rho * (p1 - l1) * (u2 - p2), 0))
        hi = net + np.sqrt(np.maximum((u1 - p1) ** 2 + (p2 - l2) ** 2 - 2 * rho * (u1 - p1) * (p2 - l2), 0))
    valid = n > 0
    return (
        np.where(valid, net, np.nan),
        np.where(valid, np.clip(lo, -1, 1), np.nan),
        np.where(valid, np.clip(hi, -1, 1), np.nan),
    )


def difference_interval(est1, low1, high1, est2, low2, high2):
    """Return (low, high): a 95% interval for est1 - est2 from two independent estimates, each
    with its own 95% limits (Newcombe's square-and-add; with Wilson limits, his method 10)."""
    e1, l1, h1 = (np.asarray(x, dtype=float) for x in (est1, low1, high1))
    e2, l2, h2 = (np.asarray(x, dtype=float) for x in (est2, low2, high2))
    d = e1 - e2
    return (d - np.sqrt((e1 - l1) ** 2 + (h2 - e2) ** 2), d + np.sqrt((h1 - e1) ** 2 + (e2 - l2) ** 2))


def suppress(
    df: pd.DataFrame,
    *,
    group_cols: Sequence[str],
    n_col: str = "n",
    partition_by: Sequence[str] = (),
    value_cols: Sequence[str] = ("count",),
    also: pd.Series | None = None,
    min_group: int | None = None,
) -> pd.DataFrame:
    """Return df with a `suppressed` column and every number of a suppressed group blanked.

    A group (rows sharing group_cols, with n_col respondents) is suppressed when it has fewer
    than K respondents. Groups sharing partition_by are siblings of one shown total (places of
    an ICS, PCNs of a place, options of a question): while the suppressed siblings together
    hold between 1 and K - 1 respondents, or a single non-empty sibling is the only one hidden,
    the total minus the shown siblings would reveal them, so the next-smallest sibling is
    suppressed too. `also` (a boolean Series on df's rows)
    suppresses the groups of its True rows for reasons decided elsewhere, before the
    complementary step. n_col and value_cols of suppressed rows become missing, so the
    placeholder looks the same whatever the true n was.
    """
    min_group = config.min_group() if min_group is None else validate_min_group(min_group)
    group_cols = list(group_cols)
    partition_by = list(partition_by)
    if not set(partition_by) <= set(group_cols):
        raise ValueError("partition_by must be a subset of group_cols")
    out = df.copy()
    if out.empty:
        out["suppressed"] = pd.Series(dtype=bool)
        out.attrs["min_group"] = min_group
        return out

    grouped = out.assign(
        _also=False if also is None else also.reindex(out.index, fill_value=False).astype(bool)
    )
    grouped = grouped.groupby(group_cols, dropna=False, sort=True)
    row_group = grouped.ngroup().to_numpy()
    groups = grouped.agg(**{n_col: (n_col, "first"), "_also": ("_also", "any")}).reset_index()
    n = groups[n_col].astype(float).fillna(0).to_numpy()
    hidden = (n < min_group) | groups["_also"].to_numpy(dtype=bool)
    # Complementary step, per partition (siblings of one shown total). Unhidden groups hold K or
    # more, so hiding the next-smallest one always ends the risk: one more at most.
    part = (
        groups.groupby(partition_by, dropna=False, sort=False).ngroup().to_numpy()
        if partition_by
        else np.zeros(len(groups), dtype=int)
    )
    hidden_n = np.bincount(part, weights=np.where(hidden, n, 0.0))
    hidden_groups = np.bincount(part, weights=(hidden & (n > 0)).astype(float))
    # Never leave one non-empty group as the only one hidden (it is total minus the rest), nor
    # hidden groups that together hold fewer than K.
    exposed = ((hidden_n > 0) & (hidden_n < min_group)) | (hidden_groups == 1)
    candidates = groups[~hidden & exposed[part]].sort_values([n_col, *group_cols], kind="stable")
    next_smallest = candidates.index[~pd.Series(part[candidates.index]).duplicated().to_numpy()]
    hidden[next_smallest] = True

    suppressed = hidden[row_group]
    out["suppressed"] = suppressed
    for col in [n_col, *value_cols]:
        out[col] = out[col].astype("Float64").mask(suppressed)
    out = out.reset_index(drop=True)
    out.attrs["min_group"] = min_group
    return out
