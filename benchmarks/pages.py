"""Time the demo builds, then every page in AppTest on the demo file and the national file.

    python benchmarks/pages.py [--repeat 5]
Prints the build times (ICS scale: median over the repeats), then per page and file: the
first visit (cold caches), the median warm rerun, and the median run after a place change
(each to a place not yet cached). Medians; compare ratios, these machines are noisy.
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

from pcn_data.db import get_database  # noqa: E402
from pcn_data.demo import build_demo_file  # noqa: E402
from pcn_data.queries import list_ics, list_places  # noqa: E402

PAGES = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "pages").glob("*.py"))


def timed(fn) -> float:
    """Return the seconds fn takes."""
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def time_page(db: Path, page: str, repeat: int) -> tuple[float, float, float]:
    """Return (first, warm median, place-change median) seconds for one page."""
    from streamlit.testing.v1 import AppTest

    os.environ["PCN_DB"] = str(db)
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=600)
    at.run()
    at.switch_page(page)
    first = timed(at.run)
    if at.exception:
        raise RuntimeError(f"{page}: {at.exception[0].message}")
    warm = [timed(at.run) for _ in range(repeat)]
    con = get_database(db)
    places = list(list_places(con, list_ics(con)["ics_code"].iloc[0])["place_code"])
    changes = []
    for code in (places * repeat)[:repeat]:
        at.selectbox(key="place").set_value(code)
        changes.append(timed(at.run))
    return first, statistics.median(warm), statistics.median(changes)


def main() -> None:
    """Build the two files and print the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        files = {"demo (ics)": Path(tmp) / "ics.duckdb", "national": Path(tmp) / "national.duckdb"}
        builds = [timed(lambda: build_demo_file(files["demo (ics)"], force=True)) for _ in range(args.repeat)]
        national = timed(lambda: build_demo_file(files["national"], scale="national"))
        print(f"demo build (ics): median {statistics.median(builds):.2f} s; national build: {national:.1f} s")
        print(f"{'file':12} {'page':28} {'first s':>8} {'warm ms':>8} {'place change ms':>16}")
        for name, db in files.items():
            for page in PAGES:
                first, warm, change = time_page(db, page, args.repeat)
                print(f"{name:12} {page:28} {first:8.2f} {warm * 1000:8.0f} {change * 1000:16.0f}")


if __name__ == "__main__":
    main()
