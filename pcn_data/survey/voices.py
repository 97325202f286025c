"""Free-text comments: shown at place level or above, only for cells the protected respondents
table publishes, always redacted; theme codes suggested by readable rules and
correctable by a facilitator."""

from __future__ import annotations

import re
from collections.abc import Iterable

import pandas as pd

from pcn_data.core import trail
from pcn_data.core.config import min_group
from pcn_data.core.db import Database
from pcn_data.core.errors import PcnDataError
from pcn_data.core.filters import RESPONDENT_FROM, Filters, where
from pcn_data.survey import protect
from pcn_data.survey.redaction import redact

# `redact` lives in pcn_data.survey.redaction; pages and exports still import it from here.


# Suggested codes: a comment gets every sub-theme whose words it contains. Kept as plain data
# so that a facilitator can read, and a test can check, why a code was suggested.
RULES: dict[str, tuple[str, ...]] = {
    "cd_role": ("cd role", "clinical director", "my role", "go to person", "go-to person", "all things"),
    "clinical": ("clinical leadership", "operational", "protected time", "strategic"),
    "collaborative": ("trust", "collaborat", "work together", "working together"),
    "system": ("system", "practice-centric", "wider pcn"),
    "resilient": ("work-life", "burnout", "stress", "pressure", "succession", "resilien"),
    "chair_vision": ("vision", "chair", "network of networks"),
    "partnership": ("partner", "acute", "hospital", "level playing field", "curate's egg"),
    "role_clarity": ("interpretation", "can and cannot", "expected of", "role clarity"),
    "vcse": ("voluntary", "vcse", "vcfse", "community group", "social prescrib", "faith"),
    "ics_work": ("ics", "integrated care system", "invisible", "remote", "voice in the"),
    "mgmt_admin": ("management support", "admin", "manager", "named individuals", "tangible support"),
    "technology": ("virtual", "digital", "technology", "online", "it system"),
    "workforce": ("arrs", "recruit", "workforce", "staff", "physical space"),
    "finance": ("funding", "financ", "resource", "money", "pool"),
    "development": ("skills audit", "training", "coaching", "development", "mentor", "confidence"),
}


# One compiled pattern per sub-theme: an import codes thousands of comments at once.
_RULE_PATTERNS = {
    theme: re.compile("|".join(rf"(?<![a-z]){re.escape(w)}" for w in words)) for theme, words in RULES.items()
}


def suggest_codes(text: str) -> list[str]:
    """Return the sub-themes whose rule words appear in the text (case-insensitive)."""
    lower = text.lower()
    return [theme for theme, pattern in _RULE_PATTERNS.items() if pattern.search(lower)]


def _comment_cells(db: Database, f: Filters) -> tuple[list[tuple[str, str, str]], list[str]]:
    """Return the (wave, place, role) cells whose comments may be listed, and the places whose
    comments are listed for every role although one role is chosen.

    Comments follow the protected respondents table: a place's comments are listed only where its
    cell is published; under a role, only where the place x role cell is published and the rest
    of the place (the other roles together) is empty or holds K or more, or else the list could
    be subtracted from the place's to single out the others. Where that fails, the role filter
    does not apply to the place's comments.
    """
    role = f.roles[0] if len(f.roles) == 1 else protect.ALL
    cond, params = where(f.without("places", "pcns", "roles"), {"wave": "w.wave_code", "ics": "pl.ics_code"})
    grid = db.query(
        f"""
        SELECT w.wave_code, pl.ics_code, pl.place_code, pl.name
        FROM wave w CROSS JOIN place pl WHERE w.kind = 'survey' AND {cond}
        """,
        params,
    )
    if f.places:
        grid = grid[grid["place_code"].isin(f.places)]
    wanted = grid.assign(question_code=protect.RESPONDENTS, band=protect.ALL)
    whole = protect.lookup(db, wanted.assign(role_code=protect.ALL))
    whole = whole[~whole["suppressed"]]
    if role == protect.ALL:
        return [(w, p, protect.ALL) for w, p in zip(whole["wave_code"], whole["place_code"], strict=True)], []
    own = protect.lookup(db, wanted.assign(role_code=role))[["wave_code", "place_code", "n", "suppressed"]]
    both = whole.merge(own, on=["wave_code", "place_code"], how="left", suffixes=("", "_role"))
    rest = both["n"] - both["n_role"].fillna(0)
    shown = ~both["suppressed_role"].fillna(True).astype(bool)
    applies = shown & ((rest == 0) | (rest >= min_group())).fillna(False)
    cells = [
        (w, p, role if ok else protect.ALL)
        for w, p, ok in zip(both["wave_code"], both["place_code"], applies, strict=True)
    ]
    ignored = sorted(set(both.loc[~applies, "name"]))
    return cells, ignored


def comments(db: Database, f: Filters, themes: Iterable[str] = (), search: str = "") -> pd.DataFrame:
    """Return the redacted comments for the filters, one row per comment x sub-theme code.

    Only comments of published cells of the protected respondents table (see _comment_cells),
    and never anything that identifies the respondent or PCN: each comment carries an opaque
    key instead. attrs["role_ignored"] names the places listed for every role. `search` matches
    the redacted text, so a search cannot find what redaction removed.
    """
    cells, ignored = _comment_cells(db, f)
    columns = ["comment_key", "place", "wave_code", "question", "theme", "sub_theme", "theme_code", "text"]
    if not cells:
        out = pd.DataFrame(columns=columns)
        out.attrs["role_ignored"] = ignored
        return out
    cond, params = where(f.without("places", "pcns", "roles"))
    # Each cell: wave, place and role (ALL for every role), matched as a triple.
    marks = ", ".join("(?, ?, ?)" for _ in cells)
    df = db.query(
        f"""
        WITH allowed(wave_code, place_code, role_code) AS (VALUES {marks})
        SELECT md5(a.respondent_id || '|' || a.question_code) AS comment_key, pl.name AS place,
               w.wave_code, q.short_label AS question, coalesce(parent.label, 'Not yet coded') AS theme,
               coalesce(t.label, 'Not yet coded') AS sub_theme, c.theme_code, a.value_text AS text
        FROM answer a
        JOIN {RESPONDENT_FROM} ON r.respondent_id = a.respondent_id
        JOIN allowed al ON al.wave_code = w.wave_code AND al.place_code = pl.place_code
                       AND (al.role_code = ? OR al.role_code = r.role_code)
        JOIN question q ON q.question_code = a.question_code
        LEFT JOIN comment_code c ON c.respondent_id = a.respondent_id AND c.question_code = a.question_code
        LEFT JOIN theme t ON t.theme_code = c.theme_code
        LEFT JOIN theme parent ON parent.theme_code = t.parent_code
        WHERE a.value_text IS NOT NULL AND q.kind = 'text' AND {cond}
        ORDER BY parent.sort_order, t.sort_order, pl.name, comment_key
        """,
        [*(v for cell in cells for v in cell), protect.ALL, *params],
    )
    known = db.query("SELECT name FROM pcn")["name"].tolist()
    known += [n.removesuffix(" PCN") for n in known if n.endswith(" PCN")]
    df["text"] = df["text"].map(lambda t: redact(t, known))
    themes = set(themes)
    if themes:
        df = df[df["theme_code"].isin(themes)]
    if search.strip():
        df = df[df["text"].str.contains(search.strip(), case=False, regex=False)]
    out = df.reset_index(drop=True)
    out.attrs["role_ignored"] = ignored
    return out


_INSERT_CODE = (
    "INSERT INTO comment_code (respondent_id, question_code, theme_code, coded_by) VALUES (?, ?, ?, ?)"
)


def comment_codes(db: Database, comment_key: str) -> list[str]:
    """Return the sub-theme codes of one comment."""
    df = db.query(
        "SELECT theme_code FROM comment_code WHERE md5(respondent_id || '|' || question_code) = ? ORDER BY 1",
        [comment_key],
    )
    return df["theme_code"].tolist()


def set_codes(
    db: Database, comment_key: str, theme_codes: Iterable[str], coded_by: str = "facilitator"
) -> int:
    """Replace one comment's theme codes; return how many codes it now has."""
    codes = sorted(set(theme_codes))
    valid = set(db.query("SELECT theme_code FROM theme WHERE parent_code IS NOT NULL")["theme_code"])
    unknown = set(codes) - valid
    if unknown:
        raise PcnDataError(f"Unknown sub-theme(s): {', '.join(sorted(unknown))}.")
    with db.transaction() as cur:
        row = cur.execute(
            "SELECT respondent_id, question_code FROM answer "
            "WHERE value_text IS NOT NULL AND md5(respondent_id || '|' || question_code) = ?",
            [comment_key],
        ).fetchone()
        if row is None:
            raise PcnDataError("That comment no longer exists.")
        cur.execute("DELETE FROM comment_code WHERE respondent_id = ? AND question_code = ?", list(row))
        cur.executemany(
            _INSERT_CODE,
            [[row[0], row[1], code, coded_by] for code in codes],
        )
        trail.record(cur, "theme_codes", f"comment {comment_key}", ", ".join(codes) or "no codes")
    return len(codes)


def code_uncoded(db: Database) -> int:
    """Give every comment that has no codes the codes its rules suggest; return how many got codes."""
    df = db.query(
        """
        SELECT a.respondent_id, a.question_code, a.value_text FROM answer a
        WHERE a.value_text IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM comment_code c WHERE c.respondent_id = a.respondent_id
              AND c.question_code = a.question_code)
        """
    )
    rows = [
        [rid, q, code, "rule"] for rid, q, text in df.itertuples(index=False) for code in suggest_codes(text)
    ]
    if rows:
        with db.transaction() as cur:
            cur.executemany(
                _INSERT_CODE,
                rows,
            )
            trail.record(cur, "theme_codes", "comments without codes", f"{len(rows)} codes suggested by rule")
    return len({(r[0], r[1]) for r in rows})


def sub_themes(db: Database) -> pd.DataFrame:
    """Return the sub-themes with their theme: theme_code, label, theme."""
    return db.query(
        """SELECT t.theme_code, t.label, p.label AS theme
           FROM theme t JOIN theme p ON p.theme_code = t.parent_code
           ORDER BY p.sort_order, t.sort_order"""
    )
