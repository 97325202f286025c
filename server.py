"""Production entry point: the dashboard as an ASGI app, with a health check that reads the
database, Streamlit's metrics endpoint closed, and security headers on every response (a
Content-Security-Policy that lets the page load nothing from another origin). Run behind a
reverse proxy:

    .venv/bin/uvicorn server:app --host 127.0.0.1 --port 8501 --ws websockets

`make run` serves the same app on your own machine (`streamlit run server.py`): the dashboard's
pages, and the participant's page for phones (participant.py) at /join.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import re
from pathlib import Path

import streamlit as st
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import Route

import participant
from pcn_data.core import logs
from pcn_data.core.config import db_path
from pcn_data.core.db import get_database
from pcn_data.core.errors import PcnDataError
from ui import trace

# The operator's log from the process's start, not from its first page (ui starts it there too).
logs.configure("INFO")
logging.getLogger("pcn.app").info("server starting: database %s", db_path())
trace.install()  # each rerun a browser asks for, when PCN_TRACE_RERUNS=1 (the browser tests)

# Streamlit's own endpoints that must not be public: metrics describe sessions and caches.
CLOSED_PATHS = {"/_stcore/metrics"}


async def healthz(request):
    """Return 200 when the database file can be read, 503 with the reason when it cannot."""
    try:
        body = await run_in_threadpool(lambda: get_database(db_path()).check())
    except PcnDataError as exc:
        return JSONResponse({"status": "error", "detail": str(exc)}, status_code=503)
    return JSONResponse(body)


def _inline_script_hashes() -> list[str]:
    """Return CSP hashes of the inline scripts in Streamlit's own index.html (one line that sets
    window.prerenderReady), read from the installed package so an upgrade keeps them right."""
    page = (Path(st.__file__).parent / "static" / "index.html").read_text(encoding="utf-8")
    scripts = re.findall(r"<script>(.*?)</script>", page, flags=re.DOTALL)
    return [f"'sha256-{base64.b64encode(hashlib.sha256(s.encode()).digest()).decode()}'" for s in scripts]


# Nothing from another origin: no outside script, style, image, font or connection. Streamlit
# needs inline styles (its components style themselves at run time) and its websocket (same
# origin, which 'self' covers); plotly and the join QR code draw data: and blob: images.
CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src " + " ".join(["'self'", *_inline_script_hashes()]),
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "media-src 'self' data: blob:",
        "worker-src 'self' blob:",
        "frame-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    # Join links carry the participant's anonymous token: never send the address on.
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}
_RAW_HEADERS = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in SECURITY_HEADERS.items()]


class SecurityHeaders:
    """ASGI middleware adding SECURITY_HEADERS to every HTTP response (replacing any the app set)."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message) -> None:
            if message["type"] == "http.response.start":
                names = {name for name, _ in _RAW_HEADERS}
                kept = [(k, v) for k, v in message.get("headers", []) if k.lower() not in names]
                message = {**message, "headers": [*kept, *_RAW_HEADERS]}
            await send(message)

        await self.app(scope, receive, send_with_headers)


class CloseInternalEndpoints:
    """ASGI middleware answering 404 for Streamlit endpoints that must not be exposed."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http" and scope["path"].rstrip("/") in CLOSED_PATHS:
            await PlainTextResponse("Not found", status_code=404)(scope, receive, send)
            return
        await self.app(scope, receive, send)


app = st.App(
    "dashboard.py",
    routes=[Route("/healthz", healthz), *participant.ROUTES],
    middleware=[Middleware(SecurityHeaders), Middleware(CloseInternalEndpoints)],
)
