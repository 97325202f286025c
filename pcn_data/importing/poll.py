"""Mentimeter results exports, imported as a workshop poll: a wave of kind 'poll' with its
session, questions, options and one vote per voter per question. Only the per-voter `Voters`
sheet can be imported; Mentimeter's per-session sheets hold totals, which cannot be re-counted."""

from __future__ import annotations

import re

from pcn_data.core.db import Database
from pcn_data.importing.mapping import normalise
from pcn_data.importing.plan import Plan
from pcn_data.importing.reading import Workbook, parse_date

_META = {"date (utc)", "date", "session", "voter"}
# Mentimeter's Scales slides store 1-5; the bank's agreement scale in the same order.
_AGREE5 = ["sd", "d", "n", "a", "sa"]


def voters_sheet(book: Workbook) -> tuple[int, list[list[str]]] | None:
    """Return (header row index, rows) of the Voters sheet, or None when there is none."""
    for sheet in book.sheets:
        for i, row in enumerate(sheet.rows[:10]):
            head = [normalise(c) for c in row[:3]]
            if head[:1] in (["date (utc)"], ["date"]) and head[1:3] == ["session", "voter"]:
                return i, sheet.rows
    return None


def is_mentimeter(book: Workbook) -> bool:
    """Return True for a Mentimeter results export."""
    if voters_sheet(book) is not None:
        return True
    return any(s.rows and normalise(s.rows[0][0]) == "question 1" for s in book.sheets)


def _groups(header: list[str]) -> list[tuple[str, list[tuple[int, str]]]]:
    """Return slides as (title, [(column, statement)]); a Scales or Ranking slide spans columns
    headed "title: statement"."""
    groups: list[tuple[str, list[tuple[int, str]]]] = []
    for i, h in enumerate(header):
        if normalise(h) in _META or not h.strip():
            continue
        title, sep, statement = h.partition(": ")
        if sep and groups and groups[-1][0] == title:
            groups[-1][1].append((i, statement))
        elif sep:
            groups.append((title, [(i, statement)]))
        else:
            groups.append((h, [(i, "")]))
    return groups


def _listed_options(book: Workbook, title: str) -> list[str]:
    """Return the options a session sheet lists under a Multiple Choice slide of this title (in
    its order, with those nobody chose), or [] when no sheet lists it. A slide is a block of two
    columns: "Question" and its title on row 4, the options down the first column from row 9."""
    want = normalise(title)
    for sheet in book.sheets:
        rows = sheet.rows
        if len(rows) < 9 or normalise(rows[0][0] if rows[0] else "") != "question 1":
            continue
        for c in range(1, len(rows[3])):
            if normalise(rows[3][c - 1]) == "question" and normalise(rows[3][c]) == want:
                if normalise(rows[2][c]) != "multiple choice":
                    return []
                listed = []
                for row in rows[8:]:
                    if not row[c - 1].strip():
                        break
                    listed.append(row[c - 1].strip())
                return listed
    return []


def stage_mentimeter(db: Database, plan: Plan, book: Workbook, wave_code: str, place: str | None) -> None:
    """Fill plan with a poll session: questions (matched to the bank where the wording fits) and votes."""
    found = voters_sheet(book)
    if found is None:
        plan.add(
            None,
            None,
            "this Mentimeter export has no Voters sheet (the per-voter results, an export "
            "of Mentimeter's paid plans): only totals are in it, and totals cannot be imported as votes",
        )
        return
    at, rows = found
    header = rows[at]
    plan.header = header
    bank = db.query("SELECT question_code, wording, kind, scale_code FROM question")
    by_wording = {normalise(w): (c, k) for c, w, k, _s in bank.itertuples(index=False)}
    options = db.query("SELECT question_code, option_code, label FROM option ORDER BY sort_order")
    labels: dict[str, dict[str, str]] = {}
    for qc, oc, label in options.itertuples(index=False):
        labels.setdefault(qc, {})[normalise(label)] = oc
    places = dict(db.query("SELECT place_code, ics_code FROM place").itertuples(index=False))
    icss = list(db.query("SELECT ics_code FROM ics ORDER BY 1")["ics_code"])
    if place and place not in places:
        plan.add(None, None, f"unknown place {place!r}")
    ics = places.get(place) if place else (icss[0] if len(icss) == 1 else None)
    if ics is None and not place:
        plan.add(None, None, "this file holds several ICSs: name the place the workshop was held in")
    if db.scalar("SELECT count(*) FROM wave WHERE wave_code = ?", [wave_code]):
        plan.add(None, None, f"wave {wave_code} already exists: a poll session needs a new wave code")
    data = {n: r for n, r in enumerate(rows[at + 1 :], start=at + 2) if any(c.strip() for c in r)}
    plan.rows = data
    questions, votes, dates = [], [], []
    for position, (title, cols) in enumerate(_groups(header), start=1):
        values = [[data[n][c].strip() for c, _ in cols] for n in data]
        numeric = all(re.fullmatch(r"\d+", v) for row in values for v in row if v)
        ranking = (
            len(cols) > 1
            and numeric
            and all(
                sorted(int(v) for v in row if v) == list(range(1, len([v for v in row if v]) + 1))
                for row in values
            )
        )
        if ranking:
            questions.append(
                {
                    "_row": None,
                    "position": position * 100,
                    "question_code": None,
                    "wording": title,
                    "kind": "ranking",
                    "options": [(f"o{j}", s) for j, (_c, s) in enumerate(cols, start=1)],
                }
            )
            for n in data:
                for j, (c, _s) in enumerate(cols, start=1):
                    if data[n][c].strip():
                        votes.append(
                            {
                                "_row": n,
                                "position": position * 100,
                                "voter": data[n][1] + "-" + data[n][2],
                                "option_code": f"o{j}",
                                "rank": int(data[n][c]),
                                "value_text": None,
                            }
                        )
            continue
        for c, statement in cols:
            wording = statement or title
            position_c = position * 100 + c
            code, kind = by_wording.get(normalise(wording), (None, None))
            cells = {n: data[n][c].strip() for n in data if data[n][c].strip()}
            if numeric and statement:
                opts = [
                    (o, lbl)
                    for o, lbl in zip(
                        _AGREE5,
                        [
                            "Strongly disagree",
                            "Disagree",
                            "Neither agree nor disagree",
                            "Agree",
                            "Strongly agree",
                        ],
                        strict=True,
                    )
                ]
                qkind = "agreement"
            elif kind == "text" or (code is None and len(set(cells.values())) > 10):
                opts, qkind = [], "text"
            else:
                # The options in the order the export lists them (those nobody chose too), then any
                # answer the list lacks, as first seen.
                listed = _listed_options(book, wording)
                known = {normalise(v) for v in listed}
                seen = listed + [v for v in dict.fromkeys(cells.values()) if normalise(v) not in known]
                bank_labels = labels.get(code, {})
                opts = [(bank_labels.get(normalise(v), f"o{j}"), v) for j, v in enumerate(seen, start=1)]
                qkind = "single"
            questions.append(
                {
                    "_row": None,
                    "position": position_c,
                    "question_code": code,
                    "wording": wording,
                    "kind": qkind,
                    "options": opts,
                }
            )
            by_label = {normalise(lbl): o for o, lbl in opts}
            for n, v in cells.items():
                vote = {
                    "_row": n,
                    "position": position_c,
                    "voter": data[n][1] + "-" + data[n][2],
                    "option_code": None,
                    "rank": None,
                    "value_text": None,
                }
                if qkind == "text":
                    vote["value_text"] = v
                elif qkind == "agreement":
                    if not (v.isdigit() and 1 <= int(v) <= 5):
                        plan.add(n, header[c], f"“{v}” is not a scale value from 1 to 5")
                        continue
                    vote["option_code"] = _AGREE5[int(v) - 1]
                else:
                    vote["option_code"] = by_label[normalise(v)]
                votes.append(vote)
    for n, r in data.items():
        when = parse_date(r[0]) if r[0] else None
        if r[0] and when is None:
            plan.add(n, header[0], f"date not parseable: “{r[0]}”")
        elif when:
            dates.append(when)
    if not questions:
        plan.add(None, None, "the Voters sheet has no slide columns")
    questions.sort(key=lambda q: q["position"])
    renumber = {q["position"]: i for i, q in enumerate(questions, start=1)}
    for item in questions + votes:
        item["position"] = renumber[item["position"]]
    if ics:
        plan.wave = {
            "wave_code": wave_code,
            "name": f"Workshop poll {wave_code} (Mentimeter)",
            "kind": "poll",
            "ics_code": ics,
            "place_code": place,
            "opened_on": min(dates) if dates else None,
            "closed_on": max(dates) if dates else None,
        }
    plan.records = {"poll_question": questions, "poll_vote": votes}
