"""The participant's page (/join, participant.py) over HTTP, as a phone uses it: served by a real
uvicorn in this process, on the same database connection the test reads, so what the phone is
told can be checked against the file at once."""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette

import participant
from pcn_data.core import config
from pcn_data.core.db import Database
from pcn_data.core.errors import ConfigError
from pcn_data.workshop import polls, room
from scripts.live_server import free_port
from tests.conftest import ROOT


@pytest.fixture
def phones(own_copy):
    """Yield (base url, database) of the participant routes served by uvicorn in a thread."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(Starlette(routes=participant.ROUTES), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", own_copy
    server.should_exit = True
    participant.HUB.close_all()  # event streams end, so the server can stop
    thread.join(timeout=10)
    participant.HUB.closing = False


def new_session(db, title="Morecambe Bay CDs", *specs):
    made = polls.create_session(
        db, title=title, place_code="MB", held_on=dt.date(2026, 12, 2),
        questions=list(specs) or [polls.bank_question(db, "rel_ics"), polls.QuestionSpec("Words", "text")],
    )  # fmt: skip
    qids = [int(q) for q in polls.questions(db, made["session_id"])["poll_question_id"]]
    return made, qids


def vote(client, code, qid, answer, **headers):
    return client.post(
        "/join/vote",
        content=json.dumps({"code": code, "question": qid, "answer": answer}),
        headers={"Content-Type": "application/json", **headers},
    )


def test_the_page_gives_the_phone_a_private_cookie_and_the_address_only_the_code(phones):
    url, db = phones
    made, _ = new_session(db)
    with httpx.Client(base_url=url) as phone:
        page = phone.get(f"/join?code={made['join_code'].lower()}")
        assert page.status_code == 200
        cookie = page.headers["set-cookie"]
        assert cookie.startswith(f"{participant.COOKIE}=")
        assert "HttpOnly" in cookie and "samesite=lax" in cookie.lower() and "Path=/join" in cookie
        token = phone.cookies[participant.COOKIE]
        assert token not in str(page.url) and token not in page.text  # only in the cookie
        again = phone.get(f"/join?code={made['join_code']}")  # a refresh, or a second tab
        assert phone.cookies[participant.COOKIE] == token
        assert "Morecambe Bay CDs" in again.text


def test_a_vote_is_in_the_file_when_it_is_acknowledged_and_a_second_tab_sees_it(phones):
    url, db = phones
    made, (qid, _) = new_session(db)
    polls.set_state(db, qid, "open")
    with httpx.Client(base_url=url) as phone:
        phone.get(f"/join?code={made['join_code']}")
        token = phone.cookies[participant.COOKIE]
        got = vote(phone, made["join_code"], qid, "fair")
        assert got.status_code == 200 and got.json() == {"ok": True, "question": qid, "mine": ["fair"]}
        assert polls.my_answer(db, qid, token) == ["fair"]  # committed before the acknowledgement
        # The answer can be changed until the question closes; one participant, one answer.
        assert vote(phone, made["join_code"], qid, "good").json()["mine"] == ["good"]
        assert polls.answer_count(db, qid) == 1 and polls.my_answer(db, qid, token) == ["good"]
        tab = phone.get(f"/join?code={made['join_code']}")  # a second tab: the same cookie
        state = json.loads(tab.text.split('id="pcn-state">')[1].split("</script>")[0])
        assert state["question"]["mine"] == ["good"]
        polls.set_state(db, qid, "closed")
        closed = vote(phone, made["join_code"], qid, "poor")
        assert closed.status_code == 409 and "closed" in closed.json()["error"]
        assert polls.my_answer(db, qid, token) == ["good"]


def test_votes_that_could_be_forged_are_refused(phones):
    url, db = phones
    made, (qid, _) = new_session(db)
    polls.set_state(db, qid, "open")
    with httpx.Client(base_url=url) as stranger:  # never opened the page: no cookie
        refused = vote(stranger, made["join_code"], qid, "fair")
        assert refused.status_code == 403 and "allow cookies" in refused.json()["error"]
    with httpx.Client(base_url=url) as phone:
        phone.get(f"/join?code={made['join_code']}")
        # Another site's page posting with the phone's cookie (a browser adds Origin).
        assert vote(phone, made["join_code"], qid, "fair", Origin="https://evil.example").status_code == 403
        form = phone.post("/join/vote", data={"code": made["join_code"], "question": qid, "answer": "fair"})
        assert form.status_code == 415  # a plain HTML form cannot send JSON
        assert vote(phone, made["join_code"], qid, "x" * 9000).status_code == 413
        assert vote(phone, made["join_code"], qid, {"a": 1}).status_code == 400
        assert vote(phone, "NOSUCH", qid, "fair").status_code == 404
    assert polls.answer_count(db, qid) == 0


def test_hostile_titles_codes_and_answers_come_back_as_text(phones):
    url, db = phones
    made, (_, text_q) = new_session(db, "<script>alert(1)</script> & <b>CDs</b>")
    polls.set_state(db, text_q, "open")
    with httpx.Client(base_url=url) as phone:
        page = phone.get(f"/join?code={made['join_code']}")
        assert "<script>alert" not in page.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
        # The state for join.js is JSON that cannot end its element or start markup.
        assert "</script> &" not in page.text and "\\u003c/script\\u003e" in page.text
        unknown = phone.get("/join?code=<img src=x onerror=alert(1)>")
        assert unknown.status_code == 404
        assert "<img" not in unknown.text and "&lt;IMG SRC=X" in unknown.text
        answer = "</p><img src=x onerror=alert(1)>"
        assert vote(phone, made["join_code"], text_q, answer).json()["mine"] == [answer]


def read_events(response, into: queue.Queue) -> None:
    """Put each event's data in the queue until the stream ends (or the test closes it)."""
    kind = ""
    try:
        for line in response.iter_lines():
            if line.startswith("event: "):
                kind = line[7:]
            elif line.startswith("data: ") and kind == "state":  # not the keep-alive pings
                into.put(json.loads(line[6:]))
    except httpx.HTTPError:
        pass


def test_the_open_question_is_pushed_to_a_waiting_phone(phones):
    url, db = phones
    made, (qid, _) = new_session(db)
    events: queue.Queue = queue.Queue()
    with httpx.Client(base_url=url, timeout=httpx.Timeout(5, read=30)) as phone:
        phone.get(f"/join?code={made['join_code']}")
        with phone.stream("GET", f"/join/events?code={made['join_code']}") as stream:
            assert stream.headers["content-type"].startswith("text/event-stream")
            threading.Thread(target=read_events, args=(stream, events), daemon=True).start()
            assert events.get(timeout=10)["question"] is None  # waiting
            started = time.perf_counter()
            polls.set_state(db, qid, "open")
            pushed = events.get(timeout=10)
            assert pushed["question"]["id"] == qid and pushed["question"]["mine"] == []
            assert time.perf_counter() - started < 5
            assert vote(phone, made["join_code"], qid, "poor").status_code == 200
            assert events.get(timeout=10)["question"]["mine"] == ["poor"]  # the phone's other tabs
            polls.set_state(db, qid, "closed")
            assert events.get(timeout=10)["question"] is None
    with pytest.raises(queue.Empty):
        events.get(timeout=0.5)


def test_the_server_stops_at_once_with_phones_connected(demo_path, tmp_path):
    """A facilitator restarting the server mid-question must not wait on the phones' streams:
    uvicorn waits for open responses, and an event stream never ends by itself."""
    path = tmp_path / "stop.duckdb"
    path.write_bytes(demo_path.read_bytes())
    db = Database(path)
    made, _ = new_session(db)
    db.close()
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "server.py", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true"],
        cwd=ROOT, env={**os.environ, "PCN_DB": str(path)},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/_stcore/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.3)
        events: queue.Queue = queue.Queue()
        clients = [httpx.Client(base_url=url, timeout=httpx.Timeout(5, read=30)) for _ in range(3)]
        for phone in clients:
            phone.get(f"/join?code={made['join_code']}")

            def listen(phone=phone) -> None:
                with phone.stream("GET", f"/join/events?code={made['join_code']}") as stream:
                    read_events(stream, events)
                events.put("ended")

            threading.Thread(target=listen, daemon=True).start()
        for _ in clients:
            assert events.get(timeout=20)["question"] is None  # three phones waiting
        started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=20)
        assert time.monotonic() - started < 5
        assert [events.get(timeout=5) for _ in clients] == ["ended"] * 3
        for phone in clients:
            phone.close()
    finally:
        if proc.poll() is None:
            proc.kill()


def test_the_projected_address_is_never_loopback_unless_nothing_else_exists(monkeypatch):
    monkeypatch.delenv("PCN_PUBLIC_URL", raising=False)
    monkeypatch.setattr(config, "network_address", lambda: "192.168.1.20")
    assert config.public_address(8501) == config.PublicAddress("http://192.168.1.20:8501")
    assert config.public_address(8501).join == "http://192.168.1.20:8501/join"
    # Listening only on this computer: phones cannot connect, and the facilitator is told.
    bound = config.public_address(8501, "127.0.0.1")
    assert bound.url == "http://192.168.1.20:8501" and "--server.address 0.0.0.0" in bound.problem
    # The address does not answer (a firewall, the wrong network): said, in plain words.
    silent = config.public_address(8501, "", probe=lambda url: False)
    assert "could not open http://192.168.1.20:8501" in silent.problem
    # No network at all: localhost is all there is, and the page says phones cannot reach it.
    monkeypatch.setattr(config, "network_address", lambda: None)
    alone = config.public_address(8501)
    assert alone.url == "http://localhost:8501" and "no network address" in alone.problem


def test_a_configured_public_address_wins_and_a_bad_one_is_refused(monkeypatch):
    monkeypatch.setattr(config, "network_address", lambda: "192.168.1.20")
    monkeypatch.setenv("PCN_PUBLIC_URL", "https://workshop.example.nhs.uk/")
    assert config.public_address(8501, "127.0.0.1") == config.PublicAddress("https://workshop.example.nhs.uk")
    monkeypatch.setenv("PCN_PUBLIC_URL", "http://localhost:8501")
    assert "only this computer can open" in config.public_address(8501).problem
    for bad in ("workshop.example.nhs.uk", "ftp://x.example", "https://x.example/join"):
        monkeypatch.setenv("PCN_PUBLIC_URL", bad)
        with pytest.raises(ConfigError, match="PCN_PUBLIC_URL"):
            config.public_address(8501)


def test_this_machine_s_network_address_is_not_loopback():
    found = config.network_address()
    assert found is None or not ipaddress.ip_address(found).is_loopback


def test_a_phone_behind_the_proxy_at_the_public_address_can_vote(phones, monkeypatch):
    url, db = phones
    made, (qid, _) = new_session(db)
    polls.set_state(db, qid, "open")
    monkeypatch.setenv("PCN_PUBLIC_URL", "https://workshop.example.nhs.uk")
    with httpx.Client(base_url=url) as phone:
        phone.get(f"/join?code={made['join_code']}")
        # The proxy passes its own Host on; the browser's Origin is the public address.
        assert vote(
            phone, made["join_code"], qid, "fair", Origin="https://workshop.example.nhs.uk"
        ).is_success
        # A client's own X-Forwarded-Host is not trusted: PCN_PUBLIC_URL names the proxy's address.
        forwarded = {"Origin": "https://other.example", "X-Forwarded-Host": "other.example"}
        assert vote(phone, made["join_code"], qid, "good", **forwarded).status_code == 403
        assert vote(phone, made["join_code"], qid, "poor", Origin="https://evil.example").status_code == 403
    assert polls.answer_count(db, qid) == 1


def test_a_script_opening_streams_cannot_exhaust_the_server(phones, monkeypatch):
    url, db = phones
    made, _ = new_session(db)
    monkeypatch.setenv("PCN_MAX_PHONES", "2")
    events: queue.Queue = queue.Queue()
    clients = [httpx.Client(base_url=url, timeout=httpx.Timeout(5, read=30)) for _ in range(3)]
    for phone in clients:
        phone.get(f"/join?code={made['join_code']}")
    try:
        for phone in clients[:2]:

            def listen(phone=phone) -> None:
                with phone.stream("GET", f"/join/events?code={made['join_code']}") as stream:
                    read_events(stream, events)

            threading.Thread(target=listen, daemon=True).start()
            events.get(timeout=10)
        full = clients[2].get(f"/join/events?code={made['join_code']}")
        assert full.status_code == 503 and "full" in full.json()["error"]
    finally:
        participant.HUB.close_all()
        for phone in clients:
            phone.close()


# Found by an attack on the page (a tester playing a hostile participant against a real server).


def test_one_unstorable_answer_cannot_make_the_room_s_votes_fail(phones):
    url, db = phones
    made, (qid, text_q) = new_session(db)
    other, (other_q, _) = new_session(db, "Another room")
    polls.set_state(db, text_q, "open")
    polls.set_state(db, other_q, "open")
    results: queue.Queue = queue.Queue()

    def phone(code, question, answer) -> None:
        with httpx.Client(base_url=url) as client:
            client.get(f"/join?code={code}")
            results.put((answer, vote(client, code, question, answer)))

    # An unpaired surrogate cannot be stored as UTF-8; a NUL is not text a person typed.
    bad = ["\udfff", "a\x00b", "\u200b", "\ufeff\u200b "]
    threads = [threading.Thread(target=phone, args=(other["join_code"], other_q, "poor")) for _ in range(20)]
    threads += [threading.Thread(target=phone, args=(made["join_code"], text_q, b)) for b in bad * 3]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    got = [results.get() for _ in threads]
    assert [r.status_code for a, r in got if a == "poor"] == [200] * 20
    assert polls.answer_count(db, other_q) == 20
    for answer, r in got:
        if answer == "a\x00b":  # the NUL is dropped, the text kept
            assert r.status_code == 200 and r.json()["mine"] == ["ab"]
        elif answer != "poor":
            assert r.status_code in (400, 409) and "database" not in r.text.lower(), (answer, r.text)
    assert list(polls.text_answers(db, text_q)["value_text"]) == ["ab"] * 3
    with httpx.Client(base_url=url) as client:
        client.get(f"/join?code={made['join_code']}")
        for code in ("\ud800", "a" * 5000):
            assert vote(client, code, text_q, "fine").status_code in (400, 404)


def test_a_hidden_answer_stays_hidden_when_it_is_sent_again(phones):
    url, db = phones
    made, (_, text_q) = new_session(db)
    polls.set_state(db, text_q, "open")
    with httpx.Client(base_url=url) as troll:
        troll.get(f"/join?code={made['join_code']}")
        token = troll.cookies[participant.COOKIE]
        assert vote(troll, made["join_code"], text_q, "offensive words").is_success
        polls.moderate(db, text_q, token, True)
        assert vote(troll, made["join_code"], text_q, "offensive words").is_success
        assert vote(troll, made["join_code"], text_q, "other offensive words").is_success
    assert polls.text_answers(db, text_q).empty  # still hidden in the file
    live = room.rooms(db).get(made["session_id"])
    assert live.text_answers(text_q) == [] and len(live.text_answers(text_q, include_hidden=True)) == 1


def test_odd_json_is_refused_with_a_400_not_a_server_error(phones):
    url, db = phones
    made, (qid, _) = new_session(db)
    polls.set_state(db, qid, "open")
    deep = "[" * 3000 + "]" * 3000
    with httpx.Client(base_url=url) as phone:
        phone.get(f"/join?code={made['join_code']}")
        for body in (
            f'{{"code": "{made["join_code"]}", "question": 1e400, "answer": "fair"}}',
            f'{{"code": "{made["join_code"]}", "question": {qid}, "answer": {deep}}}',
            f'{{"code": "{made["join_code"]}", "question": true, "answer": "fair"}}',
            f'{{"code": "{made["join_code"]}", "question": "{qid}", "answer": "fair"}}',
            f'{{"code": "{made["join_code"]}", "question": {qid}.5, "answer": "fair"}}',
        ):
            got = phone.post("/join/vote", content=body, headers={"Content-Type": "application/json"})
            assert got.status_code == 400, (body[:60], got.status_code)
    assert polls.answer_count(db, qid) == 0


def test_a_stream_needs_the_page_s_cookie_and_one_phone_holds_few_streams(phones):
    url, db = phones
    made, _ = new_session(db)
    with httpx.Client(base_url=url) as stranger:  # never opened the page
        assert stranger.get(f"/join/events?code={made['join_code']}").status_code == 403
    events: queue.Queue = queue.Queue()
    with httpx.Client(base_url=url, timeout=httpx.Timeout(5, read=30)) as phone:
        phone.get(f"/join?code={made['join_code']}")
        try:
            for _ in range(participant.STREAMS_PER_PHONE):

                def listen() -> None:
                    with phone.stream("GET", f"/join/events?code={made['join_code']}") as stream:
                        read_events(stream, events)

                threading.Thread(target=listen, daemon=True).start()
                events.get(timeout=10)
            extra = phone.get(f"/join/events?code={made['join_code']}")
            assert extra.status_code == 429 and "tabs" in extra.json()["error"]
        finally:
            participant.HUB.close_all()
