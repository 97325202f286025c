"""What protection costs: cells hidden by the protected tables against suppression one view at a
time, the time to build the tables, and the audit's time. Prints one line per figure.

    python benchmarks/protection.py DB [--audit-ics CODE,...]
"""

from __future__ import annotations

import argparse
import time

from pcn_data import audit
from pcn_data.core.config import min_group
from pcn_data.core.db import Database
from pcn_data.survey import protect


def main() -> None:
    """Print the figures for one database file."""
    parser = argparse.ArgumentParser()
    parser.add_argument("db")
    parser.add_argument("--audit-ics", help="audit these ICSs' tables (all views are not called)")
    args = parser.parse_args()
    db = Database(args.db, read_only=True)
    k = min_group()
    start = time.perf_counter()
    prot = protect.protect(db)
    print(f"build: {time.perf_counter() - start:.1f} s for {len(prot.tables)} tables")
    offered = old_hidden = new_hidden = 0
    for key, table in prot.tables.items():
        shown = protect.offered(table.shape) & protect.distinct(table.shape)
        offered += int(shown.sum())
        old_hidden += int((~audit.per_view_pattern(table, k) & shown).sum())
        new_hidden += int((~prot.patterns[key] & shown).sum())
    print(f"cells a view can show: {offered}")
    print(f"hidden one view at a time: {old_hidden} ({old_hidden / offered:.1%})")
    print(f"hidden by the protected tables: {new_hidden} ({new_hidden / offered:.1%})")
    print(f"hidden now that were shown before: {new_hidden - old_hidden}")
    if args.audit_ics:
        ics = args.audit_ics.split(",")
        report = audit.Report()
        start = time.perf_counter()
        audit.audit_tables(prot, report, k, ics)
        seconds = time.perf_counter() - start
        failures = len(report.failures)
        print(f"audit of {report.tables} tables ({','.join(ics)}): {seconds:.1f} s, {failures} failures")
        print(f"per table: {seconds / max(report.tables, 1) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
