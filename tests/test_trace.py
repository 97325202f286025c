"""The rerun trace (PCN_TRACE_RERUNS=1): a browser's click reaches the operator's log by its
widget's key, and a widget's value never does."""

import logging

from streamlit.proto.ClientState_pb2 import ClientState
from streamlit.runtime.app_session import AppSession

from ui import trace


def request(*, clicked: str | None = None, typed: str | None = None, fragment: str = "", auto=False):
    """Return the ClientState a browser sends: a button clicked, a text typed, in a fragment or not."""
    state = ClientState(fragment_id=fragment, is_auto_rerun=auto)
    if clicked:
        w = state.widget_states.widgets.add()
        w.id, w.trigger_value = f"$$ID-0123abcd-{clicked}", True
    other = state.widget_states.widgets.add()  # a button not clicked: sent as false
    other.id, other.trigger_value = "$$ID-99-workshop_open_1", False
    if typed:
        w = state.widget_states.widgets.add()
        w.id, w.string_value = "$$ID-42-workshop_add_wording", typed
    return state


def test_a_click_is_named_by_its_key_and_a_typed_value_is_not_logged():
    line = trace.describe(request(clicked="workshop_add_maturity", typed="Dr Zebedee said this"))
    assert line == "rerun received: page, clicked: workshop_add_maturity"
    assert trace.describe(request(fragment="f1")) == "rerun received: fragment, clicked: nothing"
    # A fragment's timer is not logged: the workshop pages have one every 0.5 to 3 s.
    assert trace.describe(request(fragment="f1", auto=True)) == ""
    assert trace.describe(request(clicked="present_reveal", fragment="f1", auto=True)) == (
        "rerun received: fragment (automatic), clicked: present_reveal"
    )


def test_the_trace_is_off_unless_asked_for_and_logs_each_request_when_on(monkeypatch, caplog):
    monkeypatch.delenv("PCN_TRACE_RERUNS", raising=False)
    assert trace.install() is False
    seen = []
    monkeypatch.setattr(AppSession, "_handle_rerun_script_request", lambda self, cs=None: seen.append(cs))
    monkeypatch.setenv("PCN_TRACE_RERUNS", "1")
    assert trace.install() is True
    state = request(clicked="present_reveal")
    with caplog.at_level(logging.INFO, logger="pcn.app"):
        AppSession._handle_rerun_script_request(object(), state)
    assert seen == [state]  # Streamlit still handles the request
    assert "rerun received: page, clicked: present_reveal" in caplog.text
