"""The production entry point: the health check reads the database, the metrics endpoint is
closed, and the dashboard itself is served."""

import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from pcn_data.core.db import SCHEMA_VERSION
from scripts.live_server import free_port
from tests.conftest import ROOT


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


@pytest.fixture
def production(demo_path, tmp_path):
    """Return a function starting `uvicorn server:app` on a database path; stops them after."""
    procs = []

    def start(db) -> str:
        port = free_port()
        proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "server:app", "--host", "127.0.0.1", "--port", str(port)],
            cwd=ROOT,
            env={"PATH": "/usr/bin:/bin", "PCN_DB": str(db), "HOME": str(tmp_path)},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        procs.append(proc)
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if get(f"{url}/_stcore/health")[0] == 200:
                    return url
            except OSError:
                time.sleep(0.3)
        raise RuntimeError("uvicorn server:app did not start")

    yield start
    for proc in procs:
        proc.terminate()
        proc.wait(timeout=10)


def test_health_check_reads_the_database_and_metrics_are_closed(production, demo_path, tmp_path):
    db = tmp_path / "prod.duckdb"
    shutil.copy(demo_path, db)
    url = production(db)
    status, body = get(f"{url}/healthz")
    assert status == 200 and '"status":"ok"' in body and f'"schema_version":"{SCHEMA_VERSION}"' in body
    assert get(f"{url}/_stcore/metrics")[0] == 404
    status, page = get(url)
    assert status == 200 and "<html" in page.lower()


def test_health_check_fails_when_the_database_cannot_be_read(production, tmp_path):
    # A directory where the file should be: the database cannot be opened.
    (tmp_path / "not-a-file.duckdb").mkdir()
    url = production(tmp_path / "not-a-file.duckdb")
    status, body = get(f"{url}/healthz")
    assert status == 503 and '"status":"error"' in body


def headers(url: str) -> dict[str, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return {k.lower(): v for k, v in r.headers.items()}
    except urllib.error.HTTPError as exc:
        return {k.lower(): v for k, v in exc.headers.items()}


def directives(csp: str) -> dict[str, set[str]]:
    """Return a Content-Security-Policy as directive -> its sources."""
    out = {}
    for part in csp.split(";"):
        if part.strip():
            name, *sources = part.split()
            out[name] = set(sources)
    return out


def test_every_response_carries_the_security_headers(production, demo_path, tmp_path):
    db = tmp_path / "prod.duckdb"
    shutil.copy(demo_path, db)
    url = production(db)
    for path in ("/", "/join?code=ABC", "/healthz", "/_stcore/health", "/_stcore/metrics"):
        got = headers(url + path)
        assert got.get("x-content-type-options") == "nosniff", path
        assert got.get("referrer-policy") == "no-referrer", path  # join links carry a participant token
        assert got.get("x-frame-options") == "DENY", path
        assert "camera=()" in got.get("permissions-policy", ""), path
        csp = directives(got.get("content-security-policy", ""))
        assert csp.get("default-src") == {"'self'"}, path
        assert csp.get("frame-ancestors") == {"'none'"} and csp.get("object-src") == {"'none'"}, path
        # No outside scripts, styles or images: only this origin (and inline styles, data: and
        # blob: images, which Streamlit and plotly draw with).
        assert "'unsafe-inline'" not in csp["script-src"] and "'unsafe-eval'" not in csp["script-src"]
        for directive in ("script-src", "style-src", "img-src", "connect-src", "font-src"):
            assert not {s for s in csp[directive] if s.startswith(("http", "*", "https:", "http:"))}, (
                directive
            )
        assert csp["img-src"] <= {"'self'", "data:", "blob:"}
