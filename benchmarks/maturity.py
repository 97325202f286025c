"""What a maturity round costs at room scale, in-process (no HTTP, no browsers): N phones sending
their whole answer at once through the room's group commit (`Rooms.cast`), beside the same N
voting on a single-choice question; then what the projector's redraw costs (the spread counted
from memory and drawn as HTML, twice a second) and what a phone is pushed.

    .venv/bin/python benchmarks/maturity.py --db demo.duckdb [--phones 150]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import shutil
import statistics
import tempfile
import threading
import time
from pathlib import Path

from pcn_data.core.db import Database
from pcn_data.workshop import maturity_round, polls, room


def burst(rooms, sid: int, qid: int, answers: list) -> list[float]:
    """Cast every answer at once, one thread a phone; return each cast's seconds."""
    gate = threading.Barrier(len(answers))
    took = [0.0] * len(answers)

    def phone(i: int) -> None:
        gate.wait()
        t0 = time.perf_counter()
        rooms.cast(sid, qid, f"bench-phone-{i:05d}-xxxx", answers[i])
        took[i] = time.perf_counter() - t0

    threads = [threading.Thread(target=phone, args=(i,)) for i in range(len(answers))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return took


def ms(values: list[float]) -> str:
    q = statistics.quantiles(values, n=20)
    return f"p50 {1000 * statistics.median(values):.0f} ms, p95 {1000 * q[18]:.0f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--phones", type=int, default=150)
    parser.add_argument(
        "--db", type=Path, required=True, help="a demo file (python -m pcn_data demo --db ...)"
    )
    args = parser.parse_args()
    rng = random.Random(18)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.duckdb"
        shutil.copy(args.db, path)  # a copy: the benchmark's votes never reach the given file
        db = Database(path)
        made = polls.create_session(
            db,
            title="Bench",
            place_code="MB",
            held_on=dt.date(2026, 12, 2),
            questions=[polls.QuestionSpec("Pick one", "single", ("Red", "Green", "Blue"))],
        )
        sid = made["session_id"]
        maturity_round.add_to_session(db, sid)
        single, mat = (int(q) for q in polls.questions(db, sid)["poll_question_id"])
        rooms = room.rooms(db)
        r = rooms.get(sid)
        names = maturity_round.labels(r.questions[mat].options)
        pcns, domains, stages = list(names["pcn"]), list(names["domain"]), list(names["stage"])

        def answer():
            return [f"pcn:{rng.choice(pcns)}"] + [
                c
                for d in domains
                for c in (f"now:{d}:{rng.choice(stages)}", f"want:{d}:{rng.choice(stages)}")
            ]

        n = args.phones
        polls.set_state(db, single, "open")
        base = burst(rooms, sid, single, [rng.choice(["o1", "o2", "o3"]) for _ in range(n)])
        polls.set_state(db, mat, "open")
        t0 = time.perf_counter()
        took = burst(rooms, sid, mat, [answer() for _ in range(n)])
        wall = time.perf_counter() - t0
        changed = burst(rooms, sid, mat, [answer() for _ in range(n // 5)])
        stored = db.scalar(
            "SELECT count(DISTINCT participant_token) FROM poll_maturity WHERE poll_question_id = ?", [mat]
        )
        r = rooms.get(sid)
        q = r.questions[mat]
        votes = r.answers[mat].values()
        redraw = []
        for _ in range(50):
            t1 = time.perf_counter()
            maturity_round.spread_html(maturity_round.spread(q.options, votes))
            redraw.append(time.perf_counter() - t1)
        facilitator = []
        for _ in range(5):
            t1 = time.perf_counter()
            for p in pcns:
                maturity_round.team_view(q.options, votes, p)
                maturity_round.suggested(q.options, votes, p)
            facilitator.append(time.perf_counter() - t1)
        pushed = len(json.dumps(r.phone_state("bench-phone-00000-xxxx")))
        print(f"{n} phones, maturity answer ({len(domains)} domains, now and in a year), all at once:")
        print(f"  cast {ms(took)}; all {n} committed in {wall:.2f} s; single choice beside it: {ms(base)}")
        print(f"  20% change their answer: {ms(changed)}")
        print(f"  stored = in memory = cast: {stored} = {r.count(mat)} = {n}")
        print(
            "  projector redraw (spread from memory + HTML): "
            f"median {1000 * statistics.median(redraw):.1f} ms"
        )
        print(
            f"  facilitator's teams ({len(pcns)} PCNs, spread + median each): "
            f"median {1000 * statistics.median(facilitator):.0f} ms"
        )
        print(f"  a phone's pushed state: {pushed} bytes")
        db.close()


if __name__ == "__main__":
    main()
