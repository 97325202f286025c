"""Matrix, grid and Likert questions as each tool exports them (tests/data/imports/
make_matrix_fixtures.py), imported through the command line: every row of a matrix lands on its
own bank question, and the counts are those of the file, counted here with csv and openpyxl."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import duckdb
import openpyxl
import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "data" / "imports"

STATEMENTS = {
    "I am clear about what is expected of me as a CD": "role_clear_self",
    "Partners across the system are clear about what CDs can and cannot do": "role_partners_clear",
    "I have agreed clear boundaries for my role with external partners": "role_boundaries",
}
PARTNERS = {
    "The ICS": "rel_ics",
    "The acute trust": "rel_acute",
    "VCSE/VCFSE organisations": "rel_vcse",
    "Other PCNs": "rel_other_pcns",
}
NEEDS = [
    "Management skills (leadership, influencing, negotiating)",
    "Understanding the wider system, financial flows, policy",
    "Coaching, personal impact, confidence",
    "Time management and building a management team",
    "Technical tools and knowledge (finance, governance)",
    "Networking and building relationships",
    "I have what I need",
]
ROWS = {**STATEMENTS, **PARTNERS}


def cli(*args: str) -> subprocess.CompletedProcess:
    """Run the command line in a subprocess, as a facilitator on the server would."""
    env = {**os.environ, "PCN_DUCKDB_THREADS": "1"}
    return subprocess.run(
        [sys.executable, "-m", "pcn_data", *map(str, args)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def read_file(name: str) -> tuple[list[str], list[list[str]]]:
    """Return (column headers, data rows) of a fixture, read with csv or openpyxl.

    A SurveyMonkey matrix column is headed "question [row]" from its two header rows."""
    path = FIXTURES / name
    if name.endswith(".xlsx"):
        ws = openpyxl.load_workbook(path, read_only=True).worksheets[0]
        rows = [["" if v is None else str(v) for v in r] for r in ws.iter_rows(values_only=True)]
        return rows[0], rows[1:]
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    if name.startswith("sm_"):
        top, sub = rows[0], rows[1]
        header, current = [], ""
        for t, s in zip(top, sub, strict=True):
            current = t or current
            header.append(f"{current} [{s}]" if s not in ("", "Response", "Open-Ended Response") else t)
        return header, rows[2:]
    return rows[0], rows[1:]


def matrix_row(header: str) -> str | None:
    """Return the matrix row (statement or partner) a column holds, from the header alone."""
    inner = header[header.rfind("[") + 1 : -1] if header.endswith("]") else header
    return inner if inner in ROWS else None


def expected(name: str) -> tuple[int, int, dict[str, Counter], dict[str, str]]:
    """Return respondents, answers, per-matrix-question answer counts and each row's PCN."""
    header, rows = read_file(name)
    pcn_col = next(i for i, h in enumerate(header) if "PCN" in h and "?" in h and "[" not in h)
    answers = 0
    by_question: dict[str, Counter] = {}
    for row in rows:
        for h, cell in zip(header, row, strict=True):
            if not cell.strip():
                continue
            if (r := matrix_row(h)) is not None:
                by_question.setdefault(ROWS[r], Counter())[cell] += 1
                answers += 1
            elif h.startswith("Which of these would help"):
                answers += sum(label in cell for label in NEEDS)  # ticked boxes (SM: one per column)
            elif h.startswith("What is your biggest priority"):
                answers += 1
    return len(rows), answers, by_question, [row[pcn_col] for row in rows]


def stored(db_file: Path, wave: str) -> tuple[int, int, dict[str, Counter]]:
    con = duckdb.connect(str(db_file), read_only=True)
    try:
        people = con.execute(
            "SELECT count(*) FROM respondent JOIN wave USING (wave_id) WHERE wave_code = ?", [wave]
        ).fetchone()[0]
        rows = con.execute(
            "SELECT a.question_code, o.label FROM answer a JOIN respondent r USING (respondent_id) "
            "JOIN wave w USING (wave_id) LEFT JOIN option o ON o.question_code = a.question_code "
            "AND o.option_code = a.option_code WHERE w.wave_code = ?",
            [wave],
        ).fetchall()
    finally:
        con.close()
    by_question: dict[str, Counter] = {}
    for q, label in rows:
        if q in ROWS.values():
            by_question.setdefault(q, Counter())[label] += 1
    return people, len(rows), by_question


def share_poor_ics_in_fylde_coast(db_file: Path, wave: str | None, pcns: list[str], name: str) -> float:
    """Return the share of 'Poor' ICS ratings among Fylde Coast respondents: from the file (wave
    None) or from the database."""
    con = duckdb.connect(str(db_file), read_only=True)
    try:
        if wave is None:
            fc = {n for (n,) in con.execute("SELECT name FROM pcn WHERE place_code = 'FC'").fetchall()}
            header, rows = read_file(name)
            col = next(i for i, h in enumerate(header) if matrix_row(h) == "The ICS")
            cells = [r[col] for r, pcn in zip(rows, pcns, strict=True) if pcn in fc and r[col]]
            return cells.count("Poor") / len(cells)
        got = con.execute(
            "SELECT avg(CASE WHEN a.option_code = 'poor' THEN 1 ELSE 0 END) FROM answer a "
            "JOIN respondent r USING (respondent_id) JOIN wave w USING (wave_id) JOIN pcn p USING (pcn_code) "
            "WHERE w.wave_code = ? AND p.place_code = 'FC' AND a.question_code = 'rel_ics'",
            [wave],
        ).fetchone()[0]
        return float(got)
    finally:
        con.close()


@pytest.mark.parametrize("name", ["sm_matrix.csv", "gf_grid.csv", "msf_likert.xlsx"])
def test_each_row_of_a_matrix_imports_as_its_own_bank_question(db_file, name):
    people, answers, by_question, pcns = expected(name)
    assert (people, len(by_question)) == (8, 7)  # the fixture is what this test thinks it is
    done = cli("import", FIXTURES / name, "--db", db_file, "--wave", "2025")
    assert done.returncode == 0, done.stdout + done.stderr
    got_people, got_answers, got_by_question = stored(db_file, "2025")
    assert (got_people, got_answers) == (people, answers)
    assert got_by_question == by_question
    in_file = share_poor_ics_in_fylde_coast(db_file, None, pcns, name)
    assert share_poor_ics_in_fylde_coast(db_file, "2025", pcns, name) == pytest.approx(in_file)
    assert in_file == pytest.approx(0.6)  # Pebble, Oakridge, Rushbed of five Fylde Coast ratings


def test_a_surveymonkey_single_choice_with_an_other_comment_is_not_taken_for_a_matrix(db_file, tmp_path):
    rows = list(csv.reader((FIXTURES / "sm_matrix.csv").read_text(encoding="utf-8").splitlines()))
    role = rows[0].index("What is your role?")
    for i, row in enumerate(rows):
        row.insert(
            role + 1, ["", "Other (please specify)"][i] if i < 2 else ("Practice nurse" if i == 3 else "")
        )
    path = tmp_path / "other.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f, lineterminator="\r\n").writerows(rows)
    done = cli("import", path, "--db", db_file, "--wave", "2025", "--ignore-unmapped")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "column “What is your role?” -> role" in done.stdout
    assert "not imported: “What is your role? (other)” (1 answer)" in done.stdout
    people, answers, _by_question, _pcns = expected("sm_matrix.csv")
    assert stored(db_file, "2025")[:2] == (people, answers)
