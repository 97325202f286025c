"""Benchmark every page at ICS (demo) and national scale; write results.csv and RESULTS.md.

    python benchmarks/run.py             # the full run: under 10 minutes on 2 cores
    python benchmarks/run.py --quick     # fewer repeats, sessions and browser changes
    python benchmarks/run.py --rebuild   # build the two files again instead of reusing them

In AppTest (this process), per page and file: the cold run (every cache empty), the median
warm rerun, the median run after a place change (each to a place not yet shown), the ratio of
each to the empty page (benchmarks/empty_app.py: the same shell with nothing in it, timed in the
same run), the database queries of each kind of run and the slowest query of the cold run.
Against a real `streamlit run` on the national file: the server's peak memory with concurrent
browser sessions on different pages, and the time from choosing a place on Role clarity in
Chromium until the page has redrawn. Medians: the machine is shared, so read the ratios.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import logging
import os
import platform
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pcn_data.core.db import Database, close_database, get_database  # noqa: E402
from pcn_data.demo import build_demo_file  # noqa: E402
from pcn_data.survey.queries import list_ics, list_places  # noqa: E402
from pcn_data.workshop import polls  # noqa: E402
from scripts.apptest import behave_like_a_running_server  # noqa: E402
from scripts.live_server import browser, choose, server, wait_for_app  # noqa: E402

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"  # git-ignored: the two database files, reused between runs
EMPTY = "empty page"
PAGES = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "pages").glob("*.py"))
SCALES = {"demo": "ics", "national": "national"}
# The projector page has no filters: their "place change" is a new vote, and they
# open on the benchmark's own poll session (one open, revealed question with VOTES answers).
LIVE_PAGES = {"present"}  # phones use /join, outside Streamlit: benchmarks/room.py
POLL_TITLE, VOTES = "Benchmark workshop", 40
TARGET_MS, TARGET_RATIO, TARGET_BROWSER_MS, TARGET_MB = 300, 3.0, 1000, 500
BEGIN, END = "<!-- results:begin -->", "<!-- results:end -->"


def timed(fn: Callable[[], object]) -> float:
    """Return the seconds fn takes."""
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _caller() -> str:
    """Return which cached query (ui.query name) and which pcn_data function ran the current SQL."""
    frame, inner, outer = sys._getframe(2), None, None
    data_dir = str(ROOT / "pcn_data")
    while frame is not None:
        file = frame.f_code.co_filename
        if inner is None and file.startswith(data_dir) and not file.endswith("db.py"):
            inner = f"{Path(file).stem}.{frame.f_code.co_name}"
        if frame.f_code.co_name == "_cached" and file.endswith("ui/data.py"):
            outer = frame.f_locals.get("name")
        frame = frame.f_back
    inner = inner or "db.data_version"
    return f"{outer}: {inner}" if outer and not inner.endswith(f".{outer}") else inner


@contextmanager
def query_log() -> Iterator[list[tuple[float, str]]]:
    """Yield a list that collects (seconds, caller) for every Database.query and .scalar meanwhile."""
    calls: list[tuple[float, str]] = []
    originals = {name: getattr(Database, name) for name in ("query", "scalar")}

    def wrap(fn):
        def logged(self, sql, params=()):
            start = time.perf_counter()
            try:
                return fn(self, sql, params)
            finally:
                calls.append((time.perf_counter() - start, _caller()))

        return logged

    for name, fn in originals.items():
        setattr(Database, name, wrap(fn))
    try:
        yield calls
    finally:
        for name, fn in originals.items():
            setattr(Database, name, fn)


def clear_caches() -> None:
    """Empty Streamlit's data and resource caches (the connection is reopened on demand)."""
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()


def poll_session(db: Database, place_code: str) -> dict:
    """Return the benchmark's poll session on this file (created once, then reused): one open,
    revealed bank question with VOTES answers, as the projector shows it mid-workshop."""
    found = db.query(
        "SELECT session_id, join_code FROM poll_session WHERE title = ? ORDER BY session_id LIMIT 1",
        [POLL_TITLE],
    )
    if not found.empty:
        return {"session_id": int(found["session_id"].iloc[0]), "join_code": found["join_code"].iloc[0]}
    spec = polls.bank_question(db, "rel_ics")
    made = polls.create_session(
        db, title=POLL_TITLE, place_code=place_code, held_on=dt.date(2026, 1, 15), questions=[spec]
    )
    qid = int(polls.questions(db, made["session_id"])["poll_question_id"].iloc[0])
    codes = list(polls.options(db, qid)["option_code"])
    polls.set_state(db, qid, "open")
    for i in range(VOTES):
        polls.cast_vote(db, qid, f"bench-{i}", codes[i % len(codes)])
    polls.reveal(db, qid)
    return {"session_id": made["session_id"], "join_code": made["join_code"]}


def time_page(page: str, places: list[str], repeat: int, poll: dict) -> dict:
    """Return one page's timings (seconds) and query statistics in AppTest on $PCN_DB."""
    from streamlit.testing.v1 import AppTest

    script = HERE / "empty_app.py" if page == EMPTY else ROOT / "dashboard.py"
    at = AppTest.from_file(str(script), default_timeout=600)
    live = Path(page).stem in LIVE_PAGES
    if live:
        at.query_params.update(session=str(poll["session_id"]), code=poll["join_code"], p="bench-me")
    at.run()
    if page != EMPTY:
        at.switch_page(page)
    clear_caches()
    with query_log() as cold_calls:
        cold = timed(at.run)
    if at.exception:
        raise RuntimeError(f"{page}: {at.exception[0].message}")
    with query_log() as warm_calls:
        warm = [timed(at.run) for _ in range(repeat)]
    changes = []
    db = get_database(os.environ["PCN_DB"])
    qid = int(polls.questions(db, poll["session_id"])["poll_question_id"].iloc[0]) if live else 0
    codes = list(polls.options(db, qid)["option_code"]) if live else []
    with query_log() as change_calls:
        for i, code in enumerate(places[:repeat]):
            if live:
                # Another phone answers, then the page runs again (its own refresh tick).
                polls.cast_vote(db, qid, f"bench-extra-{i}", codes[i % len(codes)])
            else:
                at.selectbox(key="place").set_value(code)
            changes.append(timed(at.run))
            if at.exception:
                raise RuntimeError(f"{page}, place {code}: {at.exception[0].message}")
    slowest = max(cold_calls, default=(0.0, ""))
    if live:
        # Leave the session as it was, so every run times the same room.
        with db.transaction() as cur:
            cur.execute("DELETE FROM poll_vote WHERE participant_token LIKE 'bench-extra-%'")
    return {
        "cold_ms": cold * 1000,
        "warm_ms": statistics.median(warm) * 1000,
        "change_ms": statistics.median(changes) * 1000,
        "queries_cold": len(cold_calls),
        "queries_warm": len(warm_calls) / repeat,
        "queries_change": len(change_calls) / len(changes),
        "query_ms_cold": sum(s for s, _ in cold_calls) * 1000,
        "slowest_query_ms": slowest[0] * 1000,
        "slowest_query": slowest[1],
    }


def apptest_rows(scale: str, db: Path, repeat: int) -> list[dict]:
    """Return the AppTest timings of the empty page and every page on one file."""
    os.environ["PCN_DB"] = str(db)
    con = get_database(db)
    places = list(list_places(con, list_ics(con)["ics_code"].iloc[0])["place_code"])
    if len(places) < repeat:
        raise SystemExit(f"{scale}: {len(places)} places, too few for {repeat} place changes")
    poll = poll_session(con, places[0])
    rows = []
    for page in [EMPTY, *PAGES]:
        row = {"scale": scale, "page": page if page == EMPTY else Path(page).stem}
        row.update(time_page(page, places, repeat, poll))
        rows.append(row)
        print(
            f"  {scale:9} {row['page']:18} cold {row['cold_ms']:7.0f}  warm {row['warm_ms']:6.0f}  "
            f"place change {row['change_ms']:6.0f} ms  queries {row['queries_cold']}/"
            f"{row['queries_warm']:.0f}/{row['queries_change']:.0f}  "
            f"slowest {row['slowest_query_ms']:.0f} ms ({row['slowest_query']})",
            flush=True,
        )
    floor = rows[0]
    for row in rows:
        for col in ("warm", "change", "cold"):
            row[f"{col}_ratio"] = row[f"{col}_ms"] / floor[f"{col}_ms"]
    return rows


def _status(pid: int) -> dict[str, int]:
    """Return the memory lines of /proc/PID/status in kB."""
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key.startswith("Vm"):
            out[key] = int(value.split()[0])
    return out


def memory_with_sessions(db: Path, places: list[str], sessions: int, poll: dict) -> dict:
    """Return the server's memory (MB) before and with `sessions` browser sessions open at once,
    each on a page in turn with a place in turn, all loading concurrently."""
    paths = [Path(p).stem for p in PAGES]
    with server(db, timeout=120) as srv, browser() as chromium:
        started = _status(srv.pid)["VmRSS"] / 1024
        peak, stop = [started], threading.Event()

        def sample() -> None:
            while not stop.is_set():
                try:
                    peak.append(_status(srv.pid)["VmRSS"] / 1024)
                except (OSError, KeyError):  # the server has exited: the main thread will say why
                    return
                stop.wait(0.1)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        begin = time.perf_counter()
        pages = []
        for i in range(sessions):
            page = chromium.new_context(viewport={"width": 1920, "height": 1080}).new_page()
            name = paths[i % len(paths)]
            query = (
                f"session={poll['session_id']}&code={poll['join_code']}"
                if name in LIVE_PAGES
                else f"place={places[i % len(places)]}"
            )
            page.goto(f"{srv.url}/{name}?{query}", wait_until="commit")
            pages.append((name, page))
        for name, page in pages:
            if name in LIVE_PAGES:
                # No page title on the projector or the phone: wait for the question itself.
                page.wait_for_selector(".present-q, [data-testid='stMain'] h2", timeout=300_000)
            else:
                wait_for_app(page, timeout_ms=300_000)
        loaded = time.perf_counter() - begin
        time.sleep(1)
        stop.set()
        sampler.join()
        status = _status(srv.pid)
    return {
        "sessions": sessions,
        "rss_started_mb": started,
        "rss_peak_mb": status["VmHWM"] / 1024,
        "rss_sampled_max_mb": max(peak),
        "rss_after_mb": status["VmRSS"] / 1024,
        "all_loaded_s": loaded,
    }


# Times, in the page's clock, the click on a selectbox option and the last change to the main
# area after it (text, stale markers, plotly's SVG).
OBSERVE_JS = """() => {
  window.__bench = {t0: null, last: null};
  document.addEventListener('click', e => {
    if (e.target.closest('[role="option"]')) window.__bench = {t0: performance.now(), last: null};
  }, true);
  new MutationObserver(() => { window.__bench.last = performance.now(); })
    .observe(document.querySelector('[data-testid="stMain"]'),
             {subtree: true, childList: true, attributes: true, characterData: true});
}"""

# Redrawn: the new run has started (the heading names the place), no element of the old run is
# left stale, every chart has its SVG, and nothing in the main area has changed for 0.6 s.
REDRAWN_JS = """(name) => {
  const b = window.__bench, main = document.querySelector('[data-testid="stMain"]');
  return b.t0 !== null && b.last !== null && main.innerText.includes(name)
    && !document.querySelector('[data-stale="true"]')
    && [...document.querySelectorAll('[data-testid="stPlotlyChart"]')]
         .every(c => c.querySelector('.main-svg'))
    && performance.now() - b.last > 600;
}"""


def browser_place_changes(db: Path, place_names: list[str]) -> list[tuple[float, float]]:
    """Return, per place chosen on Role clarity in Chromium: seconds from the click to the last
    change to the main area (charts' SVG included; once no element is stale and the area has
    been still for 0.6 s, not counted), and seconds the server took, from the browser sending
    the rerun to its last frame back (websocket frames as the network sees them, not delayed by
    the page's busy main thread)."""
    times = []
    frames: list[tuple[str, float]] = []

    def watch(ws) -> None:
        ws.on("framesent", lambda _: frames.append(("sent", time.perf_counter())))
        ws.on("framereceived", lambda _: frames.append(("received", time.perf_counter())))

    with server(db, timeout=120) as srv, browser() as chromium:
        page = chromium.new_page(viewport={"width": 1920, "height": 1080})
        page.on("websocket", watch)
        page.goto(f"{srv.url}/role_clarity")
        wait_for_app(page, timeout_ms=120_000)
        page.evaluate(OBSERVE_JS)
        for name in place_names:
            frames.clear()
            choose(page, "Place", name)
            page.wait_for_function(REDRAWN_JS, arg=f"· {name} ·", timeout=120_000, polling=50)
            b = page.evaluate("window.__bench")
            sent = min(t for kind, t in frames if kind == "sent")
            received = max(t for kind, t in frames if kind == "received")
            times.append(((b["last"] - b["t0"]) / 1000, received - sent))
    return times


def machine() -> dict[str, str]:
    """Return a description of this machine and the library versions."""
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    mem = int(Path("/proc/meminfo").read_text().split()[1]) / 1024 / 1024
    return {
        "cpu": f"{os.cpu_count()} × {cpu}",
        "ram": f"{mem:.1f} GB",
        "os": platform.platform(terse=True),
        "versions": f"Python {platform.python_version()}, "
        + ", ".join(f"{p} {metadata.version(p)}" for p in ("streamlit", "duckdb", "pandas", "plotly")),
    }


def write_csv(path: Path, rows: list[dict], extra: dict[str, float]) -> None:
    """Write one row per page and file, then one row per server-level measure."""
    cols = list(rows[0])
    with path.open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=[*cols, "measure", "value"])
        w.writeheader()
        for row in rows:
            w.writerow({k: round(v, 1) if isinstance(v, float) else v for k, v in row.items()})
        for key, value in extra.items():
            w.writerow({"scale": "national", "page": "server", "measure": key, "value": round(value, 1)})


def markdown(rows: list[dict], extra: dict[str, float], info: dict[str, str]) -> str:
    """Return the generated part of RESULTS.md: the table and the targets."""
    by = {(r["scale"], r["page"]): r for r in rows}
    pages = [r["page"] for r in rows if r["scale"] == "national"]
    lines = [
        f"Run {info['date']} · `{info['command']}` · {info['duration']} · repeats {info['repeat']}",
        f"Machine: {info['cpu']}, {info['ram']} RAM, {info['os']}; {info['versions']}; "
        f"load average {info['load_before']} before, {info['load_after']} after.",
        "",
        "AppTest script run, milliseconds (medians), demo file / national file. "
        "× empty: national place change divided by the empty page's. Present and join have no "
        f"filters: their place change is another vote, then a rerun, on a revealed question with "
        f"{VOTES} answers.",
        "",
        "| page | warm rerun | place change | × empty | cold | slowest query (national, cold) |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for page in pages:
        d, n = by[("demo", page)], by[("national", page)]
        lines.append(
            f"| {page} | {d['warm_ms']:.0f} / {n['warm_ms']:.0f} | {d['change_ms']:.0f} / "
            f"{n['change_ms']:.0f} | {n['change_ratio']:.1f} | {d['cold_ms']:.0f} / {n['cold_ms']:.0f} | "
            f"{n['slowest_query_ms']:.0f} ms `{n['slowest_query']}` |"
        )
    national = [by[("national", p)] for p in pages if p != EMPTY]
    slow = [r["page"] for r in national if r["change_ms"] >= TARGET_MS]
    ratio = [r["page"] for r in national if r["change_ratio"] >= TARGET_RATIO]
    browser_ms = extra.get("browser_change_median_ms")
    mb = extra.get("rss_peak_mb")

    def verdict(ok: bool) -> str:
        return "met" if ok else "**missed**"

    lines += [
        "",
        f"Real browser (Chromium, national file, Role clarity): a place change redrawn in "
        f"{browser_ms:.0f} ms (median of {extra['browser_changes']:.0f}; "
        f"{extra['browser_change_min_ms']:.0f}–{extra['browser_change_max_ms']:.0f}), of which the server "
        f"took {extra['browser_server_median_ms']:.0f} ms (median, rerun request to its last frame)."
        if browser_ms is not None
        else "Real browser: not run (--no-browser).",
        f"Server memory (national file): {extra['rss_started_mb']:.0f} MB started, peak {mb:.0f} MB with "
        f"{extra['sessions']:.0f} concurrent sessions ({extra['rss_after_mb']:.0f} MB after; all loaded in "
        f"{extra['all_loaded_s']:.0f} s)."
        if mb is not None
        else "Server memory: not run (--no-browser).",
        "",
        "Targets on the national file:",
        f"- every page under {TARGET_MS} ms after a place change: {verdict(not slow)}"
        + (f" (not: {', '.join(slow)})" if slow else ""),
        f"- under {TARGET_RATIO:.0f} × the empty page: {verdict(not ratio)}"
        + (f" (not: {', '.join(ratio)})" if ratio else ""),
    ]
    if browser_ms is not None:
        ok = browser_ms < TARGET_BROWSER_MS
        lines.append(f"- browser redraw under {TARGET_BROWSER_MS} ms: {verdict(ok)}")
    if mb is not None:
        lines.append(
            f"- server under {TARGET_MB} MB with {extra['sessions']:.0f} sessions: {verdict(mb < TARGET_MB)}"
        )
    return "\n".join(lines)


def write_results_md(path: Path, generated: str) -> None:
    """Replace the generated part of RESULTS.md, keeping the notes written around it."""
    text = path.read_text() if path.exists() else f"# Benchmark results\n\n{BEGIN}\n{END}\n"
    head, _, rest = text.partition(BEGIN)
    _, _, tail = rest.partition(END)
    path.write_text(f"{head}{BEGIN}\n{generated}\n{END}{tail}")


def demo_files(rebuild: bool) -> dict[str, Path]:
    """Return the demo and national files in benchmarks/out/, building those missing."""
    OUT.mkdir(exist_ok=True)
    files = {}
    for name, scale in SCALES.items():
        path = OUT / f"{name}.duckdb"
        if rebuild or not path.exists():
            seconds = timed(lambda p=path, s=scale: build_demo_file(p, scale=s, force=True))
            print(f"built {path.name} ({scale} scale) in {seconds:.1f} s", flush=True)
        files[name] = path
    return files


def main() -> None:
    """Run every measure and write the results."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="3 repeats, 5 sessions, 3 browser changes")
    parser.add_argument("--repeat", type=int, help="warm reruns and place changes per page (default 5)")
    parser.add_argument("--sessions", type=int, help="concurrent browser sessions (default 20)")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the demo and national files")
    parser.add_argument("--no-browser", action="store_true", help="AppTest timings only")
    parser.add_argument("--out", type=Path, default=HERE, help="where results.csv and RESULTS.md go")
    args = parser.parse_args()
    repeat = args.repeat or (3 if args.quick else 5)
    sessions = args.sessions or (5 if args.quick else 20)
    start = time.perf_counter()
    info = {
        **machine(),
        "date": dt.datetime.now().strftime("%Y-%m-%d %H:%M"),
        "command": " ".join(["python benchmarks/run.py", *sys.argv[1:]]),
        "repeat": str(repeat),
        "load_before": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }
    print(f"{info['cpu']}, {info['ram']}; {info['versions']}", flush=True)
    # AppTest warns "No runtime found" once per page: expected here, and it buries the table.
    logging.getLogger("streamlit.runtime.caching.cache_data_api").disabled = True
    files = demo_files(args.rebuild)
    behave_like_a_running_server()
    rows = []
    for scale, path in files.items():
        rows += apptest_rows(scale, path, repeat)

    extra: dict[str, float] = {}
    if not args.no_browser:
        con = get_database(files["national"])
        places = list_places(con, list_ics(con)["ics_code"].iloc[0])
        poll = poll_session(con, places["place_code"].iloc[0])  # made by the AppTest part
        # Close it first so the copy has everything (the poll session may still be in the WAL).
        close_database(files["national"])
        with tempfile.TemporaryDirectory() as tmp:
            # The server needs its own copy: this process holds the national file open.
            copy = Path(tmp) / "national.duckdb"
            shutil.copy(files["national"], copy)
            timings = browser_place_changes(copy, list(places["name"].iloc[1 : 1 + repeat]))
            changes = [redrawn for redrawn, _ in timings]
            extra.update(
                browser_changes=len(changes),
                browser_change_median_ms=statistics.median(changes) * 1000,
                browser_change_min_ms=min(changes) * 1000,
                browser_change_max_ms=max(changes) * 1000,
                browser_server_median_ms=statistics.median(server for _, server in timings) * 1000,
            )
            print(
                f"  browser place change: redrawn {[round(c * 1000) for c in changes]} ms, server "
                f"{[round(s * 1000) for _, s in timings]} ms",
                flush=True,
            )
            extra.update(memory_with_sessions(copy, list(places["place_code"]), sessions, poll))
            print(
                f"  server memory: {extra['rss_started_mb']:.0f} MB started, peak "
                f"{extra['rss_peak_mb']:.0f} MB with {sessions} sessions "
                f"(loaded in {extra['all_loaded_s']:.0f} s)",
                flush=True,
            )
    minutes, seconds = divmod(time.perf_counter() - start, 60)
    info.update(
        duration=f"{int(minutes)} min {seconds:.0f} s",
        load_after=" ".join(f"{x:.2f}" for x in os.getloadavg()),
    )
    args.out.mkdir(parents=True, exist_ok=True)
    write_csv(args.out / "results.csv", rows, extra)
    generated = markdown(rows, extra, info)
    write_results_md(args.out / "RESULTS.md", generated)
    print()
    print(generated)


if __name__ == "__main__":
    main()
