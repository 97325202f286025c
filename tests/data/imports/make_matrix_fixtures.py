"""Write the matrix fixtures in tests/data/imports/: the same eight respondents in the layouts
the tools give matrix, grid and Likert questions (LAYOUTS.md §4).

Run from the repository root:  .venv/bin/python tests/data/imports/make_matrix_fixtures.py

- `sm_matrix.csv`: SurveyMonkey "All individual responses", expanded. Row 1 holds a matrix's
  question above its first column only; row 2 names each column's matrix row (the partner, or
  the agreement statement). A checkbox question has its options on row 2 and each cell holds
  the option when ticked.
- `gf_grid.csv`: Google Forms (the responses Sheet's CSV): one column per grid row, headed
  `Question [Row]`.
- `msf_likert.xlsx`: Microsoft Forms: a Likert question is one column per statement, headed by
  the statement alone ("The ICS"); the PCN question is worded "Which PCN is yours?".

The output is deterministic. The people are invented; PCN names are the demo database's.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from pathlib import Path

from openpyxl import Workbook

HERE = Path(__file__).resolve().parent

AGREE_Q = "How far do you agree with each of these statements?"
STATEMENTS = [
    "I am clear about what is expected of me as a CD",
    "Partners across the system are clear about what CDs can and cannot do",
    "I have agreed clear boundaries for my role with external partners",
]
REL_Q = "How would you rate your PCN's relationship with each of these?"
PARTNERS = ["The ICS", "The acute trust", "VCSE/VCFSE organisations", "Other PCNs"]
NEEDS_Q = "Which of these would help your development in the role? (select all that apply)"
NEEDS = [
    "Management skills (leadership, influencing, negotiating)",
    "Understanding the wider system, financial flows, policy",
    "Coaching, personal impact, confidence",
    "Time management and building a management team",
    "Technical tools and knowledge (finance, governance)",
    "Networking and building relationships",
    "I have what I need",
]
TEXT_Q = "What is your biggest priority for the next year?"

# id, PCN, role, submitted, the three statements, the four partners, needs (indexes), text
PEOPLE = [
    ("1", "Pebble PCN", "Clinical Director", dt.datetime(2025, 11, 3, 9, 14, 2),
     ["Agree", "Disagree", "Agree"], ["Poor", "Good", "Excellent", "Good"], [0, 1], "Estates"),
    ("2", "Oakridge PCN", "Clinical Director", dt.datetime(2025, 11, 3, 13, 40, 11),
     ["Strongly agree", "Strongly disagree", "Neither agree nor disagree"],
     ["Poor", "Fair", "Good", "Good"], [2], "Recruitment of ARRS staff"),
    ("3", "Primrose PCN", "PCN manager", dt.datetime(2025, 11, 4, 8, 5, 59),
     ["", "Disagree", ""], ["Fair", "Fair", "Good", "Excellent"], [3], ""),
    ("4", "Rushbed PCN", "Clinical Director", dt.datetime(2025, 11, 5, 17, 22, 30),
     ["Agree", "Disagree", "Disagree"], ["Poor", "Poor", "Don't know", "Good"], [6], "Same-day access"),
    ("5", "Coppice PCN", "Clinical lead", dt.datetime(2025, 11, 6, 10, 1, 0),
     ["", "Agree", ""], ["Good", "", "Excellent", "Fair"], [1, 4], ""),
    ("6", "Meadowbank PCN", "Clinical Director", dt.datetime(2025, 11, 7, 11, 30, 45),
     ["Disagree", "Strongly disagree", "Agree"], ["Poor", "Fair", "Good", "Good"], [5], "Working at scale"),
    ("7", "Yewtree PCN", "PCN manager", dt.datetime(2025, 11, 10, 15, 0, 5),
     ["", "Neither agree nor disagree", ""], ["Fair", "Good", "", "Excellent"], [0, 5], ""),
    ("8", "Riverside PCN", "Clinical Director", dt.datetime(2025, 11, 12, 9, 45, 0),
     ["Agree", "Disagree", "Agree"], ["Poor", "Don't know", "Good", "Fair"], [], "Digital telephony"),
]  # fmt: skip


def _csv(rows: list[list[str]], *, bom: bool = False) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return (b"\xef\xbb\xbf" if bom else b"") + out.getvalue().encode("utf-8")


def surveymonkey(people=None) -> bytes:
    """Return the SurveyMonkey file of PEOPLE (or of other people in the same shape)."""
    meta = ["Respondent ID", "Collector ID", "Start Date", "End Date", "IP Address", "Email Address",
            "First Name", "Last Name", "Custom Data 1"]  # fmt: skip
    top = [*meta, "Which PCN do you work in?", "What is your role?", AGREE_Q, "", "", REL_Q, "", "", "",
           NEEDS_Q, *[""] * (len(NEEDS) - 1), TEXT_Q]  # fmt: skip
    sub = [*[""] * len(meta), "Response", "Response", *STATEMENTS, *PARTNERS, *NEEDS, "Open-Ended Response"]
    rows = [top, sub]
    for i, (_pid, pcn, role, when, agree, rel, needs, text) in enumerate(people or PEOPLE):
        us = when.strftime("%m/%d/%Y %I:%M:%S %p")
        ticked = [label if n in needs else "" for n, label in enumerate(NEEDS)]
        rows.append([f"1149003300{60 + i}", "436228068", us, us, f"192.0.2.{10 + i}", "", "", "", "",
                     pcn, role, *agree, *rel, *ticked, text])  # fmt: skip
    return _csv(rows)


def googleforms() -> bytes:
    header = ["Timestamp", "Email address", "Which PCN do you work in?", "What is your role?",
              *[f"{AGREE_Q} [{s}]" for s in STATEMENTS], *[f"{REL_Q} [{p}]" for p in PARTNERS],
              NEEDS_Q, TEXT_Q]  # fmt: skip
    rows = [header]
    for pid, pcn, role, when, agree, rel, needs, text in PEOPLE:
        stamp, email = when.strftime("%d/%m/%Y %H:%M:%S"), f"person{pid}@example.nhs.uk"
        rows.append([stamp, email, pcn, role, *agree, *rel, ", ".join(NEEDS[n] for n in needs), text])
    return _csv(rows, bom=True)


def msforms() -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws.append(["ID", "Start time", "Completion time", "Email", "Name", "Which PCN is yours?",
               "What is your role?", *STATEMENTS, *PARTNERS, NEEDS_Q, TEXT_Q])  # fmt: skip
    for pid, pcn, role, when, agree, rel, needs, text in PEOPLE:
        ws.append([int(pid), when - dt.timedelta(minutes=7), when, "anonymous", None, pcn, role,
                   *[a or None for a in agree], *[r or None for r in rel],
                   "".join(f"{NEEDS[n]};" for n in needs) or None, text or None])  # fmt: skip
    for row in ws.iter_rows(min_row=2, min_col=2, max_col=3):
        for cell in row:
            cell.number_format = "m/d/yy h:mm:ss"
    buffer = io.BytesIO()
    wb.save(buffer)
    return _fixed_zip(buffer.getvalue())


def _fixed_zip(data: bytes) -> bytes:
    """Return the workbook re-zipped with fixed timestamps, so the bytes are the same each run."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                body = re.sub(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", b"2025-11-12T00:00:00Z", body)
            fixed = zipfile.ZipInfo(info.filename, date_time=(2025, 11, 12, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(fixed, body)
    return out.getvalue()


def main() -> None:
    (HERE / "sm_matrix.csv").write_bytes(surveymonkey())
    (HERE / "gf_grid.csv").write_bytes(googleforms())
    (HERE / "msf_likert.xlsx").write_bytes(msforms())


if __name__ == "__main__":
    main()
