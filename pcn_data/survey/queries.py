"""Every read of the database: one function per query, bound parameters, DataFrames back.

Survey aggregates come only from the protected tables (`protect`): this module asks for cells.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from pcn_data.core import cuts
from pcn_data.core.db import Database
from pcn_data.core.filters import Filters, where
from pcn_data.survey import protect
from pcn_data.survey.stats import net_agreement, wilson

# Breakdowns a caller may choose, each a set of cells of the protected tables. Years in role is
# not one: see protect.BANDS.
BREAKDOWNS = ("place", "role", "ics")


def list_ics(db: Database) -> pd.DataFrame:
    """Return the ICSs: ics_code, name."""
    return db.query("SELECT ics_code, name FROM ics ORDER BY name")


def list_places(db: Database, ics: str | None = None) -> pd.DataFrame:
    """Return the places (of one ICS, or all): place_code, name, ics_code, pcns."""
    return db.query(
        """
        SELECT pl.place_code, pl.name, pl.ics_code, pl.sort_order, count(pc.pcn_code) AS pcns
        FROM place pl LEFT JOIN pcn pc ON pc.place_code = pl.place_code
        WHERE ? IS NULL OR pl.ics_code = ?
        GROUP BY ALL ORDER BY pl.ics_code, pl.sort_order, pl.name
        """,
        [ics, ics],
    )


def list_pcns(db: Database, places: tuple[str, ...] = ()) -> pd.DataFrame:
    """Return the PCNs of some places (or all): pcn_code, name, place_code."""
    cond, params = where(Filters(places=places), {"places": "place_code"})
    return db.query(f"SELECT pcn_code, name, place_code FROM pcn WHERE {cond} ORDER BY name", params)


def list_roles(db: Database) -> pd.DataFrame:
    """Return the respondent roles: role_code, label."""
    return db.query("SELECT role_code, label FROM role ORDER BY sort_order")


def list_waves(db: Database, kind: str = "survey") -> pd.DataFrame:
    """Return the waves of a kind, oldest first, with the roles that answered each."""
    return db.query(
        """
        SELECT w.wave_code, w.name, w.opened_on, w.closed_on,
               list(DISTINCT r.role_code ORDER BY r.role_code) FILTER (WHERE r.role_code IS NOT NULL)
                   AS roles
        FROM wave w LEFT JOIN respondent r ON r.wave_id = w.wave_id
        WHERE w.kind = ?
        GROUP BY ALL ORDER BY w.opened_on, w.wave_code
        """,
        [kind],
    )


def display_names(db: Database) -> dict[str, str]:
    """Return display names for codes of ICSs, places, roles and waves."""
    df = db.query(
        """
        SELECT ics_code AS code, name FROM ics UNION ALL
        SELECT place_code, name FROM place UNION ALL
        SELECT role_code, label FROM role UNION ALL
        SELECT wave_code, name FROM wave WHERE kind = 'survey'
        """
    )
    return dict(zip(df["code"], df["name"], strict=True))


def question_wordings(db: Database) -> dict[str, str]:
    """Return question code -> wording, exactly as asked."""
    df = db.query("SELECT question_code, wording FROM question")
    return dict(zip(df["question_code"], df["wording"], strict=True))


def count_rows(db: Database) -> dict[str, int]:
    """Return the row count of the main tables."""
    df = db.query(
        """
        SELECT 'ics' AS t, count(*) AS n FROM ics UNION ALL
        SELECT 'places', count(*) FROM place UNION ALL
        SELECT 'pcns', count(*) FROM pcn UNION ALL
        SELECT 'waves', count(*) FROM wave WHERE kind = 'survey' UNION ALL
        SELECT 'respondents', count(*) FROM respondent UNION ALL
        SELECT 'answers', count(*) FROM answer UNION ALL
        SELECT 'engagement_events', count(*) FROM engagement_event UNION ALL
        SELECT 'recommendations', count(*) FROM recommendation
        """
    )
    return {t: int(n) for t, n in zip(df["t"], df["n"], strict=True)}


def _choice(values: tuple[str, ...]) -> str | None:
    """Return the one code chosen, ALL for none, or None for several (no cell holds a union)."""
    if not values:
        return protect.ALL
    return values[0] if len(values) == 1 else None


def _cells(db: Database, questions: list[str], f: Filters, by: str | None) -> pd.DataFrame:
    """Return the protected cells behind one view: question x wave x group, with n (missing where
    hidden) and suppressed. Grain: question x wave x group.

    Every group is one cell of a protected table, read as the table publishes it; a selection no
    cell holds (several places or roles together, a PCN) is returned hidden. Without an ICS, a
    total is the sum of each ICS's cell, shown only where every one of them is shown.
    """
    place = _choice(f.places)
    role = _choice(f.roles)
    cells = protect.current(db).table_cells(questions, f.wave, f.ics)
    # The coordinates the view fixes (a union of places or roles is read as ALL, then hidden).
    fixed = {"place_code": place or protect.ALL, "role_code": role or protect.ALL, "band": protect.ALL}
    varying = {"place": "place_code", "role": "role_code", "ics": None}.get(by)
    for col, value in fixed.items():
        if col == varying:
            cells = cells[cells[col] != protect.ALL]
        else:
            cells = cells[cells[col] == value]
    national = cells["ics_code"] == protect.ALL_ICS
    # Without an ICS, a figure of the whole country is the national cell; a place's is its ICS's.
    wants_national = f.ics is None and fixed["place_code"] == protect.ALL and by not in ("place", "ics")
    requested = cells[national if wants_national else ~national].assign(parent="all")
    if varying is None:
        requested = requested.assign(grp="all" if by is None else requested["ics_code"])
    else:
        requested = requested.assign(grp=requested[varying])
        if by == "place":
            requested["parent"] = requested["ics_code"]
    out = protect.record(requested)
    unsupported = place is None or role is None or bool(f.pcns)
    if unsupported:
        out = out.assign(n=pd.NA, suppressed=True)
    return out


def option_counts(
    db: Database, questions: str | Sequence[str], f: Filters, by: str | None = None
) -> pd.DataFrame:
    """Return the protected counts per question x wave x group x option.

    Grain: question x wave x group (the `by` breakdown: place, role, ICS, or one
    group for the selection) x option; `n` is the respondents in the group who answered the
    question, `count` those who chose the option. Both are missing where the protected table
    hides the group. A breakdown's own filter (a chosen place, say) cuts its groups after
    they are read, so a view of one group is the same cell as in the view of all of them.
    """
    if by is not None and by not in BREAKDOWNS:
        raise ValueError(f"Unknown breakdown {by!r}")
    questions = [questions] if isinstance(questions, str) else list(questions)
    groups = cuts.chosen_groups(_cells(db, questions, cuts.every_group(f, by), by), f, by)
    return _with_options(db, groups, by)


def _with_options(db: Database, groups: pd.DataFrame, by: str | None) -> pd.DataFrame:
    """Return one row per group x option of the question, with the published count (missing
    for a hidden group) and each group's label."""
    columns = [
        "question_code",
        "wave_code",
        "parent",
        "grp",
        "grp_label",
        "option_code",
        "label",
        "sort_order",
        "polarity",
        "is_exclusive",
        "n",
        "count",
        "suppressed",
    ]
    if groups.empty:
        return pd.DataFrame(columns=columns)
    prot = protect.current(db)
    rows = groups.merge(prot.options, on="question_code", how="inner")
    counts = protect.counts_of(db, groups)
    keys = ["wave_code", "ics_code", "question_code", "place_code", "role_code", "band", "option_code"]
    rows = rows.merge(counts[[*keys, "count"]], on=keys, how="left")
    rows["count"] = rows["count"].astype("Float64").fillna(0).mask(rows["suppressed"].astype(bool))
    rows["n"] = rows["n"].astype("Float64").mask(rows["suppressed"].astype(bool))
    labels = {"all": "All respondents"} if by is None else prot.labels
    rows["grp_label"] = rows["grp"].map(labels).fillna(rows["grp"])
    rows["suppressed"] = rows["suppressed"].astype(bool)
    rows = rows.sort_values(["question_code", "wave_code", "parent", "grp", "sort_order"], kind="stable")
    return rows[columns].reset_index(drop=True)


def place_and_total_counts(
    db: Database, questions: str | Sequence[str], f: Filters, total_label: str = "ICS total"
) -> pd.DataFrame:
    """Return protected counts for each place in scope plus a total row (grp 'total').

    Grain: question x wave x group x option, groups being the chosen places (all places of the
    ICS when none is chosen) and the total over all of them, for the chosen role: each a cell of
    the same protected table, so no view can be subtracted from another to reveal a hidden one.
    """
    scope = f.without("pcns")
    places = option_counts(db, questions, scope, by="place")
    total = option_counts(db, questions, cuts.every_group(scope), by=None)
    places["is_total"] = False
    total = total.assign(grp=cuts.TOTAL, grp_label=total_label, is_total=True)
    return pd.concat([places, total], ignore_index=True)


def selection_counts(db: Database, questions: str | Sequence[str], f: Filters) -> pd.DataFrame:
    """Return protected counts per question x wave x option for the filtered selection as one
    group: the cell of the chosen place and role (hidden where the table hides it, or where the
    selection is no cell: several places or roles, or a PCN)."""
    questions = [questions] if isinstance(questions, str) else list(questions)
    return option_counts(db, questions, f, by=None).assign(grp="selection", grp_label="Selection")


def respondents_by_place(db: Database, f: Filters) -> pd.DataFrame:
    """Return respondents and Clinical Director response rate per wave x place.

    Grain: survey wave x place. Both counts are cells of the protected respondents table (the
    size of a group is as confidential as its answers): `respondents` for the chosen role,
    `cd_respondents` for Clinical Directors, each missing where hidden, and so the rate.
    """
    cond, params = where(f.without("places", "pcns", "roles"), {"wave": "w.wave_code", "ics": "pl.ics_code"})
    grid = db.query(
        f"""
        WITH inv AS (
            SELECT i.wave_id, pc.place_code, sum(i.invited) AS cds_invited
            FROM invitation i JOIN pcn pc ON pc.pcn_code = i.pcn_code
            WHERE i.role_code = 'cd' GROUP BY ALL
        )
        SELECT w.wave_code, w.name AS wave_name, pl.place_code, pl.name AS place, pl.ics_code,
               coalesce(inv.cds_invited, 0) AS cds_invited
        FROM wave w CROSS JOIN place pl
        LEFT JOIN inv ON inv.wave_id = w.wave_id AND inv.place_code = pl.place_code
        WHERE w.kind = 'survey' AND {cond}
        ORDER BY w.opened_on, w.wave_code, pl.sort_order, pl.name
        """,
        params,
    )

    def sizes(role: str) -> pd.DataFrame:
        """Return the protected respondents per wave x place for one role (or ALL)."""
        wanted = grid[["wave_code", "ics_code", "place_code"]].assign(
            question_code=protect.RESPONDENTS, role_code=role, band=protect.ALL
        )
        got = protect.lookup(db, wanted)
        return got[["wave_code", "place_code", "n"]]

    role = _choice(f.roles)
    chosen = sizes(role or protect.ALL).rename(columns={"n": "respondents"})
    if role is None:
        chosen["respondents"] = pd.NA
    cds = sizes("cd").rename(columns={"n": "cd_respondents"})
    df = grid.merge(chosen, on=["wave_code", "place_code"], how="left").merge(
        cds, on=["wave_code", "place_code"], how="left"
    )
    # A wave x place with no table has no one in it: nobody answered there (known from the rest).
    for col in ("respondents", "cd_respondents"):
        df[col] = df[col].astype("Float64")
    df["cd_response_rate"] = (df["cd_respondents"] / df["cds_invited"]).where(df["cds_invited"] > 0)
    return df.drop(columns=["ics_code"])


def respondent_totals(db: Database, f: Filters) -> pd.DataFrame:
    """Return the respondents per survey wave for the chosen role over the ICS (or every ICS):
    a cell of the protected respondents table, missing where hidden. Grain: wave."""
    role = _choice(f.roles)
    cells = protect.current(db).cells
    ics = f.ics if f.ics is not None else protect.ALL_ICS
    hit = cells[
        (cells["question_code"] == protect.RESPONDENTS)
        & (cells["ics_code"] == ics)
        & (cells["place_code"] == protect.ALL)
        & (cells["role_code"] == (role or protect.ALL))
        & (cells["band"] == protect.ALL)
    ]
    if f.wave is not None:
        hit = hit[hit["wave_code"] == f.wave]
    hit = protect.record(hit)
    waves = list_waves(db)[["wave_code", "name"]].rename(columns={"name": "wave_name"})
    out = waves.merge(hit[["wave_code", "n"]], on="wave_code", how="inner").rename(
        columns={"n": "respondents"}
    )
    if role is None:
        out["respondents"] = pd.NA
    return out


def chosen_share(shares: pd.DataFrame, options, keys: list[str]) -> pd.DataFrame:
    """Return, per group of keys, the respondents choosing any of options (from add_shares, one
    option each) with the group's base, n and suppressed flag, and their share with its Wilson 95%
    interval (low, high); a hidden group's numbers stay missing."""
    rows = (
        shares[shares["option_code"].isin(options)]
        .groupby(keys, sort=False)
        .agg(
            count=("count", "sum"),
            base=("base", "first"),
            n=("n", "first"),
            suppressed=("suppressed", "first"),
        )
        .reset_index()
    )
    rows["share"] = rows["count"].astype(float) / rows["base"].astype(float)
    rows["low"], rows["high"] = wilson(rows["count"].astype(float), rows["base"].astype(float))
    return rows


def add_shares(counts: pd.DataFrame) -> pd.DataFrame:
    """Return option counts with share, low and high (Wilson 95%) of substantive answers.

    "Don't know" (polarity missing on a scale that has polarities) is excluded from the base
    and shown as its own share of all answers.
    """
    out = counts.copy()
    group = out.groupby(["question_code", "wave_code", "grp"], sort=False).ngroup().to_numpy()

    def group_sum(values: np.ndarray) -> np.ndarray:
        """Return values summed over each row's group, for every row (numpy: a pandas transform
        of these small frames cost several ms each in overhead)."""
        return np.bincount(group, weights=values.astype(float))[group]

    rated = out["polarity"].notna().to_numpy()
    substantive = (group_sum(rated) == 0) | rated
    count = out["count"].astype(float).fillna(0).to_numpy()
    n = out["n"].astype(float).to_numpy()
    base = np.where(substantive, group_sum(np.where(substantive, count, 0.0)), n)
    base = np.where(out["suppressed"].to_numpy(dtype=bool), np.nan, base)
    # Multi-select questions (one option excludes the rest): shares of respondents, not of picks.
    base = np.where(group_sum(out["is_exclusive"].to_numpy(dtype=bool)) > 0, n, base)
    out["base"] = pd.array(base, dtype="Float64")
    lo, hi = wilson(out["count"].astype(float), out["base"].astype(float))
    out["share"] = (out["count"].astype(float) / out["base"].astype(float)).where(out["base"] > 0)
    out["low"], out["high"] = lo, hi
    return out


def net_scores(counts: pd.DataFrame) -> pd.DataFrame:
    """Return per question x wave x group: n, positive, negative, net agreement and its 95% interval."""
    keys = ["question_code", "wave_code", "parent", "grp", "grp_label"]
    keys += [c for c in ("is_total",) if c in counts.columns]
    # Sums with numpy over the group numbers: a pandas aggregation of these small frames cost
    # 15 ms a call in overhead alone. n and suppressed are the same on every row of a group.
    group = counts.groupby(keys, dropna=False, sort=False).ngroup().to_numpy()
    first = np.unique(group, return_index=True)[1]
    count = counts["count"].astype(float).fillna(0).to_numpy()
    polarity = counts["polarity"]
    g = counts.iloc[first][[*keys, "n"]].reset_index(drop=True)
    suppressed = counts["suppressed"].to_numpy(dtype=bool)[first]
    for col, rows in (
        ("base", polarity.notna()),
        ("positive", polarity == "positive"),
        ("negative", polarity == "negative"),
    ):
        total = np.bincount(
            group, weights=np.where(rows.to_numpy(dtype=bool), count, 0.0), minlength=len(first)
        )
        g[col] = pd.array(total, dtype="Float64")
        g.loc[suppressed, col] = pd.NA
    g["suppressed"] = suppressed
    net, lo, hi = net_agreement(
        g["positive"].astype(float), g["negative"].astype(float), g["base"].astype(float)
    )
    g["net"], g["low"], g["high"] = net, lo, hi
    return g
