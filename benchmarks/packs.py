"""Time slide packs on the demo file: a place pack and an ICS pack, in one process (as the
dashboard builds them) and through the command line (a new process each time).

The PowerPoint pack draws its charts natively and needs no browser: its time is the pack's model
and the file. The PDF draws the pages' chart images in Chromium, kept warm in the process (the
first pack of a process also starts Chromium).

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

from pcn_data.core.db import Database  # noqa: E402
from pcn_data.demo import build_demo_file  # noqa: E402
from pcn_data.reports import slide_files, slides  # noqa: E402

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
        first, _ = timed(lambda: slide_files.to_pdf(slides.build_pack(db, slides.pack_filters(db))))
        print(f"first PDF pack of the process (Chromium starts): {first:.2f} s")
        for name, (place, wave) in PACKS.items():
            f = slides.pack_filters(db, place=place, wave=wave)
            pptx = [
                timed(lambda f=f: slide_files.to_pptx(slides.build_pack(db, f))) for _ in range(args.repeat)
            ]
            pdf = [
                timed(lambda f=f: slide_files.to_pdf(slides.build_pack(db, f))) for _ in range(args.repeat)
            ]
            print(
                f"{name}: PowerPoint {statistics.median(t for t, _ in pptx):.2f} s (no browser), PDF "
                f"{statistics.median(t for t, _ in pdf):.2f} s (warm browser), medians of {args.repeat}; "
                f"PPTX {len(pptx[-1][1]) / 1e6:.2f} MB, PDF {len(pdf[-1][1]) / 1e6:.2f} MB"
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
            print(
                f"{name}: command line, PowerPoint {statistics.median(seconds):.2f} s wall "
                f"(median of {args.repeat})"
            )


if __name__ == "__main__":
    main()
