"""Print the foundation's timings: demo build, national build, and the Overview page in AppTest.

    python benchmarks/foundation.py [--repeat 5]
Medians over the repeats; these machines are noisy, so compare ratios, not single runs.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pcn_data.demo import build_demo_file  # noqa: E402


def timed(fn) -> float:
    """Return the seconds fn takes."""
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def overview_runs(db: Path, repeat: int) -> tuple[float, float, float]:
    """Return (first run, warm rerun median, place change median) of the Overview in AppTest."""
    from streamlit.testing.v1 import AppTest

    from pcn_data.db import get_database
    from pcn_data.queries import list_places

    os.environ["PCN_DB"] = str(db)
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=300)
    first = timed(at.run)
    warm = [timed(at.run) for _ in range(repeat)]
    # Each change goes to a place not seen before, so the query caches are cold for it.
    places = list(list_places(get_database(db))["place_code"])
    changes = []
    for code in places[:repeat]:
        at.selectbox(key="place").set_value(code)
        changes.append(timed(at.run))
    return first, statistics.median(warm), statistics.median(changes)


def main() -> None:
    """Build both files and time the Overview on each."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        ics_db, nat_db = Path(tmp) / "ics.duckdb", Path(tmp) / "national.duckdb"
        ics_builds = [timed(lambda: build_demo_file(ics_db, force=True)) for _ in range(args.repeat)]
        nat_build = timed(lambda: build_demo_file(nat_db, scale="national", force=True))
        print(f"demo build (ics):      median {statistics.median(ics_builds):.2f} s over {args.repeat}")
        print(f"demo build (national): {nat_build:.1f} s")
        for name, db in (("ics", ics_db), ("national", nat_db)):
            first, warm, change = overview_runs(db, args.repeat)
            print(
                f"Overview AppTest ({name}): first run {first:.2f} s, "
                f"warm rerun median {warm * 1000:.0f} ms, place change median {change * 1000:.0f} ms"
            )


if __name__ == "__main__":
    main()
