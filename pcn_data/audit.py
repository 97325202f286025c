"""The audit: enumerate what the app publishes, then try to break it as the attacker would.

1. Every view a signed-in user can reach is called through the functions the pages call, for
   every wave, ICS, place and role (and page-level choice: every measure of Compare places), with
   the protected tables' reads recorded. Every cell a view shows must be a published cell of a
   protected table, with the table's own numbers.
2. For every protected table, every hidden cell is bounded by linear programming over
   everything the tables publish (all of it, not only what the views happened to read: the
   attacker is assumed to have seen every published cell): its size, and each answer count of a
   hidden group under K. A hidden cell whose size is derived exactly, or a hidden group under K
   whose size is narrowed to fewer than K values, is a failure.
   An answer count above 0 of a hidden group under K that is derived exactly ("exactly one of
   them chose this") is reported, not failed: it follows from published groups around it in
   which only one person chose that answer (docs/threat-model.md says why it is accepted).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from pcn_data.core.db import Database
from pcn_data.core.filters import Filters
from pcn_data.survey import compare, findings, protect, queries, results, voices
from pcn_data.workshop import polls


@dataclass
class Report:
    """What the audit did and found."""

    views: int = 0
    cells_read: int = 0
    tables: int = 0
    cells: int = 0
    hidden: int = 0
    hidden_groups_under_k: int = 0
    offered: int = 0
    offered_hidden: int = 0
    failures: list[str] = field(default_factory=list)
    answer_pins: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """Return True when nothing failed."""
        return not self.failures

    def summary(self) -> str:
        """Return the report in a few lines."""
        lines = [
            f"views enumerated: {self.views} ({self.cells_read} cells read)",
            f"tables checked: {self.tables}; cells: {self.cells}; offered to a view: {self.offered}",
            f"hidden: {self.hidden} cells ({self.offered_hidden} of the offered ones); "
            f"hidden groups under K with respondents: {self.hidden_groups_under_k}",
            f"failures: {len(self.failures)}",
            f"answer counts pinned exactly in a hidden group (reported, not failed): {len(self.answer_pins)}",
            f"time: {self.seconds:.1f} s",
        ]
        lines += [f"  FAIL {f}" for f in self.failures[:50]]
        return "\n".join(lines)


def _views(db: Database, f: Filters) -> list[tuple[str, Callable[[], object]]]:
    """Return every view a page can show for one filter choice, as (name, call)."""
    out: list[tuple[str, Callable[[], object]]] = [
        ("role clarity", lambda: results.likert(db, results.ROLE_ITEMS + results.VISION_ITEMS, f)),
        ("role gap", lambda: results.agreement_gap(db, f)),
        ("relationships", lambda: results.relationship_matrix(db, f)),
        ("needs", lambda: results.needs(db, f)),
        ("needs by role", lambda: results.needs_by_role(db, f)),
        ("role change", lambda: results.likert_change(db, results.ROLE_ITEMS + results.VISION_ITEMS, f)),
        ("relationship change", lambda: results.relationship_change(db, f)),
        ("needs change", lambda: results.needs_change(db, f)),
        ("respondents", lambda: queries.respondents_by_place(db, f)),
        ("comments", lambda: voices.comments(db, f)),
    ]
    if f.wave is not None:
        out.append(("headline findings", lambda: findings.headline_findings(db, f)))
    for measure in compare.MEASURES.values():
        out.append((f"compare {measure.code}", lambda m=measure: compare.measure_by_place(db, m, f)))
        out.append((f"compare change {measure.code}", lambda m=measure: compare.measure_change(db, m, f)))
    return out


def _filters(
    db: Database, ics_codes: list[str] | None, waves: list[str] | None = None, places: list[str] | None = None
) -> list[Filters]:
    """Return every filter choice the sidebar offers (restricted to some ICSs, waves or places
    if given: a test's slice of the same enumeration)."""
    waves_df = queries.list_waves(db)
    ics_list = list(queries.list_ics(db)["ics_code"])
    chosen = ics_list if ics_codes is None else [i for i in ics_list if i in ics_codes]
    out = []
    for wave, roles in zip(waves_df["wave_code"], waves_df["roles"], strict=True):
        if waves is not None and wave not in waves:
            continue
        role_choices = [()] + [(r,) for r in (roles if roles is not None else [])]
        scopes = [(ics, tuple(queries.list_places(db, ics)["place_code"])) for ics in chosen]
        if len(ics_list) > 1 and ics_codes is None:
            scopes.append((None, ()))  # all ICSs: the national totals (places are not listed)
        for ics, in_ics in scopes:
            for place in [(), *((p,) for p in in_ics if places is None or p in places)]:
                for role in role_choices:
                    out.append(Filters(wave=wave, ics=ics, places=place, roles=role))
    return out


def enumerate_views(
    db: Database,
    report: Report,
    ics_codes: list[str] | None = None,
    waves: list[str] | None = None,
    places: list[str] | None = None,
) -> None:
    """Call every view for every filter choice; record a failure for any cell a view shows
    that the protected tables do not publish as shown."""
    prot = protect.current(db)
    keys = ["wave_code", "ics_code", "question_code", "place_code", "role_code", "band"]
    truth = prot.cells.set_index(keys)
    with protect.recording() as seen:
        for f in _filters(db, ics_codes, waves, places):
            for _, call in _views(db, f):
                call()
                report.views += 1
        sessions = polls.list_sessions(db)
        for session_id in sessions["session_id"] if not sessions.empty else []:
            polls.survey_comparison(db, int(session_id))
            report.views += 1
    if not seen:
        return
    read = pd.concat(seen, ignore_index=True).drop_duplicates(keys + ["suppressed"])
    report.cells_read = len(read)
    shown = read[~read["suppressed"].astype(bool)]
    joined = shown.merge(truth, left_on=keys, right_index=True, how="left", suffixes=("", "_table"))
    wrong = joined[joined["suppressed_table"].isna() | joined["suppressed_table"].astype(bool)]
    wrong = pd.concat([wrong, joined[joined["n"] != joined["n_table"]]])
    for row in wrong.itertuples():
        report.failures.append(
            f"a view showed {row.question_code} {row.wave_code} {row.ics_code} "
            f"{row.place_code}/{row.role_code}/{row.band}, which the protected table does not publish"
        )


def audit_tables(prot: protect.Protected, report: Report, k: int, ics_codes: list[str] | None = None) -> None:
    """Bound every hidden cell of every protected table by linear programming (see the module)."""
    for key, table in prot.tables.items():
        if ics_codes is not None and table.ics not in ics_codes:
            continue
        published = prot.patterns[key]
        check_table(table, published, k, report)


def check_table(table: protect.Table, published: np.ndarray, k: int, report: Report) -> None:
    """Bound one table's hidden cells given its published ones; add what fails to report."""
    n_all, _ = table.with_margins()
    same = ~protect.distinct(table.shape)
    n = np.where(same, 0, n_all.reshape(-1))  # a cell that is another's group is counted once
    offered = protect.offered(table.shape)
    report.tables += 1
    report.cells += len(n)
    report.hidden += int((~published).sum())
    report.offered += int(offered.sum())
    report.offered_hidden += int((~published & offered).sum())
    report.hidden_groups_under_k += int((~published & (n >= 1) & (n < k)).sum())
    for exp in protect.exposures(table, published, k):
        place, role, band = table.key(exp.cell)
        ci = table.cells().index(exp.cell)
        where = f"{table.question} {table.wave} {table.ics} {place}/{role}/{band}"
        if exp.what == "size":
            # The range must span k values only for a group the views could show.
            if exp.low == exp.high or offered[ci]:
                bounds = f"[{exp.low:g}, {exp.high:g}]"
                report.failures.append(f"{where}: size {exp.true:g} bounded to {bounds} by what is published")
        else:
            report.answer_pins.append(f"{where}: {exp.what} = {exp.true:g} exactly")


def per_view_pattern(table: protect.Table, k: int) -> np.ndarray:
    """Return the cells one-view-at-a-time suppression would publish: each role view's place rows
    suppressed among their siblings, its total on its own (the product before the protected
    tables), for the audit to be shown failing and for benchmarks/protection.py's comparison."""
    from pcn_data.survey.stats import suppress

    cells = table.cells()
    n = table.with_margins()[0].reshape(-1)
    p_all, r_all, b_all = table.shape
    published = np.zeros(len(cells), dtype=bool)
    for r in range(r_all + 1):
        rows = [i for i, c in enumerate(cells) if c[1] == r and c[2] == b_all and c[0] < p_all]
        got = suppress(
            pd.DataFrame({"cell": rows, "n": n[rows], "parent": 0, "count": 0}),
            group_cols=["parent", "cell"],
            partition_by=["parent"],
            min_group=k,
        )
        for cell, hid in zip(got["cell"], got["suppressed"], strict=True):
            published[cell] = not hid
        total = cells.index((p_all, r, b_all))
        published[total] = n[total] >= k
    return published


def run(db: Database, ics_codes: list[str] | None = None, views: bool = True) -> Report:
    """Return the audit of the database: every view enumerated, every table bounded."""
    start = time.perf_counter()
    report = Report()
    prot = protect.current(db)
    if views:
        enumerate_views(db, report, ics_codes)
    audit_tables(prot, report, prot.min_group, ics_codes)
    report.seconds = time.perf_counter() - start
    return report
