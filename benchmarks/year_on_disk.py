"""What a year of use takes on disk: the demo file, then a simulated programme year of survey
imports, workshops with live votes, tracker edits and snapshots (before every import, and the last
PCN_BACKUP_KEEP daily ones), measured with the product's own functions.

Run: .venv/bin/python benchmarks/year_on_disk.py [--out DIR]
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pcn_data.core import backup  # noqa: E402
from pcn_data.core.db import Database  # noqa: E402
from pcn_data.demo import build_demo_file  # noqa: E402
from pcn_data.importing.batches import Upload, apply  # noqa: E402
from pcn_data.programme import tracker  # noqa: E402
from pcn_data.workshop import polls  # noqa: E402

ROUNDS = ("2024", "2025", "2026")  # survey rounds imported in the year (the demo holds 2021, 2023)
WORKSHOPS = 10  # one a month or so, in the five places
QUESTIONS = 6
PHONES = 120
TRACKER_EDITS = 60


def _size(path: Path) -> int:
    """Return the bytes of a file, or of every file under a folder."""
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def _survey_round(db: Database, wave: str) -> bytes:
    """Return a long-format template CSV of a new round: the 2023 follow-up's respondents and
    answers under new ids (the size of a real round)."""
    df = db.query(
        """
        SELECT r.respondent_id, r.pcn_code, r.role_code, r.years_band, a.question_code,
               coalesce(o.label, a.value_text) AS answer
        FROM answer a JOIN respondent r USING (respondent_id) JOIN wave w USING (wave_id)
        LEFT JOIN option o ON o.question_code = a.question_code AND o.option_code = a.option_code
        WHERE w.wave_code = '2023' AND answer IS NOT NULL
        """
    )
    df["respondent_id"] = f"{wave}-" + df["respondent_id"].astype(str)
    df.insert(4, "submitted_on", f"15/05/{wave}")
    df = df.rename(columns={"role_code": "role", "years_band": "years_in_role"})
    out = io.StringIO()
    df.to_csv(out, index=False)
    return out.getvalue().encode()


def simulate(folder: Path) -> dict:
    """Return the measured sizes (bytes) and times of a simulated year in folder."""
    os.environ["PCN_BACKUP_DIR"] = str(folder / "backups")
    keep = backup.backup_keep()
    path = folder / "year.duckdb"
    build_demo_file(path)
    sizes = {"demo_file": _size(path)}
    db = Database(path)
    started = time.perf_counter()
    for wave in ROUNDS:
        plan = Upload(_survey_round(db, wave), f"round_{wave}.csv").plan(db, wave=wave)
        apply(db, plan, imported_by="year simulation")  # a snapshot is taken before each
    places = db.query("SELECT place_code FROM place ORDER BY sort_order")["place_code"].tolist()
    bank = ["rel_ics", "role_clear_self", "vision_pcn", "dev_needs", "rel_vcse"]
    for w in range(WORKSHOPS):
        specs = [polls.bank_question(db, q) for q in bank[: QUESTIONS - 1]]
        specs.append(polls.QuestionSpec("One thing to change?", "text"))
        made = polls.create_session(
            db, title=f"Workshop {w + 1}", place_code=places[w % len(places)],
            held_on=dt.date(2026, 1, 1) + dt.timedelta(days=30 * w), questions=specs,
        )  # fmt: skip
        for qid, spec in zip(polls.questions(db, made["session_id"])["poll_question_id"], specs, strict=True):
            polls.set_state(db, int(qid), "open")
            options = polls.options(db, int(qid))["option_code"].tolist()
            for p in range(PHONES):
                answer = (
                    f"More protected time, phone {p}"
                    if spec.kind == "text"
                    else [options[p % len(options)]]
                    if spec.kind == "multi"
                    else options[p % len(options)]
                )
                polls.cast_vote(db, int(qid), f"w{w}-p{p}", answer)
            polls.reveal(db, int(qid))
        polls.close_session(db, made["session_id"], dt.date(2026, 1, 1) + dt.timedelta(days=30 * w))
    statuses = list(tracker.STATUSES)
    for i in range(TRACKER_EDITS):
        tracker.update(
            db, 1 + i % 15, places[i % len(places)], by="year simulation",
            status=statuses[i % len(statuses)], note=f"Reviewed at meeting {i}",
        )  # fmt: skip
    for _ in range(keep):  # the daily snapshots kept at the end of the year
        backup.take(db, "scheduled")
    seconds = time.perf_counter() - started
    db.close()
    sizes["file_after_a_year"] = _size(path)
    sizes["one_snapshot"] = _size(backup.listed(folder / "backups", path, "scheduled")[-1])
    sizes["backups_folder"] = _size(folder / "backups")
    sizes["total"] = sizes["file_after_a_year"] + sizes["backups_folder"]
    return {
        "rounds": len(ROUNDS),
        "workshops": WORKSHOPS,
        "votes": WORKSHOPS * QUESTIONS * PHONES,
        "tracker_edits": TRACKER_EDITS,
        "snapshots_kept": len(backup.listed(folder / "backups", path)),
        "keep": keep,
        "seconds": round(seconds, 1),
        **{f"{k}_mb": round(v / 1e6, 1) for k, v in sizes.items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, help="folder to keep the files in (default: a temporary one)")
    args = parser.parse_args()
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        print(json.dumps(simulate(args.out), indent=2))
        return
    with tempfile.TemporaryDirectory() as folder:
        print(json.dumps(simulate(Path(folder)), indent=2))


if __name__ == "__main__":
    main()
