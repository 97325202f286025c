"""The audit trail: every kind of write through the app leaves one row with its author, refusals
and sign-ins too; facilitators read and export it; nothing in the app changes or removes a row."""

from __future__ import annotations

import datetime as dt
import inspect
import re

import pandas as pd
import pytest

import ui
from pcn_data.core import trail
from pcn_data.core.db import Database
from pcn_data.importing.batches import Upload
from pcn_data.workshop import polls, room
from tests.conftest import ROOT
from tests.test_access import signed_in  # noqa: F401  (the fixture)
from tests.workshop_actions import add_question_on_the_day

FIXTURES = ROOT / "tests" / "data" / "imports"


def rows(db: Database) -> pd.DataFrame:
    return trail.read(db).sort_values("audit_id")


def new_rows(db: Database, since: int) -> list[tuple[str, str, str | None, str | None]]:
    df = rows(db)
    df = df[df["audit_id"] > since]
    return list(df[["actor", "action", "target", "detail"]].itertuples(index=False, name=None))


def last_id(db: Database) -> int:
    return int(db.scalar("SELECT coalesce(max(audit_id), 0) FROM audit_trail"))


def test_each_kind_of_write_leaves_one_audit_row_with_its_author(signed_in, monkeypatch):  # noqa: F811
    db = signed_in.db
    fac = "fac@nhs.net"
    at = signed_in(fac)
    at.run()
    assert not at.exception
    assert new_rows(db, 0) == [(fac, "sign_in", fac, "facilitator")]
    at.run()  # once a session, not once a page
    assert len(rows(db)) == 1

    # Import and undo on the Data page.
    monkeypatch.setattr(
        ui, "read_upload", lambda uploaded: Upload((FIXTURES / "reference.csv").read_bytes(), "reference.csv")
    )
    at.switch_page("pages/data.py").run()
    mark = last_id(db)
    at.button(key="import_check").click().run()
    at.button(key="import_all").click().run()
    assert not at.exception
    batch = int(db.scalar("SELECT max(batch_id) FROM import_batch"))
    assert new_rows(db, mark) == [(fac, "import", f"batch {batch}", "reference from reference.csv: 4 rows")]
    mark = last_id(db)
    at.checkbox(key="import_undo_confirm").check().run()
    at.button(key="import_undo").click().run()
    assert not at.exception
    assert new_rows(db, mark) == [(fac, "undo", f"batch {batch}", "reference from reference.csv")]

    # Poll control and moderation on the workshop page.
    at.switch_page("pages/workshop.py").run()
    mark = last_id(db)
    at.text_input(key="workshop_title").input("Audit workshop")
    at.selectbox(key="workshop_place").set_value("MB")
    at.multiselect(key="workshop_bank").set_value(["rel_ics"])
    at.button(key="workshop_create").click().run()
    session = int(db.scalar("SELECT max(session_id) FROM poll_session"))
    add_question_on_the_day(at, "One word for the ICS?", "text")
    assert not at.exception
    qid = int(db.scalar("SELECT max(poll_question_id) FROM poll_question"))
    at.button(key=f"workshop_open_{qid}").click().run()
    # A participant votes (through the live room, as a phone does): not audited.
    room.rooms(db).cast(session, qid, "phone-1", "A secret answer about Dr Smith")
    at.run()
    at.button(key=f"workshop_mod_{qid}_0").click().run()
    assert not at.exception
    assert new_rows(db, mark) == [
        (fac, "poll_control", f"session {session}", "created with 1 questions"),
        (fac, "poll_control", f"session {session}", "question 2 added"),
        (fac, "poll_control", f"poll question {qid}", "open"),
        (fac, "moderation", f"poll question {qid}", "answer hidden"),
    ]

    # A tracker edit, and theme codes.
    at.query_params.update({"wave": "2023", "tracker_place": "WL"})
    at.switch_page("pages/recommendations.py").run()
    at.selectbox(key="tracker_rec").set_value(6).run()
    current = at.selectbox(key="tracker_status_WL_6").value
    at.selectbox(key="tracker_status_WL_6").set_value("Done" if current != "Done" else "Not started")
    mark = last_id(db)
    next(b for b in at.button if b.label == "Save").click().run()
    assert not at.exception
    assert new_rows(db, mark) == [(fac, "tracker_edit", "recommendation 6 in WL", "status")]
    at.switch_page("pages/voices.py").run()
    key = at.selectbox(key="voices_edit_comment").options[0]
    at.selectbox(key="voices_edit_comment").set_value(key).run()
    key = at.selectbox(key="voices_edit_comment").value
    mark = last_id(db)
    at.multiselect(key=f"voices_codes_{key}").set_value(["resilient"])
    at.button(key="voices_save").click().run()
    assert not at.exception
    assert new_rows(db, mark) == [(fac, "theme_codes", f"comment {key}", "resilient")]

    # No answer or comment text in the trail.
    blob = rows(db).astype(str).to_csv()
    assert "Dr Smith" not in blob and "secret" not in blob


def test_refusals_and_an_account_without_a_role_are_recorded(signed_in):  # noqa: F811
    db = signed_in.db
    at = signed_in("stranger@nhs.net")
    at.run()
    assert new_rows(db, 0) == [("stranger@nhs.net", "refusal", "sign-in", "no role for this account")]
    # A Clinical Director's session clicking a facilitator's control: refused on the server.
    polls.create_session(
        db,
        title="W",
        place_code="MB",
        held_on=dt.date(2026, 11, 24),
        questions=[polls.bank_question(db, "rel_ics")],
    )
    at = signed_in("fac@nhs.net")
    at.run()
    at.switch_page("pages/present.py").run()
    at.user = {"is_logged_in": True, "email": "cd.mb@nhs.net"}
    mark = last_id(db)
    at.button(key="present_open").click().run()
    assert ("cd.mb@nhs.net", "refusal", "run_polls", "action") in new_rows(db, mark)
    at = signed_in("cd.mb@nhs.net", page="pages/present.py")
    at.run()
    assert ("cd.mb@nhs.net", "refusal", "present", "page") in new_rows(db, mark)


def test_facilitators_read_and_export_the_trail_and_others_do_not(signed_in):  # noqa: F811
    at = signed_in("fac@nhs.net")
    at.run()
    at.switch_page("pages/data.py").run()
    assert not at.exception
    (table,) = [d.value for d in at.dataframe if "Who" in d.value.columns]
    assert list(table["Who"]) == ["fac@nhs.net"] and list(table["What"]) == ["Sign-in"]
    assert at.get("download_button")[-1].proto.label == "Download the whole audit trail (CSV)"
    at = signed_in("oversight@nhs.net")
    at.run()
    at.switch_page("pages/data.py").run()
    assert not [d for d in at.dataframe if "Who" in d.value.columns]


def test_the_app_offers_no_way_to_change_an_audit_row():
    # The only statements on the table anywhere in the app: the insert and the reads.
    sources = [*(ROOT / "ui").glob("*.py"), ROOT / "dashboard.py", ROOT / "server.py"]
    sources += [*(ROOT / "pages").glob("*.py"), *(ROOT / "pcn_data").rglob("*.py")]
    statements = []
    for path in sources:
        text = path.read_text()
        statements += [
            (path.name, m.group(0))
            for m in re.finditer(
                r"(?i)\b(UPDATE|DELETE\s+FROM|TRUNCATE|DROP\s+TABLE|ALTER\s+TABLE)\s+audit_trail", text
            )
        ]
    assert statements == []
    writers = {
        path.name for path in sources if re.search(r"(?i)INSERT\s+INTO\s+audit_trail", path.read_text())
    }
    assert writers == {"trail.py"}
    # The Data page shows it in a read-only table, not an editor.
    assert "data_editor" not in inspect.getsource(ui.audit_section)


def test_an_unknown_action_is_refused_by_the_trail(scratch):
    with pytest.raises(ValueError, match="Unknown audit action"), scratch.transaction() as cur:
        trail.record(cur, "edit_the_trail")
