"""Reference data (ICSs, places, PCNs), engagement events and PCN self-assessments from CSV or
XLSX files in the project's own column layouts."""

from __future__ import annotations

from pcn_data.core import bank
from pcn_data.core.db import Database
from pcn_data.importing.mapping import by_code_or_label, normalise
from pcn_data.importing.plan import Plan
from pcn_data.importing.reading import Sheet

LAYOUTS = {
    "reference": [
        "ics_code",
        "ics_name",
        "place_code",
        "place_name",
        "pcn_code",
        "pcn_name",
        "practices",
        "list_size",
    ],
    "engagement": ["place_code", "kind", "title", "starts_on", "ends_on", "attendees", "pcn_codes"],
    "self-assessment": ["pcn_code", "wave", "domain", "stage", "assessed_on"],
    "invitations": ["wave", "pcn_code", "role", "invited"],
}
REQUIRED = {
    "reference": ["ics_code", "ics_name", "place_code", "place_name", "pcn_code", "pcn_name"],
    "engagement": ["place_code", "kind", "title", "starts_on"],
    "self-assessment": ["pcn_code", "wave", "domain", "stage"],
    "invitations": ["wave", "pcn_code", "invited"],
}
EVENT_KINDS = ("workshop", "one_to_one", "roundtable", "survey_window")


def _rows(plan: Plan, sheet: Sheet, kind: str):
    """Yield (row number, get) for each data row; record a problem when a column is missing."""
    header = [normalise(h) for h in sheet.rows[0]]
    plan.header = sheet.rows[0]
    missing = [c for c in REQUIRED[kind] if c not in header]
    if missing:
        plan.add(
            None,
            None,
            f"a {kind} file needs the columns {', '.join(LAYOUTS[kind])}; missing: {', '.join(missing)}",
        )
        return
    idx = {c: header.index(c) for c in LAYOUTS[kind] if c in header}
    for n, r in enumerate(sheet.rows[1:], start=2):
        if not any(c.strip() for c in r):
            continue
        plan.rows[n] = r

        def get(c: str, r=r) -> str:
            return r[idx[c]].strip() if c in idx else ""

        blank = [c for c in REQUIRED[kind] if not get(c)]
        for c in blank:
            plan.add(n, c, f"required value missing: {c} is blank")
        yield n, get


def _pcns_by_code_or_name(db: Database) -> dict[str, str]:
    """Return normalised PCN code or name -> PCN code."""
    return by_code_or_label(db.query("SELECT pcn_code, name FROM pcn").itertuples(index=False))


def _whole(plan: Plan, n: int, column: str, value: str, *, minimum: int = 0) -> int | None:
    """Return value as a whole number, or None after recording a problem (blank gives None)."""
    if not value:
        return None
    try:
        number = int(value.replace(",", ""))
    except ValueError:
        plan.add(n, column, f"“{value}” is not a whole number")
        return None
    if number < minimum:
        plan.add(n, column, f"{number} is below {minimum}")
        return None
    return number


def stage_reference(db: Database, plan: Plan, sheet: Sheet) -> None:
    """Fill plan with the ICSs, places and PCNs of a reference list."""
    place_ics = dict(db.query("SELECT place_code, ics_code FROM place").itertuples(index=False))
    pcn_place = dict(db.query("SELECT pcn_code, place_code FROM pcn").itertuples(index=False))
    ics, places, pcns = {}, {}, {}
    for n, get in _rows(plan, sheet, "reference"):
        ic, pc, code = get("ics_code"), get("place_code"), get("pcn_code")
        practices = _whole(plan, n, "practices", get("practices"))
        list_size = _whole(plan, n, "list_size", get("list_size"))
        if not (ic and pc and code):
            continue
        if place_ics.get(pc, ic) != ic or places.get(pc, {}).get("ics_code", ic) != ic:
            plan.add(
                n,
                "ics_code",
                f"place {pc} belongs to ICS {place_ics.get(pc) or places[pc]['ics_code']}, "
                f"not {ic}: moving a place between ICSs is not supported",
            )
        if pcn_place.get(code, pc) != pc:
            plan.add(
                n,
                "place_code",
                f"PCN {code} is in place {pcn_place[code]}: moving a PCN between "
                f"places would rewrite past results; add it under a new code instead",
            )
        if code in pcns:
            plan.add(n, "pcn_code", f"PCN {code} is listed twice (first on row {pcns[code]['_row']})")
            continue
        ics.setdefault(ic, {"_row": n, "ics_code": ic, "name": get("ics_name")})
        places.setdefault(pc, {"_row": n, "place_code": pc, "ics_code": ic, "name": get("place_name")})
        pcns[code] = {
            "_row": n,
            "pcn_code": code,
            "place_code": pc,
            "name": get("pcn_name"),
            "practices": practices,
            "list_size": list_size,
        }
    plan.records = {"ics": list(ics.values()), "place": list(places.values()), "pcn": list(pcns.values())}


def stage_engagement(db: Database, plan: Plan, sheet: Sheet) -> None:
    """Fill plan with engagement events and the PCNs represented at each."""
    place_by = by_code_or_label(db.query("SELECT place_code, name FROM place").itertuples(index=False))
    pcn_place = dict(db.query("SELECT pcn_code, place_code FROM pcn").itertuples(index=False))
    events, links = [], []
    for n, get in _rows(plan, sheet, "engagement"):
        place = place_by.get(normalise(get("place_code")))
        if get("place_code") and place is None:
            plan.add(n, "place_code", f"unknown place “{get('place_code')}”")
        kind = normalise(get("kind")).replace("-", "_").replace(" ", "_")
        if get("kind") and kind not in EVENT_KINDS:
            plan.add(n, "kind", f"unknown kind “{get('kind')}”: expected one of {', '.join(EVENT_KINDS)}")
        starts, ends = (
            plan.date(n, "starts_on", get("starts_on")),
            plan.date(n, "ends_on", get("ends_on")),
        )
        if starts and ends and ends < starts:
            plan.add(n, "ends_on", f"ends on {ends:%d/%m/%Y}, before it starts ({starts:%d/%m/%Y})")
        attendees = _whole(plan, n, "attendees", get("attendees"))
        codes = [c.strip() for c in get("pcn_codes").replace(",", ";").split(";") if c.strip()]
        for code in codes:
            if code not in pcn_place:
                plan.add(n, "pcn_codes", f"unknown PCN “{code}”")
            elif place and pcn_place[code] != place:
                plan.add(n, "pcn_codes", f"PCN {code} is not in place {place}")
        events.append(
            {
                "_row": n,
                "place_code": place,
                "kind": kind,
                "title": get("title"),
                "starts_on": starts,
                "ends_on": ends,
                "attendees": attendees,
                "wave_id": None,
            }
        )
        links += [{"_row": n, "pcn_code": c} for c in dict.fromkeys(codes)]
    plan.records = {"engagement_event": events, "engagement_event_pcn": links}


def stage_self_assessment(db: Database, plan: Plan, sheet: Sheet) -> None:
    """Fill plan with PCN x domain x wave stages."""
    pcn_by = _pcns_by_code_or_name(db)
    waves = dict(db.query("SELECT wave_code, wave_id FROM wave").itertuples(index=False))
    domains = by_code_or_label(bank.SA_DOMAINS)
    stages = by_code_or_label((c, lbl) for c, lbl, _ in bank.SA_STAGES)
    existing = {
        tuple(r)
        for r in db.query("SELECT pcn_code, domain_code, wave_id FROM self_assessment").itertuples(
            index=False
        )
    }
    seen: dict[tuple, int] = {}
    rows = []
    for n, get in _rows(plan, sheet, "self-assessment"):
        pcn, wave = pcn_by.get(normalise(get("pcn_code"))), waves.get(get("wave"))
        domain, stage = domains.get(normalise(get("domain"))), stages.get(normalise(get("stage")))
        for column, found in (
            ("pcn_code", pcn),
            ("wave", wave),
            ("domain", domain),
            ("stage", stage),
        ):
            if get(column) and found is None:
                plan.add(n, column, f"unknown {column.replace('_code', '')} “{get(column)}”")
        assessed = plan.date(n, "assessed_on", get("assessed_on"))
        key = (pcn, domain, wave)
        if None not in key:
            if key in seen:
                plan.add(
                    n, None, f"{pcn} {domain} is assessed twice for wave {get('wave')} (row {seen[key]})"
                )
            elif key in existing:
                plan.add(n, None, f"{pcn} already has a {domain} assessment for wave {get('wave')}")
            seen.setdefault(key, n)
        rows.append(
            {
                "_row": n,
                "pcn_code": pcn,
                "domain_code": domain,
                "wave_id": wave,
                "stage_code": stage,
                "assessed_on": assessed,
            }
        )
    plan.records = {"self_assessment": rows}


def stage_invitations(db: Database, plan: Plan, sheet: Sheet) -> None:
    """Fill plan with how many were invited to a survey wave, per PCN and role (the base of the
    response rate; a blank role means Clinical Directors)."""
    pcn_by = _pcns_by_code_or_name(db)
    waves = db.query("SELECT wave_code, wave_id, kind, ics_code FROM wave")
    wave_by = {c: (i, k, ics) for c, i, k, ics in waves.itertuples(index=False)}
    pcn_ics = dict(
        db.query("SELECT pc.pcn_code, pl.ics_code FROM pcn pc JOIN place pl USING (place_code)").itertuples(
            index=False
        )
    )
    roles = by_code_or_label(bank.ROLES)
    existing = set(
        db.query("SELECT wave_id, pcn_code, role_code FROM invitation").itertuples(index=False, name=None)
    )
    seen: dict[tuple, int] = {}
    rows = []
    for n, get in _rows(plan, sheet, "invitations"):
        pcn = pcn_by.get(normalise(get("pcn_code")))
        if get("pcn_code") and pcn is None:
            plan.add(n, "pcn_code", f"unknown PCN “{get('pcn_code')}”: not in the reference data")
        wave_id = None
        if get("wave"):
            if get("wave") not in wave_by:
                plan.add(n, "wave", f"unknown wave “{get('wave')}”: import the survey's responses first")
            elif wave_by[get("wave")][1] != "survey":
                plan.add(n, "wave", f"wave “{get('wave')}” is a workshop poll: invitations belong to surveys")
            else:
                wave_id, _, ics = wave_by[get("wave")]
                if pcn is not None and pcn_ics[pcn] != ics:
                    plan.add(
                        n, "pcn_code", f"PCN {pcn} is in ICS {pcn_ics[pcn]}, but wave {get('wave')} in {ics}"
                    )
        role = roles.get(normalise(get("role"))) if get("role") else "cd"
        if role is None:
            plan.add(
                n, "role", f"unknown role “{get('role')}”: expected {', '.join(lbl for _, lbl in bank.ROLES)}"
            )
        invited = _whole(plan, n, "invited", get("invited"))
        key = (wave_id, pcn, role)
        if None not in key:
            if key in seen:
                plan.add(
                    n,
                    None,
                    f"{pcn} {role} invitations for wave {get('wave')} are given twice (row {seen[key]})",
                )
            elif key in existing:
                plan.add(
                    n,
                    None,
                    f"{pcn} already has {role} invitations for wave {get('wave')}: undo that import first",
                )
            seen.setdefault(key, n)
        rows.append({"_row": n, "wave_id": wave_id, "pcn_code": pcn, "role_code": role, "invited": invited})
    plan.records = {"invitation": rows}
