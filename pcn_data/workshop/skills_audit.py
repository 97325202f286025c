"""The skills audit: a ready-made set of poll questions on the six development needs of the
PCN Futures report, added to a session in one step.

- "How confident are you in ...?" on a 5-point scale, one question per need. These are bank
  questions of their own (`skills_conf_<need>`, written into the bank the first time a set is
  added), so that Development needs finds the workshops that asked them.
- "Which of these would help you most?": the survey's own development-needs question
  (`dev_needs`), with its options, so that the room's answers sit beside the survey's for the same
  place, counted alike and through the same suppression (`polls.survey_comparison`).
"""

from __future__ import annotations

from pcn_data.core import trail
from pcn_data.core.bank import SCALES
from pcn_data.core.db import Database
from pcn_data.workshop import polls

NEEDS_CODE = "dev_needs"
SCALE = "confidence5"
CONFIDENCE = [
    ("not_at_all", "Not at all confident", 1, "negative", False),
    ("slightly", "Slightly confident", 2, "negative", False),
    ("moderately", "Moderately confident", 3, "neutral", False),
    ("very", "Very confident", 4, "positive", False),
    ("completely", "Completely confident", 5, "positive", False),
]
# The six needs of the report (the survey's options, without "I have what I need"), each asked as
# the confidence a person has in it.
_ASKED = {
    "mgmt_skills": "How confident are you in your management skills (leadership, influencing, negotiating)?",
    "wider_system": "How confident are you in understanding the wider system, financial flows and policy?",
    "coaching": "How confident are you in coaching, your personal impact and your confidence in the role?",
    "time_mgmt": "How confident are you in managing your time and building a management team?",
    "technical": "How confident are you in technical tools and knowledge (finance, governance)?",
    "networking": "How confident are you in networking and building relationships?",
}
NEEDS = [(code, label) for code, label, *_ in SCALES["needs"] if code in _ASKED]
CONFIDENCE_CODES = tuple(f"skills_conf_{code}" for code, _ in NEEDS)
QUESTION_CODES = (*CONFIDENCE_CODES, NEEDS_CODE)
HELP_MOST = "Which of these would help you most in your development? (choose all that apply)"


def ensure_bank(db: Database) -> None:
    """Write the confidence questions and their scale into the question bank, once."""
    if db.scalar(
        "SELECT count(*) FROM question WHERE list_contains(?, question_code)", [list(CONFIDENCE_CODES)]
    ) == len(CONFIDENCE_CODES):
        return
    first = int(db.scalar("SELECT coalesce(max(sort_order), 0) + 1 FROM question"))
    with db.transaction() as cur:
        for i, (need, label) in enumerate(NEEDS):
            code = f"skills_conf_{need}"
            cur.execute(
                "INSERT INTO question (question_code, block, theme_code, wording, short_label, kind, "
                "scale_code, higher_is_better, asked_of, sort_order) "
                "VALUES (?, 'needs', 'development', ?, ?, 'scale', ?, TRUE, NULL, ?) ON CONFLICT DO NOTHING",
                [code, _ASKED[need], f"Confidence: {label}", SCALE, first + i],
            )
            cur.executemany(
                "INSERT INTO option (question_code, option_code, label, sort_order, score, polarity, "
                "is_exclusive) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                [
                    [code, c, lbl, j, score, pol, excl]
                    for j, (c, lbl, score, pol, excl) in enumerate(CONFIDENCE)
                ],
            )


def specs() -> list[polls.QuestionSpec]:
    """Return the set's questions in order: the six confidence questions, then which would help."""
    return [
        polls.QuestionSpec(_ASKED[need], "single", question_code=f"skills_conf_{need}") for need, _ in NEEDS
    ] + [polls.QuestionSpec(HELP_MOST, "multi", question_code=NEEDS_CODE)]


def add_to_session(db: Database, session_id: int) -> list[int]:
    """Append the whole skills audit to a session in one transaction; return the new positions."""
    ensure_bank(db)
    questions = specs()
    with db.transaction(bump_version=False) as cur:
        first = cur.execute(
            "SELECT coalesce(max(position), 0) + 1 FROM poll_question WHERE session_id = ?", [session_id]
        ).fetchall()[0][0]
        if not cur.execute("SELECT count(*) FROM poll_session WHERE session_id = ?", [session_id]).fetchall()[
            0
        ][0]:
            raise polls.PollError("That session no longer exists.")
        for i, spec in enumerate(questions):
            polls._insert_question(cur, db, session_id, first + i, spec)
        trail.record(
            cur, "poll_control", f"session {session_id}", f"skills audit added ({len(questions)} questions)"
        )
    polls._changed(db, session_id)
    return list(range(first, first + len(questions)))
