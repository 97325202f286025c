"""Time slide packs on the demo file: a place pack and an ICS pack, in one process with a warm
browser (as the dashboard builds them), and through the command line (a new process each time,
so Chromium starts every time).

    python benchmarks/packs.py [--repeat 5]
Prints medians in seconds and the file sizes. These machines are noisy: compare ratios.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pcn_data import slide_files, slides  # noqa: E402
from pcn_data.db import Database  # noqa: E402
from pcn_data.demo import build_demo_file  # noqa: E402

PACKS = {"place pack (Morecambe Bay, 2021)": ("MB", "2021"), "ICS pack (2023)": (None, None)}


def timed(fn) -> tuple[float, object]:
    """Return (seconds, result) of fn()."""
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def main() -> None:
    """Build the demo file, then time each pack in process and through the command line."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "demo.duckdb"
        build_demo_file(path)
        db = Database(path, read_only=True)
        first, _ = timed(lambda: slides.build_pack(db, slides.pack_filters(db)))
        print(f"first pack of the process (Chromium starts): {first:.2f} s")
        for name, (place, wave) in PACKS.items():
            f = slides.pack_filters(db, place=place, wave=wave)
            runs = [timed(lambda f=f: slides.build_pack(db, f)) for _ in range(args.repeat)]
            pack = runs[-1][1]
            pptx, pdf = slide_files.to_pptx(pack), slide_files.to_pdf(pack)
            median = statistics.median(t for t, _ in runs)
            print(
                f"{name}: build {median:.2f} s (median of {args.repeat}, warm browser), {len(pack.slides)} "
                f"slides, PPTX {len(pptx) / 1e6:.2f} MB, PDF {len(pdf) / 1e6:.2f} MB"
            )
        db.close()
        for name, (place, wave) in PACKS.items():
            cli = [sys.executable, "-m", "pcn_data", "pack", "--db", str(path), "--quiet"]
            cli += (["--place", place] if place else []) + (["--wave", wave] if wave else [])
            seconds = []
            for i in range(args.repeat):
                out = Path(tmp) / f"pack{i}.pptx"
                command = [*cli, "--out", str(out)]
                wall, _ = timed(
                    lambda command=command: subprocess.run(
                        command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL
                    )
                )
                seconds.append(wall)
            print(f"{name}: command line {statistics.median(seconds):.2f} s wall (median of {args.repeat})")


if __name__ == "__main__":
    main()
