"""Write every chart the dashboard draws as sorted JSON, to check that a refactoring leaves them alone.

    PYTHONPATH=. python -m scripts.figure_snapshot --db /tmp/demo.duckdb --out /tmp/before
    PYTHONPATH=. python -m scripts.figure_snapshot --compare /tmp/before /tmp/after

For each filter set, every page in pages/ is run in AppTest (through dashboard.py and switch_page)
and every plotly chart on it is written with its key and the text alternative put before it, one
file per page and filter set; the slide pack for the same filters is written too (each chart's
figure and its native PowerPoint chart). --compare prints what differs and exits 1 if anything does.
"""

from __future__ import annotations

import argparse
import dataclasses
import difflib
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# name -> (URL parameters, session state set before the page runs). The second and third differ
# from the first by place, wave and role, and turn on every "Compare with the previous wave" switch.
FILTER_SETS = {
    "all": ({}, {}),
    "mb2021": ({"wave": "2021", "place": "MB"}, {}),
    "fc2023cd": (
        {"wave": "2023", "place": "FC", "role": "cd"},
        {
            "role_compare": True,
            "relationships_compare": True,
            "needs_compare": True,
            "compare_places_change": True,
        },
    ),
}


def _plain(value):
    """Return plotly JSON with typed arrays (base64) decoded to lists, so that diffs read."""
    import base64

    import numpy as np

    if isinstance(value, dict):
        if "bdata" in value and "dtype" in value:
            arr = np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
            if "shape" in value:
                arr = arr.reshape([int(x) for x in str(value["shape"]).split(",")])
            return arr.tolist()
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _page_charts(at) -> list[dict]:
    """Return every plotly chart AppTest rendered on the page, in order, with its alt text."""
    alts = {}
    for el in at.get("html"):
        body = el.proto.body
        if 'data-testid="chartAlt"' in body:
            key = body.split('data-chart="', 1)[1].split('"', 1)[0]
            alts[key] = body
    out = []
    for el in at.get("plotly_chart"):
        key = el.proto.id.rsplit("-", 1)[-1]
        out.append({"key": key, "alt": alts.get(key), "figure": _plain(json.loads(el.proto.spec))})
    return out


def _pages(db: Path, out: Path) -> None:
    """Write one JSON file per page and filter set."""
    from streamlit.testing.v1 import AppTest

    from scripts.apptest import behave_like_a_running_server

    behave_like_a_running_server()
    os.environ["PCN_DB"] = str(db)
    pages = sorted((ROOT / "pages").glob("*.py"))
    for name, (params, state) in FILTER_SETS.items():
        for page in pages:
            at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
            for k, v in params.items():
                at.query_params[k] = v
            at.run()
            for k, v in state.items():
                at.session_state[k] = v
            at.switch_page(f"pages/{page.name}").run()
            if at.exception:
                raise SystemExit(f"{page.name} ({name}): {at.exception[0].message}")
            charts = _page_charts(at)
            (out / f"page_{page.stem}__{name}.json").write_text(json.dumps(charts, sort_keys=True, indent=1))
            print(f"{page.stem:20} {name:10} {len(charts)} charts", flush=True)


def _packs(db: Path, out: Path) -> None:
    """Write the slide pack's chart figures and native charts for each filter set."""
    import datetime as dt

    from pcn_data.core.db import get_database
    from pcn_data.core.filters import Filters
    from pcn_data.reports.slides import build_pack
    from pcn_data.survey.queries import list_ics, list_waves

    conn = get_database(db)
    ics = list_ics(conn)["ics_code"].iloc[0]
    latest = list_waves(conn)["wave_code"].iloc[-1]
    for name, (params, _) in FILTER_SETS.items():
        f = Filters(
            wave=params.get("wave", latest),
            ics=ics,
            places=(params["place"],) if "place" in params else (),
            roles=(params["role"],) if "role" in params else (),
        )
        pack = build_pack(conn, f, today=dt.date(2026, 1, 1))
        slides = []
        for s in pack.slides:
            spec = getattr(s, "spec", None) or getattr(s, "call", None)
            fig = _plain(json.loads(spec.figure().to_json())) if spec is not None else None
            native = dataclasses.asdict(s.chart) if s.chart is not None else None
            slides.append(
                {"kind": s.kind, "heading": s.heading, "alt": s.alt, "figure": fig, "native": native}
            )
        (out / f"pack__{name}.json").write_text(json.dumps(slides, sort_keys=True, indent=1, default=str))
        drawn = sum(s["figure"] is not None for s in slides)
        print(f"pack                 {name:10} {drawn} charts", flush=True)


def _compare(a: Path, b: Path) -> int:
    """Print the differences between two snapshot directories; return the number of files that differ."""
    names = sorted({p.name for p in a.glob("*.json")} | {p.name for p in b.glob("*.json")})
    differ = 0
    for name in names:
        pa, pb = a / name, b / name
        if not pa.exists() or not pb.exists():
            print(f"only in {'B' if not pa.exists() else 'A'}: {name}")
            differ += 1
            continue
        ta, tb = pa.read_text().splitlines(), pb.read_text().splitlines()
        if ta != tb:
            differ += 1
            print(f"--- {name}")
            diff = difflib.unified_diff(ta, tb, "A", "B", n=2, lineterm="")
            sys.stdout.writelines(line + "\n" for line in diff)
    print(f"{len(names)} files, {differ} differ")
    return differ


def main() -> None:
    """Snapshot or compare."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", type=Path)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--compare", nargs=2, type=Path, metavar=("DIR_A", "DIR_B"))
    parser.add_argument("--skip-pages", action="store_true", help="the slide pack only")
    args = parser.parse_args()
    if args.compare:
        raise SystemExit(1 if _compare(*args.compare) else 0)
    if not (args.db and args.out):
        parser.error("--db and --out are needed to take a snapshot")
    args.out.mkdir(parents=True, exist_ok=True)
    if not args.skip_pages:
        _pages(args.db, args.out)
    _packs(args.db, args.out)


if __name__ == "__main__":
    main()
