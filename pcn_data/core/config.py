"""Settings read from the environment, with safe defaults."""

from __future__ import annotations

import ipaddress
import logging
import os
import socket
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from pcn_data.core.errors import ConfigError

log = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB_PATH = PROJECT_ROOT / "data" / "pcn_futures.duckdb"

DEFAULT_MIN_GROUP = 5
# Below 3 a published group could be one person and the other two could identify them.
FLOOR_MIN_GROUP = 3


def db_path() -> Path:
    """Return the database path: $PCN_DB if set, else data/pcn_futures.duckdb."""
    return Path(os.environ.get("PCN_DB") or DEFAULT_DB_PATH)


def validate_min_group(min_group: int) -> int:
    """Return min_group when it is an allowed suppression threshold (K); raise ConfigError otherwise."""
    if isinstance(min_group, bool) or not isinstance(min_group, int):
        raise ConfigError(f"The suppression threshold must be a whole number, not {min_group!r}.")
    if min_group < FLOOR_MIN_GROUP:
        raise ConfigError(
            f"The suppression threshold is {min_group}, but it may never be below {FLOOR_MIN_GROUP}: "
            f"a smaller group could identify individual respondents."
        )
    return min_group


def _env_int(name: str, default: int) -> int:
    """Return the whole number in environment variable name, or default when it is unset."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError as exc:
        log.warning("setting %s refused", name, exc_info=exc)
        raise ConfigError(f"{name} must be a whole number, not {raw!r}.") from exc


def min_group() -> int:
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


def max_phones() -> int:
    """Return how many phones may be connected to live polls at once ($PCN_MAX_PHONES, default
    1000): each holds an open connection, and a script opening thousands must not exhaust the
    server's file descriptors."""
    n = _env_int("PCN_MAX_PHONES", 1000)
    if n < 1:
        raise ConfigError(f"PCN_MAX_PHONES must be 1 or more, not {n}.")
    return n


def duckdb_config() -> dict[str, int]:
    """Return DuckDB's settings from the environment: $PCN_DUCKDB_THREADS caps its threads (unset:
    one per core). Each thread reserves address space, so a process run under an address-space
    limit (ulimit -v, RLIMIT_AS) of about 1 GB needs PCN_DUCKDB_THREADS=1."""
    threads = _env_int("PCN_DUCKDB_THREADS", 0)
    if threads < 0:
        raise ConfigError(f"PCN_DUCKDB_THREADS must be 1 or more, not {threads}.")
    return {"threads": threads} if threads else {}


@dataclass(frozen=True)
class PublicAddress:
    """Where phones join: the base URL (scheme, host, port) and, when phones may not reach it, why."""

    url: str
    problem: str | None = None

    @property
    def join(self) -> str:
        """Return the participant page's address."""
        return f"{self.url}/join"


def network_address() -> str | None:
    """Return this machine's address on its network (the one its default route leaves from), or
    None when it has only loopback."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            # A UDP "connect" sends nothing: it only asks the kernel which address it would use.
            s.connect(("192.0.2.1", 9))
            found = s.getsockname()[0]
        except OSError:
            found = None
    if found is None or ipaddress.ip_address(found).is_loopback or ipaddress.ip_address(found).is_unspecified:
        return None
    return found


def _is_loopback(host: str) -> bool:
    if host.strip("[]").lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def answers(url: str, timeout: float = 1.5) -> bool:
    """Return True when a Streamlit server answers its health check at url."""
    import urllib.request

    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=timeout) as r:
            return r.status == 200
    except (OSError, ValueError):
        return False


def public_address(port: int, listening: str = "", probe=None) -> PublicAddress:
    """Return the address phones join at: $PCN_PUBLIC_URL if set, else this machine's network
    address and port; never localhost unless nothing else exists, and then say so.

    listening: the address the server is bound to (Streamlit's server.address; empty for all).
    probe: url -> bool, whether the server answers there (skipped when None)."""
    configured = os.environ.get("PCN_PUBLIC_URL", "").strip().rstrip("/")
    if configured:
        parts = urlsplit(configured)
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.path not in ("", "/"):
            raise ConfigError(
                f"PCN_PUBLIC_URL is {configured!r}: give the address phones open, such as "
                "https://workshop.example.nhs.uk or http://192.168.1.20:8501 (no path)."
            )
        url = f"{parts.scheme}://{parts.netloc}"
        if _is_loopback(parts.hostname):
            return PublicAddress(url, f"PCN_PUBLIC_URL is {url}, an address only this computer can open.")
    else:
        host = network_address()
        if host is None:
            return PublicAddress(
                f"http://localhost:{port}",
                "This computer has no network address: connect it to the workshop's Wi-Fi (or set "
                "PCN_PUBLIC_URL) so that phones can reach it.",
            )
        url = f"http://{host}:{port}"
        if listening and _is_loopback(listening):
            return PublicAddress(
                url,
                f"The dashboard listens only on this computer (server.address {listening}): phones "
                "cannot reach it. Run it with --server.address 0.0.0.0, or set PCN_PUBLIC_URL.",
            )
    if probe is not None and not probe(url):
        return PublicAddress(
            url, f"This computer could not open {url} itself: check that a phone on the same network can."
        )
    return PublicAddress(url)
