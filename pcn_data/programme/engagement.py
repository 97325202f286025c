"""Engagement: what the programme did in each place (non-confidential)."""

from __future__ import annotations

import pandas as pd

from pcn_data.core.db import Database
from pcn_data.core.filters import Filters, where
from pcn_data.survey.queries import respondents_by_place

KINDS = {
    "workshop": "Workshops",
    "one_to_one": "One-to-ones",
    "roundtable": "Roundtables",
    "survey_window": "Survey windows",
}
_COLUMNS = {"ics": "pl.ics_code", "places": "pl.place_code"}


def events(db: Database, f: Filters) -> pd.DataFrame:
    """Return the events of the chosen places (or ICS), oldest first, with the PCNs represented."""
    cond, params = where(f, _COLUMNS)
    return db.query(
        f"""
        SELECT e.event_id, pl.name AS place, e.kind, e.title, e.starts_on, e.ends_on, e.attendees,
               count(ep.pcn_code) AS pcns, any_value(pl.sort_order) AS place_order
        FROM engagement_event e
        JOIN place pl ON pl.place_code = e.place_code
        LEFT JOIN engagement_event_pcn ep ON ep.event_id = e.event_id
        WHERE {cond}
        GROUP BY ALL ORDER BY e.starts_on, place_order, e.event_id  -- event_id: a stable order for one day
        """,
        params,
    )


def participation(db: Database, f: Filters) -> pd.DataFrame:
    """Return, per place x kind of activity, the events held, attendees, and the share of the
    place's PCNs represented at one or more of them (with its base: the place's PCNs)."""
    cond, params = where(f, _COLUMNS)
    df = db.query(
        f"""
        WITH took_part AS (
            SELECT e.place_code, e.kind, count(DISTINCT e.event_id) AS events, sum(e.attendees) AS attendees
            FROM engagement_event e GROUP BY ALL
        ), pcns AS (
            SELECT e.place_code, e.kind, count(DISTINCT ep.pcn_code) AS pcns_taking_part
            FROM engagement_event e JOIN engagement_event_pcn ep ON ep.event_id = e.event_id
            GROUP BY ALL
        ), sizes AS (SELECT place_code, count(*) AS pcns_in_place FROM pcn GROUP BY ALL)
        SELECT pl.place_code, pl.name AS place, k.kind, coalesce(t.events, 0) AS events,
               coalesce(t.attendees, 0) AS attendees, coalesce(p.pcns_taking_part, 0) AS pcns_taking_part,
               coalesce(s.pcns_in_place, 0) AS pcns_in_place
        FROM place pl
        CROSS JOIN (SELECT unnest(['workshop', 'one_to_one', 'roundtable']) AS kind) k
        LEFT JOIN took_part t ON t.place_code = pl.place_code AND t.kind = k.kind
        LEFT JOIN pcns p ON p.place_code = pl.place_code AND p.kind = k.kind
        LEFT JOIN sizes s ON s.place_code = pl.place_code
        WHERE {cond}
        ORDER BY pl.sort_order, pl.name, k.kind
        """,
        params,
    )
    df["share"] = (df["pcns_taking_part"] / df["pcns_in_place"]).where(df["pcns_in_place"] > 0)
    df["kind_label"] = df["kind"].map(KINDS)
    return df


def evidence_strength(db: Database, f: Filters) -> pd.DataFrame:
    """Return, per place, how much evidence there is: survey respondents in the wave, CD response
    rate, and the share of PCNs that took part in any activity; thinnest first."""
    cond, params = where(f, _COLUMNS)
    reach = db.query(
        f"""
        SELECT pl.place_code, count(DISTINCT ep.pcn_code) AS pcns_engaged,
               (SELECT count(*) FROM pcn WHERE pcn.place_code = pl.place_code) AS pcns_in_place
        FROM place pl
        LEFT JOIN engagement_event e ON e.place_code = pl.place_code AND e.kind <> 'survey_window'
        LEFT JOIN engagement_event_pcn ep ON ep.event_id = e.event_id
        WHERE {cond}
        GROUP BY ALL
        """,
        params,
    )
    resp = respondents_by_place(db, f.without("places"))
    out = resp.merge(reach, on="place_code")
    if f.places:
        out = out[out["place_code"].isin(f.places)]
    out["pcn_reach"] = out["pcns_engaged"] / out["pcns_in_place"]
    # A place whose respondents the protected table hides has fewer than K, or is hidden beside
    # one that has: the thinnest evidence, first.
    return out.sort_values(["respondents", "pcn_reach"], na_position="first").reset_index(drop=True)
