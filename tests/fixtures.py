"""A deliberately small database, written row by row, for suppression tests."""

from __future__ import annotations

from pathlib import Path

from pcn_data.core import bank
from pcn_data.core.db import Database


def _ics_and_wave(cur, wave: str, opened_on: str) -> None:
    """Install the question bank, the fixture ICS and its one survey wave."""
    bank.install(cur)
    cur.execute("INSERT INTO ics VALUES ('ICSX', 'Fixture ICS')")
    cur.execute(
        "INSERT INTO wave (wave_id, wave_code, name, kind, ics_code, opened_on) "
        "VALUES (1, ?, 'Fixture wave', 'survey', 'ICSX', CAST(? AS DATE))",
        [wave, opened_on],
    )


def small_database(
    path: Path,
    answers: dict[str, list[str]],
    *,
    question: str = "rel_ics",
    wave: str = "2021",
    role: str = "cd",
) -> Database:
    """Return a new database with one ICS; answers maps place code -> one option per respondent.

    Each place has one PCN and every respondent answers `question`.
    """
    db = Database(path)
    with db.transaction() as cur:
        _ics_and_wave(cur, wave, "2021-05-01")
        for i, (place, options) in enumerate(answers.items()):
            cur.execute("INSERT INTO place VALUES (?, 'ICSX', ?, ?)", [place, f"Place {place}", i])
            cur.execute("INSERT INTO pcn VALUES (?, ?, ?, 4, 40000)", [f"U{i:05d}", place, f"PCN {place}"])
            cur.execute(
                "INSERT INTO invitation (wave_id, pcn_code, role_code, invited) VALUES (1, ?, ?, ?)",
                [f"U{i:05d}", role, len(options)],
            )
            for j, option in enumerate(options):
                rid = f"{place}-{j}"
                cur.execute("INSERT INTO respondent VALUES (?, 1, ?, ?, '1to3', 1)", [rid, f"U{i:05d}", role])
                cur.execute(
                    "INSERT INTO answer (respondent_id, question_code, option_code) VALUES (?, ?, ?)",
                    [rid, question, option],
                )
    return db


def small_place_database(
    path: Path, answers: dict[str, list[str]], *, question: str = "rel_ics", wave: str = "2023"
) -> Database:
    """Return a new database with one ICS and one place 'P' whose PCNs answer `question`;
    answers maps PCN code -> one option per respondent (all Clinical Directors)."""
    db = Database(path)
    with db.transaction() as cur:
        _ics_and_wave(cur, wave, "2023-05-01")
        cur.execute("INSERT INTO place VALUES ('P', 'ICSX', 'Place P', 0)")
        for pcn, options in answers.items():
            cur.execute("INSERT INTO pcn VALUES (?, 'P', ?, 4, 40000)", [pcn, f"PCN {pcn}"])
            for j, option in enumerate(options):
                rid = f"{pcn}-{j}"
                cur.execute("INSERT INTO respondent VALUES (?, 1, ?, 'cd', '1to3', 1)", [rid, pcn])
                cur.execute(
                    "INSERT INTO answer (respondent_id, question_code, option_code) VALUES (?, ?, ?)",
                    [rid, question, option],
                )
    return db


def people_database(
    path: Path, people: list[tuple[str, str, str, str]], *, question: str = "rel_ics"
) -> Database:
    """Return a new database with one ICS of places P1..P5 (one PCN each) and one 2023 wave;
    people are (place, role, years band, option) rows, one respondent each, answering `question`."""
    db = Database(path)
    with db.transaction() as cur:
        _ics_and_wave(cur, "2023", "2023-05-01")
        for i in range(1, 6):
            cur.execute("INSERT INTO place VALUES (?, 'ICSX', ?, ?)", [f"P{i}", f"Place {i}", i])
            cur.execute("INSERT INTO pcn VALUES (?, ?, ?, 4, 40000)", [f"U{i:05d}", f"P{i}", f"PCN {i}"])
        for j, (place, role, band, option) in enumerate(people):
            pcn = f"U{int(place[1:]):05d}"
            cur.execute("INSERT INTO respondent VALUES (?, 1, ?, ?, ?, 1)", [f"R{j}", pcn, role, band])
            cur.execute(
                "INSERT INTO answer (respondent_id, question_code, option_code) VALUES (?, ?, ?)",
                [f"R{j}", question, option],
            )
    return db
