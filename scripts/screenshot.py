"""Take full-page screenshots of dashboard pages in headless Chromium.

    python scripts/screenshot.py --db data/pcn_futures.duckdb --out shots overview "?place=MB"
Each argument after the options is a URL path (with query string) to capture.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from scripts.live_server import browser_page, serve, wait_for_app


def main() -> None:
    """Serve the app and save one PNG per requested path."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--out", type=Path, default=Path("shots"))
    parser.add_argument("--width", type=int, default=1920)
    parser.add_argument("--height", type=int, default=1080)
    parser.add_argument("--full", action="store_true", help="capture the whole page, not the viewport")
    parser.add_argument("paths", nargs="+")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with serve(args.db) as url, browser_page(args.width, args.height) as page:
        for path in args.paths:
            page.goto(f"{url}/{path.lstrip('/')}")
            wait_for_app(page)
            page.wait_for_timeout(1500)
            name = re.sub(r"[^A-Za-z0-9]+", "_", path).strip("_") or "home"
            target = args.out / f"{name}.png"
            page.screenshot(path=str(target), full_page=args.full)
            print(target)


if __name__ == "__main__":
    main()
