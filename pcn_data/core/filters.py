"""The shared filters (wave, ICS, places, PCNs, roles) and the one place they become SQL."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any


@dataclass(frozen=True)
class Filters:
    """What the user has chosen; empty means everything."""

    wave: str | None = None  # wave_code
    ics: str | None = None
    places: tuple[str, ...] = ()
    pcns: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()

    def without(self, *dims: str) -> Filters:
        """Return a copy with the named dimensions cleared."""
        cleared = {d: (None if d in ("wave", "ics") else ()) for d in dims}
        return replace(self, **cleared)

    def describe(self, names: dict[str, str] | None = None) -> str:
        """Return the filters in force in words, for chart captions."""
        names = names or {}
        parts = [names.get(self.wave, f"wave {self.wave}") if self.wave else "All waves"]
        if self.places:
            parts.append(", ".join(names.get(p, p) for p in self.places))
        elif self.ics:
            parts.append(names.get(self.ics, self.ics))
        else:
            parts.append("All places")
        if self.pcns:
            parts.append(", ".join(names.get(p, p) for p in self.pcns))
        parts.append(", ".join(names.get(r, r) for r in self.roles) if self.roles else "all roles")
        return " · ".join(parts)

    def total_label(self, names: dict[str, str]) -> str:
        """Return the name of the total row: the ICS's name, or "All ICSs" when all are chosen."""
        return names.get(self.ics, "ICS total") if self.ics else "All ICSs"


# The columns each dimension filters on, in the standard respondent join below.
RESPONDENT_COLUMNS = {
    "wave": "w.wave_code",
    "ics": "pl.ics_code",
    "places": "pl.place_code",
    "pcns": "pc.pcn_code",
    "roles": "r.role_code",
}

# respondent r with its wave, PCN, place and role: the FROM clause of every survey query.
RESPONDENT_FROM = """
    respondent r
    JOIN wave w ON w.wave_id = r.wave_id
    JOIN pcn pc ON pc.pcn_code = r.pcn_code
    JOIN place pl ON pl.place_code = pc.place_code
    JOIN ics ic ON ic.ics_code = pl.ics_code
    JOIN role ro ON ro.role_code = r.role_code
"""


def where(f: Filters, columns: dict[str, str] | None = None) -> tuple[str, list[Any]]:
    """Return an SQL condition (with ? placeholders) and its parameters for the filters.

    columns maps a dimension to the column it filters; they are constants written in this
    package, never user input. Dimensions missing from columns are not filtered.
    """
    columns = RESPONDENT_COLUMNS if columns is None else columns
    clauses, params = ["TRUE"], []
    for dim in ("wave", "ics"):
        value = getattr(f, dim)
        if value is not None and dim in columns:
            clauses.append(f"{columns[dim]} = ?")
            params.append(value)
    for dim in ("places", "pcns", "roles"):
        values = getattr(f, dim)
        if values and dim in columns:
            clauses.append(f"{columns[dim]} IN ({', '.join('?' for _ in values)})")
            params.extend(values)
    return " AND ".join(clauses), params
