"""The test harness's own server (scripts/live_server.py): a test talks to the server it started,
never to another one that holds the port (seen in a run of two workers: a test waited 30 s on
another test's server, whose page was not the one it had set up)."""

import http.server
import shutil
import socket
import threading

import pytest

from scripts.live_server import free_port, server


class _Impostor(http.server.BaseHTTPRequestHandler):
    """Answers every GET with 200, as another test's Streamlit answers /_stcore/health."""

    def do_GET(self):  # noqa: N802 (the stdlib's name)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


def test_a_server_whose_port_is_taken_fails_to_start_and_says_so(demo_path, tmp_path):
    copy = tmp_path / "demo.duckdb"
    shutil.copy(demo_path, copy)
    port = free_port()
    impostor = http.server.ThreadingHTTPServer(("127.0.0.1", port), _Impostor)
    threading.Thread(target=impostor.serve_forever, daemon=True).start()
    try:
        with pytest.raises(RuntimeError, match=f"port {port}"):
            with server(copy, port=port, timeout=60):
                pass
    finally:
        impostor.shutdown()
        impostor.server_close()


def test_free_ports_lie_outside_the_range_the_system_hands_to_outgoing_connections():
    # The kernel gives outgoing connections (Chromium's, the tests' clients') ports from this range:
    # a port chosen in it can be taken by one before the server binds it.
    low, high = map(int, open("/proc/sys/net/ipv4/ip_local_port_range").read().split())
    ports = {free_port() for _ in range(50)}
    assert all(not (low <= p <= high) for p in ports), sorted(ports)[:5]
    assert len(ports) > 40  # spread out: two workers rarely pick the same one
    for p in list(ports)[:5]:
        with socket.socket() as s:
            s.bind(("127.0.0.1", p))
