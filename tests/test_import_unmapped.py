"""Nothing is dropped without a word: a column neither mapped nor the tools' metadata is listed
as not imported with its answers, and the import waits for a person to confirm the list."""

from __future__ import annotations

import csv
import io

import duckdb

from tests.test_import_matrix import FIXTURES, cli

ICS = "How would you rate your PCN's relationship with each of these? [The ICS]"
COMMENTS = "Any comments on this survey?"


def grid_with_two_strange_columns() -> bytes:
    """Return the Google Forms grid fixture with the ICS column renamed beyond recognition and a
    comments column no bank question asks."""
    rows = list(csv.reader(io.StringIO((FIXTURES / "gf_grid.csv").read_text(encoding="utf-8-sig"))))
    rows[0] = ["ICS rating" if h == ICS else h for h in rows[0]] + [COMMENTS]
    for i, row in enumerate(rows[1:]):
        row.append("Too long" if i % 3 == 0 else "")
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode()


def filled(data: bytes, header: str) -> int:
    """Return the cells with an answer in one column, counted with the csv module."""
    rows = list(csv.reader(io.StringIO(data.decode())))
    col = rows[0].index(header)
    return sum(1 for r in rows[1:] if r[col].strip())


def answers_in_wave(db_file, wave: str) -> int:
    con = duckdb.connect(str(db_file), read_only=True)
    try:
        return con.execute(
            "SELECT count(*) FROM answer JOIN respondent USING (respondent_id) JOIN wave USING (wave_id) "
            "WHERE wave_code = ?",
            [wave],
        ).fetchone()[0]
    finally:
        con.close()


def test_columns_not_imported_are_listed_and_the_command_line_waits_for_the_flag(db_file, tmp_path):
    data = grid_with_two_strange_columns()
    path = tmp_path / "grid.csv"
    path.write_bytes(data)
    ics, comments = filled(data, "ICS rating"), filled(data, COMMENTS)
    assert (ics, comments) == (8, 3)

    done = cli("import", path, "--db", db_file, "--wave", "2025")
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"not imported: “ICS rating” ({ics} answers)" in done.stdout
    assert f"not imported: “{COMMENTS}” ({comments} answers)" in done.stdout
    # The ICS question gets no answer while that column holds answers on its scale: a problem.
    assert "might hold “ICS”" in done.stdout
    assert "--ignore-unmapped" in done.stdout
    assert answers_in_wave(db_file, "2025") == 0

    done = cli("import", path, "--db", db_file, "--wave", "2025", "--ignore-unmapped")
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"not imported: “ICS rating” ({ics} answers)" in done.stdout
    whole = cli("import", FIXTURES / "gf_grid.csv", "--db", db_file, "--wave", "2026")
    assert whole.returncode == 0, whole.stdout + whole.stderr
    # Everything but the two columns' answers, against the same file with every column mapped.
    assert answers_in_wave(db_file, "2025") == answers_in_wave(db_file, "2026") - ics


def test_the_data_page_asks_to_confirm_the_columns_not_imported(own_copy, monkeypatch):
    from streamlit.testing.v1 import AppTest

    import ui
    from pcn_data.importing.batches import Upload
    from tests.conftest import ROOT

    data = grid_with_two_strange_columns()
    up = Upload(data, "grid.csv")
    monkeypatch.setattr(ui, "read_upload", lambda uploaded: up)  # AppTest cannot drive an uploader
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    at.run()
    at.switch_page("pages/data.py").run()
    at.text_input(key="import_wave").input("2025").run()
    at.button(key="import_check").click().run()
    assert not at.exception
    assert at.button(key="import_all").disabled
    text = " ".join(m.value for m in at.markdown)
    assert "ICS rating" in text and f"{filled(data, COMMENTS)} answers" in text
    at.checkbox(key="import_ignore_unmapped").check().run()
    at.button(key="import_check").click().run()
    assert not at.exception
    assert not at.button(key="import_all").disabled
    at.button(key="import_all").click().run()
    assert any("Imported batch" in s.value for s in at.success)
