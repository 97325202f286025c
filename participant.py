"""The participant's page: what a phone in the workshop room opens from the QR code.

It is not a Streamlit page. A room of 150 phones waiting on Streamlit pages costs the server a
script run per phone every few seconds; this page costs nothing while it waits. It is served by
the same process (Starlette routes of `st.App`, see server.py):

- GET  /join               the page (HTML, escaped on the server; the question is drawn by
                           join.js with textContent, never as HTML);
- GET  /join/events        server-sent events: the open question, pushed when the facilitator
                           opens, closes or reveals, and the phone's own answer;
- POST /join/vote          one small JSON request, committed to DuckDB before it is acknowledged;
- POST /join/ask, /join/upvote, /join/withdraw
                           a Q&A question asked, voted up, a vote withdrawn (the same rules as
                           a vote: cookie, origin, JSON, body cap; pcn_data/workshop/qa.py);
- GET  /join/static/...    join.js and join.css (the Content-Security-Policy allows only files
                           from this origin, no inline script).

The participant is a random token in a cookie the server sets (HttpOnly, SameSite=Lax): a
refresh or a second tab is the same participant, and the address carries only the join code.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import secrets
import signal
import threading
from pathlib import Path
from urllib.parse import urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Route

import plain
from pcn_data.core.config import db_path, max_phones
from pcn_data.core.db import Database, get_database
from pcn_data.core.errors import PcnDataError
from pcn_data.workshop import polls, qa
from pcn_data.workshop.room import Rooms, rooms

log = logging.getLogger("pcn.app")
COOKIE = "pcn_participant"
COOKIE_AGE = 30 * 24 * 3600  # a month: the workshop and its follow-up
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
STATIC = Path(__file__).resolve().parent / "join_static"
# An event this often keeps proxies and phone networks from closing the stream, and lets the phone
# tell a live line from a dead one (the page, join_static/common.js, reconnects after 45 s of silence).
KEEPALIVE_S = 15
MAX_BODY = 8192  # a vote is a few hundred bytes; an open-text answer at most MAX_TEXT characters
BODY_SECONDS = 10  # a vote's body arrives in this long or not at all
_CODE = re.compile(r"^[A-Za-z0-9 ]{1,16}$")  # a join code as typed (spaces are ignored)
# One phone (one cookie) holds at most this many open streams: a few tabs, not the room's share.
STREAMS_PER_PHONE = 5


def _token(request: Request) -> str | None:
    """Return the participant token from the cookie when it is one this server could have set."""
    value = request.cookies.get(COOKIE, "")
    return value if _TOKEN.match(value) else None


def _set_token(response: Response, request: Request, token: str) -> None:
    response.set_cookie(
        COOKIE,
        token,
        max_age=COOKIE_AGE,
        path="/join",
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )


class Hub:
    """The open event streams, by session; woken from any thread when a room changes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._streams: dict[int, set[_Stream]] = {}
        self._watched: set[int] = set()  # ids of the Rooms registries listened to
        self.closing = False
        self._hooked = False

    def hook_shutdown(self) -> None:
        """End every stream when the server is told to stop (once, from the main thread).

        uvicorn's graceful shutdown waits for open responses to finish, and an event stream never
        finishes by itself: without this, a server with phones connected would not stop on
        Ctrl+C or SIGTERM. The server's own handlers are chained, not replaced."""
        if self._hooked or threading.current_thread() is not threading.main_thread():
            return
        self._hooked = True
        for sig in (signal.SIGINT, signal.SIGTERM):
            previous = signal.getsignal(sig)

            def stop(signum, frame, previous=previous) -> None:
                self.close_all()
                if callable(previous):
                    previous(signum, frame)

            signal.signal(sig, stop)

    def close_all(self) -> None:
        """End every open stream now (the phones reconnect by themselves)."""
        self.closing = True
        with self._lock:
            streams = [s for group in self._streams.values() for s in group]
        for s in streams:
            s.wake()

    def watch(self, registry: Rooms) -> None:
        """Listen to a database's rooms (once)."""
        with self._lock:
            if id(registry) in self._watched:
                return
            self._watched.add(id(registry))
        registry.listen(self._changed)

    def _changed(self, session_id: int, what: str, token: str | None) -> None:
        with self._lock:
            streams = list(self._streams.get(session_id, ()))
        for s in streams:
            if what == "structure" or s.token == token:
                s.wake()

    def add(self, session_id: int, token: str | None) -> _Stream:
        """Return a new stream's waker for this session."""
        stream = _Stream(token)
        with self._lock:
            self._streams.setdefault(session_id, set()).add(stream)
        return stream

    def remove(self, session_id: int, stream: _Stream) -> None:
        """Forget a closed stream."""
        with self._lock:
            self._streams.get(session_id, set()).discard(stream)

    def count(self, token: str | None = None) -> int:
        """Return how many streams are open now (only this phone's, given its token)."""
        with self._lock:
            return sum(
                1 for group in self._streams.values() for s in group if token is None or s.token == token
            )


class _Stream:
    """One phone's open event stream: an asyncio event set from any thread."""

    def __init__(self, token: str | None) -> None:
        self.token = token
        self.loop = asyncio.get_running_loop()
        self.event = asyncio.Event()

    def wake(self) -> None:
        self.loop.call_soon_threadsafe(self.event.set)


HUB = Hub()


async def _rooms() -> tuple[Database, Rooms]:
    db = await run_in_threadpool(get_database, db_path())
    registry = rooms(db)
    HUB.watch(registry)
    return db, registry


def _clean(value):
    """Return the state with every string cleaned of bidirectional controls (join.js shows them
    with textContent, which escapes markup but would still let a right-to-left override turn
    the rest of the line around)."""
    if isinstance(value, str):
        return plain.clean(value)
    if isinstance(value, list):
        return [_clean(v) for v in value]
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    return value


def _page(title: str, body: str, *, state: dict | None = None) -> str:
    """Return the participant page's HTML; every value in it is escaped by the caller."""
    data = ""
    if state is not None:
        # JSON inside HTML: escape what could end the element or start markup.
        text = json.dumps(state).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
        data = f'<script type="application/json" id="pcn-state">{text}</script>'
    return f"""<!doctype html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>{plain.html(title)}</title>
<link rel="stylesheet" href="/join/static/join.css">
<script src="/join/static/common.js" defer></script>
<script src="/join/static/join.js" defer></script>
<script src="/join/static/paced.js" defer></script>
</head>
<body>
<main id="main">
{body}
</main>
{data}
</body>
</html>"""


def _code_form(message: str = "") -> str:
    error = f'<p class="error" role="alert">{plain.html(message)}</p>' if message else ""
    return f"""<h1>Join a poll</h1>
{error}
<form method="get" action="/join" class="code-form">
<label for="code">Join code</label>
<input id="code" name="code" autocomplete="off" autocapitalize="characters" maxlength="8"
       placeholder="e.g. K7QM2P" required>
<button type="submit">Join</button>
</form>"""


async def join_page(request: Request) -> Response:
    """Return the participant page for ?code=, or the form to type a code."""
    token = _token(request) or secrets.token_urlsafe(18)
    code = request.query_params.get("code", "").strip()
    if not code:
        response: Response = HTMLResponse(_page("Join a poll", _code_form()))
    else:
        _, registry = await _rooms()
        room = await run_in_threadpool(registry.by_code, code[:16])
        if room is None:
            shown = code[:16].upper()
            body = _code_form(f"There is no poll with the code {shown}: check the code on the screen.")
            response = HTMLResponse(_page("Join a poll", body), status_code=404)
        else:
            state = _clean(room.phone_state(token))
            body = f"""<h1 id="title">{plain.html(room.title)}</h1>
<p id="status" class="status" role="status" aria-live="polite"></p>
<section id="paced" data-code="{plain.html(room.join_code)}">
<p class="waiting">Connecting…</p>
</section>"""  # a self-paced session: every question at once, drawn by paced.js
            if not state.get("self_paced"):
                body = f"""<h1 id="title">{plain.html(room.title)}</h1>
<p id="status" class="status" role="status" aria-live="polite"></p>
<section id="question" aria-live="polite" data-code="{plain.html(room.join_code)}">
<p class="waiting">Connecting…</p>
</section>"""
            response = HTMLResponse(_page(room.title, body, state=state))
    response.headers["Cache-Control"] = "no-store"
    _set_token(response, request, token)
    return response


async def events(request: Request) -> Response:
    """Stream the open question to a phone: now, and again whenever it changes."""
    _, registry = await _rooms()
    room = await run_in_threadpool(registry.by_code, request.query_params.get("code", "")[:16])
    if room is None:
        return JSONResponse({"error": "There is no poll with that code."}, status_code=404)
    token, session_id = _token(request), room.session_id
    if token is None:
        # Every phone has the cookie from the page; a stream without one is not a phone's.
        return JSONResponse({"error": "Open the poll page first."}, status_code=403)
    if HUB.count(token) >= STREAMS_PER_PHONE:
        return JSONResponse(
            {"error": "This phone has too many tabs open on the poll: close some."}, status_code=429
        )
    HUB.hook_shutdown()
    if HUB.closing:
        return JSONResponse({"error": "The server is restarting."}, status_code=503)
    if HUB.count() >= max_phones():
        # The phone's page retries by itself; the facilitator's log says why.
        log.warning("participant stream refused: %d phones connected (PCN_MAX_PHONES)", HUB.count())
        return JSONResponse({"error": "The poll is full: try again in a minute."}, status_code=503)
    stream = HUB.add(session_id, token)

    async def send():
        try:
            # A phone that loses its stream comes back by itself after this long.
            yield "retry: 2000\n\n"
            last = None
            while not HUB.closing:
                stream.event.clear()
                current = registry.peek(session_id)
                state = _clean(current.phone_state(token)) if current else {"question": None, "ended": True}
                text = json.dumps(state)
                if text != last:
                    last = text
                    yield f"event: state\ndata: {text}\n\n"
                try:
                    await asyncio.wait_for(stream.event.wait(), timeout=KEEPALIVE_S)
                except TimeoutError:
                    yield "event: ping\ndata: {}\n\n"
        finally:
            HUB.remove(session_id, stream)

    return StreamingResponse(
        send(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


def _refuse(message: str, status: int) -> JSONResponse:
    return JSONResponse({"ok": False, "error": message}, status_code=status)


def _same_site(request: Request) -> bool:
    """Return True unless the browser says the request came from another site's page.

    The cookie is SameSite=Lax and the body must be JSON (which another site cannot send without a
    preflight this server never answers), so this is a second lock: the Origin header, when a
    browser sends one, must name this server as the phone reached it (directly, or at
    PCN_PUBLIC_URL)."""
    origin = request.headers.get("origin")
    if not origin:
        return True
    # A client's own X-Forwarded-Host is not trusted: a deployment behind a proxy names its
    # address in PCN_PUBLIC_URL (the QR code needs it anyway).
    ours = {request.headers.get("host", "")}
    public = os.environ.get("PCN_PUBLIC_URL", "").strip()
    if public:
        ours.add(urlsplit(public).netloc)
    return urlsplit(origin).netloc in ours - {""}


def _readable(value) -> bool:
    """Return True when every string in value can be stored (no unpaired surrogate)."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return False
        return True
    return all(_readable(v) for v in value) if isinstance(value, list) else True


async def _read_vote(request: Request) -> tuple[str, int, object] | Response:
    """Return (join code, question id, answer) from a vote's body, or the refusal to send back.

    The body is read only up to MAX_BODY and for at most BODY_SECONDS: a client that says it will
    send 200 MB, or sends one byte a minute, is refused without being waited for."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY:
        return _refuse(f"Keep it under {polls.MAX_TEXT} characters.", 413)
    body = bytearray()
    try:
        async with asyncio.timeout(BODY_SECONDS):
            async for chunk in request.stream():
                body += chunk
                if len(body) > MAX_BODY:
                    return _refuse(f"Keep it under {polls.MAX_TEXT} characters.", 413)
    except TimeoutError:
        return _refuse("The answer took too long to arrive: send it again.", 408)
    unreadable = _refuse("That answer could not be read: reload the page and try again.", 400)
    try:
        sent = json.loads(body)
    except (ValueError, RecursionError):
        return unreadable
    if not isinstance(sent, dict):
        return unreadable
    code, question, answer = sent.get("code"), sent.get("question"), sent.get("answer")
    # bool is an int in Python: true must not mean question 1.
    if not isinstance(code, str) or not _CODE.match(code) or type(question) is not int:
        return unreadable
    if not (answer is None or isinstance(answer, str | list)) or not _readable(answer):
        return _refuse("That answer could not be read: type it again.", 400)
    if isinstance(answer, list) and any(not isinstance(a, str) for a in answer):
        return _refuse("Choose one of the options.", 400)
    return code, question, answer


async def _phone_post(request: Request, what: str) -> tuple[str, str, int, object] | Response:
    """Return a phone's POST as (token, code, question, answer), or the refusal to send back: JSON
    only, from this site, with the phone's cookie, its body read within the limits."""
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
        return _refuse(f"Send {what} from the poll page.", 415)
    if not _same_site(request):
        return _refuse(f"Send {what} from the poll page.", 403)
    token = _token(request)
    if token is None:
        return _refuse(
            "This phone has not kept its place in the poll: allow cookies for this site, then reload.", 403
        )
    sent = await _read_vote(request)
    return sent if isinstance(sent, Response) else (token, *sent)


async def vote(request: Request) -> Response:
    """Record a phone's answer and acknowledge it once it is committed to the file."""
    sent = await _phone_post(request, "the answer")
    if isinstance(sent, Response):
        return sent
    token, code, question, answer = sent
    _, registry = await _rooms()

    def cast() -> list[str] | None:
        # One hand-off to a worker thread for the lookup and the commit, not one each: a room
        # voting at once is bounded by this per-vote work (benchmarks/RESULTS.md).
        room = registry.by_code(code[:16])
        return None if room is None else registry.cast(room.session_id, question, token, answer)

    try:
        mine = await run_in_threadpool(cast)
        if mine is None:
            return _refuse("There is no poll with that code.", 404)
    except polls.PollError as exc:
        return _refuse(str(exc), 409)
    except PcnDataError:  # logged where it happened; the phone is told in plain words
        return _refuse("Your answer was not recorded: please send it again.", 503)
    return JSONResponse({"ok": True, "question": question, "mine": _clean(mine)})


async def qa_action(request: Request) -> Response:
    """Take a phone's Q&A action (ask a question, vote one up, withdraw the vote) and acknowledge
    it, with the Q&A as this phone now sees it, once it is committed to the file.

    Body: {"code", "question", "answer"}: the question's text to ask, or the item id (a string)."""
    action = request.url.path.rsplit("/", 1)[-1]
    sent = await _phone_post(request, "it")
    if isinstance(sent, Response):
        return sent
    token, code, question, answer = sent
    if not isinstance(answer, str) or (action != "ask" and not (answer.isascii() and answer.isdigit())):
        return _refuse("That could not be read: reload the page and try again.", 400)
    _, registry = await _rooms()

    def act() -> dict | None:
        room = registry.by_code(code[:16])
        if room is None:
            return None
        if action == "ask":
            qa.submit(registry, room.session_id, question, token, answer)
        else:
            qa.vote(registry, room.session_id, question, token, int(answer[:12]), action == "upvote")
        return qa.phone_view(registry.get(room.session_id), question, token)

    try:
        view = await run_in_threadpool(act)
        if view is None:
            return _refuse("There is no poll with that code.", 404)
    except polls.PollError as exc:
        return _refuse(str(exc), 409)
    except PcnDataError:
        return _refuse("That was not recorded: please send it again.", 503)
    return JSONResponse({"ok": True, "question": question, "qa": _clean(view)})


async def static(request: Request) -> Response:
    """Return one of the participant's page's files: its scripts or its style sheet."""
    name = request.path_params["name"]
    if name not in ("common.js", "join.js", "paced.js", "join.css"):
        return Response("Not found", status_code=404)
    return FileResponse(STATIC / name, headers={"Cache-Control": "no-cache"})


ROUTES = [
    Route("/join", join_page, methods=["GET"]),
    Route("/join/events", events, methods=["GET"]),
    Route("/join/vote", vote, methods=["POST"]),
    Route("/join/ask", qa_action, methods=["POST"]),
    Route("/join/upvote", qa_action, methods=["POST"]),
    Route("/join/withdraw", qa_action, methods=["POST"]),
    Route("/join/static/{name}", static, methods=["GET"]),
]
