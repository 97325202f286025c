"""Settings read from the environment, with safe defaults."""

from __future__ import annotations

import os
from pathlib import Path

from pcn_data.errors import ConfigError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB_PATH = PROJECT_ROOT / "data" / "pcn_futures.duckdb"

DEFAULT_MIN_GROUP = 5
# Below 3 a published group could be one person and the other two could identify them.
FLOOR_MIN_GROUP = 3


def db_path() -> Path:
    """Return the database path: $PCN_DB if set, else data/pcn_futures.duckdb."""
    return Path(os.environ.get("PCN_DB") or DEFAULT_DB_PATH)


def validate_min_group(k: int) -> int:
    """Return k when it is an allowed suppression threshold; raise ConfigError otherwise."""
    if isinstance(k, bool) or not isinstance(k, int):
        raise ConfigError(f"The suppression threshold must be a whole number, not {k!r}.")
    if k < FLOOR_MIN_GROUP:
        raise ConfigError(
            f"The suppression threshold is {k}, but it may never be below {FLOOR_MIN_GROUP}: "
            f"a smaller group could identify individual respondents."
        )
    return k


def min_group_size() -> int:
    """Return K, the smallest group whose survey answers may be shown ($PCN_MIN_GROUP, default 5)."""
    raw = os.environ.get("PCN_MIN_GROUP", "").strip()
    if not raw:
        return DEFAULT_MIN_GROUP
    try:
        k = int(raw)
    except ValueError:
        raise ConfigError(f"PCN_MIN_GROUP must be a whole number, not {raw!r}.") from None
    return validate_min_group(k)


DEFAULT_MIN_REVEAL = 3
# Revealing a single vote shows the room one person's answer.
FLOOR_MIN_REVEAL = 2


def min_reveal_votes() -> int:
    """Return how many votes a poll question needs before its results may be revealed
    ($PCN_POLL_MIN_REVEAL, default 3, never below 2)."""
    raw = os.environ.get("PCN_POLL_MIN_REVEAL", "").strip()
    if not raw:
        return DEFAULT_MIN_REVEAL
    try:
        n = int(raw)
    except ValueError:
        raise ConfigError(f"PCN_POLL_MIN_REVEAL must be a whole number, not {raw!r}.") from None
    if n < FLOOR_MIN_REVEAL:
        raise ConfigError(f"PCN_POLL_MIN_REVEAL is {n}, but it may never be below {FLOOR_MIN_REVEAL}.")
    return n
