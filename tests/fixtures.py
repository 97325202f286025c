"""A deliberately small database, written row by row, for suppression tests: one factory whose
keyword arguments make each variant (as datasette's make_app_client serves all of its tests)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from pcn_data.core import bank
from pcn_data.core.db import Database

# Places of the `people` variant when none are named: five, so that a place nobody answered from
# is still a place of the ICS.
FIVE_PLACES = ("P1", "P2", "P3", "P4", "P5")


def make_database(
    path: Path,
    answers: dict[str, list[str]] | None = None,
    *,
    people: list[tuple[str, str, str, str]] | None = None,
    places: tuple[str, ...] | None = None,
    question: str = "rel_ics",
    wave: str = "2021",
    role: str = "cd",
    invitations: bool = True,
) -> Database:
    """Return a new database with one ICS ('ICSX'), one survey wave and one PCN per place, whose
    every respondent answers `question`.

    Give either answers, {place code: one option per respondent} (each respondent in `role`,
    1 to 3 years in it), or people, [(place, role, years band, option)], one respondent a row.
    places: every place of the ICS, in order (default: the keys of answers, or P1..P5 for people).
    invitations: each PCN invited as many people as answered (the base of the response rate),
    in each role.
    """
    if (answers is None) == (people is None):
        raise ValueError("give answers or people, not both")
    if people is None:
        people = [(place, role, "1to3", option) for place, options in answers.items() for option in options]
        invited = {(place, role): len(options) for place, options in answers.items()}  # 0 for none
    else:
        invited = Counter((place, who) for place, who, _, _ in people)
    places = places or (tuple(answers) if answers is not None else FIVE_PLACES)
    pcn = {place: f"U{i:05d}" for i, place in enumerate(places)}
    db = Database(path)
    with db.transaction() as cur:
        bank.install(cur)
        cur.execute("INSERT INTO ics VALUES ('ICSX', 'Fixture ICS')")
        cur.execute(
            "INSERT INTO wave (wave_id, wave_code, name, kind, ics_code, opened_on) "
            "VALUES (1, ?, 'Fixture wave', 'survey', 'ICSX', CAST(? AS DATE))",
            [wave, f"{wave}-05-01"],
        )
        for i, place in enumerate(places):
            cur.execute("INSERT INTO place VALUES (?, 'ICSX', ?, ?)", [place, f"Place {place}", i])
            cur.execute("INSERT INTO pcn VALUES (?, ?, ?, 4, 40000)", [pcn[place], place, f"PCN {place}"])
        if invitations:
            cur.executemany(
                "INSERT INTO invitation (wave_id, pcn_code, role_code, invited) VALUES (1, ?, ?, ?)",
                [[pcn[place], who, n] for (place, who), n in invited.items()],
            )
        for j, (place, who, band, option) in enumerate(people):
            cur.execute("INSERT INTO respondent VALUES (?, 1, ?, ?, ?, 1)", [f"R{j}", pcn[place], who, band])
            cur.execute(
                "INSERT INTO answer (respondent_id, question_code, option_code) VALUES (?, ?, ?)",
                [f"R{j}", question, option],
            )
    return db
