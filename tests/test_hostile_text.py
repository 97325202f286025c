"""Text is text: every string a participant, respondent, import or URL supplied is shown escaped,
on every page that shows it (AppTest; the real-browser check is test_hostile_browser.py)."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest
from streamlit.testing.v1 import AppTest

from pcn_data.core.db import close_database, get_database
from pcn_data.workshop import polls
from tests.conftest import ROOT
from tests.hostile import TEXTS, assert_charts_hold_no_markup, assert_text_is_text


@pytest.fixture
def hostile_app(demo_path, tmp_path, monkeypatch):
    """Return an AppTest and the shared connection to a private copy of the demo file."""
    path = tmp_path / "hostile.duckdb"
    shutil.copy(demo_path, path)
    monkeypatch.setenv("PCN_DB", str(path))
    yield AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=90), get_database(path)
    close_database(path)


def hostile_session(db) -> tuple[dict, int]:
    """Create a session whose title and open-text question are hostile, with every hostile string
    as one participant's answer, revealed."""
    made = polls.create_session(
        db,
        title=TEXTS[0],
        place_code="MB",
        held_on=dt.date(2026, 11, 24),
        questions=[polls.QuestionSpec(TEXTS[4] + " " + TEXTS[1], "text")],
    )
    qid = int(polls.questions(db, made["session_id"])["poll_question_id"].iloc[0])
    polls.set_state(db, qid, "open")
    for i, text in enumerate(TEXTS):
        polls.cast_vote(db, qid, f"participant-{i}", text)
    polls.reveal(db, qid)
    return made, qid


def test_the_presenter_shows_hostile_answers_and_wording_as_text(hostile_app):
    at, db = hostile_app
    hostile_session(db)
    at.run()
    at.switch_page("pages/present.py").run()
    assert_text_is_text(at, [*TEXTS, TEXTS[4] + " " + TEXTS[1]])


def test_the_workshop_page_shows_hostile_answers_for_moderation_as_text(hostile_app):
    at, db = hostile_app
    hostile_session(db)
    at.run()
    at.switch_page("pages/workshop.py").run()
    assert_text_is_text(at, [*TEXTS, TEXTS[4] + " " + TEXTS[1]])


def hostile_comments(db) -> None:
    """Make each hostile string one Morecambe Bay comment of the latest wave, marked Qz<i>."""
    keys = db.query(
        """SELECT a.respondent_id, a.question_code FROM answer a
           JOIN respondent r USING (respondent_id) JOIN wave w USING (wave_id) JOIN pcn p USING (pcn_code)
           JOIN question q USING (question_code)
           WHERE q.kind = 'text' AND a.value_text IS NOT NULL AND w.wave_code = '2023'
             AND p.place_code = 'MB' ORDER BY a.respondent_id, a.question_code"""
    )
    assert len(keys) >= len(TEXTS)
    with db.transaction() as cur:  # a new data version: the app's caches see the change
        for i, (rid, qc) in enumerate(keys.head(len(TEXTS)).itertuples(index=False)):
            cur.execute(
                "UPDATE answer SET value_text = ? WHERE respondent_id = ? AND question_code = ?",
                [f"Qz{i} {TEXTS[i]}", rid, qc],
            )


def test_voices_shows_hostile_comments_as_text_in_the_list_and_on_the_quote_wall(hostile_app):
    at, db = hostile_app
    hostile_comments(db)
    at.query_params["wave"] = "2023"
    at.query_params["place"] = "MB"
    at.run()
    at.switch_page("pages/voices.py").run()
    assert_text_is_text(at, [f"Qz{i} {t}" for i, t in enumerate(TEXTS)])
    at.toggle(key="voices_wall").set_value(True).run()
    for i, text in enumerate(TEXTS):
        at.text_input(key="voices_search").input(f"Qz{i} ").run()
        assert_text_is_text(at, [f"Qz{i} {text}"])


@pytest.mark.parametrize(("page", "param"), [("pages/compare_places.py", "measure"),
                                             ("pages/pcn_profile.py", "pcn"),
                                             ("pages/overview.py", "place")])  # fmt: skip
def test_an_unknown_value_in_the_link_is_echoed_as_text(hostile_app, page, param):
    at, _ = hostile_app
    at.query_params[param] = " ".join(TEXTS)  # the link a person was sent
    at.run()  # the overview, the default page: the sidebar's filters read the link here
    if page != "pages/overview.py":
        at.switch_page(page).run()
    assert_text_is_text(at, [" ".join(TEXTS)])
    assert any(f"Ignored {param}=" in t.value for t in at.toast)


def hostile_imports(db) -> None:
    """Give everything an import can name a hostile name: the ICS, places, PCNs, waves, question
    wordings and labels, answer options, themes, domains, engagement events, recommendations and
    the import history (each made unique with its number)."""
    columns = {
        "ics": ["name"], "place": ["name"], "pcn": ["name"], "wave": ["name"], "role": ["label"],
        "question": ["wording", "short_label"], "option": ["label"], "theme": ["label"],
        "sa_domain": ["label"], "engagement_event": ["title"],
        "recommendation": ["text", "lead", "tools"], "import_batch": ["source_name", "imported_by"],
    }  # fmt: skip
    with db.transaction() as cur:
        for table, cols in columns.items():
            for col in cols:
                cur.execute(
                    f"UPDATE {table} SET {col} = list_extract(?, 1 + (hash({col}) % ?)::INT) || ' #' "
                    f"|| (hash({col}) % 1000)::VARCHAR",
                    [TEXTS, len(TEXTS)],
                )


PAGES = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "pages").glob("*.py"))


@pytest.mark.parametrize("page", PAGES)
def test_every_page_shows_hostile_imported_names_as_text(hostile_app, page):
    at, db = hostile_app
    hostile_imports(db)
    hostile_session(db)
    at.query_params["place"] = "MB"
    at.run()
    # The overview names the chosen place, as it was imported.
    assert_text_is_text(at, [db.scalar("SELECT name FROM place WHERE place_code = 'MB'")])
    at.switch_page(page).run()
    assert_text_is_text(at)
    assert_charts_hold_no_markup(at)


def test_the_data_page_shows_a_hostile_file_name_answers_and_pcn_as_text(hostile_app):
    at, _ = hostile_app
    rows = (
        (ROOT / "tests" / "data" / "imports" / "googleforms.csv").read_text(encoding="utf-8-sig").splitlines()
    )
    # An answer that is no option, and a PCN that does not exist, both hostile.
    rows[1] = (
        rows[1].replace(",Somewhat clear,", f",{TEXTS[4]} {TEXTS[1]},").replace("Meadowbank PCN", TEXTS[0])
    )
    name = f"{TEXTS[5]} {TEXTS[9]}.csv"
    at.run()
    at.switch_page("pages/data.py").run()
    at.file_uploader(key="import_file").upload(name, "\n".join(rows).encode(), "text/csv").run()
    assert_text_is_text(at, [name])
    at.text_input(key="import_wave").input("2025").run()
    at.button(key="import_check").click().run()
    assert_text_is_text(at, [name, f"{TEXTS[4]} {TEXTS[1]}"])


def test_the_presenter_redacts_the_pcn_names_the_database_holds(hostile_app):
    at, db = hostile_app
    pcn = db.scalar("SELECT name FROM pcn ORDER BY name LIMIT 1")  # e.g. "Ashworth PCN"
    bare = pcn.removesuffix(" PCN").lower()  # written in lower case, without "PCN"
    made = polls.create_session(
        db,
        title="Names",
        place_code="MB",
        held_on=dt.date(2026, 11, 24),
        questions=[polls.QuestionSpec("What went well?", "text")],
    )
    qid = int(polls.questions(db, made["session_id"])["poll_question_id"].iloc[0])
    polls.set_state(db, qid, "open")
    for i in range(3):
        polls.cast_vote(db, qid, f"p-{i}", f"working with {bare} on the rota, answer {i}")
    polls.reveal(db, qid)
    at.run()
    at.switch_page("pages/present.py").run()
    assert not at.exception
    shown = " ".join(h.proto.body for h in at.get("html"))
    assert "answer 0" in shown and bare not in shown.lower()
