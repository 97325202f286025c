"""Production entry point: the dashboard as an ASGI app, with a health check that reads the
database and Streamlit's metrics endpoint closed. Run behind a reverse proxy:

    .venv/bin/uvicorn server:app --host 127.0.0.1 --port 8501 --ws websockets

`make run` (streamlit run dashboard.py) stays the way to run it on your own machine.
"""

from __future__ import annotations

import streamlit as st
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import Route

from pcn_data.config import db_path
from pcn_data.db import get_database
from pcn_data.errors import PcnDataError

# Streamlit's own endpoints that must not be public: metrics describe sessions and caches.
CLOSED_PATHS = {"/_stcore/metrics"}


async def healthz(request):
    """Return 200 when the database file can be read, 503 with the reason when it cannot."""
    try:
        body = await run_in_threadpool(lambda: get_database(db_path()).check())
    except PcnDataError as exc:
        return JSONResponse({"status": "error", "detail": str(exc)}, status_code=503)
    return JSONResponse(body)


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
    routes=[Route("/healthz", healthz)],
    middleware=[Middleware(CloseInternalEndpoints)],
)
