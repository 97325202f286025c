"""Smaller import faults: US text dates, Mentimeter's option order, the summary's wording."""

from __future__ import annotations

import csv
import datetime as dt
import io

import duckdb
import openpyxl

from tests.test_import_matrix import FIXTURES, cli


def msforms_resaved_as_csv() -> bytes:
    """Return the Microsoft Forms Likert fixture as Excel in the US saves it as CSV: dates as
    text like 11/3/25 9:14:02 (month first, two-digit year)."""
    ws = openpyxl.load_workbook(FIXTURES / "msf_likert.xlsx").worksheets[0]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in ws.iter_rows(values_only=True):
        writer.writerow(
            [
                f"{v.month}/{v.day}/{v:%y} {v.hour}:{v:%M:%S}"
                if isinstance(v, dt.datetime)
                else ("" if v is None else v)
                for v in row
            ]
        )
    return out.getvalue().encode()


def test_us_text_dates_are_read_month_first_and_the_report_says_so(db_file, tmp_path):
    data = msforms_resaved_as_csv()
    assert b",11/3/25 9:14:02," in data
    path = tmp_path / "forms.csv"
    path.write_bytes(data)
    done = cli("import", path, "--db", db_file, "--wave", "2025")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "month first" in done.stdout
    con = duckdb.connect(str(db_file), read_only=True)
    opened, closed = con.execute("SELECT opened_on, closed_on FROM wave WHERE wave_code = '2025'").fetchone()
    con.close()
    # The first and last completion times of the fixture: 3 and 12 November 2025.
    assert (str(opened)[:10], str(closed)[:10]) == ("2025-11-03", "2025-11-12")


def test_mentimeter_options_keep_the_export_order_including_those_nobody_chose(db_file, tmp_path):
    wb = openpyxl.load_workbook(FIXTURES / "mentimeter.xlsx")
    voters, session = wb["Voters"], wb["Session 1"]
    for row in voters.iter_rows(min_row=4):
        if row[3].value == "Don't know":
            row[3].value = "Poor"  # nobody answers Don't know now
    listed = [session.cell(r, 1).value for r in range(9, session.max_row + 1) if session.cell(r, 1).value]
    for r in range(9, session.max_row + 1):
        session.cell(r, 2).value = {"Poor": 2, "Don't know": 0}.get(
            session.cell(r, 1).value, session.cell(r, 2).value
        )
    path = tmp_path / "menti.xlsx"
    wb.save(path)
    done = cli("import", path, "--db", db_file, "--wave", "MB-2025-11", "--place", "MB")
    assert done.returncode == 0, done.stdout + done.stderr
    con = duckdb.connect(str(db_file), read_only=True)
    got = [
        label
        for (label,) in con.execute(
            "SELECT o.label FROM poll_option o JOIN poll_question q USING (poll_question_id) "
            "JOIN poll_session s USING (session_id) JOIN wave w USING (wave_id) "
            "WHERE w.wave_code = 'MB-2025-11' AND q.position = 1 ORDER BY o.position"
        ).fetchall()
    ]
    con.close()
    assert got == listed == ["Poor", "Fair", "Good", "Excellent", "Don't know"]


def test_the_summary_counts_problems_in_words_that_read(db_file, tmp_path):
    from tests.test_import_unmapped import grid_with_two_strange_columns

    path = tmp_path / "grid.csv"
    path.write_bytes(grid_with_two_strange_columns())  # columns not imported: one problem of the file
    done = cli("import", path, "--db", db_file, "--wave", "2025", "--dry-run")
    assert done.returncode == 1
    assert "0 with problems; 1 problems" not in done.stdout
    assert "8 rows read, 8 good, 0 with problems; 1 problem with the file as a whole" in done.stdout


def test_after_an_undo_the_data_page_no_longer_says_already_imported(own_copy, monkeypatch):
    from streamlit.testing.v1 import AppTest

    import ui
    from pcn_data.importing.batches import Upload, apply
    from tests.conftest import ROOT

    up = Upload((FIXTURES / "sm_matrix.csv").read_bytes(), "sm_matrix.csv")
    batch = apply(own_copy, up.plan(own_copy, wave="2025"))["batch_id"]
    monkeypatch.setattr(ui, "read_upload", lambda uploaded: up)  # AppTest cannot drive an uploader
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    at.run()
    at.switch_page("pages/data.py").run()
    at.text_input(key="import_wave").input("2025").run()
    at.button(key="import_check").click().run()
    assert any(f"already imported (batch {batch})" in i.value for i in at.info)
    assert not any("problems found" in e.value for e in at.error)  # its rows are not "duplicates"
    assert at.selectbox(key="import_undo_batch").value == batch
    at.checkbox(key="import_undo_confirm").check().run()
    at.button(key="import_undo").click().run()
    assert not at.exception
    assert any(f"Batch {batch} undone" in s.value for s in at.success)
    assert not any("already imported" in i.value for i in at.info)
