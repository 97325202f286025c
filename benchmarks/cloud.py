"""What a word cloud costs the presenter, which redraws twice a second from the room in memory.

    python benchmarks/cloud.py            # 150 phones' open-text answers
    python benchmarks/cloud.py --n 300

For N participants' answers (1 to 12 words each, from a vocabulary of workshop words), cast through
the live room on a copy of the demo file, it times:

- a redraw with nothing new (counts from memory, the layout from its cache): what every 0.5 s costs;
- a redraw after one more answer (the counts change: a new layout);
- the first redraw (every answer redacted once, then cached).
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
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
from pcn_data.workshop import cloud, polls, room  # noqa: E402

VOCABULARY = """access estates workload recruitment retention funding time trust relationships
    digital data leadership burnout wellbeing contracts population health inequalities prevention
    community pharmacy social prescribing mental frailty children housing transport integration
    neighbourhood teams partnership voice influence clarity vision support capacity demand winter
    urgent appointments telephony premises training mentoring coaching peer learning succession
    resilience morale communication listening respect autonomy accountability governance""".split()


def redraw(live: room.Room, qid: int, known: tuple[str, ...]) -> str:
    """Return what the presenter's fragment computes for a revealed open-text question."""
    counts = live.word_counts(qid, known)
    hidden = live.hidden_words.get(qid, frozenset())
    texts = [cloud.mask(cloud.redacted(a.text, known), hidden) for a in live.text_answers(qid)]
    return cloud.svg(counts) + cloud.description(counts) + "".join(texts)


def main() -> None:
    raw = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=raw)
    parser.add_argument("--n", type=int, default=150)
    args = parser.parse_args()
    rng = random.Random(18)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "cloud.duckdb"
        build_demo_file(path)
        db = Database(path)
        made = polls.create_session(
            db,
            title="Cloud benchmark",
            place_code="MB",
            held_on=dt.date(2026, 12, 3),
            questions=[polls.QuestionSpec("One word for the year ahead?", "text")],
        )
        qid = int(polls.questions(db, made["session_id"])["poll_question_id"].iloc[0])
        polls.set_state(db, qid, "open")
        rooms = room.rooms(db)
        for i in range(args.n):
            answer = " ".join(rng.choices(VOCABULARY, k=rng.randint(1, 12)))
            rooms.cast(made["session_id"], qid, f"bench-phone-{i:08d}", answer)
        polls.reveal(db, qid)
        known = tuple(db.query("SELECT name FROM pcn")["name"])
        live = rooms.get(made["session_id"])
        start = time.perf_counter()
        redraw(live, qid, known)
        first = time.perf_counter() - start
        warm = []
        for _ in range(50):
            start = time.perf_counter()
            redraw(live, qid, known)
            warm.append(time.perf_counter() - start)
        changed = []
        for i in range(10):
            answer = " ".join(rng.choices(VOCABULARY, k=rng.randint(1, 12)))
            rooms.cast(made["session_id"], qid, f"late-phone-{i:08d}", answer)
            start = time.perf_counter()
            redraw(live, qid, known)
            changed.append(time.perf_counter() - start)
        words = len(live.word_counts(qid, known))
        db.close()
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"{args.n} answers, {words} distinct words ({cloud.MAX_WORDS} drawn at most)")
    print(f"first redraw (every answer redacted once): {first * 1000:.0f} ms")
    median, worst = statistics.median(warm) * 1000, max(warm) * 1000
    print(f"redraw with nothing new: median {median:.1f} ms, max {worst:.1f} ms")
    print(
        f"redraw after one more answer (a new layout): median {statistics.median(changed) * 1000:.0f} ms, "
        f"max {max(changed) * 1000:.0f} ms"
    )


if __name__ == "__main__":
    main()
