"""Sessions side by side: the same poll question asked in several sessions (places side by side, or
one place before and after), each session's results through the reveal minimum, and through K
when they are set beside the survey.

Two questions are the same question when they carry the same bank question_code, or when one
session is a copy of the other (the copied_from chain, to its first session) and the questions
share their position, kind and wording. Choice questions only (agreement, single and multiple
choice): a ranking or open text has no share to set side by side."""

from __future__ import annotations

import pandas as pd

from pcn_data.core.config import min_group, min_reveal_votes
from pcn_data.core.db import Database
from pcn_data.workshop import polls

COMPARED_KINDS = ("agreement", "single", "multi")
COLUMNS = [
    "question_key", "question", "kind", "session_id", "session", "title", "place_code", "place",
    "held_on", "option_code", "label", "option_position", "votes", "n", "share", "hidden", "why",
]  # fmt: skip


def bank_key(question_code: str) -> str:
    """Return the comparison key of a bank question."""
    return f"bank:{question_code}"


def sessions(db: Database) -> pd.DataFrame:
    """Return every poll session with its place, date, first session (root) and what it copies:
    session_id, title, place_code, place, held_on, copied_from, root, label. Oldest first."""
    df = db.query(
        """
        SELECT s.session_id, s.title, w.place_code, p.name AS place, w.opened_on AS held_on,
               st.copied_from
        FROM poll_session s JOIN wave w USING (wave_id) LEFT JOIN place p ON p.place_code = w.place_code
        LEFT JOIN poll_session_setting st ON st.session_id = s.session_id
        ORDER BY w.opened_on, s.session_id
        """
    )
    parent = {
        int(s): (None if pd.isna(c) else int(c))
        for s, c in zip(df["session_id"], df["copied_from"], strict=True)
    }

    def root(session_id: int) -> int:
        seen = {session_id}
        while parent.get(session_id) is not None and parent[session_id] not in seen:
            session_id = parent[session_id]
            seen.add(session_id)
        return session_id

    df["root"] = [root(int(s)) for s in df["session_id"]]
    df["label"] = [f"{r.place} · {pd.Timestamp(r.held_on):%d %b %Y}" for r in df.itertuples(index=False)]
    return df


def family(db: Database, session_id: int) -> list[int]:
    """Return the sessions of a session's copy family (its first session and every copy), oldest
    first: the sessions a comparison starts from."""
    df = sessions(db)
    root = df.loc[df["session_id"] == session_id, "root"]
    if root.empty:
        return []
    return [int(s) for s in df.loc[df["root"] == root.iloc[0], "session_id"]]


def compare(db: Database, session_ids: list[int], *, beside_survey: bool = False) -> pd.DataFrame:
    """Return the questions asked in two or more of these sessions, side by side.

    Grain: question x session x option. `n` is the session's participants who answered the
    question, `votes` those who chose the option, `share` votes / n. A session under the reveal
    minimum ($PCN_POLL_MIN_REVEAL), or a sensitive question not yet closed, is `hidden`, with no
    number. beside_survey: each session is set beside the survey for its place, so K applies to it
    as `polls.survey_comparison` applies it (bank questions take that function's room and survey
    numbers, shares of substantive answers; survey_n and survey_share are added)."""
    meta = sessions(db)
    meta = meta[meta["session_id"].isin([int(s) for s in session_ids])]
    if meta.empty:
        return pd.DataFrame(columns=COLUMNS)
    ids = [int(s) for s in meta["session_id"]]
    # Grain: one row per question x option, with the question's count of participants.
    rows = db.query(
        """
        WITH q AS (
            SELECT poll_question_id, session_id, position, question_code, wording, kind, state, sensitive
            FROM poll_question WHERE list_contains(?, session_id) AND kind IN ('agreement', 'single', 'multi')
        ),
        n AS (
            SELECT v.poll_question_id, count(DISTINCT v.participant_token) AS n
            FROM poll_vote v JOIN q USING (poll_question_id) GROUP BY ALL
        ),
        c AS (
            SELECT v.poll_question_id, v.option_code, count(DISTINCT v.participant_token) AS votes
            FROM poll_vote v JOIN q USING (poll_question_id) GROUP BY ALL
        )
        SELECT q.*, o.option_code, o.label, o.position AS option_position,
               coalesce(c.votes, 0) AS votes, coalesce(n.n, 0) AS n
        FROM q JOIN poll_option o USING (poll_question_id)
        LEFT JOIN c ON c.poll_question_id = q.poll_question_id AND c.option_code = o.option_code
        LEFT JOIN n ON n.poll_question_id = q.poll_question_id
        ORDER BY q.session_id, q.position, o.position
        """,
        [ids],
    )
    if rows.empty:
        return pd.DataFrame(columns=COLUMNS)
    rows = rows.merge(
        meta[["session_id", "title", "place_code", "place", "held_on", "root", "label"]].rename(
            columns={"label": "session"}
        ),
        on="session_id",
    )
    rows["question_key"] = [
        bank_key(r.question_code)
        if isinstance(r.question_code, str)
        else f"copy:{r.root}:{r.position}:{r.kind}:{r.wording}"
        for r in rows.itertuples(index=False)
    ]
    asked_in = rows.groupby("question_key")["session_id"].transform("nunique")
    # Oldest session first: a place before and after reads left to right in the legend.
    rows = rows[asked_in >= 2].sort_values(["held_on", "session_id", "position", "option_position"]).copy()
    rows["share"] = (rows["votes"] / rows["n"]).where(rows["n"] > 0)
    need = min_reveal_votes()
    why = pd.Series("", index=rows.index, dtype=object)
    why[rows["n"] < need] = f"fewer than {need} answers"
    why[rows["sensitive"].astype(bool) & (rows["state"] != "closed")] = "sensitive: shown once closed"
    if beside_survey:
        rows, why = _beside_survey(db, rows, why)
    rows["why"] = why
    rows["hidden"] = why != ""
    for col in ("votes", "n", "share"):
        rows[col] = rows[col].astype("Float64").mask(rows["hidden"])
    out = rows.rename(columns={"wording": "question"})
    cols = COLUMNS + (["survey_n", "survey_share"] if beside_survey else [])
    return out[cols].reset_index(drop=True)


def _beside_survey(db: Database, rows: pd.DataFrame, why: pd.Series) -> tuple[pd.DataFrame, pd.Series]:
    """Return the rows with K applied to each session, as beside the survey, and the survey's
    numbers for bank questions (polls.survey_comparison: both sides suppressed under K)."""
    k = min_group()
    rows = rows.assign(survey_n=pd.NA, survey_share=pd.NA)
    why = why.copy()
    why[(why == "") & (rows["n"] < k)] = f"fewer than {k} answers beside the survey"
    for session_id in rows.loc[rows["question_code"].notna(), "session_id"].unique():
        side = polls.survey_comparison(db, int(session_id))
        if side.empty:
            continue
        side = side.set_index(["question_code", "option_code"])
        mine = rows.index[(rows["session_id"] == session_id) & rows["question_code"].notna()]
        for i in mine:
            key = (rows.at[i, "question_code"], rows.at[i, "option_code"])
            if key not in side.index:
                continue
            s = side.loc[key]
            # Like for like with the survey: the room's share of substantive answers, K-suppressed.
            rows.at[i, "votes"], rows.at[i, "n"] = s["room_votes"], s["room_n"]
            rows.at[i, "share"] = s["room_share"]
            rows.at[i, "survey_n"], rows.at[i, "survey_share"] = s["survey_n"], s["survey_share"]
            if pd.isna(s["room_n"]) and why[i] == "":
                why[i] = f"fewer than {k} answers beside the survey"
    return rows, why
