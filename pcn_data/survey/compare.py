"""Comparing places and PCNs: survey measures per place against the ICS (suppressed first),
and the non-confidential evidence per PCN (self-assessment, engagement)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from pcn_data.core import bank
from pcn_data.core.cuts import against_total, every_group, every_place
from pcn_data.core.db import Database
from pcn_data.core.filters import Filters, where
from pcn_data.survey.queries import add_shares, chosen_share, net_scores, place_and_total_counts
from pcn_data.survey.results import change, wave_pair


@dataclass(frozen=True)
class Measure:
    """One survey measure a place can be compared on."""

    code: str  # used in URLs
    label: str
    question: str
    kind: str  # net | share
    options: frozenset[str] = frozenset()
    direction: bool = True  # a higher value is better; False: just higher or lower


def _measures() -> dict[str, Measure]:
    """Return the measures, keyed by code, in menu order."""
    out = [
        Measure(
            "net_role_clear_self", "Net role clarity: “I am clear about my role”", "role_clear_self", "net"
        ),
        Measure(
            "net_role_partners_clear",
            "Net agreement: “partners are clear about the CD role”",
            "role_partners_clear",
            "net",
        ),
        Measure(
            "net_role_boundaries",
            "Net agreement: “boundaries agreed with partners”",
            "role_boundaries",
            "net",
        ),
    ]
    for code, _, label in bank.PARTNERS:
        out.append(
            Measure(
                f"good_{code}",
                f"Rating the relationship with {label} good or excellent",
                f"rel_{code}",
                "share",
                frozenset({"good", "excellent"}),
            )
        )
    for code, label, *_ in bank.SCALES["needs"]:
        out.append(
            Measure(
                f"need_{code}",
                f"Development need: {label}",
                "dev_needs",
                "share",
                frozenset({code}),
                direction=False,
            )
        )
    return {m.code: m for m in out}


MEASURES = _measures()
DEFAULT_MEASURE = "net_role_clear_self"


@every_place
def measure_by_place(
    db: Database, measure: Measure, f: Filters, total_label: str = "ICS total"
) -> pd.DataFrame:
    """Return the measure for every place of the ICS and the total, each labelled against the
    total: better / worse (or higher / lower) where the 95% intervals do not overlap, else not
    distinguishable. Places are in their fixed order, never ranked. Grain: wave x group."""
    counts = place_and_total_counts(db, measure.question, every_group(f), total_label)
    if counts.empty:
        return pd.DataFrame()
    keys = ["wave_code", "grp", "grp_label", "is_total"]
    if measure.kind == "net":
        rows = net_scores(counts).rename(columns={"net": "value"})
    else:
        rows = chosen_share(add_shares(counts), measure.options, keys).rename(columns={"share": "value"})
    rows["label"] = label_against_total(rows, measure.direction)
    return rows[keys + ["n", "base", "value", "low", "high", "suppressed", "label"]].reset_index(drop=True)


def label_against_total(rows: pd.DataFrame, direction: bool = True) -> pd.Series:
    """Return better/worse (or, for a measure with no direction, higher/lower) than the ICS of the
    same wave where intervals do not overlap, else not distinguishable (cuts.against_total)."""
    if direction:
        return against_total(rows, ["wave_code"], higher="better than the ICS", lower="worse than the ICS")
    return against_total(rows, ["wave_code"])


@every_place
def measure_change(db: Database, measure: Measure, f: Filters, total_label: str = "ICS total"):
    """Return the change in the measure per place since the previous wave, with its interval,
    and what was compared (waves, roles)."""
    found = wave_pair(db, f)
    if found is None:
        return pd.DataFrame(), {}
    pair, both = found
    rows = measure_by_place(db, measure, both, total_label)
    if rows.empty:  # the question was not asked of the chosen role
        return pd.DataFrame(), {"waves": pair, "roles": both.roles}
    out = change(
        rows[rows["wave_code"].isin(pair)], ["grp", "grp_label", "is_total"], "value", "low", "high", *pair
    )
    return out, {"waves": pair, "roles": both.roles}


def benchmark_table(rows: pd.DataFrame, measure: Measure) -> pd.DataFrame:
    """Return the downloadable benchmark table: suppressed rows keep only their name."""
    scale = 100.0
    out = pd.DataFrame(
        {
            "Place": rows["grp_label"],
            "Wave": rows["wave_code"],
            "Measure": measure.label,
            "Base (n)": rows["base"],
            "Value": (rows["value"].astype(float) * scale).round(1),
            "95% CI low": (rows["low"].astype(float) * scale).round(1),
            "95% CI high": (rows["high"].astype(float) * scale).round(1),
            "Compared with the ICS": rows["label"],
            "Not shown (fewer than K)": rows["suppressed"],
        }
    )
    return out


# Non-confidential evidence per PCN ---------------------------------------------------------


def self_assessment(db: Database, f: Filters) -> pd.DataFrame:
    """Return every PCN x domain x assessment of the chosen places (or ICS): stage and ordinal.

    Self-assessments are filled in openly by each PCN, so they are not suppressed. Grain: PCN x
    domain x wave.
    """
    cond, params = where(
        f.without("wave", "roles"), {"ics": "pl.ics_code", "places": "pl.place_code", "pcns": "pc.pcn_code"}
    )
    return db.query(
        f"""
        SELECT pc.pcn_code, pc.name AS pcn, pl.place_code, pl.name AS place, d.domain_code,
               d.label AS domain, d.sort_order AS domain_order, w.wave_code, st.stage_code,
               st.label AS stage, st.ordinal
        FROM self_assessment sa
        JOIN pcn pc ON pc.pcn_code = sa.pcn_code
        JOIN place pl ON pl.place_code = pc.place_code
        JOIN sa_domain d ON d.domain_code = sa.domain_code
        JOIN sa_stage st ON st.stage_code = sa.stage_code
        JOIN wave w ON w.wave_id = sa.wave_id
        WHERE {cond}
        ORDER BY pl.sort_order, pc.name, d.sort_order, w.opened_on
        """,
        params,
    )


def movement(sa: pd.DataFrame) -> pd.DataFrame:
    """Return the stage movement per PCN x domain between its first and last assessment."""
    if sa.empty:
        return pd.DataFrame()
    waves = list(dict.fromkeys(sa["wave_code"]))
    first, last = waves[0], waves[-1]
    keys = ["pcn_code", "pcn", "place", "domain_code", "domain", "domain_order"]
    a = sa[sa["wave_code"] == first].set_index(keys)["ordinal"]
    b = sa[sa["wave_code"] == last].set_index(keys)["ordinal"]
    out = pd.DataFrame({"from": a, "to": b}).dropna().reset_index()
    out["move"] = out["to"] - out["from"]
    out.attrs["waves"] = (first, last)
    return out


def movement_summary(moves: pd.DataFrame) -> pd.DataFrame:
    """Return, per domain, how many PCNs moved up, stayed, or moved down."""
    if moves.empty:
        return pd.DataFrame()
    moves = moves.assign(
        direction=np.select([moves["move"] > 0, moves["move"] < 0], ["Moved up", "Moved down"], "Same stage")
    )
    out = moves.groupby(["domain_order", "domain", "direction"]).size().unstack(fill_value=0).reset_index()
    for col in ("Moved up", "Same stage", "Moved down"):
        if col not in out:
            out[col] = 0
    return out.sort_values("domain_order")[["domain", "Moved up", "Same stage", "Moved down"]]


def engagement_by_pcn(db: Database, f: Filters) -> pd.DataFrame:
    """Return per PCN: workshops, one-to-ones and roundtables it was represented at, and whether
    anyone from it responded to the chosen survey wave (yes/no, never what they answered)."""
    cond, params = where(
        f.without("wave", "roles"), {"ics": "pl.ics_code", "places": "pl.place_code", "pcns": "pc.pcn_code"}
    )
    return db.query(
        f"""
        SELECT pc.pcn_code, pc.name AS pcn, pl.name AS place,
               count(DISTINCT e.event_id) FILTER (WHERE e.kind = 'workshop') AS workshops,
               count(DISTINCT e.event_id) FILTER (WHERE e.kind = 'one_to_one') AS one_to_ones,
               count(DISTINCT e.event_id) FILTER (WHERE e.kind = 'roundtable') AS roundtables,
               EXISTS (SELECT 1 FROM respondent r JOIN wave w ON w.wave_id = r.wave_id
                       WHERE r.pcn_code = pc.pcn_code AND w.wave_code = ?) AS responded
        FROM pcn pc
        JOIN place pl ON pl.place_code = pc.place_code
        LEFT JOIN engagement_event_pcn ep ON ep.pcn_code = pc.pcn_code
        LEFT JOIN engagement_event e ON e.event_id = ep.event_id
        WHERE {cond}
        GROUP BY ALL ORDER BY pl.name, pc.name
        """,
        [f.wave, *params],
    )


def pcn_events(db: Database, pcn_code: str) -> pd.DataFrame:
    """Return the engagement events a PCN was represented at, newest first."""
    return db.query(
        """
        SELECT e.starts_on AS date, e.kind, e.title, e.attendees
        FROM engagement_event e JOIN engagement_event_pcn ep ON ep.event_id = e.event_id
        WHERE ep.pcn_code = ? ORDER BY e.starts_on DESC
        """,
        [pcn_code],
    )


def peer_ranges(sa: pd.DataFrame, pcn_code: str, wave: str) -> pd.DataFrame:
    """Return, per domain, the PCN's stage and the median, best and worst stage of the other
    PCNs in its place and in the ICS (excluding itself), for one assessment wave."""
    now = sa[sa["wave_code"] == wave]
    me = now[now["pcn_code"] == pcn_code]
    if me.empty:
        return pd.DataFrame()
    place = me["place_code"].iloc[0]
    rows = []
    for _, r in me.sort_values("domain_order").iterrows():
        others = now[(now["domain_code"] == r["domain_code"]) & (now["pcn_code"] != pcn_code)]
        peers = others[others["place_code"] == place]["ordinal"]
        rows.append(
            {
                "domain": r["domain"],
                "stage": r["stage"],
                "ordinal": r["ordinal"],
                "place_median": peers.median(),
                "place_best": peers.max(),
                "place_worst": peers.min(),
                "place_peers": len(peers),
                "ics_median": others["ordinal"].median(),
                "ics_best": others["ordinal"].max(),
                "ics_worst": others["ordinal"].min(),
                "ics_peers": len(others),
            }
        )
    return pd.DataFrame(rows)
