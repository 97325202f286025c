"""A chart's text alternative: one sentence, computed from the frame the chart is drawn from, saying
what it shows, the largest and smallest values shown, and n (WCAG 1.1.1).

`describe(builder, *args, **kwargs)` takes exactly the call of the chart builder in `charts` (the
same arguments), so a page cannot draw one thing and describe another. Only shown values are read:
a row the protected table hides is counted as hidden, never read, and no total is made by adding
shown values (a sum the page does not show could give a hidden one away by subtraction).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class Shown:
    """One value a chart shows: its label, the value, and its base (n), when it has one."""

    label: str
    value: float
    n: int | None = None


@dataclass(frozen=True)
class Summary:
    """What a chart shows, read from its frame: the values shown, how many are hidden, how a value
    reads, and n in words."""

    what: str
    shown: list[Shown]
    hidden: int
    unit: str
    fmt: Callable[[float], str]
    n: str | None
    min_group: int | None = None
    # Why a value is not shown, when the builder can have hidden values for more than one reason.
    why: str | None = None


def _missing(x) -> bool:
    """Return True for None, NaN and pandas' NA."""
    return x is None or (not isinstance(x, str) and bool(pd.isna(x)))


def _hidden(row: dict, value_col: str) -> bool:
    """Return True when a row is suppressed or has no value to show."""
    suppressed = row.get("suppressed", False)
    return (not _missing(suppressed) and bool(suppressed)) or _missing(row.get(value_col))


def pct(x: float) -> str:
    """Return a share as a whole percentage: 0.375 -> '38%'."""
    return f"{x:.0%}"


def points(x: float) -> str:
    """Return a net score or a change, a fraction, in points: 0.25 -> '+25 points'."""
    p = round(x * 100)
    return f"{p:+d} points" if p else "0 points"


def count(x: float) -> str:
    """Return a count: 7.0 -> '7'."""
    return f"{int(x)}"


def _int(x) -> int | None:
    return None if _missing(x) else int(x)


def _rows(df: pd.DataFrame, label, value_col: str, n_col: str | None) -> tuple[list[Shown], int]:
    """Return the shown values of df's rows (label: a column, or a function of the row) and how
    many rows are hidden."""
    shown, hidden = [], 0
    for r in df.to_dict("records"):
        if _hidden(r, value_col):
            hidden += 1
            continue
        name = label(r) if callable(label) else str(r[label])
        shown.append(Shown(name, float(r[value_col]), _int(r.get(n_col)) if n_col else None))
    return shown, hidden


def _first_per(df: pd.DataFrame, col: str) -> pd.DataFrame:
    """Return the first row of each value of col (an option-level frame has one per option)."""
    return df.drop_duplicates(col, keep="first") if len(df) else df


def _total_n(df: pd.DataFrame, n_col: str, per: str = "row") -> str | None:
    """Return n in words: the total row's, when the frame has a shown total; else the range of the
    shown rows' n (each of them on the chart), never a sum."""
    if "is_total" in df.columns:
        total = df[df["is_total"].astype(bool) & ~df["suppressed"].astype(bool)]
        if len(total) and not _missing(total[n_col].iloc[0]):
            return f"n = {int(total[n_col].iloc[0])} in {total['grp_label'].iloc[0]}"
    values = [_int(r[n_col]) for r in df.to_dict("records") if not _hidden(r, n_col)]
    if not values:
        return None
    low, high = min(values), max(values)
    return f"n = {low} per {per}" if low == high else f"n from {low} to {high} per {per}"


# One reader per chart builder: (frame, *args, **kwargs) -> Summary.


HIDDEN_COUNT = "a count hidden to protect a small group"


def _diverging_bars(detail, title, *, row_col="grp_label", min_group=5, **_):
    rows = _first_per(detail, row_col)
    shown, hidden = _rows(rows, row_col, "net", "n")
    return Summary(
        f"{title}: net score (% positive minus % negative)",
        shown,
        hidden,
        "rows",
        points,
        _total_n(rows, "n") if row_col == "grp_label" else _total_n(rows.drop(columns="is_total"), "n"),
        min_group,
    )


def _gap_dumbbell(gap, title, min_group=5, **_):
    shown, hidden = _rows(gap, "grp_label", "gap", "base_self")
    return Summary(
        f"{title}: the gap between the two shares agreeing",
        shown,
        hidden,
        "groups",
        points,
        _total_n(gap, "base_self"),
        min_group,
    )


def _share_heatmap(matrix, title, *, min_group=5, **_):
    shown, hidden = _rows(matrix, lambda r: f"{r['row']}, {r['col']}", "share", "base")
    return Summary(
        title,
        shown,
        hidden,
        "cells",
        pct,
        _total_n(matrix.drop(columns="is_total", errors="ignore"), "base", per="cell"),
        min_group,
    )


def _ranked_shares(df, title, *, label_col="label", **_):
    shown, hidden = _rows(df, label_col, "share", "base")
    return Summary(
        f"{title}: share of respondents choosing each", shown, hidden, "items", pct, _total_n(df, "base")
    )


def _group_item(df, title, *, group_col="grp_label", label_col, min_group=5, **_):
    shown, hidden = _rows(df, lambda r: f"{r[group_col]}, {r[label_col]}", "share", "base")
    frame = df.drop_duplicates(group_col).drop(columns="is_total", errors="ignore")
    n = _total_n(df.drop_duplicates(group_col), "base")
    return Summary(
        f"{title}: share of each group's respondents",
        shown,
        hidden,
        "bars",
        pct,
        n or _total_n(frame, "base"),
        min_group,
    )


def _small_multiples(df, title, *, group_col="grp_label", label_col="short", min_group=5, **_):
    return _group_item(df, title, group_col=group_col, label_col=label_col, min_group=min_group)


def _grouped_shares(df, title, *, group_col="grp_label", label_col="label", min_group=5, **_):
    return _group_item(df, title, group_col=group_col, label_col=label_col, min_group=min_group)


def _session_bars(df, title, **_):
    shown, hidden = _rows(df, lambda r: f"{r['session']}, {r['label']}", "share", "n")
    per_session = df.drop_duplicates("session")
    why = "; ".join(dict.fromkeys(w for w in per_session["why"] if w)) or None
    return Summary(
        f"{title}: share of each session's answers",
        shown,
        hidden,
        "bars",
        pct,
        _total_n(per_session, "n", per="session"),
        why=why,
    )


def _interval_dots(df, title, *, est, label_col, signed=False, min_group=5, **_):
    n_col = "n" if "n" in df.columns else None
    shown, hidden = _rows(df, label_col, est, n_col)
    frame = df.drop(columns="is_total", errors="ignore")
    return Summary(
        title,
        shown,
        hidden,
        "rows",
        points if signed else pct,
        _total_n(frame, n_col) if n_col else None,
        min_group,
        why=f"fewer than {min_group} respondents, hidden to protect a smaller group, or no data",
    )


STAGES = ["Foundation", "Step 1", "Step 2", "Step 3"]


def _stage_heatmap(sa, title, **_):
    shown, hidden = _rows(sa, lambda r: f"{r['pcn']}, {r['domain']}", "ordinal", None)
    return Summary(title, shown, hidden, "cells", lambda x: STAGES[int(x)], f"{sa['pcn'].nunique()} PCNs")


def _movement_heatmap(moves, title, **_):
    shown, hidden = _rows(moves, lambda r: f"{r['pcn']}, {r['domain']}", "move", None)
    return Summary(
        f"{title} (steps up the matrix)",
        shown,
        hidden,
        "cells",
        lambda x: f"{int(x):+d} step{'' if abs(x) == 1 else 's'}" if x else "no change",
        f"{moves['pcn'].nunique()} PCNs",
    )


def _peer_ranges(ranges, title, pcn_name, **_):
    shown, hidden = _rows(ranges, "domain", "ordinal", None)
    return Summary(
        f"{title}: {pcn_name}'s stage in each domain",
        shown,
        hidden,
        "domains",
        lambda x: STAGES[int(x)],
        None,
    )


def _engagement_timeline(events, title, **_):
    # Survey windows are bars without attendees: only the other activities have a value.
    activities = events[events["kind"] != "survey_window"]
    shown, hidden = _rows(activities, lambda r: f"{r['title']} ({r['place']})", "attendees", None)
    return Summary(
        f"{title}: attendees",
        shown,
        hidden,
        "events",
        count,
        f"{len(events)} events in {events['place'].nunique()} places",
    )


def _participation_bars(df, title, **_):
    shown, hidden = _rows(df, lambda r: f"{r['place']}, {r['kind_label']}", "share", "pcns_in_place")
    return Summary(title, shown, hidden, "bars", pct, _total_n(df, "pcns_in_place"))


def _respondents_by_place(df, title="Respondents by place and wave", **_):
    shown, hidden = _rows(df, lambda r: f"{r['place']}, {r['wave_name']}", "respondents", None)
    return Summary(title, shown, hidden, "bars", count, None, why=HIDDEN_COUNT)


def _response_rate_by_place(df, title="Clinical Director response rate", **_):
    shown, hidden = _rows(df, lambda r: f"{r['place']}, {r['wave_name']}", "cd_response_rate", "cds_invited")
    return Summary(
        f"{title} (responded / invited)",
        shown,
        hidden,
        "bars",
        pct,
        _total_n(df, "cds_invited"),
        why=HIDDEN_COUNT + ", or nobody invited",
    )


def _progress_bars(df, title, **_):
    totals = df.groupby("grp", sort=False)["n"].sum()
    done = df[df["status"] == "Done"].groupby("grp", sort=False)["n"].sum().reindex(totals.index).fillna(0)
    frame = pd.DataFrame({"grp": totals.index, "done": done.to_numpy(), "n": totals.to_numpy()})
    shown, hidden = _rows(frame, "grp", "done", "n")
    return Summary(f"{title}: recommendations done", shown, hidden, "groups", count, None)


READERS: dict[str, Callable[..., Summary]] = {
    "diverging_bars": _diverging_bars,
    "gap_dumbbell": _gap_dumbbell,
    "share_heatmap": _share_heatmap,
    "ranked_shares": _ranked_shares,
    "small_multiples": _small_multiples,
    "grouped_shares": _grouped_shares,
    "session_bars": _session_bars,
    "interval_dots": _interval_dots,
    "stage_heatmap": _stage_heatmap,
    "movement_heatmap": _movement_heatmap,
    "peer_ranges": _peer_ranges,
    "engagement_timeline": _engagement_timeline,
    "participation_bars": _participation_bars,
    "respondents_by_place": _respondents_by_place,
    "response_rate_by_place": _response_rate_by_place,
    "progress_bars": _progress_bars,
}


def _one(s: Shown, fmt) -> str:
    return f"{s.label}, {fmt(s.value)}" + (f" (n = {s.n})" if s.n is not None else "")


def _extreme(word: str, value: float, summary: Summary) -> str:
    """Return the largest or smallest shown value with where it is: the one row that has it, or how
    many share it and the first of them (in the frame's order)."""
    at = [s for s in summary.shown if math.isclose(s.value, value)]
    if len(at) == 1:
        return f"{word} {_one(at[0], summary.fmt)}"
    n = f" (n = {at[0].n})" if at[0].n is not None else ""
    return f"{word} {summary.fmt(value)} in {len(at)} {summary.unit}, the first {at[0].label}{n}"


def sentence(summary: Summary) -> str:
    """Return the summary as one sentence."""
    what = summary.what.rstrip(".")
    hidden = ""
    if summary.hidden:
        why = summary.why or (
            f"fewer than {summary.min_group} respondents, or hidden to protect a smaller group"
            if summary.min_group is not None
            else "no value"
        )
        hidden = f"; {summary.hidden} not shown ({why})"
    n = f"; {summary.n}" if summary.n else ""
    if not summary.shown:
        return f"Chart of {what}: no values shown{hidden}."
    top = max(s.value for s in summary.shown)
    bottom = min(s.value for s in summary.shown)
    count = len(summary.shown)
    if count == 1:
        values = f"one value shown, {_one(summary.shown[0], summary.fmt)}"
    elif math.isclose(top, bottom):
        values = f"all {count} {summary.unit} shown are {summary.fmt(top)}"
    else:
        values = (
            f"{count} {summary.unit} shown, {_extreme('highest', top, summary)}, "
            f"{_extreme('lowest', bottom, summary)}"
        )
    return f"Chart of {what}: {values}{n}{hidden}."


def describe(builder: str, *args, **kwargs) -> str:
    """Return the one-sentence text alternative of charts.<builder>(*args, **kwargs)."""
    frame = args[0]
    title = args[1] if len(args) > 1 and args[1] else kwargs.get("title", builder.replace("_", " "))
    if builder not in READERS:  # a new builder without a reader: still name the chart
        return f"Chart of {title}."
    if frame is None or len(frame) == 0:
        return f"Chart of {title}: nothing to show for these filters."
    return sentence(READERS[builder](*args, **kwargs))
