"""The seeded demo generator: a DuckDB file that tells the PCN Futures report's story.

Answers are allocated by quota within each wave x place x role group (largest remainder of
target shares), then shuffled among respondents, so the findings hold for any seed; the
seed decides only who said what. `scale="national"` builds 42 ICSs for benchmarks.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from pcn_data.core import bank
from pcn_data.core.db import Database
from pcn_data.core.errors import PcnDataError

Progress = Callable[[float, str], None]

DEFAULT_SEED = 2021
SCALES = ("ics", "national")

# L&SC places: (code, name, PCNs). Pennine the largest, West Lancashire the smallest.
LSC_PLACES = [
    ("CL", "Central Lancashire", 9),
    ("FC", "Fylde Coast", 8),
    ("MB", "Morecambe Bay", 9),
    ("PL", "Pennine Lancashire", 12),
    ("WL", "West Lancashire", 4),
]

# Invented PCN names: real place names, pseudonymous networks.
_NAME_A = [
    "Ashbrook",
    "Beacon",
    "Bramble",
    "Brookside",
    "Castlegate",
    "Cedar",
    "Clover",
    "Coppice",
    "Dalesway",
    "Elmfield",
    "Fellside",
    "Foxglove",
    "Greenacre",
    "Hawthorn",
    "Heatherlea",
    "Hollybank",
    "Kestrel",
    "Larkfield",
    "Linden",
    "Maplewood",
    "Meadowbank",
    "Millstream",
    "Moorland",
    "Oakridge",
    "Orchard",
    "Pebble",
    "Primrose",
    "Quarry",
    "Riverside",
    "Rowan",
    "Saltmarsh",
    "Sandpiper",
    "Skylark",
    "Springwell",
    "Stonebridge",
    "Sycamore",
    "Thistle",
    "Wayfarer",
    "Westbrook",
    "Willow",
    "Windmill",
    "Yewtree",
    "Harbour",
    "Lantern",
    "Marram",
    "Peregrine",
    "Rushbed",
    "Tidewater",
]
_NAME_B = [
    "Vale",
    "Valley",
    "Coast",
    "Moor",
    "Fields",
    "Bridge",
    "Hill",
    "Brook",
    "Green",
    "Cross",
    "Park",
    "Shore",
    "Dale",
    "Heath",
    "Mount",
    "Lea",
    "Ridge",
    "Gate",
    "Ford",
    "Wood",
    "Bay",
    "Edge",
    "Hollow",
    "Rise",
    "Meadows",
    "Banks",
]

ROLE_CODES = [r for r, _ in bank.ROLES]


@dataclass
class Profile:
    """Target answer shares for one group of respondents, by question code."""

    shares: dict[str, list[float]]
    needs: dict[str, float]
    have_what_i_need: float
    years: list[float]


def _base_profile(year_index: int) -> Profile:
    """Return the ICS-wide target shares for a wave (0 = first wave)."""
    t = min(year_index, 4) / 4  # slow improvement across later waves
    ics_poor = 0.60 - 0.10 * t
    return Profile(
        shares={
            "role_clear_self": [0.05, 0.15, 0.20, 0.45, 0.15],
            "role_partners_clear": [0.15 - 0.03 * t, 0.35, 0.25, 0.20 + 0.03 * t, 0.05],
            "role_boundaries": [0.15, 0.35, 0.25, 0.20, 0.05],
            "vision_pcn": [0.10, 0.55 - 0.05 * t, 0.25 + 0.05 * t, 0.10],
            "vision_non": [0.25, 0.50, 0.20, 0.05],
            "rel_ics": [ics_poor, 0.20, 0.08 + 0.08 * t, 0.02 + 0.02 * t, 0.10],
            "rel_place": [0.25, 0.35, 0.30, 0.05, 0.05],
            "rel_acute": [0.30, 0.35, 0.25, 0.05, 0.05],
            "rel_community": [0.10, 0.30, 0.45, 0.10, 0.05],
            "rel_mental_health": [0.20, 0.35, 0.30, 0.05, 0.10],
            "rel_local_authority": [0.15, 0.35, 0.35, 0.05, 0.10],
            "rel_vcse": [0.05, 0.15, 0.45, 0.25, 0.10],
            "rel_other_pcns": [0.05, 0.20, 0.50, 0.20, 0.05],
            "rel_member_practices": [0.02, 0.10, 0.50, 0.35, 0.03],
            "rel_pharmacy": [0.10, 0.30, 0.40, 0.10, 0.10],
            "ctx_first_leadership": [0.60, 0.40],
            "ctx_time_split": [0.55, 0.30, 0.15],
            "ctx_mgmt_support": [0.20, 0.35, 0.20, 0.20, 0.05],
            "ctx_pressure": [0.25, 0.35, 0.20, 0.15, 0.05],
        },
        needs={
            "mgmt_skills": 0.55,
            "wider_system": 0.50,
            "coaching": 0.42,
            "time_mgmt": 0.36,
            "technical": 0.31,
            "networking": 0.30,
        },
        have_what_i_need=0.12,
        years=[0.25, 0.60, 0.15] if year_index == 0 else [0.20, 0.35, 0.45],
    )


def _place_profile(place_code: str, year_index: int) -> Profile:
    """Return the target shares for an L&SC place, carrying the report's place findings."""
    p = _base_profile(year_index)
    if place_code == "MB":
        # Clear about their own role, not about others' understanding of it.
        p.shares["role_clear_self"] = [0.0, 0.05, 0.10, 0.55, 0.30]
        p.shares["role_partners_clear"] = [0.30, 0.45, 0.15, 0.10, 0.0]
        p.years = [0.10, 0.80, 0.10] if year_index == 0 else [0.10, 0.40, 0.50]
    elif place_code == "FC":
        # "There are different interpretations of the CD role": answers split both ways.
        p.shares["role_clear_self"] = [0.15, 0.25, 0.15, 0.30, 0.15]
        p.shares["role_partners_clear"] = [0.20, 0.35, 0.20, 0.20, 0.05]
    return p


def _jitter(rng: np.random.Generator, profile: Profile) -> Profile:
    """Return a randomly perturbed copy of a profile (national scale: places differ)."""
    shares = {}
    for code, vec in profile.shares.items():
        v = np.asarray(vec, dtype=float) + 0.02
        shares[code] = list(rng.dirichlet(v / v.sum() * 40))
    needs = {k: float(np.clip(v + rng.normal(0, 0.05), 0.05, 0.9)) for k, v in profile.needs.items()}
    return Profile(shares, needs, profile.have_what_i_need, profile.years)


def _quota(rng: np.random.Generator, shares, n: int) -> np.ndarray:
    """Return n option indices whose counts follow shares by largest remainder, shuffled."""
    shares = np.asarray(shares, dtype=float)
    shares = shares / shares.sum()
    raw = shares * n
    counts = np.floor(raw).astype(int)
    short = n - counts.sum()
    if short:
        order = np.lexsort((-shares, -(raw - counts)))  # biggest remainder, then biggest share
        counts[order[:short]] += 1
    out = np.repeat(np.arange(len(shares)), counts)
    rng.shuffle(out)
    return out


def _chosen(rng: np.random.Generator, p: float, n: int) -> np.ndarray:
    """Return a boolean mask with round(p * n) True values at random positions."""
    mask = np.zeros(n, dtype=bool)
    mask[rng.permutation(n)[: int(round(p * n))]] = True
    return mask


# Free-text comments by sub-theme: quotes from the report and invented ones in its spirit.
COMMENTS: dict[str, list[str]] = {
    "cd_role": [
        "I am clear about my role. It is the view of external bodies and others who think CDs "
        "can be the go to person for almost every new initiative.",
        "The CD role risks trying to be all things to all people.",
        "Is my primary responsibility to the practices that elected me or to the demands of the ICS?",
    ],
    "clinical": [
        "Most of my CD time goes on operational tasks rather than strategy.",
        "I need protected time to lead clinically across the network.",
    ],
    "collaborative": [
        "Trust between our practices has taken years to build and is still fragile.",
        "We work well together when we agree what the collaboration is for.",
    ],
    "system": [
        "We need to move beyond practice-centric attitudes to the needs of the wider PCN.",
        "Time to understand how the system fits together would help me lead in it.",
    ],
    "resilient": [
        "One of my biggest priorities is helping colleagues achieve a better work-life balance.",
        "The pressure of the role is not sustainable without succession planning.",
    ],
    "chair_vision": [
        "We are somewhat unclear about our shared vision beyond the next contract year.",
        "The network of networks needs a vision that belongs to all the PCNs.",
    ],
    "partnership": [
        "Relationships are a curate's egg: good in parts, and with some partners.",
        "Primary care needs to be on a level playing field with the acute trust.",
    ],
    "role_clarity": [
        "There are different interpretations of the CD role.",
        "Others need to know what PCNs and CDs can and cannot do as we move forward.",
    ],
    "vcse": [
        "Our relationship with the voluntary sector is good and could deliver much more.",
        "Social prescribing has opened doors to community groups we did not know.",
    ],
    "ics_work": [
        "The ICS feels invisible and remote.",
        "There's no clear structure for primary care to have a voice in the ICS.",
        "Every document from the ICS seems to focus on hospitals.",
        "There has been poor communication and little appreciation of what good looks like at local level.",
    ],
    "mgmt_admin": [
        "I do feel we need the system to offer tangible support to PCNs and CDs with management "
        "support and help.",
        "Tangible support, financial and staffing, with named individuals would be very helpful.",
    ],
    "technology": [
        "Virtual meetings have made it easier to get CDs together.",
        "We need to manage the message about virtual consultations with patients.",
    ],
    "workforce": [
        "We have started employing ARRS roles, but they need to be trained, embedded and "
        "supervised - this takes 6-12 months minimum.",
        "We don't have the physical space for ARRS roles.",
    ],
    "finance": [
        "We need clarity about funding flows and how resources are allocated.",
        "Could practices pool management resource across the network?",
    ],
    "development": [
        "A skills audit across the network of networks would show what we already have.",
        "Coaching would help me with confidence in system meetings.",
    ],
}
# A few comments carry identifiers, so redaction (Voices page) has real work to do.
IDENTIFYING = [
    ("ics_work", "Dr Sarah Whitfield at the ICS never replied; email me at cd.lead@example.nhs.uk."),
    ("mgmt_admin", "Ring our manager on 01772 555 0123 if you want the detail."),
    ("collaborative", "{pcn} works well with the practice next door."),
]
_SUB_WEIGHTS = {
    "ics_work": 3.0,
    "mgmt_admin": 2.0,
    "chair_vision": 2.0,
    "cd_role": 2.0,
    "role_clarity": 1.5,
    "workforce": 1.5,
}


class _Columns:
    """Rows gathered as numpy arrays per column, made into one DataFrame at the end
    (building a DataFrame per small group costs more than generating the data)."""

    def __init__(self, *columns: str) -> None:
        self.parts: dict[str, list[np.ndarray]] = {c: [] for c in columns}

    def add(self, **values) -> None:
        """Append rows; scalars are repeated to the length of the array values."""
        n = max(len(v) for v in values.values() if isinstance(v, np.ndarray | list))
        for col, parts in self.parts.items():
            v = values.get(col)
            parts.append(
                np.asarray(v, dtype=object)
                if isinstance(v, np.ndarray | list)
                else np.full(n, v, dtype=object)
            )

    def frame(self) -> pd.DataFrame:
        """Return the gathered rows as a DataFrame."""
        return pd.DataFrame(
            {c: np.concatenate(p) if p else np.array([], dtype=object) for c, p in self.parts.items()}
        )


@dataclass
class _Frames:
    respondents: _Columns = field(
        default_factory=lambda: _Columns(
            "respondent_id", "wave_id", "pcn_code", "role_code", "years_band", "batch_id"
        )
    )
    answers: _Columns = field(
        default_factory=lambda: _Columns(
            "respondent_id", "question_code", "option_code", "value_number", "value_text"
        )
    )
    codes: _Columns = field(default_factory=lambda: _Columns("respondent_id", "question_code", "theme_code"))


@dataclass(frozen=True)
class Wave:
    code: str
    name: str
    year: int
    roles: tuple[str, ...]


def _waves(scale: str) -> list[Wave]:
    """Return the survey waves of a scale."""
    if scale == "ics":
        return [
            Wave("2021", "2021 Clinical Director survey", 2021, ("cd",)),
            Wave("2023", "2023 follow-up survey", 2023, tuple(ROLE_CODES)),
        ]
    return [
        Wave(str(y), f"{y} national PCN leadership survey", y, ("cd",) if y == 2021 else tuple(ROLE_CODES))
        for y in range(2021, 2026)
    ]


def _hierarchy(rng: np.random.Generator, scale: str):
    """Return (ics, place, pcn) DataFrames for a scale."""
    if scale == "ics":
        ics = pd.DataFrame({"ics_code": ["QE1"], "name": ["Lancashire and South Cumbria ICS"]})
        places = pd.DataFrame(
            [(c, "QE1", n, i) for i, (c, n, _) in enumerate(LSC_PLACES)],
            columns=["place_code", "ics_code", "name", "sort_order"],
        )
        sizes = {c: k for c, _, k in LSC_PLACES}
        names = list(rng.permutation(_NAME_A))
        rows = []
        for code, _, _ in LSC_PLACES:
            for _ in range(sizes[code]):
                rows.append((code, f"{names.pop()} PCN"))
    else:
        ics = pd.DataFrame(
            {
                "ics_code": [f"ICS{i:02d}" for i in range(1, 43)],
                "name": [f"Demo ICS {i:02d}" for i in range(1, 43)],
            }
        )
        place_rows, rows = [], []
        combos = [f"{a} {b}" for a in _NAME_A for b in _NAME_B]
        names = list(rng.permutation(combos))
        for ics_code in ics["ics_code"]:
            for j in range(int(rng.integers(4, 8))):
                place_code = f"{ics_code}P{j + 1}"
                place_rows.append((place_code, ics_code, f"{ics_code} place {j + 1}", j))
        # About 1,250 PCNs shared across the places, from 2 to 10 each.
        weights = rng.uniform(0.4, 1.6, len(place_rows))
        counts = np.maximum(2, np.round(weights / weights.sum() * 1250)).astype(int)
        for (place_code, *_), k in zip(place_rows, counts, strict=True):
            rows.extend((place_code, f"{names.pop()} PCN") for _ in range(k))
        places = pd.DataFrame(place_rows, columns=["place_code", "ics_code", "name", "sort_order"])
    codes = rng.choice(np.arange(1, 99999), size=len(rows), replace=False)
    pcns = pd.DataFrame(
        {
            "pcn_code": [f"U{c:05d}" for c in codes],
            "place_code": [r[0] for r in rows],
            "name": [r[1] for r in rows],
            "practices": rng.integers(3, 10, len(rows)),
            "list_size": rng.integers(28, 62, len(rows)) * 1000,
        }
    )
    return ics, places, pcns


# Response rates by role for L&SC places (the report: few responses from Pennine and West Lancashire).
_LSC_RATES = {
    "2021": {"cd": {"CL": 0.8, "FC": 0.9, "MB": 0.9, "PL": 0.3, "WL": 0.4}},
    "2023": {
        "cd": {"CL": 0.8, "FC": 0.9, "MB": 0.85, "PL": 0.5, "WL": 0.6},
        "manager": {"CL": 0.7, "FC": 0.75, "MB": 0.7, "PL": 0.5, "WL": 0.5},
        "clinical_lead": {"CL": 0.5, "FC": 0.55, "MB": 0.5, "PL": 0.35, "WL": 0.4},
    },
}


def _invitations(rng: np.random.Generator, pcns: pd.DataFrame, waves: list[Wave], scale: str) -> pd.DataFrame:
    """Return invitation counts per wave x PCN x role (a few PCNs have joint CDs)."""
    joint_cd = rng.random(len(pcns)) < 0.1
    # The national survey reaches every clinical lead, so it has tens of thousands of respondents.
    # Larger PCNs have more clinical leads: in 2023 a few of them reach K, most do not.
    leads = rng.integers(2, 7, len(pcns)) if scale == "ics" else rng.integers(4, 9, len(pcns))
    rows = []
    for wave_id, w in enumerate(waves, start=1):
        for role in w.roles:
            invited = {"cd": 1 + joint_cd, "manager": np.ones(len(pcns), int), "clinical_lead": leads}[role]
            rows.append(
                pd.DataFrame(
                    {
                        "wave_id": wave_id,
                        "pcn_code": pcns["pcn_code"],
                        "role_code": role,
                        "invited": invited.astype(int),
                    }
                )
            )
    return pd.concat(rows, ignore_index=True)


def _respond(rng, inv: pd.DataFrame, rate: float) -> pd.DataFrame:
    """Return one row per responding invitee of a group: round(rate x invited) chosen at random."""
    people = inv.loc[inv.index.repeat(inv["invited"])].reset_index(drop=True)
    k = int(round(rate * len(people)))
    return people.iloc[np.sort(rng.permutation(len(people))[:k])]


def _answers_for_group(
    rng,
    frames: _Frames,
    resp: pd.DataFrame,
    profile: Profile,
    role: str,
    pcn_names: dict[str, str],
    batch_id: int,
) -> None:
    """Generate the answers of one wave x place x role group of respondents."""
    n = len(resp)
    if n == 0:
        return
    id_arr = np.array([f"{x:016x}" for x in rng.integers(0, 2**63, n)])
    years = np.array([b for b, _ in bank.YEARS_BANDS])[_quota(rng, profile.years, n)]
    frames.respondents.add(
        respondent_id=id_arr,
        wave_id=resp["wave_id"].to_numpy(),
        pcn_code=resp["pcn_code"].to_numpy(),
        role_code=role,
        years_band=years,
        batch_id=batch_id,
    )
    for q in bank.QUESTIONS:
        code, _block, _theme, _w, _s, kind, scale, _hib, asked_of = q
        if asked_of and asked_of != role:
            continue
        if kind in ("scale", "single"):
            options = [o[0] for o in bank.SCALES[scale]]
            picks = np.array(options)[_quota(rng, profile.shares[code], n)]
            # A few people skip a question; never the role items the report's story rests on.
            keep = np.ones(n, bool) if _block == "role" else ~_chosen(rng, 0.03, n)
            frames.answers.add(respondent_id=id_arr[keep], question_code=code, option_code=picks[keep])
        elif kind == "multi":
            satisfied = _chosen(rng, profile.have_what_i_need, n)
            others = np.flatnonzero(~satisfied)
            chosen = {need: others[_chosen(rng, p, len(others))] for need, p in profile.needs.items()}
            picked = np.zeros(n, bool)
            for idx in chosen.values():
                picked[idx] = True
            # Everyone who needs something names at least one thing: their most common need.
            lonely = others[~picked[others]]
            chosen["mgmt_skills"] = np.concatenate([chosen["mgmt_skills"], lonely])
            chosen["have_what_i_need"] = np.flatnonzero(satisfied)
            for need, idx in chosen.items():
                if len(idx):
                    frames.answers.add(
                        respondent_id=id_arr[np.sort(idx)], question_code=code, option_code=need
                    )
    _comments(rng, frames, id_arr, resp["pcn_code"].to_numpy(), pcn_names)


def _comments(
    rng, frames: _Frames, ids: np.ndarray, pcn_codes: np.ndarray, pcn_names: dict[str, str]
) -> None:
    """Generate free-text answers and their theme codes for a group."""
    subs = list(COMMENTS)
    weights = np.array([_SUB_WEIGHTS.get(s, 1.0) for s in subs])
    weights /= weights.sum()
    texts, codes = [], []
    for question, p in (("text_priority", 0.7), ("text_good", 0.35), ("text_else", 0.25)):
        for i in np.flatnonzero(rng.random(len(ids)) < p):
            if rng.random() < 0.04:
                sub, text = IDENTIFYING[int(rng.integers(len(IDENTIFYING)))]
                text = text.format(pcn=pcn_names[pcn_codes[i]])
            else:
                sub = subs[int(rng.choice(len(subs), p=weights))]
                text = COMMENTS[sub][int(rng.integers(len(COMMENTS[sub])))]
            texts.append((ids[i], question, text))
            codes.append((ids[i], question, sub))
    if texts:
        rid, qc, text = (list(c) for c in zip(*texts, strict=True))
        frames.answers.add(respondent_id=rid, question_code=qc, value_text=text)
        frames.codes.add(respondent_id=rid, question_code=qc, theme_code=[c[2] for c in codes])


def _engagement(rng, places: pd.DataFrame, pcns: pd.DataFrame, waves: list[Wave], scale: str):
    """Return (events, event_pcn) DataFrames: workshops, one-to-ones, roundtables, survey windows."""
    events = []
    quiet = {"PL", "WL"}  # the report's thin evidence
    by_place = pcns.groupby("place_code")["pcn_code"].apply(list).to_dict()
    for wave_id, w in enumerate(waves, start=1):
        start = date(w.year, 5, 1)
        for place_code, place_name in zip(places["place_code"], places["name"], strict=True):
            members = by_place.get(place_code, [])
            reach = 0.45 if place_code in quiet else 0.8
            events.append(
                (
                    place_code,
                    "survey_window",
                    f"{w.name}: {place_name}",
                    start,
                    start + timedelta(days=41),
                    None,
                    wave_id,
                    [],
                )
            )
            n_workshops = (1 if place_code in quiet else 2) if scale == "ics" else int(rng.integers(1, 3))
            for j in range(n_workshops):
                attending = [c for c in members if rng.random() < reach]
                events.append(
                    (
                        place_code,
                        "workshop",
                        f"{place_name} CD workshop {j + 1}",
                        start - timedelta(days=int(rng.integers(20, 120))),
                        None,
                        int(len(attending) * rng.uniform(1.2, 2.0)) + 2,
                        None,
                        attending,
                    )
                )
            if w.year == 2021 or rng.random() < 0.5:
                attending = [c for c in members if rng.random() < reach]
                events.append(
                    (
                        place_code,
                        "roundtable",
                        f"{place_name} system roundtable",
                        start + timedelta(days=int(rng.integers(50, 120))),
                        None,
                        len(attending) + int(rng.integers(3, 8)),
                        None,
                        attending,
                    )
                )
            if w.year == 2021:
                for c in members:
                    if rng.random() < reach:
                        events.append(
                            (
                                place_code,
                                "one_to_one",
                                "One-to-one conversation",
                                start - timedelta(days=int(rng.integers(0, 90))),
                                None,
                                1,
                                None,
                                [c],
                            )
                        )
    ev = pd.DataFrame(
        events,
        columns=["place_code", "kind", "title", "starts_on", "ends_on", "attendees", "wave_id", "pcns"],
    )
    ev.insert(0, "event_id", np.arange(1, len(ev) + 1))
    link = ev[["event_id", "pcns"]].explode("pcns").dropna().rename(columns={"pcns": "pcn_code"})
    return ev.drop(columns="pcns"), link


def _self_assessment(rng, pcns: pd.DataFrame, waves: list[Wave]) -> pd.DataFrame:
    """Return PCN x domain x wave stages: mostly Foundation/Step 1 first, moving up later."""
    domains = [d for d, _ in bank.SA_DOMAINS]
    stages = [s for s, _, _ in bank.SA_STAGES]
    assessed = [(i, w) for i, w in enumerate(waves, start=1) if w.year in (2021, 2023, 2025)]
    n = len(pcns) * len(domains)
    level = _quota(rng, [0.35, 0.4, 0.2, 0.05], n)
    rows = []
    for k, (wave_id, w) in enumerate(assessed):
        if k:
            move = rng.choice([-1, 0, 1, 2], size=n, p=[0.05, 0.4, 0.45, 0.1])
            level = np.clip(level + move, 0, 3)
        rows.append(
            pd.DataFrame(
                {
                    "pcn_code": np.repeat(pcns["pcn_code"].to_numpy(), len(domains)),
                    "domain_code": np.tile(domains, len(pcns)),
                    "wave_id": wave_id,
                    "stage_code": np.array(stages)[level],
                    "assessed_on": date(w.year, 3, 31),
                }
            )
        )
    return pd.concat(rows, ignore_index=True)


def _recommendation_status(rng, places: pd.DataFrame, year: int):
    """Return (status, history) DataFrames for every recommendation x place."""
    statuses = ["Not started", "In progress", "Done", "Not applicable"]
    status_rows, history = [], []
    when = pd.Timestamp(year, 9, 1)
    for rec_id in range(1, len(bank.RECOMMENDATIONS) + 1):
        for place_code in places["place_code"]:
            status = statuses[int(rng.choice(4, p=[0.35, 0.4, 0.2, 0.05]))]
            due = date(year + 1, int(rng.integers(1, 13)), 1) if status == "In progress" else None
            owner = "PCN Development Oversight Group" if status != "Not started" else None
            status_rows.append((rec_id, place_code, status, owner, due, None, "demo", when))
            if status != "Not started":
                history.append((rec_id, place_code, "status", "Not started", status, "demo", when))
    return (
        pd.DataFrame(
            status_rows,
            columns=["rec_id", "place_code", "status", "owner", "due_on", "note", "updated_by", "updated_at"],
        ),
        pd.DataFrame(
            history,
            columns=["rec_id", "place_code", "field", "old_value", "new_value", "changed_by", "changed_at"],
        ),
    )


def _insert(cur, table: str, df: pd.DataFrame) -> None:
    """Insert a DataFrame into a table by column name (bulk, through DuckDB's scan of pandas)."""
    cur.register("_frame", df)
    cols = ", ".join(df.columns)  # our own column names, never user input
    cur.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM _frame")
    cur.unregister("_frame")


def _advance(cur, sequence: str, n: int) -> None:
    """Move a sequence past n explicitly numbered rows (DuckDB has no setval)."""
    cur.execute("SELECT count(nextval(?)) FROM range(?)", [sequence, n]).fetchall()


def generate(
    db: Database, *, seed: int = DEFAULT_SEED, scale: str = "ics", progress: Progress | None = None
) -> dict[str, int]:
    """Fill an empty database with demo data; return row counts of the main tables."""
    if scale not in SCALES:
        raise PcnDataError(f"Unknown scale {scale!r}: choose one of {', '.join(SCALES)}.")
    if db.scalar("SELECT count(*) FROM pcn"):
        raise PcnDataError(f"{db.path} already holds data: build the demo into a new file.")
    say = progress or (lambda _f, _m: None)
    rng = np.random.default_rng(seed)
    say(0.05, "Building places and PCNs")
    ics, places, pcns = _hierarchy(rng, scale)
    waves = _waves(scale)
    invitations = _invitations(rng, pcns, waves, scale)
    place_of = dict(zip(pcns["pcn_code"], pcns["place_code"], strict=True))
    invitations["place_code"] = invitations["pcn_code"].map(place_of)
    pcn_names = dict(zip(pcns["pcn_code"], pcns["name"], strict=True))
    frames = _Frames()
    batch_id = 1
    say(0.15, "Generating survey answers")
    groups = list(invitations.groupby(["wave_id", "place_code", "role_code"], sort=True))
    place_profiles: dict[str, Profile] = {}
    for i, ((wave_id, place_code, role), inv) in enumerate(groups):
        wave = waves[wave_id - 1]
        year_index = wave.year - waves[0].year
        if scale == "ics":
            rate = _LSC_RATES[wave.code][role][place_code]
            profile = _place_profile(place_code, year_index)
        else:
            rate = float(
                np.clip(rng.normal({"cd": 0.7, "manager": 0.6, "clinical_lead": 0.45}[role], 0.12), 0.1, 1)
            )
            base = place_profiles.setdefault(place_code, _jitter(rng, _base_profile(0)))
            profile = _jitter(rng, base) if year_index else base
        resp = _respond(rng, inv, rate)
        _answers_for_group(rng, frames, resp, profile, role, pcn_names, batch_id)
        if i % 200 == 0:
            say(0.15 + 0.6 * i / len(groups), "Generating survey answers")
    say(0.78, "Generating engagement, self-assessments and recommendations")
    events, event_pcn = _engagement(rng, places, pcns, waves, scale)
    sa = _self_assessment(rng, pcns, waves)
    rec_status, rec_history = _recommendation_status(rng, places, waves[0].year)
    respondents = frames.respondents.frame()
    answers = frames.answers.frame()
    answers["value_number"] = answers["value_number"].astype("float64")
    codes = frames.codes.frame().drop_duplicates()
    codes["coded_by"] = "demo"
    wave_rows = pd.DataFrame(
        [
            {
                "wave_id": i,
                "wave_code": w.code,
                "name": w.name,
                "kind": "survey",
                "ics_code": ics["ics_code"].iloc[0] if scale == "ics" else "ICS01",
                "opened_on": date(w.year, 5, 1),
                "closed_on": date(w.year, 6, 11),
                "status": "closed",
            }
            for i, w in enumerate(waves, start=1)
        ]
    )
    say(0.85, "Writing the database file")
    with db.transaction() as cur:
        bank.install(cur)
        cur.execute(
            "INSERT INTO import_batch (batch_id, kind, source_name, rows_read, rows_written, imported_by) "
            "VALUES (?, 'demo', ?, 0, ?, 'demo generator')",
            [batch_id, f"demo generator, seed {seed}, scale {scale}", len(answers)],
        )
        # Keep explicit ids and the sequences in step, so later inserts do not collide.
        _advance(cur, "import_batch_seq", 1)
        _insert(cur, "ics", ics)
        _insert(cur, "place", places)
        _insert(cur, "pcn", pcns)
        _insert(cur, "wave", wave_rows)
        _advance(cur, "wave_seq", len(waves))
        _insert(cur, "invitation", invitations.drop(columns="place_code"))
        _insert(cur, "respondent", respondents)
        _insert(cur, "answer", answers)
        _insert(cur, "comment_code", codes)
        events["batch_id"] = batch_id
        _insert(cur, "engagement_event", events)
        _advance(cur, "engagement_event_seq", len(events))
        _insert(cur, "engagement_event_pcn", event_pcn)
        sa["batch_id"] = batch_id
        _insert(cur, "self_assessment", sa)
        _insert(cur, "recommendation_status", rec_status)
        _insert(cur, "recommendation_history", rec_history)
        cur.executemany(
            "INSERT OR REPLACE INTO meta VALUES (?, ?)",
            [
                ["dataset", "demo"],
                ["demo_seed", str(seed)],
                ["demo_scale", scale],
            ],
        )
    say(1.0, "Done")
    return {
        "places": len(places),
        "pcns": len(pcns),
        "waves": len(waves),
        "respondents": len(respondents),
        "answers": len(answers),
        "events": len(events),
    }


def build_demo_file(
    path: str | Path,
    *,
    seed: int = DEFAULT_SEED,
    scale: str = "ics",
    force: bool = False,
    progress: Progress | None = None,
) -> dict[str, int]:
    """Build a demo database at path, atomically: a half-built file never takes its place."""
    path = Path(path)
    if path.exists() and not force:
        raise PcnDataError(f"{path} already exists: pass --force to replace it.")
    tmp = path.with_name(f".{path.name}.building-{os.getpid()}")
    for leftover in (tmp, Path(f"{tmp}.wal")):
        leftover.unlink(missing_ok=True)
    try:
        db = Database(tmp)
        try:
            counts = generate(db, seed=seed, scale=scale, progress=progress)
        finally:
            db.close()
        os.replace(tmp, path)
    finally:
        for leftover in (tmp, Path(f"{tmp}.wal")):
            leftover.unlink(missing_ok=True)
    return counts
