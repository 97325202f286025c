"""What an import would write, and every problem found, before anything is written."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import pandas as pd

from pcn_data.importing.reading import parse_date

KINDS = ("survey", "reference", "engagement", "self-assessment", "poll", "invitations")


@dataclass(frozen=True)
class Problem:
    """One problem, named by the row and column a person sees in the spreadsheet."""

    row: int | None  # 1-based row of the file; None for the file as a whole
    column: str | None
    message: str

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column “{self.column}”")
        return f"{', '.join(where)}: {self.message}" if where else self.message


class _Fields:
    """Mixin: a record's fields read as a dict's (r["respondent_id"], {**r})."""

    __slots__ = ()

    def __getitem__(self, name: str):
        return getattr(self, name)

    def keys(self) -> tuple[str, ...]:
        """Return the field names."""
        return self.__slots__


# Slotted: a file at the cell limit has some 240,000 answers, and a dict each took 184 bytes.
@dataclass(slots=True)
class Answer(_Fields):
    """One answer to write: a chosen option, or the text of an open question."""

    _row: int
    respondent_id: str
    question_code: str
    option_code: str | None
    value_text: str | None


@dataclass
class Plan:
    """A validated import: the records to write, keyed by the file row they came from."""

    kind: str
    source_format: str
    file_name: str
    sha256: str
    header: list[str] = field(default_factory=list)
    rows: dict[int, list[str]] = field(default_factory=dict)  # file row -> raw cells, for rejects
    records: dict[str, list[dict]] = field(default_factory=dict)  # table -> rows, each with "_row"
    problems: list[Problem] = field(default_factory=list)
    mapping: dict[str, str] = field(default_factory=dict)  # header -> target, saved when imported
    # (question code, label as written) -> option code or IGNORE: answers a person matched by
    # hand, saved when imported; and the labels that matched no option, with their cell counts.
    labels: dict[tuple[str, str], str] = field(default_factory=dict)
    unmatched: dict[tuple[str, str], int] = field(default_factory=dict)
    # Columns with answers that are neither mapped nor the tools' metadata: (header, answers, the
    # short labels of unanswered questions whose options every answer fits).
    not_imported: list[tuple[str, int, list[str]]] = field(default_factory=list)
    wave_code: str | None = None  # the survey wave the rows go to
    wave: dict | None = None  # the wave to create (survey, poll) or None when it exists
    notes: list[str] = field(default_factory=list)
    month_first: bool = False  # text dates are mm/dd (chosen per file)

    def add(self, row: int | None, column: str | None, message: str) -> None:
        """Record a problem."""
        self.problems.append(Problem(row, column, message))

    def date(self, row: int, column: str, value: str):
        """Return a cell's date, or None after recording a problem (a blank cell gives None)."""
        if not value:
            return None
        when = parse_date(value, month_first=self.month_first)
        if when is None:
            form = "mm/dd/yyyy" if self.month_first else "dd/mm/yyyy"
            self.add(row, column, f"date not parseable: “{value}” (use {form})")
        return when

    @property
    def bad_rows(self) -> set[int]:
        """Return the file rows with at least one problem."""
        return {p.row for p in self.problems if p.row is not None}

    @property
    def file_problems(self) -> list[Problem]:
        """Return the problems of the file as a whole (no row): these block any import."""
        return [p for p in self.problems if p.row is None]

    @property
    def rows_read(self) -> int:
        """Return the number of data rows read."""
        return len(self.rows)

    @property
    def good_rows(self) -> int:
        """Return the number of data rows without problems."""
        return len(set(self.rows) - self.bad_rows)

    @property
    def ok(self) -> bool:
        """Return True when there is no problem at all."""
        return not self.problems

    def records_for(self, table: str, *, valid_only: bool) -> list[dict]:
        """Return the records of a table, without those from rejected rows when valid_only."""
        bad = self.bad_rows if valid_only else set()
        return [r for r in self.records.get(table, []) if r["_row"] not in bad]

    def report(self) -> pd.DataFrame:
        """Return the problems as a table: row, column, problem."""
        return pd.DataFrame(
            [{"row": p.row, "column": p.column or "", "problem": p.message} for p in self.problems],
            columns=["row", "column", "problem"],
        )

    def rejected(self) -> pd.DataFrame:
        """Return the rejected rows as in the file, with their row number and problems first."""
        by_row: dict[int, list[str]] = {}
        for p in self.problems:
            if p.row is not None:
                by_row.setdefault(p.row, []).append(str(Problem(None, p.column, p.message)))
        width = len(self.header)
        out = []
        for row in sorted(by_row):
            cells = self.rows.get(row, [])
            cells = (cells + [""] * width)[:width] if width else cells
            out.append([row, "; ".join(by_row[row]), *cells])
        header = _unique(["row", "problems", *self.header])
        return pd.DataFrame(out, columns=header)

    def summary(self) -> str:
        """Return one line: rows read, good and rejected, problems."""
        whole, in_rows = len(self.file_problems), len(self.problems) - len(self.file_problems)
        counted = [f"{n} {'problem' if n == 1 else 'problems'}{where}" for n, where in
                   ((whole, " with the file as a whole"), (in_rows, " in rows")) if n]  # fmt: skip
        return (
            f"{self.file_name}: {self.source_format} ({self.kind}); {self.rows_read} rows read, "
            f"{self.good_rows} good, {len(self.bad_rows)} with problems; "
            f"{' and '.join(counted) or 'no problems'}"
        )


def _unique(names: list[str]) -> list[str]:
    """Return column names made unique (a suffix on repeats), as pandas needs."""
    seen: dict[str, int] = {}
    out = []
    for name in names:
        n = seen.get(name, 0)
        seen[name] = n + 1
        out.append(name if n == 0 else f"{name} ({n + 1})")
    return out


def sha256(data: bytes) -> str:
    """Return the hex sha256 of a file's bytes."""
    return hashlib.sha256(data).hexdigest()
