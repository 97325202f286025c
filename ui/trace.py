"""A line in the operator's log for every rerun a browser asks for, naming the buttons it reports
as clicked, when `PCN_TRACE_RERUNS=1` (the browser tests set it). With it, a click that changed
nothing is either in the log (the server received it: look at what it did) or not (the browser
never sent it). Keys only, never a widget's value: a value can be a participant's text."""

from __future__ import annotations

import logging
import os

log = logging.getLogger("pcn.app")


def _clicked(widget) -> bool:
    """Return True when a widget's state is a click for this one run (a button's or a form's
    submit trigger, a chat input, a component's trigger), which the browser sends once."""
    kind = widget.WhichOneof("value")
    if kind == "trigger_value":
        return widget.trigger_value
    if kind in ("string_trigger_value", "chat_input_value"):
        return getattr(widget, kind).HasField("data")
    return kind == "json_trigger_value" and bool(widget.json_trigger_value)


def describe(client_state) -> str:
    """Return one log line for a rerun request (the clicked widgets' keys, whether it is a
    fragment's), or "" for a fragment's timer that carries no click."""
    from streamlit.runtime.state.common import user_key_from_element_id

    if client_state is None:
        return "rerun received: no client state"
    clicked = [
        user_key_from_element_id(w.id) or w.id for w in client_state.widget_states.widgets if _clicked(w)
    ]
    if client_state.is_auto_rerun and not clicked:
        return ""  # a fragment's timer (every 0.5-3 s on the workshop pages): not a person's act
    scope = "fragment" if client_state.fragment_id else "page"
    auto = " (automatic)" if client_state.is_auto_rerun else ""
    return f"rerun received: {scope}{auto}, clicked: {', '.join(clicked) or 'nothing'}"


def install() -> bool:
    """Log every rerun request when PCN_TRACE_RERUNS=1; return whether it is installed."""
    if os.environ.get("PCN_TRACE_RERUNS") != "1":
        return False
    # Streamlit's session handles a browser's rerun request here (a private method: if a release
    # renames it, the trace is off and says so, and nothing else changes).
    from streamlit.runtime.app_session import AppSession

    handle = getattr(AppSession, "_handle_rerun_script_request", None)
    if handle is None:
        log.warning("rerun trace not installed: this Streamlit has no _handle_rerun_script_request")
        return False

    def traced(self, client_state=None):
        if line := describe(client_state):
            log.info(line)
        return handle(self, client_state)

    AppSession._handle_rerun_script_request = traced
    return True
