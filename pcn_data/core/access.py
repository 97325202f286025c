"""Who may see and change what. A signed-in user's role comes from the identity provider's app-role
claim (`roles`) when the token carries one this app knows; otherwise from a role map kept in a TOML
file outside the repository, keyed on the immutable object id (`oid`) or subject (`sub`), with the
email as a fallback. With no sign-in configured the app runs in local mode: the computer it runs on
is the facilitator, every other device a participant. Pages and actions ask `can` — the one place
the rules live."""

from __future__ import annotations

import logging
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pcn_data.core import site
from pcn_data.core.errors import ConfigError, PcnDataError

log = logging.getLogger(__name__)

ROLES = {
    "facilitator": "Facilitator",
    "oversight": "Oversight group",
    "clinical_director": "Clinical Director",
    "participant": "Workshop participant",
}
# Pages (file stems under pages/) each role may open: read from the page registry. A participant
# answers polls on the participant's page (/join, participant.py), which is not a dashboard page
# and needs no sign-in: no dashboard page is theirs.
PAGES = {role: set(site.stems_for(role)) for role in ROLES}
# Actions that change data, and the roles that may take them.
ACTIONS = {
    "import": {"facilitator"},
    "undo_import": {"facilitator"},
    "run_polls": {"facilitator"},
    "edit_recommendations": {"facilitator", "oversight"},
    "code_comments": {"facilitator"},
    # A snapshot is the whole file, every answer in it: for those who run the server.
    "backup": {"facilitator"},
    # Reading (not changing: nobody may) the audit trail.
    "read_audit": {"facilitator"},
}
DEFAULT_ROLES_FILE = Path.home() / ".config" / "pcn-futures" / "roles.toml"


class AccessDenied(PcnDataError):
    """The signed-in user's role may not do this."""


@dataclass(frozen=True)
class Access:
    """Who is using the app: their role, their place (Clinical Directors), and how they got it."""

    role: str
    email: str | None = None
    place: str | None = None
    local: bool = False  # no sign-in configured: this computer is the facilitator, others participants

    @property
    def label(self) -> str:
        """Return the role in words."""
        return ROLES[self.role]


LOCAL = Access("facilitator", local=True)
# Local mode, for any other device: a phone on the workshop's network may only join the poll.
LOCAL_VISITOR = Access("participant", local=True)


def roles_file() -> Path:
    """Return the role map's path: $PCN_ROLES_FILE, else ~/.config/pcn-futures/roles.toml."""
    return Path(os.environ.get("PCN_ROLES_FILE") or DEFAULT_ROLES_FILE)


def load_role_map(path: Path | None = None) -> dict[str, Access]:
    """Return key -> Access from the role map file; a missing file maps nobody. A key is an oid
    (kept in lower case: a GUID's case means nothing), a sub (kept exactly) or an email (lower
    case)."""
    path = path or roles_file()
    if not path.exists():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        log.warning("role map %s not read", path, exc_info=exc)
        raise ConfigError(f"The role map {path} is not valid TOML: {exc}") from exc
    out = {}
    for email, entry in (data.get("users") or {}).items():
        role = entry.get("role") if isinstance(entry, dict) else None
        if role not in ROLES or role == "participant":
            raise ConfigError(
                f"The role map {path} gives {email} the role {role!r}; use one of facilitator, oversight, "
                f"clinical_director."
            )
        place = entry.get("place")
        if role == "clinical_director" and not place:
            raise ConfigError(f"The role map {path} gives the Clinical Director {email} no place.")
        key = email.strip()
        if "@" in key or _GUID.fullmatch(key):
            key = key.lower()
        out[key] = Access(role, key if "@" in key else None, place)
    return out


def access_for(email: str | None, role_map: dict[str, Access]) -> Access | None:
    """Return the access the role map gives an email, or None when it does not list it."""
    if not email:
        return None
    return role_map.get(email.strip().lower())


_GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
# App roles in the order one wins over another when a token carries several.
_APP_ROLES = ("facilitator", "oversight", "clinical_director")


def _app_role(values: object) -> tuple[str, str | None] | None:
    """Return (role, place) from the `roles` claim's values, or None when none is this app's.
    A value is a role's name in any case; a Clinical Director's may end in .<place code>."""
    if isinstance(values, str):
        values = [values]
    if not isinstance(values, list | tuple):
        return None
    found: dict[str, str | None] = {}
    for value in values:
        name, _, place = str(value).strip().partition(".")
        role = name.lower().replace("-", "_")
        if role in _APP_ROLES:
            found.setdefault(role, place.strip() or None if role == "clinical_director" else None)
    for role in _APP_ROLES:
        if role in found:
            return role, found[role]
    return None


def access_from_claims(claims: Mapping[str, Any], role_map: dict[str, Access]) -> Access | None:
    """Return a signed-in user's access from their token's claims, or None when they have no role.

    Entra ID's app-role claim (`roles`) decides when it names a role of this app (a Clinical
    Director's place from `clinical_director.<place>`, else from the role map). Otherwise the role
    map decides, looked up by `oid`, then `sub`, then the email: an id never changes, while an
    email can be renamed or reissued to someone else."""
    email = claims.get("email") or claims.get("preferred_username")
    email = str(email).strip().lower() if email else None
    mapped = None
    for claim, fold in (("oid", True), ("sub", False)):
        value = claims.get(claim)
        if value and mapped is None:
            value = str(value).strip()
            mapped = role_map.get(value.lower() if fold else value)
    if mapped is None and email:
        mapped = role_map.get(email)
    app_role = _app_role(claims.get("roles"))
    if app_role is not None:
        role, place = app_role
        if role == "clinical_director" and place is None and mapped is not None:
            place = mapped.place
        return Access(role, email, place)
    if mapped is None:
        return None
    return Access(mapped.role, email or mapped.email, mapped.place)


def can(access: Access | None, action: str) -> bool:
    """Return True when this access may take the action (an unknown action is never allowed)."""
    return access is not None and access.role in ACTIONS.get(action, set())


def may_open(access: Access | None, page: str) -> bool:
    """Return True when this access may open the page (a file stem under pages/)."""
    return page in PAGES["participant" if access is None else access.role]


def require(access: Access | None, action: str) -> None:
    """Raise AccessDenied unless this access may take the action."""
    if not can(access, action):
        who = "You are not signed in" if access is None else f"A {access.label.lower()} account"
        raise AccessDenied(f"{who} may not do this ({action.replace('_', ' ')}): ask a facilitator.")
