"""Who is using the app: sign-in, roles, and the checks pages and actions make."""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import streamlit as st

import plain
from pcn_data.core import access as acl
from pcn_data.core import trail
from pcn_data.core.errors import PcnDataError
from ui.data import database, names

log = logging.getLogger("pcn.app")


def act(action: str, fn, *args) -> None:
    """Run a data action from a widget callback (before the page redraws, so the page shows its
    effect) once the user's role is checked again here on the server; keep a refusal's message
    for `show_refusal`."""
    try:
        require(action)
        fn(*args)
    except PcnDataError as exc:
        _declined(action, exc)
        st.session_state["_refusal"] = str(exc)


def _declined(action: str, exc: PcnDataError) -> None:
    """Log that an action was not done, by its name and the error's type: the message, shown to
    the user, can quote an answer. (A refusal by role is logged where it is raised.)"""
    if not isinstance(exc, acl.AccessDenied):
        log.info("declined: action %s (%s)", action, type(exc).__name__)


def show_refusal(container=None) -> None:
    """Show, once, why the last action was refused."""
    message = st.session_state.pop("_refusal", None)
    if message:
        (container or st).warning(message)


def auth_configured() -> bool:
    """Return True when sign-in (OpenID Connect, an [auth] section in secrets.toml) is set up."""
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all: local mode
        return False


@st.cache_data(show_spinner=False)
def _role_map(path: str, modified: float) -> dict[str, acl.Access]:
    """Return the role map, read again whenever the file changes (its mtime is in the key)."""
    return acl.load_role_map(Path(path))


# Headers a reverse proxy adds: a request that came through one is not from this computer, even
# though its connection is (the proxy's).
_PROXY_HEADERS = ("X-Forwarded-For", "Forwarded", "X-Real-IP")


def on_this_computer() -> bool:
    """Return True when the browser runs on the machine the dashboard runs on: a loopback
    connection (Streamlit reports no address for 127.0.0.1 and ::1, nor when no browser is
    connected, as under AppTest, whose stand-in runtime answers with a mock) that did not come
    through a proxy."""
    ip = st.context.ip_address
    if isinstance(ip, str):
        try:
            address = ipaddress.ip_address(ip)
        except ValueError:
            return False
        mapped = getattr(address, "ipv4_mapped", None)
        if not (address.is_loopback or (mapped is not None and mapped.is_loopback)):
            return False
    headers = st.context.headers
    return not any(headers.get(h) for h in _PROXY_HEADERS)


def who() -> acl.Access | None:
    """Return who is using the app. In local mode (no sign-in configured) this computer is the
    facilitator and every other device a participant, who may only join a poll; signed in, the
    role map decides; None when not signed in or not in the role map."""
    if not auth_configured():
        return acl.LOCAL if on_this_computer() else acl.LOCAL_VISITOR
    if not st.user.is_logged_in:
        return None
    path = acl.roles_file()
    try:
        role_map = _role_map(str(path), path.stat().st_mtime if path.exists() else 0.0)
    except PcnDataError as exc:
        st.error(plain.md(str(exc)))
        st.stop()
    return acl.access_from_claims(st.user.to_dict(), role_map)


def can(action: str) -> bool:
    """Return True when the current user may take the action."""
    return acl.can(who(), action)


def actor(access: acl.Access | None) -> str:
    """Return who the audit trail records for this access: the signed-in email, or "local"."""
    if access is None:
        return "not signed in"
    if access.local:
        return trail.LOCAL if access.role == "facilitator" else "local participant"
    return access.email or access.role


class Outcome:
    """Whether a guarded block ran to its end (true) or was refused or failed (false)."""

    ok = False

    def __bool__(self) -> bool:
        return self.ok


@contextmanager
def guarded(action: str) -> Iterator[Outcome]:
    """Yield an Outcome, true once the block has run: the role is checked for the action first
    (again on the server, not only by hiding the control), and a refusal or any PcnDataError is
    shown as its one sentence instead of raised (its cause is logged where it was wrapped)."""
    outcome = Outcome()
    try:
        require(action)
        yield outcome
        outcome.ok = True
    except PcnDataError as exc:
        _declined(action, exc)
        st.error(plain.md(str(exc)))


def require(action: str) -> None:
    """Raise AccessDenied unless the current user may take the action (a refusal goes in the
    audit trail); the change that follows is recorded as theirs."""
    access = who()
    try:
        acl.require(access, action)
    except acl.AccessDenied:
        log.warning("refused: action %s for %s", action, actor(access))
        trail.record_alone(database(), "refusal", action, "action", by=actor(access))
        raise
    # Every write in the app follows this check in the same thread: the trail names its author.
    trail.set_actor(actor(access))


def require_page(page: str) -> None:
    """Stop the page unless the current user may open it (navigation hides it too)."""
    access = who()
    if not acl.may_open(access, page):
        log.warning("refused: page %s for %s", page, actor(access))
        trail.record_alone(database(), "refusal", page, "page", by=actor(access))
        st.error("Your account may not open this page.")
        st.stop()


def record_sign_in(access: acl.Access | None) -> None:
    """Put a sign-in (or a signed-in account without a role) in the audit trail, once a session."""
    if not auth_configured() or not st.user.is_logged_in:
        return
    email = st.user.get("email") or ""
    if st.session_state.get("_trail_signed_in") == email:
        return
    st.session_state["_trail_signed_in"] = email
    if access is None:
        log.warning("refused: sign-in of %s, an account with no role", email)
        trail.record_alone(database(), "refusal", "sign-in", "no role for this account", by=email or "?")
    else:
        log.info("sign-in: %s as %s", email, access.role)
        trail.record_alone(database(), "sign_in", email, access.role, by=actor(access))


def local_notice(access: acl.Access) -> None:
    """Say, small, on the join and presenter pages, that the app runs in local mode."""
    if access.role == "facilitator":
        text = (
            "Local mode: no sign-in is configured. Only this computer has the facilitator's controls; "
            "every other device can only join the poll."
        )
    else:
        text = (
            "Local mode: this dashboard runs on the facilitator's computer without sign-in. "
            "From this device you can join the poll; nothing else is open to it."
        )
    st.caption(text)


def account_panel(access: acl.Access) -> None:
    """Show in the sidebar who is signed in, or that the app runs in local mode."""
    if access.local:
        st.sidebar.warning(
            "**Local mode**: no sign-in is configured. This computer is the facilitator; other devices "
            "on the network can only join a poll. Configure sign-in before real survey data goes on a "
            "shared server.",
            icon=":material/lock_open:",
        )
        return
    place = f" · {plain.md(names().get(access.place, access.place))}" if access.place else ""
    st.sidebar.caption(f"Signed in as {plain.md(access.email)} ({access.label}{place})")
    if st.sidebar.button("Sign out", key="sign_out", icon=":material/logout:"):
        st.logout()


def sign_in_page() -> None:
    """The page shown to anyone not signed in, or signed in without a role."""
    st.title("PCN Futures Dashboard")
    if st.user.is_logged_in:
        st.error(
            f"You are signed in as {plain.md(st.user.get('email'))}, but this account has no role here. "
            "Ask a facilitator to add you to the role map."
        )
        st.button("Sign out", key="sign_out_norole", on_click=st.logout)
        return
    st.markdown(
        "The survey results are confidential: sign in with your NHS account to see them. "
        "Taking part in a workshop poll needs no sign-in: open the link or QR code on the screen."
    )
    st.button("Sign in", key="sign_in", type="primary", icon=":material/login:", on_click=st.login)
