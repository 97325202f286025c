"""The command line on a par with the Data page: a mapping file read and written (columns to
questions, answers to options, columns to leave out), the list of imports, and undo."""

from __future__ import annotations

import tomllib

import duckdb

from tests.test_import_answers import grid_with
from tests.test_import_matrix import FIXTURES, cli
from tests.test_import_unmapped import grid_with_two_strange_columns


def count(db_file, sql: str, params=()) -> int:
    con = duckdb.connect(str(db_file), read_only=True)
    try:
        return con.execute(sql, list(params)).fetchone()[0]
    finally:
        con.close()


def test_a_saved_mapping_is_corrected_by_hand_and_used_for_the_import(db_file, tmp_path):
    data = grid_with_two_strange_columns()
    path, saved = tmp_path / "grid.csv", tmp_path / "grid.toml"
    path.write_bytes(data)
    done = cli("import", path, "--db", db_file, "--wave", "2025", "--dry-run", "--save-mapping", saved)
    assert done.returncode == 1, done.stdout + done.stderr
    mapping = tomllib.loads(saved.read_text(encoding="utf-8"))
    header = data.decode().splitlines()[0].count(",") + 1  # no header holds a comma
    assert mapping["tool"] == "googleforms" and len(mapping["columns"]) == header
    assert mapping["columns"]["ICS rating"] == "ignore"
    # The facilitator corrects one column and leaves the other out, on the server, in an editor.
    text = saved.read_text(encoding="utf-8").replace('"ICS rating" = "ignore"', '"ICS rating" = "rel_ics"')
    saved.write_text(text, encoding="utf-8")
    done = cli("import", path, "--db", db_file, "--wave", "2025", "--mapping", saved, "--ignore-unmapped")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "-> rel_ics (mapping file)" in done.stdout
    ics = count(
        db_file,
        "SELECT count(*) FROM answer JOIN respondent USING (respondent_id) JOIN wave USING (wave_id) "
        "WHERE wave_code = '2025' AND question_code = 'rel_ics'",
    )
    assert ics == 8  # every row of the fixture rates the ICS


def test_an_answer_is_matched_in_the_mapping_file(db_file, tmp_path):
    path, saved = tmp_path / "near.csv", tmp_path / "near.toml"
    path.write_bytes(grid_with({",Agree,Disagree,Agree,": ",Strongly agreeish,Disagree,Agree,"}))
    done = cli("import", path, "--db", db_file, "--wave", "2025", "--save-mapping", saved)
    assert done.returncode == 1
    mapping = tomllib.loads(saved.read_text(encoding="utf-8"))
    assert mapping["unmatched"] == {"role_clear_self": {"Strongly agreeish": 1}}
    saved.write_text(
        saved.read_text(encoding="utf-8") + '\n[answers.role_clear_self]\n"Strongly agreeish" = "sa"\n',
        encoding="utf-8",
    )
    done = cli("import", path, "--db", db_file, "--wave", "2025", "--mapping", saved)
    assert done.returncode == 0, done.stdout + done.stderr
    sql = (
        "SELECT count(*) FROM answer JOIN respondent USING (respondent_id) JOIN wave USING (wave_id) "
        "WHERE wave_code = '2025' AND question_code = 'role_clear_self' AND option_code = 'sa'"
    )
    # The fixture's one "Strongly agree" to the first statement, and the one matched by hand.
    assert count(db_file, sql) == 2


def test_batches_are_listed_and_one_is_undone(db_file):
    before = count(db_file, "SELECT count(*) FROM respondent")
    done = cli("import", FIXTURES / "sm_matrix.csv", "--db", db_file, "--wave", "2025")
    assert done.returncode == 0, done.stdout + done.stderr
    batch = count(db_file, "SELECT max(batch_id) FROM import_batch")
    listed = cli("batches", "--db", db_file)
    assert listed.returncode == 0, listed.stderr
    line = next(x for x in listed.stdout.splitlines() if "sm_matrix.csv" in x)
    assert line.split()[0] == str(batch) and "applied" in line
    undone = cli("undo", batch, "--db", db_file)
    assert undone.returncode == 0, undone.stdout + undone.stderr
    assert f"Batch {batch} undone" in undone.stdout
    assert count(db_file, "SELECT count(*) FROM respondent") == before
    assert "undone" in next(
        x for x in cli("batches", "--db", db_file).stdout.splitlines() if "sm_matrix" in x
    )
    again = cli("undo", batch, "--db", db_file)
    assert again.returncode == 1 and "already undone" in again.stderr


def test_the_data_page_uses_a_mapping_file_the_command_line_saved(own_copy, monkeypatch, tmp_path):
    from streamlit.testing.v1 import AppTest

    import ui
    from pcn_data.importing import mapping_file
    from pcn_data.importing.batches import Upload
    from tests.conftest import ROOT

    data = grid_with_two_strange_columns()
    up = Upload(data, "grid.csv")
    # What `import --save-mapping` wrote, corrected by hand: the renamed column is the ICS rating.
    text = mapping_file.dumps(
        "googleforms", {"ICS rating": "rel_ics", "Any comments on this survey?": "ignore"}
    )
    monkeypatch.setattr(ui, "read_upload", lambda uploaded: up)  # AppTest cannot drive an uploader
    monkeypatch.setattr(ui, "read_mapping_file", lambda uploaded: mapping_file.loads(text, "grid.toml"))
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    at.run()
    at.switch_page("pages/data.py").run()
    assert not at.exception
    at.text_input(key="import_wave").input("2025").run()
    at.button(key="import_check").click().run()
    at.checkbox(key="import_ignore_unmapped").check().run()
    at.button(key="import_check").click().run()
    at.button(key="import_all").click().run()
    assert not at.exception
    assert any("Imported batch" in s.value for s in at.success)
    ics = own_copy.scalar(
        "SELECT count(*) FROM answer JOIN respondent USING (respondent_id) JOIN wave USING (wave_id) "
        "WHERE wave_code = '2025' AND question_code = 'rel_ics'"
    )
    assert ics == 8
