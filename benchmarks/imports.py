"""Time an import of a large survey export: read, validate (plan), write (apply) and undo.

    python benchmarks/imports.py [--rows 5000] [--repeat 3]
Builds a Google Forms CSV of --rows responses from the fixture's six, then imports it into a
copy of the demo file. Prints medians; compare ratios, these machines are noisy.
"""

from __future__ import annotations

import argparse
import csv
import io
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pcn_data.core.db import Database  # noqa: E402
from pcn_data.demo import build_demo_file  # noqa: E402
from pcn_data.importing.batches import Upload, apply, undo  # noqa: E402


def export(rows: int) -> bytes:
    """Return a Google Forms CSV with the given number of distinct responses."""
    fixture = (ROOT / "tests" / "data" / "imports" / "googleforms.csv").read_text(encoding="utf-8-sig")
    header, *body = list(csv.reader(io.StringIO(fixture)))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for i in range(rows):
        row = list(body[i % len(body)])
        row[0] = f"{1 + i % 28:02d}/05/2023 10:{i // 60 % 60:02d}:{i % 60:02d}"
        row[-1] = f"{row[-1]} #{i}"  # every response distinct, so none is a duplicate
        writer.writerow(row)
    return out.getvalue().encode("utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    data = export(args.rows)
    steps: dict[str, list[float]] = {"read": [], "validate": [], "write": [], "undo": []}
    with tempfile.TemporaryDirectory() as tmp:
        demo = Path(tmp) / "demo.duckdb"
        build_demo_file(demo)
        for _ in range(args.repeat):
            path = Path(tmp) / "run.duckdb"
            shutil.copy(demo, path)
            db = Database(path)
            start = time.perf_counter()
            upload = Upload(data, "export.csv")
            steps["read"].append(time.perf_counter() - start)
            start = time.perf_counter()
            plan = upload.plan(db, wave="2025")
            steps["validate"].append(time.perf_counter() - start)
            start = time.perf_counter()
            result = apply(db, plan)
            steps["write"].append(time.perf_counter() - start)
            start = time.perf_counter()
            undo(db, result["batch_id"])
            steps["undo"].append(time.perf_counter() - start)
            db.close()
    size = f"{len(data) / 1024:.0f} KB"
    print(f"{args.rows} responses, {size}, {result['answers']} answers; medians of {args.repeat}:")
    for step, seconds in steps.items():
        print(f"  {step:<9} {statistics.median(seconds):6.2f} s")


if __name__ == "__main__":
    main()
