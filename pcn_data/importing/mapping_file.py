"""The mapping file (TOML): an import's columns to questions (or "ignore"), and answers to options,
written by the command line (--save-mapping) and the Data page, read back by either.

    tool = "googleforms"

    [columns]
    "Which PCN do you work in?" = "pcn"
    "Email address" = "ignore"

    [answers.role_clear_self]          # answers matched by hand: label as written -> option code
    "Agree strongly" = "sa"            # or "ignore": count it as no answer

    [unmatched.rel_ics]                # written only: labels still to match, with their cells
    "Prefer not to say" = 1
"""

from __future__ import annotations

import logging
import tomllib

from pcn_data.core.errors import PcnDataError
from pcn_data.importing.mapping import normalise

log = logging.getLogger(__name__)
# A mapping file is a page of TOML: 1 MB holds some thousands of columns and answers.
MAX_MB = 1


class MappingFileError(PcnDataError):
    """The mapping file cannot be used; the message names the file and the entry."""


def dumps(
    source_format: str,
    columns: dict[str, str],
    answers: dict[tuple[str, str], str] | None = None,
    unmatched: dict[tuple[str, str], int] | None = None,
) -> str:
    """Return the text of a mapping file."""
    import tomli_w  # only when a mapping file is written

    doc: dict = {"tool": source_format, "columns": dict(columns)}
    for key, pairs in (("answers", answers or {}), ("unmatched", unmatched or {})):
        table: dict[str, dict] = {}
        for (question, label), value in pairs.items():
            table.setdefault(question, {})[label] = value
        if table:
            doc[key] = table
    return tomli_w.dumps(doc)


def dumps_bytes(*args) -> bytes:
    """Return the mapping file as UTF-8 bytes (for a download); arguments as for dumps."""
    return dumps(*args).encode("utf-8")


def loads(text: str, file_name: str) -> tuple[str | None, dict[str, str], dict[tuple[str, str], str]]:
    """Return (tool, header -> target, (question, label) -> option) of a mapping file."""
    if len(text.encode("utf-8")) > MAX_MB * 1024 * 1024:  # bytes, as the upload box counts them
        raise MappingFileError(f"{file_name} is larger than {MAX_MB} MB: a mapping file is a page of text.")
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        log.warning("mapping file %s not read", file_name, exc_info=exc)
        raise MappingFileError(f"{file_name} is not a mapping file that can be read ({exc}).") from exc
    columns = doc.get("columns", {})
    answers = doc.get("answers", {})
    if not isinstance(columns, dict) or not all(isinstance(v, str) for v in columns.values()):
        raise MappingFileError(f"{file_name}: [columns] must map each column's header to a question code.")
    labels: dict[tuple[str, str], str] = {}
    for question, pairs in answers.items() if isinstance(answers, dict) else ():
        if not isinstance(pairs, dict) or not all(isinstance(v, str) for v in pairs.values()):
            raise MappingFileError(
                f"{file_name}: [answers.{question}] must map each label to an option code."
            )
        labels.update({(question, label): option for label, option in pairs.items()})
    tool = doc.get("tool")
    return (tool if isinstance(tool, str) else None), dict(columns), labels


def names(columns: dict[str, str], header: str) -> bool:
    """Return True when the mapping file's columns name this header (as written or normalised)."""
    return header in columns or normalise(header) in {normalise(h) for h in columns}


def apply_columns(headers: list[str], proposed: dict[str, str], columns: dict[str, str]) -> dict[str, str]:
    """Return the proposed mapping with the mapping file's columns in force (a header matched as
    written, else as normalised); headers the file does not name keep their proposal."""
    by_key = {normalise(h): t for h, t in columns.items()}
    out = dict(proposed)
    for header in headers:
        if header in columns:
            out[header] = columns[header]
        elif normalise(header) in by_key:
            out[header] = by_key[normalise(header)]
    return out
