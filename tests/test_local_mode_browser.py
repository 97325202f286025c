"""Local mode on a real network, in a real browser: `streamlit run` listening on every interface,
as `make run` does. A browser on this machine's loopback address is the facilitator; the same
machine reached through its network address, as a phone on the room's wifi reaches it, is a
participant who can open only Join, whatever page it types."""

from __future__ import annotations

import ipaddress
import shutil
import socket

import pytest

from scripts.live_server import browser, server
from tests.browser_helpers import require_chromium

pytestmark = pytest.mark.browser

require_chromium()


def network_address() -> str | None:
    """Return an IPv4 address of this machine that is not a loopback one, or None."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("192.0.2.1", 9))  # no packet is sent: this only picks the outgoing interface
            ip = s.getsockname()[0]
        except OSError:
            return None
    return None if ipaddress.ip_address(ip).is_loopback else ip


def test_only_this_computer_is_the_facilitator_in_local_mode(demo_path, tmp_path):
    ip = network_address()
    if ip is None:
        pytest.skip("this machine has no network address besides loopback")
    db = tmp_path / "local.duckdb"
    shutil.copy(demo_path, db)
    with server(db, args=["--server.address", "0.0.0.0"]) as running, browser() as chromium:
        port = running.url.rsplit(":", 1)[1]
        laptop = chromium.new_page()
        laptop.goto(f"http://127.0.0.1:{port}/data")
        laptop.wait_for_selector("h1:has-text('Data and method')", timeout=30000)

        phone = chromium.new_context().new_page()
        for path in ("data", "workshop", "present", ""):
            phone.goto(f"http://{ip}:{port}/{path}")
            phone.wait_for_selector("h1:has-text('Join a poll')", timeout=30000)
            phone.wait_for_selector("text=Local mode", timeout=30000)
            text = phone.inner_text("body")
            assert "Data and method" not in text and "Live workshop" not in text
            assert "Import data" not in text
