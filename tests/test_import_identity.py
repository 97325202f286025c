"""A respondent is the tool's ID together with what they answered: two forms that both number
their responses from 1 go into one wave, while the same file, or the same response exported
again, is still recognised."""

from __future__ import annotations

import io

import duckdb
import openpyxl

from tests.test_import_matrix import FIXTURES, cli

SECOND_FORM_PCNS = ["Ashbrook PCN", "Willow PCN", "Sandpiper PCN", "Linden PCN", "Bramble PCN", "Lantern PCN",
                    "Millstream PCN", "Hollybank PCN"]  # fmt: skip


def second_form() -> bytes:
    """Return another Microsoft Forms file of the same questionnaire (a copy of the form sent to
    other PCNs): its responses are numbered 1 to 8 again, and its people are other people."""
    wb = openpyxl.load_workbook(FIXTURES / "msf_likert.xlsx")
    ws = wb.worksheets[0]
    header = [c.value for c in ws[1]]
    pcn = header.index("Which PCN is yours?")
    for row, name in zip(ws.iter_rows(min_row=2), SECOND_FORM_PCNS, strict=True):
        row[pcn].value = name
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def counts(db_file) -> tuple[int, int, int]:
    con = duckdb.connect(str(db_file), read_only=True)
    try:
        return tuple(
            con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in ("respondent", "answer", "import_batch")
        )
    finally:
        con.close()


def data_rows(data: bytes) -> int:
    ws = openpyxl.load_workbook(io.BytesIO(data), read_only=True).worksheets[0]
    return sum(1 for r in ws.iter_rows(min_row=2, values_only=True) if any(v is not None for v in r))


def test_two_forms_with_the_same_response_numbers_go_into_one_wave(db_file, tmp_path):
    first, second = FIXTURES / "msf_likert.xlsx", tmp_path / "second_form.xlsx"
    second.write_bytes(second_form())
    people = data_rows(first.read_bytes()) + data_rows(second.read_bytes())
    before = counts(db_file)[0]
    for path in (first, second):
        done = cli("import", path, "--db", db_file, "--wave", "2025")
        assert done.returncode == 0, done.stdout + done.stderr
        assert "duplicate" not in done.stdout
    assert counts(db_file)[0] == before + people == before + 16


def test_importing_a_file_again_is_a_no_op_that_names_its_batch(db_file):
    done = cli("import", FIXTURES / "sm_matrix.csv", "--db", db_file, "--wave", "2025")
    assert done.returncode == 0, done.stdout + done.stderr
    before = counts(db_file)
    batch = before[2]  # the newest batch
    again = cli("import", FIXTURES / "sm_matrix.csv", "--db", db_file, "--wave", "2025")
    assert again.returncode == 0, again.stdout + again.stderr
    assert f"already imported (batch {batch})" in again.stdout
    assert "duplicate" not in again.stdout
    assert counts(db_file) == before
