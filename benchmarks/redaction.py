"""Time redaction as the Voices page does it on a national file: every comment redacted with
the names of about 1,250 PCNs. Prints the median milliseconds per comment over several passes.

    python benchmarks/redaction.py            # 3,000 comments, 7 passes
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pcn_data.demo import _NAME_A, _NAME_B, COMMENTS, IDENTIFYING  # noqa: E402
from pcn_data.survey.voices import redact  # noqa: E402


def national_names() -> list[str]:
    """Return the PCN names as Voices passes them on a national file (each with and without PCN)."""
    names = [f"{a} {b} PCN" for a in _NAME_A for b in _NAME_B][:1250]
    return names + [n.removesuffix(" PCN") for n in names]


def sample_comments(n: int, seed: int = 2021) -> list[str]:
    """Return n comments like the demo's: ordinary ones, and one in ten carrying identifiers."""
    rng = random.Random(seed)
    ordinary = [t for texts in COMMENTS.values() for t in texts]
    identifying = [t.format(pcn="Riverside Vale PCN") for _, t in IDENTIFYING] + [
        "Sarah Whitfield at the ICS never replied; ring 0044 7700 900123.",
        "dr jones and Prof. Anne-Marie O'Brien met Castle Street Surgery about the May meeting.",
    ]
    return [rng.choice(identifying) if rng.random() < 0.1 else rng.choice(ordinary) for _ in range(n)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--comments", type=int, default=3000)
    parser.add_argument("--passes", type=int, default=7)
    args = parser.parse_args()
    texts = sample_comments(args.comments)
    known = national_names()
    start = time.perf_counter()
    redact(texts[0], known)  # the first call pays for loading and compiling
    first_ms = (time.perf_counter() - start) * 1000
    per_comment = []
    for _ in range(args.passes):
        start = time.perf_counter()
        for t in texts:
            redact(t, known)
        per_comment.append((time.perf_counter() - start) * 1000 / len(texts))
    print(f"first call: {first_ms:.1f} ms (loading and compiling)")
    print(
        f"median {statistics.median(per_comment):.3f} ms per comment "
        f"({len(texts)} comments, {len(known)} known names, {args.passes} passes)"
    )


if __name__ == "__main__":
    main()
