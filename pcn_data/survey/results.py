"""The aggregates behind the results pages: role clarity and vision, relationships across the
ICS, development needs, and the change between waves. Every function starts from the protected
tables' cells (`queries.option_counts` / `place_and_total_counts`), so nothing here sees a
group the tables hide."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from pcn_data.core import bank
from pcn_data.core.cuts import NOT_DISTINGUISHABLE as NOT_DISTINGUISHABLE  # the words, for callers of results
from pcn_data.core.cuts import against_total, cut_by_place, of_selection
from pcn_data.core.db import Database
from pcn_data.core.filters import Filters
from pcn_data.survey.queries import (
    add_shares,
    chosen_share,
    list_waves,
    net_scores,
    option_counts,
    place_and_total_counts,
)
from pcn_data.survey.stats import difference_interval, wilson

ROLE_ITEMS = ["role_clear_self", "role_partners_clear", "role_boundaries"]
VISION_ITEMS = ["vision_pcn", "vision_non"]
PARTNER_ITEMS = [f"rel_{code}" for code, _, _ in bank.PARTNERS]
NEEDS = "dev_needs"
POSITIVE_REL = {"good", "excellent"}

# Short names of the development needs, for small multiples.
NEED_SHORT = {
    "mgmt_skills": "Management skills",
    "wider_system": "Understanding the system",
    "coaching": "Coaching, confidence",
    "time_mgmt": "Time and team",
    "technical": "Technical tools",
    "networking": "Networking",
    "have_what_i_need": "Have what I need",
}


def compare_with_total(groups: pd.DataFrame, est: str = "net") -> pd.Series:
    """Return, per row, how its 95% interval sits against the total row of the same question and
    wave (cuts.against_total): higher, lower, or not distinguishable from the ICS."""
    return against_total(groups, ["question_code", "wave_code"], est=est)


def _question_labels(db: Database) -> dict[str, str]:
    """Return question code -> short label."""
    df = db.query("SELECT question_code, short_label FROM question")
    return dict(zip(df["question_code"], df["short_label"], strict=True))


@cut_by_place
def likert(db: Database, questions: list[str], f: Filters, total_label: str = "ICS total") -> pd.DataFrame:
    """Return option shares per question x group, with each group's net agreement, interval
    and comparison with the total. Grain: question x wave x group x option."""
    counts = place_and_total_counts(db, questions, f, total_label)
    if counts.empty:
        return counts
    shares = add_shares(counts)
    nets = net_scores(counts)
    nets["vs_ics"] = compare_with_total(nets)
    nets = nets.rename(columns={"low": "net_low", "high": "net_high", "base": "net_base"})
    cols = ["question_code", "wave_code", "grp", "net", "net_low", "net_high", "net_base", "vs_ics"]
    out = shares.merge(nets[cols], on=["question_code", "wave_code", "grp"], how="left")
    out["question"] = out["question_code"].map(_question_labels(db))
    return out


def group_summary(detail: pd.DataFrame) -> pd.DataFrame:
    """Return one row per question x wave x group from a likert() frame: the table behind a chart."""
    cols = [
        "question",
        "wave_code",
        "grp_label",
        "is_total",
        "suppressed",
        "n",
        "net_base",
        "net",
        "net_low",
        "net_high",
        "vs_ics",
    ]
    return detail.drop_duplicates(["question_code", "wave_code", "grp"])[cols].reset_index(drop=True)


@cut_by_place
def agreement_gap(db: Database, f: Filters, total_label: str = "ICS total") -> pd.DataFrame:
    """Return, per group, the share of Clinical Directors agreeing "I am clear about my role" and
    "partners are clear about the CD role", with Wilson intervals and the gap between them.

    Both statements are taken from Clinical Directors only (the first is asked of no one else).
    The gap's interval treats the two shares as independent, which is conservative for
    answers from the same people. Grain: wave x group.
    """
    counts = place_and_total_counts(
        db, ["role_clear_self", "role_partners_clear"], replace(f, roles=("cd",)), total_label
    )
    if counts.empty:
        return pd.DataFrame()
    shares = add_shares(counts)
    agree = shares[shares["polarity"] == "positive"]
    g = (
        agree.groupby(["question_code", "wave_code", "grp", "grp_label", "is_total"], sort=False)
        .agg(count=("count", "sum"), base=("base", "first"), suppressed=("suppressed", "first"))
        .reset_index()
    )
    g["share"] = g["count"].astype(float) / g["base"].astype(float)
    g["low"], g["high"] = wilson(g["count"].astype(float), g["base"].astype(float))
    keys = ["wave_code", "grp", "grp_label", "is_total"]
    stats = ["share", "low", "high", "base", "suppressed"]
    own = g[g["question_code"] == "role_clear_self"][keys + stats]
    partners = g[g["question_code"] == "role_partners_clear"][keys + stats]
    wide = own.merge(partners, on=keys, suffixes=("_self", "_partners"))
    wide["suppressed"] = wide["suppressed_self"] | wide["suppressed_partners"]
    wide["gap"] = wide["share_self"] - wide["share_partners"]
    wide["gap_low"], wide["gap_high"] = difference_interval(
        wide["share_self"],
        wide["low_self"],
        wide["high_self"],
        wide["share_partners"],
        wide["low_partners"],
        wide["high_partners"],
    )
    return wide.drop(columns=["suppressed_self", "suppressed_partners"])


@cut_by_place
def relationship_matrix(db: Database, f: Filters, total_label: str = "ICS total") -> pd.DataFrame:
    """Return, per partner x group, the share rating the relationship Good or Excellent (of those
    who gave a rating) with its Wilson interval, and the share answering Don't know (of all).

    Grain: partner question x wave x group.
    """
    counts = place_and_total_counts(db, PARTNER_ITEMS, f, total_label)
    if counts.empty:
        return pd.DataFrame()
    shares = add_shares(counts)
    keys = ["question_code", "wave_code", "grp", "grp_label", "is_total"]
    good = chosen_share(shares, POSITIVE_REL, keys)
    dk = shares[shares["option_code"] == "dont_know"][keys + ["count"]].rename(columns={"count": "dont_know"})
    out = good.merge(dk, on=keys, how="left")
    out = out[[*keys, "count", "base", "n", "suppressed", "dont_know", "share", "low", "high"]]  # as shown
    out["dont_know_share"] = out["dont_know"].astype(float) / out["n"].astype(float)
    out["vs_ics"] = compare_with_total(out.assign(net=out["share"]), est="net")
    out["partner"] = out["question_code"].map(_question_labels(db))
    out["order"] = out["question_code"].map({q: i for i, q in enumerate(PARTNER_ITEMS)})
    return out.sort_values(["order", "is_total"]).reset_index(drop=True)


@cut_by_place
def needs(db: Database, f: Filters, total_label: str = "ICS total") -> pd.DataFrame:
    """Return the share of respondents choosing each development need, with Wilson intervals,
    per place and the total, each compared with the total.

    Shares are of respondents who answered the question, not of selections. Grain: wave x
    group x option.
    """
    return _need_shares(place_and_total_counts(db, NEEDS, f, total_label))


def needs_by_role(db: Database, f: Filters) -> pd.DataFrame:
    """Return the share of respondents choosing each development need per role within the
    selection, as needs() does per place. Grain: wave x role x option."""
    return _need_shares(option_counts(db, NEEDS, f.without("pcns"), by="role").assign(is_total=False))


def _need_shares(counts: pd.DataFrame) -> pd.DataFrame:
    """Return option counts with shares, intervals, how each compares with the total row (if
    any) and the needs' short names."""
    if counts.empty:
        return counts
    out = add_shares(counts)
    out["vs_ics"] = against_total(out, ["wave_code", "option_code"])
    out["short"] = out["option_code"].map(NEED_SHORT).fillna(out["label"])
    return out


def comparison_waves(db: Database, wave: str) -> tuple[str, str] | None:
    """Return (earlier wave, wave): the survey wave before `wave`, or None for the first."""
    codes = list(list_waves(db)["wave_code"])
    if wave not in codes or codes.index(wave) == 0:
        return None
    return codes[codes.index(wave) - 1], wave


def comparable_roles(db: Database, f: Filters, earlier: str, later: str) -> tuple[str, ...]:
    """Return the roles to compare two waves on: the chosen ones, else those both waves asked."""
    if f.roles:
        return f.roles
    waves = list_waves(db).set_index("wave_code")["roles"]
    both = set(waves[earlier]) & set(waves[later])
    return () if both == set(waves[later]) else tuple(sorted(both))


def change(
    df: pd.DataFrame, keys: list[str], est: str, low: str, high: str, earlier: str, later: str
) -> pd.DataFrame:
    """Return est(later) - est(earlier) per keys, with Newcombe's interval for independent samples.

    df holds both waves (wave_code column) with est/low/high columns; rows suppressed in either
    wave have no estimate, so their change is missing too. Grain: keys.
    """
    a = df[df["wave_code"] == earlier].set_index(keys)
    b = df[df["wave_code"] == later].set_index(keys)
    joined = (
        b[[est, low, high]].add_suffix("_later").join(a[[est, low, high]].add_suffix("_earlier"), how="inner")
    )
    joined["change"] = joined[f"{est}_later"] - joined[f"{est}_earlier"]
    joined["change_low"], joined["change_high"] = difference_interval(
        joined[f"{est}_later"],
        joined[f"{low}_later"],
        joined[f"{high}_later"],
        joined[f"{est}_earlier"],
        joined[f"{low}_earlier"],
        joined[f"{high}_earlier"],
    )
    joined["distinguishable"] = (joined["change_low"] > 0) | (joined["change_high"] < 0)
    return joined.reset_index()


def likert_table(detail: pd.DataFrame) -> pd.DataFrame:
    """Return the aggregated table behind a diverging chart: one row per group, options as columns."""
    if detail.empty:
        return pd.DataFrame()
    keys = ["question", "wave_code", "grp_label"]
    out = group_summary(detail)[[*keys, "n", "net", "net_low", "net_high", "vs_ics", "suppressed"]]
    # One column per option (in the order they come), each group's share of it; an option no
    # group has a share of gets no column. Built with dicts: a pivot table cost 10 ms a chart.
    shares: dict[tuple, float] = {}
    for *key, share in zip(*(detail[c] for c in [*keys, "label", "share"]), strict=True):
        if share == share:
            shares.setdefault(tuple(key), share)
    groups = list(zip(*(out[c] for c in keys), strict=True))
    columns = {}
    for label in dict.fromkeys(detail["label"]):
        values = np.array([shares.get((*g, label), np.nan) for g in groups], dtype=float)
        if not np.isnan(values).all():
            columns[f"% {label}"] = (values * 100).round(1)
    out = out.assign(**columns)
    for col in ("net", "net_low", "net_high"):
        out[col] = (out[col] * 100).round(1)
    return out.rename(
        columns={
            "question": "Statement",
            "wave_code": "Wave",
            "grp_label": "Group",
            "net": "Net agreement",
            "net_low": "Net 95% CI low",
            "net_high": "Net 95% CI high",
            "vs_ics": "Compared with the ICS",
            "suppressed": "Not shown (fewer than K)",
        }
    )


def share_table(df: pd.DataFrame, label_col: str = "label", group_col: str = "grp_label") -> pd.DataFrame:
    """Return the aggregated table behind a share chart: group, item, n, count, %, 95% CI."""
    if df.empty:
        return pd.DataFrame()
    cols = {
        group_col: "Group",
        label_col: "Item",
        "wave_code": "Wave",
        "base": "Base (n)",
        "count": "Count",
        "share": "%",
        "low": "95% CI low",
        "high": "95% CI high",
        "suppressed": "Not shown (fewer than K)",
    }
    if "vs_ics" in df.columns:
        cols["vs_ics"] = "Compared with the ICS"
    out = df[[c for c in cols if c in df.columns]].rename(columns=cols)
    for col in ("%", "95% CI low", "95% CI high"):
        out[col] = (out[col].astype(float) * 100).round(1)
    return out.reset_index(drop=True)


def wave_pair(db: Database, f: Filters) -> tuple[tuple[str, str], Filters] | None:
    """Return ((earlier, later) waves, filters covering both with comparable roles), or None
    when f.wave has no earlier wave."""
    pair = comparison_waves(db, f.wave) if f.wave else None
    if pair is None:
        return None
    return pair, replace(f, wave=None, roles=comparable_roles(db, f, *pair))


def likert_change(db: Database, questions: list[str], f: Filters) -> tuple[pd.DataFrame, dict]:
    """Return the change in net agreement per question x group between the previous wave and
    f.wave, with its interval, and what was compared (waves, roles)."""
    found = wave_pair(db, f)
    if found is None:
        return pd.DataFrame(), {}
    pair, both = found
    summary = group_summary(likert(db, questions, both))
    out = change(
        summary[summary["wave_code"].isin(pair)],
        ["question", "grp_label"],
        "net",
        "net_low",
        "net_high",
        *pair,
    )
    return out, {"waves": pair, "roles": both.roles}


def _share_change(db: Database, f: Filters, source, keys: list[str]) -> tuple[pd.DataFrame, dict]:
    """Return the change in a share (rows from source(db, filters)) for the selection since the
    previous wave, and what was compared (waves, roles)."""
    found = wave_pair(db, f)
    if found is None:
        return pd.DataFrame(), {}
    pair, both = found
    rows = of_selection(source(db, both), f)
    rows = rows[rows["wave_code"].isin(pair)]
    return change(rows, keys, "share", "low", "high", *pair), {"waves": pair, "roles": both.roles}


def relationship_change(db: Database, f: Filters) -> tuple[pd.DataFrame, dict]:
    """Return the change in the share rating each partner good or excellent, for the selection."""
    return _share_change(db, f, relationship_matrix, ["partner", "grp_label"])


def needs_change(db: Database, f: Filters) -> tuple[pd.DataFrame, dict]:
    """Return the change in the share choosing each development need, for the selection."""
    return _share_change(db, f, needs, ["label", "grp_label"])
