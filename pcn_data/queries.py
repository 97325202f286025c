"""Every read of the database: one function per query, bound parameters, DataFrames back.

Survey aggregates leave this module only through `stats.suppress`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from pcn_data.db import Database
from pcn_data.filters import RESPONDENT_FROM, Filters, where
from pcn_data.stats import net_agreement, suppress, wilson

# Breakdown dimensions a caller may choose: (group column, label column, parent column, the
# filter the breakdown replaces). Whitelisted here because they are written into SQL.
BREAKDOWNS: dict[str | None, tuple[str, str, str, str | None]] = {
    None: ("'all'", "'All respondents'", "'all'", None),
    "ics": ("pl.ics_code", "ic.name", "'all'", "ics"),
    "place": ("pl.place_code", "pl.name", "pl.ics_code", "places"),
    "pcn": ("pc.pcn_code", "pc.name", "pc.place_code", "pcns"),
    "role": ("r.role_code", "ro.label", "'all'", "roles"),
    "years": (
        "r.years_band",
        "CASE r.years_band WHEN 'lt1' THEN 'Less than 1 year' WHEN '1to3' THEN '1 to 3 years' "
        "ELSE 'More than 3 years' END",
        "'all'",
        None,
    ),
    # Roles within each place: siblings whose total is the place.
    "place_role": (
        "pl.place_code || '|' || r.role_code",
        "pl.name || ' · ' || ro.label",
        "pl.place_code",
        None,
    ),
    # Whether this is the respondent's first clinical leadership role (their own answer).
    "first_leadership": (
        "coalesce((SELECT x.option_code FROM answer x WHERE x.respondent_id = r.respondent_id "
        "AND x.question_code = 'ctx_first_leadership'), 'not_answered')",
        "coalesce((SELECT CASE x.option_code WHEN 'yes' THEN 'First leadership role' "
        "ELSE 'Has led before' END FROM answer x WHERE x.respondent_id = r.respondent_id "
        "AND x.question_code = 'ctx_first_leadership'), 'Not answered')",
        "'all'",
        None,
    ),
}


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


def respondents_by_place(db: Database, f: Filters) -> pd.DataFrame:
    """Return respondents and Clinical Director response rate per wave x place.

    Grain: survey wave x place. Counts of who responded are engagement data, not answers,
    so they are not suppressed; the role filter applies to `respondents`.
    """
    cond, params = where(f.without("places", "pcns"), {"wave": "w.wave_code", "ics": "pl.ics_code"})
    role_cond, role_params = where(Filters(roles=f.roles), {"roles": "r.role_code"})
    df = db.query(
        f"""
        WITH inv AS (
            SELECT i.wave_id, pc.place_code, sum(i.invited) AS cds_invited
            FROM invitation i JOIN pcn pc ON pc.pcn_code = i.pcn_code
            WHERE i.role_code = 'cd' GROUP BY ALL
        ), resp AS (
            SELECT r.wave_id, pc.place_code,
                   count(*) FILTER (WHERE {role_cond}) AS respondents,
                   count(*) FILTER (WHERE r.role_code = 'cd') AS cd_respondents
            FROM respondent r JOIN pcn pc ON pc.pcn_code = r.pcn_code
            GROUP BY ALL
        )
        SELECT w.wave_code, w.name AS wave_name, pl.place_code, pl.name AS place,
               coalesce(resp.respondents, 0) AS respondents,
               coalesce(resp.cd_respondents, 0) AS cd_respondents,
               coalesce(inv.cds_invited, 0) AS cds_invited
        FROM wave w CROSS JOIN place pl
        LEFT JOIN inv ON inv.wave_id = w.wave_id AND inv.place_code = pl.place_code
        LEFT JOIN resp ON resp.wave_id = w.wave_id AND resp.place_code = pl.place_code
        WHERE w.kind = 'survey' AND {cond}
        ORDER BY w.opened_on, w.wave_code, pl.sort_order, pl.name
        """,
        [*role_params, *params],
    )
    df["cd_response_rate"] = (df["cd_respondents"] / df["cds_invited"]).where(df["cds_invited"] > 0)
    return df


def option_counts(
    db: Database,
    questions: str | Sequence[str],
    f: Filters,
    by: str | None = None,
    also: set[tuple[str, str, str]] | None = None,
) -> pd.DataFrame:
    """Return suppressed counts per question x wave x group x option.

    Grain: question x wave x group (the `by` breakdown) x option; `n` is the respondents in the
    group who answered the question, `count` those who chose the option. Groups are suppressed
    among their siblings (places of an ICS, PCNs of a place, roles), computed over all
    siblings before the filter on the breakdown's own dimension is applied, so that a view of
    one group can never be subtracted from a view of the others. `also` holds (question,
    wave, group) keys to suppress for reasons found in another breakdown.
    """
    if by not in BREAKDOWNS:
        raise ValueError(f"Unknown breakdown {by!r}")
    questions = [questions] if isinstance(questions, str) else list(questions)
    group_col, label_col, parent_col, own_filter = BREAKDOWNS[by]
    scope = f.without(own_filter) if own_filter else f
    if by == "pcn":
        scope = scope.without("pcns")
    cond, params = where(scope)
    marks = ", ".join("?" for _ in questions)
    df = db.query(
        f"""
        WITH base AS (
            SELECT a.question_code, w.wave_code, {parent_col} AS parent, {group_col} AS grp,
                   {label_col} AS grp_label, a.respondent_id, a.option_code
            FROM answer a JOIN {RESPONDENT_FROM} ON r.respondent_id = a.respondent_id
            WHERE a.question_code IN ({marks}) AND a.option_code IS NOT NULL AND {cond}
        ), groups AS (
            SELECT question_code, wave_code, parent, grp, any_value(grp_label) AS grp_label,
                   count(DISTINCT respondent_id) AS n
            FROM base GROUP BY ALL
        ), chosen AS (
            SELECT question_code, wave_code, grp, option_code, count(DISTINCT respondent_id) AS count
            FROM base GROUP BY ALL
        )
        SELECT g.question_code, g.wave_code, g.parent, g.grp, g.grp_label, o.option_code, o.label,
               o.sort_order, o.polarity, o.is_exclusive, g.n, coalesce(c.count, 0) AS count
        FROM groups g
        JOIN option o ON o.question_code = g.question_code
        LEFT JOIN chosen c ON c.question_code = g.question_code AND c.wave_code = g.wave_code
                          AND c.grp = g.grp AND c.option_code = o.option_code
        ORDER BY g.question_code, g.wave_code, g.parent, g.grp, o.sort_order
        """,
        [*questions, *params],
    )
    keys = ["question_code", "wave_code", "parent", "grp"]
    forced = None
    if also:
        forced = pd.Series(
            [k in also for k in zip(df["question_code"], df["wave_code"], df["grp"], strict=True)],
            index=df.index,
            dtype=bool,
        )
    out = suppress(df, group_cols=keys, partition_by=keys[:3], also=forced)
    if own_filter:
        chosen = getattr(f, own_filter)
        if chosen:
            chosen = (chosen,) if isinstance(chosen, str) else chosen
            out = out[out["grp"].isin(chosen)]
    if by == "pcn" and f.pcns:
        out = out[out["grp"].isin(f.pcns)]
    return out.reset_index(drop=True)


def place_and_total_counts(
    db: Database, questions: str | Sequence[str], f: Filters, total_label: str = "ICS total"
) -> pd.DataFrame:
    """Return suppressed counts for each place in scope plus a total row (grp 'total').

    Grain: question x wave x group x option, groups being the chosen places (all places of the
    ICS when none is chosen) and the total over all of them. With a role chosen, a place's
    row is also hidden where that role is hidden among the roles of the place, and the total
    where the role is hidden among all roles: otherwise "all roles" minus "this role" would
    reveal the others.
    """
    scope = f.without("pcns")
    place_blocked: set[tuple[str, str, str]] = set()
    total_blocked: set[tuple[str, str, str]] = set()
    if f.roles:
        within = option_counts(db, questions, scope.without("roles", "places"), by="place_role")
        hit = within[within["suppressed"] & within["grp"].str.split("|").str[1].isin(f.roles)]
        place_blocked = set(zip(hit["question_code"], hit["wave_code"], hit["parent"], strict=True))
        roles = option_counts(db, questions, scope.without("roles", "places"), by="role")
        hit = roles[roles["suppressed"] & roles["grp"].isin(f.roles)]
        total_blocked = {(q, w, "all") for q, w in zip(hit["question_code"], hit["wave_code"], strict=True)}
    places = option_counts(db, questions, scope, by="place", also=place_blocked)
    total = option_counts(db, questions, scope.without("places"), by=None, also=total_blocked)
    places["is_total"] = False
    total = total.assign(grp="total", grp_label=total_label, is_total=True)
    return pd.concat([places, total], ignore_index=True)


def cut_by_place(fn):
    """Mark a query built on place_and_total_counts: its answer for chosen places is its answer for
    every place in scope cut to those places and the total (cut_to_places), because places are
    suppressed among all their siblings before the choice applies. A cache can then serve every
    change of place from one answer (ui.query does)."""
    fn.cut_by_place = True
    return fn


def cut_to_places(df: pd.DataFrame, places: tuple[str, ...]) -> pd.DataFrame:
    """Return the rows of a places-and-total frame for the chosen places and the total."""
    if not places or df.empty:
        return df
    return df[df["grp"].isin(places) | df["is_total"]].reset_index(drop=True)


def selection_counts(db: Database, questions: str | Sequence[str], f: Filters) -> pd.DataFrame:
    """Return suppressed counts per question x wave x option for the filtered selection as one group.

    The selection is shown only where every view it could be subtracted from is safe: each
    chosen place among its ICS's places, each chosen role among the roles, each chosen PCN
    among its place's PCNs. Questions are counted together but protected each on its own.
    """
    questions = [questions] if isinstance(questions, str) else list(questions)
    checks = []
    if f.places:
        checks.append(option_counts(db, questions, f.without("pcns"), by="place"))
    if f.pcns:
        checks.append(option_counts(db, questions, f, by="pcn"))
    if f.roles:
        checks.append(option_counts(db, questions, f, by="role"))
    if not checks:
        return option_counts(db, questions, f.without("places", "pcns", "roles"), by=None)
    blocked = set()
    for table in checks:
        hidden = table[table["suppressed"]]
        blocked |= set(zip(hidden["question_code"], hidden["wave_code"], strict=True))
    # The selection is the intersection of the chosen dimensions: recount it as one group.
    cond, params = where(f)
    marks = ", ".join("?" for _ in questions)
    raw = db.query(
        f"""
        WITH base AS (
            SELECT a.question_code, w.wave_code, a.respondent_id, a.option_code
            FROM answer a JOIN {RESPONDENT_FROM} ON r.respondent_id = a.respondent_id
            WHERE a.question_code IN ({marks}) AND a.option_code IS NOT NULL AND {cond}
        ), groups AS (
            SELECT question_code, wave_code, count(DISTINCT respondent_id) AS n FROM base GROUP BY ALL
        )
        SELECT g.question_code, g.wave_code, 'all' AS parent, 'selection' AS grp, 'Selection' AS grp_label,
               o.option_code, o.label, o.sort_order, o.polarity, o.is_exclusive, g.n,
               count(DISTINCT b.respondent_id) AS count
        FROM groups g JOIN option o ON o.question_code = g.question_code
        LEFT JOIN base b ON b.question_code = g.question_code AND b.wave_code = g.wave_code
                        AND b.option_code = o.option_code
        GROUP BY ALL ORDER BY g.question_code, g.wave_code, o.sort_order
        """,
        [*questions, *params],
    )
    keys = pd.Series(
        list(zip(raw["question_code"], raw["wave_code"], strict=True)), index=raw.index, dtype=object
    )
    result = suppress(
        raw,
        group_cols=["question_code", "wave_code", "parent", "grp"],
        partition_by=["question_code", "wave_code"],
        also=keys.isin(blocked),
    )
    keep = np.ones(len(result), dtype=bool)  # suppress keeps the rows in their order
    for table in checks:
        # Waves where a chosen group has no respondents at all stay absent.
        keep &= keys.isin(set(zip(table["question_code"], table["wave_code"], strict=True))).to_numpy()
    return result[keep].reset_index(drop=True)


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
