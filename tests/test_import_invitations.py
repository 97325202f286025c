"""Invitation counts: who was asked to answer a survey round, per PCN and role. They are the base
of the response rate, so an imported survey gets a response rate once its invitations are in."""

from __future__ import annotations

import pandas as pd
import pytest

from pcn_data.core.filters import Filters
from pcn_data.importing.batches import Upload, ValidationFailed, apply, undo
from pcn_data.survey.queries import respondents_by_place
from tests.test_import import content, upload


@pytest.fixture
def db(scratch):
    """Return a private copy of the demo database with the fixtures' 2025 survey imported."""
    apply(scratch, upload("googleforms.csv").plan(scratch, wave="2025"))
    return scratch


def test_invitations_give_an_imported_survey_its_response_rate(db):
    ics = db.scalar("SELECT ics_code FROM wave WHERE wave_code = '2025'")
    before = respondents_by_place(db, Filters(wave="2025", ics=ics)).set_index("place_code")
    assert before["cd_response_rate"].isna().all()  # no base yet: "–" on the Overview

    plan = upload("invitations.csv").plan(db)
    assert plan.kind == "invitations" and plan.problems == []
    result = apply(db, plan)
    assert result["invitations"] == 5

    after = respondents_by_place(db, Filters(wave="2025", ics=ics)).set_index("place_code")
    # Counted independently: Clinical Directors invited (from the fixture, by place) and the CDs
    # who answered (from the imported respondents).
    expected = db.query(
        """
        WITH invited AS (
            SELECT pc.place_code, sum(i.invited) AS invited FROM invitation i
            JOIN pcn pc USING (pcn_code) JOIN wave w USING (wave_id)
            WHERE w.wave_code = '2025' AND i.role_code = 'cd' GROUP BY ALL
        ), answered AS (
            SELECT pc.place_code, count(*) AS cds FROM respondent r JOIN pcn pc USING (pcn_code)
            JOIN wave w USING (wave_id) WHERE w.wave_code = '2025' AND r.role_code = 'cd' GROUP BY ALL
        )
        SELECT place_code, invited, coalesce(cds, 0) AS cds FROM invited LEFT JOIN answered USING (place_code)
        """
    ).set_index("place_code")
    # The fixture: CL invites Meadowbank's 2 and Yewtree's 1 CDs; FC Pebble's 1 and Oakridge's 1.
    assert expected["invited"].to_dict() == {"CL": 3, "FC": 2}
    for place, row in expected.iterrows():
        assert after.loc[place, "cds_invited"] == row["invited"]
        rate = after.loc[place, "cd_response_rate"]
        if row["cds"] < 5:  # a group under K: its size, and so its rate, is hidden
            assert pd.isna(rate)
        elif not pd.isna(rate):
            assert rate == pytest.approx(row["cds"] / row["invited"])
    # The manager's invitation is kept, and is not part of the CD response rate.
    assert (
        db.scalar("SELECT invited FROM invitation WHERE role_code = 'manager' AND pcn_code = 'U18601'") == 1
    )

    undo(db, result["batch_id"])
    again = respondents_by_place(db, Filters(wave="2025", ics=ics)).set_index("place_code")
    assert again["cd_response_rate"].isna().all()


def test_bad_invitation_rows_are_named_and_nothing_is_written(db):
    before = content(db)
    text = (
        "wave,pcn_code,role,invited\n"
        "2025,U15230,Clinical Director,2\n"
        "2025,Nowhere PCN,,1\n"  # row 3: unknown PCN
        "2025,U02122,Chair,1\n"  # row 4: unknown role
        "2025,U13256,,-1\n"  # row 5: below zero
        "2025,U15230,cd,3\n"  # row 6: given twice
        "2099,U18601,,1\n"  # row 7: no such wave
        "2023,U18601,,1\n"  # row 8: the demo already has 2023's invitations
    )
    plan = Upload(text.encode(), "bad_invitations.csv").plan(db)
    found = {(p.row, p.column) for p in plan.problems}
    assert found == {(3, "pcn_code"), (4, "role"), (5, "invited"), (6, None), (7, "wave"), (8, None)}
    messages = " | ".join(p.message for p in plan.problems)
    for words in ("unknown PCN “Nowhere PCN”", "unknown role “Chair”", "-1 is below 0", "given twice (row 2)",
                  "unknown wave “2099”", "already has cd invitations for wave 2023"):  # fmt: skip
        assert words in messages
    with pytest.raises(ValidationFailed):
        apply(db, plan)
    assert content(db) == before
    assert apply(db, plan, valid_only=True)["invitations"] == 1  # row 2 only


@pytest.mark.parametrize("old", ["3", "4"])
def test_an_older_file_gains_the_batch_column_and_keeps_its_invitations(tmp_path, demo_path, old):
    import shutil

    from pcn_data.core.db import SCHEMA_VERSION, Database

    path = tmp_path / "v3.duckdb"
    shutil.copy(demo_path, path)
    db = Database(path)
    n = db.scalar("SELECT count(*) FROM invitation")
    with db.transaction() as cur:
        if old == "3":
            cur.execute("DROP TABLE import_label_mapping")
        cur.execute("ALTER TABLE invitation DROP COLUMN batch_id")
        cur.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", [old])
    db.close()
    db = Database(path)
    assert db.meta()["schema_version"] == SCHEMA_VERSION
    assert db.scalar("SELECT count(*) FROM invitation WHERE batch_id IS NULL") == n > 0
    db.close()


def test_the_data_page_checks_and_imports_a_file_that_needs_no_mapping(own_copy, monkeypatch):
    # Every file but the tools' exports goes straight to the check: no columns or answers to match.
    from streamlit.testing.v1 import AppTest

    import ui
    from tests.conftest import ROOT

    apply(own_copy, upload("googleforms.csv").plan(own_copy, wave="2025"))
    monkeypatch.setattr(ui, "read_upload", lambda uploaded: upload("invitations.csv"))
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    at.run()
    at.switch_page("pages/data.py").run()
    assert not at.exception
    assert at.selectbox(key="import_undo_batch").value == own_copy.scalar(
        "SELECT max(batch_id) FROM import_batch"
    )
    assert at.button(key="import_check").label == "Check the file"
    at.button(key="import_check").click().run()
    assert not at.exception
    assert any("No problems found" in s.value for s in at.success)
    at.button(key="import_all").click().run()
    assert not at.exception
    assert any("Imported batch" in s.value for s in at.success)
    assert own_copy.scalar("SELECT sum(invited) FROM invitation WHERE batch_id IS NOT NULL") == 6
    # The batch offered for undoing is the one just imported, not the one offered before.
    newest = own_copy.scalar("SELECT max(batch_id) FROM import_batch")
    assert at.selectbox(key="import_undo_batch").value == newest
