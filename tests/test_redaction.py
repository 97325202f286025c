"""Redaction of free text, as a records manager would check it: a table of comments, each with
the identifiers that must be gone and the words that must survive. Run this file as a script
to print the recall and precision on the table:

    python tests/test_redaction.py
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pcn_data.core.filters import Filters  # noqa: E402
from pcn_data.survey import voices  # noqa: E402
from pcn_data.survey.redaction import TITLES, known_names, redact  # noqa: E402

# The PCN names a database would pass (Voices passes every PCN's name, with and without "PCN").
KNOWN = ["Riverside PCN", "Riverside", "Cedar Vale PCN", "Cedar Vale", "Kestrel Moor PCN", "Kestrel Moor"]

# (comment, identifiers that must be gone, words that must survive)
CASES: list[tuple[str, tuple[str, ...], tuple[str, ...]]] = [
    # Names without a title
    ("Sarah Whitfield at the ICS never replied.", ("Sarah Whitfield",), ("at the ICS never replied",)),
    ("I spoke to Mohammed Khan about rotas.", ("Mohammed Khan",), ("about rotas",)),
    ("Priya Patel chairs our board.", ("Priya Patel",), ("chairs our board",)),
    ("Thanks to Siobhan for organising it.", ("Siobhan",), ("for organising it",)),
    ("SARAH WHITFIELD never came back to us.", ("SARAH", "WHITFIELD"), ("never came back",)),
    ("Our manager Emma Louise Thompson left.", ("Emma Louise Thompson",), ("Our manager", "left")),
    ("Ask Anne-Marie O'Brien, she knows.", ("Anne-Marie O'Brien",), ("she knows",)),
    ("Helen McDonald runs the hub.", ("Helen McDonald",), ("runs the hub",)),
    ("mohammed khan is our pharmacist", ("mohammed khan",), ("is our pharmacist",)),
    ("Sarah's team covered the gap.", ("Sarah's",), ("team covered the gap",)),
    ("Jo Wojcik and Tom Nowak did the audit.", ("Jo Wojcik", "Tom Nowak"), ("did the audit",)),
    ("Dear Gareth, thanks for the slides.", ("Gareth",), ("thanks for the slides",)),
    # Titles in any case, with or without a full stop
    ("dr jones never replied", ("jones",), ("never replied",)),
    ("DR SMITH chairs the board", ("SMITH",), ("chairs the board",)),
    ("Dr. Brown and Mrs. Green met.", ("Brown", "Green"), ("met",)),
    ("Prof. Anne-Marie O'Brien spoke", ("Anne-Marie", "O'Brien", "Marie", "Brien"), ("spoke",)),
    ("Dr McDonald was helpful", ("McDonald", "Donald"), ("was helpful",)),
    ("Dr O'Brien was helpful", ("O'Brien", "Brien"), ("was helpful",)),
    ("Dr O’Neill was helpful", ("O’Neill", "Neill"), ("was helpful",)),
    ("ask Mrs Patel", ("Patel",), ("ask",)),
    ("Dr Sarah Whitfield never replied", ("Sarah", "Whitfield"), ("never replied",)),
    ("mr macdonald-smith said no", ("macdonald-smith", "macdonald", "smith"), ("said no",)),
    ("Speak to Dr J. Smith first", ("Smith",), ("Speak to", "first")),
    ("Cllr Ahmed opened the event", ("Ahmed",), ("opened the event",)),
    ("Sister Okafor leads the ward", ("Okafor",), ("leads the ward",)),
    ("MS D'SOUZA asked about funding", ("D'SOUZA", "SOUZA"), ("asked about funding",)),
    ("Professor Ng gave the talk", ("Ng",), ("gave the talk",)),
    ("Rev Ian Paisley-Jones blessed it", ("Ian", "Paisley-Jones"), ("blessed it",)),
    ("I met Lord Smith and Dr van der Berg", ("Smith", "Berg"), ("I met",)),
    ("Ludwig van Beethoven wrote it", ("Ludwig", "Beethoven"), ("wrote it",)),
    ("thanks to nurse jones for the clinic", ("jones",), ("thanks to", "for the clinic")),
    ("Ask for Siobhan at reception", ("Siobhan",), ("Ask for", "at reception")),
    # Phone numbers, UK and international
    ("Ring 01772 555 0123 for detail", ("01772 555 0123", "555 0123"), ("Ring", "for detail")),
    ("mobile 07700 900123", ("07700 900123", "900123"), ("mobile",)),
    ("or +44 7700 900123", ("7700 900123",), ("or",)),
    ("landline (01524) 123456", ("123456",), ("landline",)),
    ("call 0044 7700 900123 today", ("7700 900123", "900123"), ("call", "today")),
    ("text 07700.900.123 please", ("07700.900.123", "900.123"), ("text", "please")),
    ("mob 077 00 900 123 anytime", ("900 123",), ("mob", "anytime")),
    ("office +44 (0)1772 555012", ("555012",), ("office",)),
    ("ring 01772-555012", ("555012",), ("ring",)),
    ("our Dublin office is +353 1 234 5678", ("234 5678",), ("our Dublin office is",)),
    ("US colleague: +1 (212) 555-0142", ("555-0142",), ("US colleague",)),
    ("freephone 0800 123 4567", ("123 4567",), ("freephone",)),
    ("mobile 07700900123.", ("07700900123",), ("mobile",)),
    # Emails
    ("email me at cd.lead@example.nhs.uk please", ("cd.lead@example.nhs.uk",), ("please",)),
    ("jane.doe+pcn@nhs.net is best", ("jane.doe+pcn@nhs.net", "jane.doe"), ("is best",)),
    # Practice and PCN names, in any case
    ("Castle Street Surgery is stretched", ("Castle Street Surgery", "Castle"), ("is stretched",)),
    ("the Moor Lane Medical Centre team", ("Moor Lane Medical Centre", "Moor Lane"), ("the", "team")),
    ("castle street surgery is stretched", ("castle street surgery", "castle"), ("is stretched",)),
    ("we merged with ashton health centre", ("ashton",), ("we merged with",)),
    ("LYTHAM GROUP PRACTICE has no space", ("LYTHAM",), ("has no space",)),
    ("St Mary's Surgery closed", ("Mary's", "St Mary"), ("closed",)),
    ("Brookside PCN works well", ("Brookside",), ("works well",)),
    ("brookside pcn works well", ("brookside",), ("works well",)),
    ("We work with Riverside on this", ("Riverside",), ("We work with", "on this")),
    ("we work with RIVERSIDE on this", ("RIVERSIDE",), ("we work with", "on this")),
    (
        "cedar vale pcn and Kestrel Moor share a pharmacist",
        ("cedar vale", "Kestrel Moor"),
        ("share a pharmacist",),
    ),
    # False positives that must survive
    ("The Mental Health Act applies here.", (), ("The Mental Health Act applies here.",)),
    ("Primary Care is under pressure.", (), ("Primary Care is under pressure.",)),
    ("We agreed it at the May meeting.", (), ("We agreed it at the May meeting.",)),
    (
        "Morecambe Bay feels different from Fylde Coast.",
        (),
        ("Morecambe Bay feels different from Fylde Coast.",),
    ),
    (
        "Central Lancashire and Pennine Lancashire differ.",
        (),
        ("Central Lancashire and Pennine Lancashire differ.",),
    ),
    ("The ICS feels remote to most CDs.", (), ("The ICS feels remote to most CDs.",)),
    ("In 2023 we employed 12 ARRS staff.", (), ("In 2023 we employed 12 ARRS staff.",)),
    (
        "Our PCN works with the VCSE and the acute trust.",
        (),
        ("Our PCN works with the VCSE and the acute trust.",),
    ),
    ("General Practice needs a voice at place.", (), ("General Practice needs a voice at place.",)),
    ("Will the ICB fund this?", (), ("Will the ICB fund this?",)),
    ("Royal Preston Hospital discharges late.", (), ("Royal Preston Hospital discharges late.",)),
    ("Blackpool Victoria Hospital is busy.", (), ("Blackpool Victoria Hospital is busy.",)),
    ("The doctor said we miss the old days.", (), ("The doctor said we miss the old days.",)),
    ("our local surgery and a dental practice", (), ("our local surgery and a dental practice",)),
    ("Clinical Directors need protected time.", (), ("Clinical Directors need protected time.",)),
    ("Between 2021 and 2023 funding rose 15%.", (), ("Between 2021 and 2023 funding rose 15%.",)),
    ("The NHS Long Term Plan sets this out.", (), ("The NHS Long Term Plan sets this out.",)),
    ("We met on Monday 14 March 2023 at 10:30.", (), ("We met on Monday 14 March 2023 at 10:30.",)),
    ("Integrated Care Board meetings in Lancaster.", (), ("Integrated Care Board meetings in Lancaster.",)),
    ("Our practice list size is 12,500 patients.", (), ("Our practice list size is 12,500 patients.",)),
    ("Network of networks at place level, says the ICS.", (), ("Network of networks at place level",)),
    ("I hope the funding lasts.", (), ("I hope the funding lasts.",)),
    ("The Fuller report talks about neighbourhood teams.", (), ("report talks about neighbourhood teams",)),
    ("Sister Ward 4 and the Florence Nightingale Hospice", (), ("Sister Ward 4", "Hospice")),
    ("The doctor said we miss London.", (), ("The doctor said we miss London.",)),
    ("The Christie Hospital and Kendal Castle", (), ("The Christie Hospital and Kendal Castle",)),
]

# Known limits, kept in the table so that the recall and precision it reports are honest: each
# is expected to fail, and the test says so when one starts to pass.
KNOWN_LIMITS: list[tuple[str, tuple[str, ...], tuple[str, ...]]] = [
    # A surname alone, or before the given name, is not found; nor a lower-case surname that is
    # not in the lists; nor an email written out in words.
    ("Whitfield never replied to us.", ("Whitfield",), ("never replied to us",)),
    ("Patel, Priya chairs it.", ("Patel", "Priya"), ("chairs it",)),
    ("sarah whitfield never replied", ("sarah", "whitfield"), ("never replied",)),
    ("Email: sarah at nhs dot net", ("sarah at nhs dot net",), ("Email",)),
    # A capitalised word that is also a given name is redacted at the start of a sentence, and
    # so is a shop named after its founder.
    ("Mark the date in your diary.", (), ("Mark the date in your diary.",)),
    ("Grace period is over.", (), ("Grace period is over.",)),
    ("John Lewis partnership model for PCNs", (), ("John Lewis partnership model",)),
]


def _words(text: str) -> set[str]:
    return {w.casefold() for w in re.findall(r"[^\W_]+(?:['’\-][^\W_]+)*", text)}


def leaked(identifier: str, out: str) -> bool:
    """Return True if any part of an identifier is still in the output (a word of a name, or
    the whole of an email or a number)."""
    if identifier in out:
        return True
    if "@" in identifier or any(c.isdigit() for c in identifier):
        return False
    parts = [w for w in re.findall(r"[^\W\d_]+", identifier) if len(w) > 2 and w.casefold() not in TITLES]
    words = {p for w in _words(out) for p in re.findall(r"[^\W\d_]+", w)}
    return any(p.casefold() in words for p in parts)


def _check(text, gone, kept):
    out = voices.redact(text, KNOWN)  # through the name the pages and exports import
    assert [g for g in gone if leaked(g, out)] == [], out
    assert [k for k in kept if k not in out] == [], out


@pytest.mark.parametrize(("text", "gone", "kept"), CASES, ids=[c[0][:40] for c in CASES])
def test_redaction_table(text, gone, kept):
    _check(text, gone, kept)


@pytest.mark.xfail(strict=True, reason="a known limit of the redaction")
@pytest.mark.parametrize(("text", "gone", "kept"), KNOWN_LIMITS, ids=[c[0][:40] for c in KNOWN_LIMITS])
def test_known_limits_of_the_redaction(text, gone, kept):
    _check(text, gone, kept)


def test_the_table_is_big_enough_and_has_both_kinds():
    assert len(CASES) >= 60
    assert sum(1 for _, gone, _ in CASES if not gone) >= 20  # must-survive cases


def scores(fn=redact) -> tuple[float, float, int, int]:
    """Return (recall, precision, identifiers, survivors) on the table: recall is the share of
    identifiers redacted; precision the share of redactions that hit an identifier, where each
    must-survive phrase that was damaged counts as one redaction that hit nothing."""
    found = missed = damaged = 0
    identifiers = survivors = 0
    for text, gone, kept in CASES + KNOWN_LIMITS:
        out = fn(text, KNOWN)
        for g in gone:
            identifiers += 1
            if leaked(g, out):
                missed += 1
            else:
                found += 1
        for k in kept:
            survivors += 1
            damaged += k not in out
    return found / (found + missed), found / (found + damaged), identifiers, survivors


def test_recall_and_precision_on_the_table():
    recall, precision, _, _ = scores()
    assert recall >= 0.93 and precision >= 0.95, (recall, precision)


def test_redaction_with_a_national_list_of_names_still_finds_each():
    # A national file holds about 1,250 PCN names; its speed is measured in
    # benchmarks/redaction.py, not bounded here.
    def place(i: int) -> str:
        return "".join("abcdefghijklmnopqrstuvwxyz"[int(d)] for d in f"{i:04d}").title()

    known = [f"{place(i)} Vale Partnership" for i in range(1250)] + KNOWN
    for i in (0, 617, 1249):
        said = f"We met {place(i).lower()} vale partnership on Tuesday."
        assert redact(said, known) == "We met [PCN] on Tuesday."
    untouched = "We met the vale partnership on Tuesday."
    assert redact(untouched, known) == untouched


def test_the_voices_page_data_is_redacted_in_any_case(scratch):
    f = Filters(wave="2023", ics="QE1")
    pcn = scratch.query("SELECT name FROM pcn ORDER BY pcn_code LIMIT 1")["name"].iloc[0]
    key = voices.comments(scratch, f)["comment_key"].iloc[0]  # a comment the page shows
    text = f"dr jones and Sarah Whitfield told {pcn.upper()} to ring 0044 7700 900123"
    with scratch.transaction() as cur:
        cur.execute(
            "UPDATE answer SET value_text = ? WHERE md5(respondent_id || '|' || question_code) = ?",
            [text, key],
        )
    shown = " ".join(voices.comments(scratch, f)["text"])
    for leak in ("jones", "Sarah", "Whitfield", pcn.upper(), "900123"):
        assert leak not in shown
    assert "[name] and [name] told [PCN] to ring [phone]" in shown


def test_every_pcn_name_the_database_holds_is_redacted_in_any_case(demo_db):
    names = demo_db.query("SELECT name FROM pcn")["name"].tolist()
    known = known_names(demo_db)
    for name in names:
        bare = name.removesuffix(" PCN")
        for text in (f"We meet {name} monthly", f"we meet {bare.lower()} monthly", f"WE MEET {bare.upper()}"):
            out = redact(text, known)
            assert bare.casefold() not in out.casefold() and "[PCN]" in out, out


if __name__ == "__main__":
    r, p, n_id, n_keep = scores()
    print(
        f"{len(CASES) + len(KNOWN_LIMITS)} cases ({len(KNOWN_LIMITS)} known limits): {n_id} identifiers, "
        f"{n_keep} must-survive phrases"
    )
    print(f"recall {r:.3f}  precision {p:.3f}")
