"""Who may see and change what. Roles come from a role map (email -> role and place) kept in a
TOML file outside the repository; with no sign-in configured the app runs in local mode, where
everyone is a facilitator. Pages and actions ask `can` — the one place the rules live."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

from pcn_data.errors import ConfigError, PcnDataError

ROLES = {
    "facilitator": "Facilitator",
    "oversight": "Oversight group",
    "clinical_director": "Clinical Director",
    "participant": "Workshop participant",
}
# Pages (file stems under pages/) each role may open. Participants need no sign-in.
_RESULTS = {
    "overview", "role_clarity", "relationships", "development_needs", "voices",
    "compare_places", "pcn_development", "pcn_profile", "engagement", "recommendations",
}  # fmt: skip
PAGES = {
    "facilitator": _RESULTS | {"data", "workshop", "present", "join"},
    "oversight": _RESULTS | {"data", "join"},
    "clinical_director": _RESULTS | {"data", "join"},
    "participant": {"join"},
}
# Actions that change data, and the roles that may take them.
ACTIONS = {
    "import": {"facilitator"},
    "undo_import": {"facilitator"},
    "run_polls": {"facilitator"},
    "edit_recommendations": {"facilitator", "oversight"},
    "code_comments": {"facilitator"},
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
    """Return email (lower case) -> Access from the role map file; a missing file maps nobody."""
    path = path or roles_file()
    if not path.exists():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"The role map {path} is not valid TOML: {exc}") from None
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
        out[email.strip().lower()] = Access(role, email.strip().lower(), place)
    return out


def access_for(email: str | None, role_map: dict[str, Access]) -> Access | None:
    """Return a signed-in user's access, or None when the role map does not list them."""
    if not email:
        return None
    return role_map.get(email.strip().lower())


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
