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


def _env_int(name: str, default: int) -> int:
    """Return the whole number in environment variable name, or default when it is unset."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {raw!r}.") from None


def min_group_size() -> int:
    """Return K, the smallest group whose survey answers may be shown ($PCN_MIN_GROUP, default 5)."""
    return validate_min_group(_env_int("PCN_MIN_GROUP", DEFAULT_MIN_GROUP))


DEFAULT_MIN_REVEAL = 3
# Revealing a single vote shows the room one person's answer.
FLOOR_MIN_REVEAL = 2


def min_reveal_votes() -> int:
    """Return how many votes a poll question needs before its results may be revealed
    ($PCN_POLL_MIN_REVEAL, default 3, never below 2)."""
    n = _env_int("PCN_POLL_MIN_REVEAL", DEFAULT_MIN_REVEAL)
    if n < FLOOR_MIN_REVEAL:
        raise ConfigError(f"PCN_POLL_MIN_REVEAL is {n}, but it may never be below {FLOOR_MIN_REVEAL}.")
    return n


def duckdb_config() -> dict[str, int]:
    """Return DuckDB's settings from the environment: $PCN_DUCKDB_THREADS caps its threads (unset:
    one per core). Each thread reserves address space, so a process run under an address-space
    limit (ulimit -v, RLIMIT_AS) of about 1 GB needs PCN_DUCKDB_THREADS=1."""
    threads = _env_int("PCN_DUCKDB_THREADS", 0)
    if threads < 0:
        raise ConfigError(f"PCN_DUCKDB_THREADS must be 1 or more, not {threads}.")
    return {"threads": threads} if threads else {}
