"""Matching an export's columns to the question bank by wording, and answer labels to options.

A column's target is a question code, one of the respondent FIELDS, or IGNORE. Metadata columns
that the tools add (times, emails, names, IP addresses) are matched exactly and ignored, so that
no personal data is ever stored."""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from pcn_data.core.db import Database

IGNORE = "ignore"
# Respondent fields a wide export carries as ordinary questions or metadata.
FIELDS = {
    "respondent_id": "Respondent ID (from the tool)",
    "pcn": "PCN (code or name)",
    "role": "Role",
    "years": "Years in role",
    "submitted": "Date submitted",
}
# Normalised headers the tools write, matched exactly.
_KNOWN_HEADERS = {
    "id": "respondent_id",
    "respondent id": "respondent_id",
    "response id": "respondent_id",
    "completion time": "submitted",
    "end date": "submitted",
    "timestamp": "submitted",
    "submitted": "submitted",
    "submitted on": "submitted",
    "start time": IGNORE,
    "start date": IGNORE,
    "last modified time": IGNORE,
    "email": IGNORE,
    "email address": IGNORE,
    "name": IGNORE,
    "first name": IGNORE,
    "last name": IGNORE,
    "ip address": IGNORE,
    "collector id": IGNORE,
    "custom data 1": IGNORE,
}
# Columns the tools add about a response rather than from its respondent (quiz scores too): never
# listed as "not imported".
METADATA_HEADERS = set(_KNOWN_HEADERS) | {
    "name",
    "total points",
    "quiz feedback",
    "score",
    "collector",
    "start date",
    "end date",
}
# Wordings for the profile questions; fuzzy-matched like the bank's questions.
_FIELD_WORDINGS = {
    "which pcn do you work in": "pcn",
    "which primary care network do you work in": "pcn",
    "pcn": "pcn",
    "pcn name": "pcn",
    "what is your role": "role",
    "role": "role",
    "how long have you been in this role": "years",
    "how long have you been in your role": "years",
    "years in role": "years",
}
# A proposal below this score is left unmatched for a person to choose.
MATCH_CUTOFF = 85.0

_NUMBERING = re.compile(r"^\s*(q(uestion)?\s*)?\d+[.):]?\s+", re.IGNORECASE)
_SPACE = re.compile(r"\s+")
_PUNCTUATION = re.compile(r"[\W_]+")
_MATRIX_ROW = re.compile(r"^(?P<stem>.*?)\s*\[(?P<row>[^\[\]]+)\]\s*$")
_PARTNER = re.compile(r"relationship with (.+?)\?*$")


def normalise(text: str) -> str:
    """Return text folded for matching: lower case, straight quotes, no numbering or stray spaces."""
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"').replace("\u201d", '"')
    text = text.replace("\u00a0", " ").replace("\u2013", "-").replace("\u2014", "-")
    text = _NUMBERING.sub("", text)
    return _SPACE.sub(" ", text).strip().strip("*:").strip().lower()


@dataclass
class Proposal:
    """The proposed target of one column, and how it was found."""

    header: str
    target: str
    how: str  # saved | exact | fuzzy NN% | no match
    score: float


def bank_wordings(db: Database) -> dict[str, str]:
    """Return normalised question wording -> question code for every question in the bank."""
    df = db.query("SELECT question_code, wording, short_label FROM question ORDER BY sort_order")
    wordings: dict[str, str] = {}
    for code, wording, short in df.itertuples(index=False):
        wordings[normalise(wording)] = code
        wordings.setdefault(normalise(short), code)
        wordings.setdefault(normalise(code), code)
    return wordings


def saved_mapping(db: Database, source_format: str) -> dict[str, str]:
    """Return header_key -> target of the mapping last confirmed for this tool."""
    df = db.query(
        "SELECT header_key, target FROM import_mapping WHERE source_format = ?",
        [source_format],
    )
    return dict(zip(df["header_key"], df["target"], strict=True))


def partner_phrases(db: Database) -> dict[str, str]:
    """Return normalised partner phrase -> question code for the relationship questions, from their
    wording ("… relationship with the acute trust?"): "the acute trust", "acute trust" and the
    short label all name rel_acute."""
    df = db.query("SELECT question_code, wording, short_label FROM question ORDER BY sort_order")
    phrases: dict[str, str] = {}
    for code, wording, short in df.itertuples(index=False):
        match = _PARTNER.search(wording)
        if match is None:
            continue
        for text in (match.group(1), short):
            key = normalise(text)
            phrases.setdefault(key, code)
            phrases.setdefault(key.removeprefix("the "), code)
    return phrases


def _pcn_names(db: Database) -> set[str]:
    """Return the normalised codes and names (with and without "PCN") of every PCN."""
    df = db.query("SELECT pcn_code, name FROM pcn")
    keys = set()
    for code, name in df.itertuples(index=False):
        keys |= {normalise(code), normalise(name), normalise(name).removesuffix(" pcn")}
    return keys


def _by_structure(
    key: str, header: str, wordings: dict[str, str], partners: dict[str, str]
) -> tuple[str, str] | None:
    """Return (target, how) for a matrix row's column: Google Forms' and SurveyMonkey's
    "question [row]", or Microsoft Forms' Likert statement alone ("The ICS"); None otherwise."""
    match = _MATRIX_ROW.match(header)
    if match is None:
        return (partners[key], "Likert statement (partner)") if key in partners else None
    stem, row = normalise(match.group("stem")), normalise(match.group("row"))
    if "relationship" in stem and row in partners:
        return partners[row], "matrix row (partner)"
    if row in wordings:
        return wordings[row], "matrix row (statement)"
    best = process.extractOne(row, list(wordings), scorer=fuzz.ratio, score_cutoff=MATCH_CUTOFF)
    if best is not None:
        return wordings[best[0]], f"matrix row, fuzzy {best[1]:.0f}%"
    return None


def propose(
    db: Database, source_format: str, headers: list[str], values: list[list[str]] | None = None
) -> list[Proposal]:
    """Return a proposed target for each header: a saved choice first, then exact, then the
    structure the tool gives (a matrix row), then fuzzy wording, then the values (a column of PCN
    names is the PCN). values: the cells of each column, when known."""
    saved = saved_mapping(db, source_format)
    wordings = bank_wordings(db)
    partners = partner_phrases(db)
    choices = {**_FIELD_WORDINGS, **wordings}
    keys = list(choices)
    proposals = []
    for header in headers:
        key = normalise(header)
        if key in saved:
            proposals.append(Proposal(header, saved[key], "saved", 100.0))
        elif key in _KNOWN_HEADERS:
            proposals.append(Proposal(header, _KNOWN_HEADERS[key], "exact", 100.0))
        elif key in choices:
            proposals.append(Proposal(header, choices[key], "exact", 100.0))
        elif structured := _by_structure(key, header, wordings, partners):
            proposals.append(Proposal(header, structured[0], structured[1], 100.0))
        elif not key:
            proposals.append(Proposal(header, IGNORE, "no match", 0.0))
        else:
            best = process.extractOne(key, keys, scorer=fuzz.ratio, score_cutoff=MATCH_CUTOFF)
            if best is None:
                proposals.append(Proposal(header, IGNORE, "no match", 0.0))
            else:
                proposals.append(Proposal(header, choices[best[0]], f"fuzzy {best[1]:.0f}%", best[1]))
    if values is not None and not any(p.target == "pcn" for p in proposals):
        _pcn_by_values(db, proposals, values)
    _drop_repeats(proposals)
    return proposals


def _pcn_by_values(db: Database, proposals: list[Proposal], values: list[list[str]]) -> None:
    """Propose as the PCN the unmatched column whose answers are mostly PCN names or codes."""
    names = _pcn_names(db)
    for p, cells in zip(proposals, values, strict=True):
        if p.target != IGNORE or p.how != "no match":
            continue
        filled = [normalise(c) for c in cells if c.strip()]
        hits = sum(c in names or c.removesuffix(" pcn") in names for c in filled)
        if filled and hits / len(filled) >= 0.8:
            p.target, p.how, p.score = "pcn", f"values: {hits} of {len(filled)} are PCNs", 90.0
            return


def _drop_repeats(proposals: list[Proposal]) -> None:
    """Keep a target on only its best-scoring column, so two columns never fill one question."""
    best: dict[str, Proposal] = {}
    for p in proposals:
        if p.target == IGNORE:
            continue
        if p.target not in best or p.score > best[p.target].score:
            best[p.target] = p
    for p in proposals:
        if p.target != IGNORE and best[p.target] is not p:
            p.target, p.how, p.score = IGNORE, "no match (another column fits better)", 0.0


def save_mapping(cur, source_format: str, mapping: dict[str, str], confirmed_by: str | None) -> None:
    """Store a confirmed header -> target mapping for this tool, replacing earlier choices."""
    rows = [[source_format, normalise(h), t, confirmed_by] for h, t in mapping.items() if normalise(h)]
    if rows:
        cur.executemany(
            "INSERT OR REPLACE INTO import_mapping (source_format, header_key, target, confirmed_by) "
            "VALUES (?, ?, ?, ?)",
            rows,
        )


def saved_labels(db: Database, source_format: str) -> dict[tuple[str, str], str]:
    """Return (question code, label key) -> option code (or IGNORE) last confirmed for this tool."""
    df = db.query(
        "SELECT question_code, label_key, option_code FROM import_label_mapping WHERE source_format = ?",
        [source_format],
    )
    return {(q, k): c for q, k, c in df.itertuples(index=False)}


def save_labels(
    cur, source_format: str, labels: dict[tuple[str, str], str], confirmed_by: str | None
) -> None:
    """Store confirmed answer labels ((question code, label as written) -> option code or IGNORE)."""
    rows = [[source_format, q, normalise(label), c, confirmed_by] for (q, label), c in labels.items()]
    if rows:
        cur.executemany(
            "INSERT OR REPLACE INTO import_label_mapping "
            "(source_format, question_code, label_key, option_code, confirmed_by) VALUES (?, ?, ?, ?, ?)",
            rows,
        )


def answer_options(db: Database, question_code: str) -> dict[str, str]:
    """Return option code -> label of one bank question, in the order it is asked."""
    df = db.query(
        "SELECT option_code, label FROM option WHERE question_code = ? ORDER BY sort_order", [question_code]
    )
    return dict(zip(df["option_code"], df["label"], strict=True))


def by_code_or_label(pairs) -> dict[str, str]:
    """Return normalised code or label -> code for (code, label) pairs; a label wins a clash."""
    pairs = list(pairs)
    return {normalise(c): c for c, _ in pairs} | {normalise(label): c for c, label in pairs}


def label_key(text: str) -> str:
    """Return an answer label folded for an exact match: normalised (case, curly quotes), without
    punctuation or spaces ("Don’t-know", "Dont know" and "Don't know" are all "dontknow")."""
    return _PUNCTUATION.sub("", normalise(text))


def match_label(value: str, labels: dict[str, str]) -> tuple[str | None, str]:
    """Return (option code, how) for an answer label; labels maps normalised label or code -> code.

    The match is exact up to case, spacing, punctuation and curly quotes: a near miss ("Strongly
    agreeish") is never guessed, but left for a person to match."""
    key = normalise(value)
    if key in labels:
        return labels[key], "exact"
    folded = label_key(value)
    found = {code for label, code in labels.items() if label_key(label) == folded}
    if len(found) == 1:
        return found.pop(), "exact (punctuation ignored)"
    return None, "no match"
