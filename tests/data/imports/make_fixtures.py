"""Write the import fixtures in tests/data/imports/: survey exports in the layouts of Microsoft
Forms, SurveyMonkey, Google Forms and Mentimeter, our own CSV formats, and malformed files.

Run from the repository root:  .venv/bin/python tests/data/imports/make_fixtures.py

The output is deterministic (fixed data, fixed timestamps inside the XLSX zips), so running it
again rewrites byte-identical files. It needs openpyxl (3.1.x). LAYOUTS.md next to this file
documents each layout, where it comes from, and what a test should expect from each fixture.
The respondents are invented; the PCN codes and names are the demo database's.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
import re
import sys
import zipfile
from pathlib import Path

from openpyxl import Workbook
from openpyxl.worksheet.table import Table, TableStyleInfo

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
sys.path.insert(0, str(ROOT))

# Our own formats' columns are defined by the importer; the tools' layouts are copied below.
from pcn_data.importing import records, survey  # noqa: E402

# The bank's wording and labels, copied so the fixtures do not change when the bank does;
# check_against_bank() fails loudly if the two drift apart.
Q = {
    "role_clear_self": "I am clear about what is expected of me as a CD",
    "role_partners_clear": "Partners across the system are clear about what CDs can and cannot do",
    "role_boundaries": "I have agreed clear boundaries for my role with external partners",
    "vision_pcn": "How clear is your PCN's shared vision?",
    "rel_ics": "How would you rate your PCN's relationship with the ICS?",
    "rel_acute": "How would you rate your PCN's relationship with the acute trust?",
    "dev_needs": "Which of these would help your development in the role? (select all that apply)",
    "ctx_first_leadership": "Is this your first clinical leadership role?",
    "text_priority": "What is your biggest priority for the next year?",
}
PCN_Q = "Which PCN do you work in?"
ROLE_Q = "What is your role?"
YEARS_Q = "How long have you been in this role?"
NEEDS = [
    "Management skills (leadership, influencing, negotiating)",
    "Understanding the wider system, financial flows, policy",
    "Coaching, personal impact, confidence",
    "Time management and building a management team",
    "Technical tools and knowledge (finance, governance)",
    "Networking and building relationships",
    "I have what I need",
]
AGREE5 = ["Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree", "Strongly agree"]
RELATIONSHIP = ["Poor", "Fair", "Good", "Excellent", "Don't know"]
ROLES = {"cd": "Clinical Director", "manager": "PCN manager", "clinical_lead": "Clinical lead"}
YEARS = {"lt1": "Less than 1 year", "1to3": "1 to 3 years", "3plus": "More than 3 years"}
CD_ONLY = ("role_clear_self", "role_boundaries")  # the bank's asked_of == "cd"
ORDER = [
    "role_clear_self",
    "role_partners_clear",
    "role_boundaries",
    "vision_pcn",
    "rel_ics",
    "rel_acute",
    "dev_needs",
    "ctx_first_leadership",
    "text_priority",
]


def _r(rid, pcn, name, role, years, when, email, ip, answers):
    return {
        "rid": rid,
        "pcn": pcn,
        "pcn_name": name,
        "role": role,
        "years": years,
        "submitted": when,
        "email": email,
        "ip": ip,
        "a": answers,
    }


# Six respondents, four demo PCNs in two places (CL: U15230 Meadowbank, U02122 Yewtree;
# FC: U13256 Pebble, U18601 Oakridge), all inside the demo wave 2023 window (01/05-11/06/2023).
# Non-CDs leave the two CD-only statements blank, as a form with skip logic would.
RESPONDENTS = [
    _r(
        "R001",
        "U15230",
        "Meadowbank PCN",
        "cd",
        "1to3",
        dt.datetime(2023, 5, 15, 9, 12, 44),
        "a.patel@example.nhs.uk",
        "192.0.2.11",
        {
            "role_clear_self": "Agree",
            "role_partners_clear": "Disagree",
            "role_boundaries": "Neither agree nor disagree",
            "vision_pcn": "Somewhat clear",
            "rel_ics": "Good",
            "rel_acute": "Fair",
            "dev_needs": [NEEDS[0], NEEDS[1]],
            "ctx_first_leadership": "Yes",
            "text_priority": "Recruiting two more ARRS pharmacists and stabilising the rota. "
            "Happy to talk: j.bloggs@example.nhs.uk or 07700 900123.",
        },
    ),
    _r(
        "R002",
        "U02122",
        "Yewtree PCN",
        "manager",
        "lt1",
        dt.datetime(2023, 5, 16, 14, 3, 5),
        "s.jones@example.nhs.uk",
        "192.0.2.24",
        {
            "role_partners_clear": "Strongly disagree",
            "vision_pcn": "Very unclear",
            "rel_ics": "Don't know",
            "rel_acute": "Poor",
            "dev_needs": [NEEDS[3]],
            "ctx_first_leadership": "No",
            "text_priority": "N/A",
        },
    ),
    _r(
        "R003",
        "U13256",
        "Pebble PCN",
        "cd",
        "3plus",
        dt.datetime(2023, 5, 19, 8, 47, 30),
        "m.okafor@example.nhs.uk",
        "192.0.2.37",
        {
            "role_clear_self": "Strongly agree",
            "role_partners_clear": "Agree",
            "role_boundaries": "Agree",
            "vision_pcn": "Very clear",
            "rel_ics": "Excellent",
            "rel_acute": "Good",
            "dev_needs": [NEEDS[5]],
            "ctx_first_leadership": "No",
            "text_priority": "Getting the enhanced access model working across all five practices",
        },
    ),
    _r(
        "R004",
        "U18601",
        "Oakridge PCN",
        "clinical_lead",
        "1to3",
        dt.datetime(2023, 5, 22, 17, 30, 0),
        "l.chen@example.nhs.uk",
        "192.0.2.41",
        {
            "role_partners_clear": "Neither agree nor disagree",
            "vision_pcn": "Somewhat unclear",
            "rel_ics": "Fair",
            "rel_acute": "Good",
            "dev_needs": [NEEDS[2]],
            "ctx_first_leadership": "Yes",
            "text_priority": "Better links with the acute trust’s discharge team",
        },
    ),
    _r(
        "R005",
        "U15230",
        "Meadowbank PCN",
        "manager",
        "3plus",
        dt.datetime(2023, 5, 30, 11, 15, 9),
        "k.walsh@example.nhs.uk",
        "192.0.2.58",
        {
            "role_partners_clear": "Agree",
            "vision_pcn": "Somewhat clear",
            "rel_ics": "Good",
            "rel_acute": "Fair",
            "dev_needs": [NEEDS[6]],
            "ctx_first_leadership": "No",
            "text_priority": "Estates: we have run out of clinical rooms.\n"
            "We need a shared plan with the ICB.",
        },
    ),
    _r(
        "R006",
        "U02122",
        "Yewtree PCN",
        "cd",
        "lt1",
        dt.datetime(2023, 6, 2, 20, 1, 56),
        "d.hughes@example.nhs.uk",
        "192.0.2.63",
        {
            "role_clear_self": "Disagree",
            "role_partners_clear": "Strongly disagree",
            "role_boundaries": "Disagree",
            "vision_pcn": "Somewhat unclear",
            "rel_ics": "Poor",
            "rel_acute": "Don't know",
            "dev_needs": [NEEDS[1], NEEDS[4]],
            "ctx_first_leadership": "Yes",
            "text_priority": "A café-style drop-in for carers – we’ve no space for it yet",
        },
    ),
]

# --------------------------------------------------------------------------- helpers


def check_against_bank() -> None:
    """Fail if the copied wordings or labels no longer match pcn_data/core/bank.py."""
    sys.path.insert(0, str(ROOT))
    from pcn_data.core import bank

    wording = {q[0]: q[3] for q in bank.QUESTIONS}
    for code, text in Q.items():
        assert wording[code] == text, f"{code}: bank says {wording[code]!r}"
    labels = {name: [o[1] for o in opts] for name, opts in bank.SCALES.items()}
    assert labels["needs"] == NEEDS and labels["agree5"] == AGREE5
    assert labels["relationship"] == RELATIONSHIP
    assert dict(bank.ROLES) == ROLES and dict(bank.YEARS_BANDS) == YEARS
    for r in RESPONDENTS:
        for code, ans in r["a"].items():
            kind = {q[0]: q[5] for q in bank.QUESTIONS}[code]
            scale = {q[0]: q[6] for q in bank.QUESTIONS}[code]
            if kind in ("scale", "single", "multi"):
                for label in ans if isinstance(ans, list) else [ans]:
                    assert label in labels[scale], (r["rid"], code, label)


def write_csv(name: str, rows: list[list], *, encoding="utf-8", bom=False, crlf=True, quote_all=False):
    buf = io.StringIO()
    writer = csv.writer(
        buf,
        lineterminator="\r\n" if crlf else "\n",
        quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL,
    )
    writer.writerows(rows)
    data = buf.getvalue().encode(encoding)
    (HERE / name).write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)


_FIXED_ZIP_TIME = (2023, 6, 30, 12, 0, 0)
_W3CDTF = re.compile(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")


def save_workbook(wb: Workbook, name: str) -> None:
    """Save with fixed document and zip-entry timestamps so the bytes are reproducible."""
    wb.properties.creator = "make_fixtures.py"
    wb.properties.created = dt.datetime(2023, 6, 30, 12, 0, 0)
    raw = io.BytesIO()
    wb.save(raw)
    out = io.BytesIO()
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = _W3CDTF.sub(b"2023-06-30T12:00:00Z", data)
            dst.writestr(zipfile.ZipInfo(info.filename, _FIXED_ZIP_TIME), data, zipfile.ZIP_DEFLATED)
    (HERE / name).write_bytes(out.getvalue())


def answer_text(r: dict, code: str, joiner: str, trailing: str = "") -> str | None:
    ans = r["a"].get(code)
    if ans is None:
        return None
    if isinstance(ans, list):
        return joiner.join(ans) + trailing
    return ans


# --------------------------------------------------------------------------- our own formats

TEMPLATE_HEADER = survey.TEMPLATE_COLUMNS


def template_rows(r: dict) -> list[list[str]]:
    rows = []
    for code in ORDER:
        ans = r["a"].get(code)
        if ans is None:
            continue
        for label in ans if isinstance(ans, list) else [ans]:
            rows.append(
                [r["rid"], r["pcn"], r["role"], r["years"], r["submitted"].strftime("%d/%m/%Y"), code, label]
            )
    return rows


def write_template() -> None:
    rows = [TEMPLATE_HEADER]
    for r in RESPONDENTS:
        rows += template_rows(r)
    write_csv("template.csv", rows, crlf=False)


def write_reference() -> None:
    ics = ["QE1", "Lancashire and South Cumbria ICS"]
    write_csv(
        "reference.csv",
        [
            records.LAYOUTS["reference"],
            [*ics, "CL", "Central Lancashire", "U15230", "Meadowbank PCN", "9", "49000"],  # unchanged
            [*ics, "CL", "Central Lancashire", "U61234", "Kingfisher PCN", "6", "52000"],
            [*ics, "PL", "Pennine Lancashire", "U74420", "Heron PCN", "5", "38500"],
            [*ics, "SL", "South Lakes", "U01234", "Fellgate PCN", "7", "41250"],
        ],
        crlf=False,
    )


def write_engagement() -> None:
    write_csv(
        "engagement.csv",
        [
            ["place_code", "kind", "title", "starts_on", "ends_on", "attendees", "pcn_codes"],
            [
                "CL",
                "workshop",
                "Central Lancashire CD workshop 3",
                "14/09/2023",
                "",
                "11",
                "U15230;U02122;U48749",
            ],
            ["FC", "one_to_one", "One-to-one conversation", "21/09/2023", "", "1", "U13256"],
            [
                "PL",
                "roundtable",
                "Pennine Lancashire system roundtable",
                "05/10/2023",
                "",
                "14",
                "U02466;U14434",
            ],
            [
                "WL",
                "survey_window",
                "Autumn 2023 pulse survey: West Lancashire",
                "02/10/2023",
                "27/10/2023",
                "",
                "U02383;U36115",
            ],
        ],
        crlf=False,
    )


def write_self_assessment() -> None:
    write_csv(
        "self_assessment.csv",
        [
            ["pcn_code", "wave", "domain", "stage", "assessed_on"],
            ["U15230", "2025", "Leadership, planning and partnerships", "Step 3", "29/09/2025"],
            ["U15230", "2025", "data_phm", "step2", "29/09/2025"],
            ["U15230", "2025", "Integrating care", "Step 1", "29/09/2025"],
            ["U02122", "2025", "Managing resources", "Foundation", "02/10/2025"],
            ["U02122", "2025", "people", "Step 2", "02/10/2025"],
            ["U13256", "2025", "Use of data and population health management", "step3", "06/10/2025"],
        ],
        crlf=False,
    )


def write_invitations() -> None:
    # Who was asked to answer the 2025 round: a PCN by name, a role by label, a blank role (a CD).
    write_csv(
        "invitations.csv",
        [
            ["wave", "pcn_code", "role", "invited"],
            ["2025", "U15230", "Clinical Director", "2"],
            ["2025", "U02122", "", "1"],
            ["2025", "Pebble PCN", "cd", "1"],
            ["2025", "U18601", "Clinical Director", "1"],
            ["2025", "U18601", "PCN manager", "1"],
        ],
        crlf=False,
    )


# --------------------------------------------------------------------------- tool exports


def write_msforms() -> None:
    """Microsoft Forms "Open results in Excel": one sheet, one row per response."""
    headers = [
        "ID",
        "Start time",
        "Completion time",
        "Email",
        "Name",
        "Last modified time",
        PCN_Q,
        ROLE_Q,
        YEARS_Q,
        Q["role_clear_self"] + " ",  # trailing space, as typed by the form's author
        Q["role_partners_clear"],
        Q["role_boundaries"],
        Q["vision_pcn"].replace("'", "’"),  # curly apostrophe
        Q["rel_ics"],
        Q["rel_acute"],
        Q["dev_needs"],
        Q["ctx_first_leadership"],
        Q["text_priority"],
    ]
    wb = Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws.append(headers)
    for i, r in enumerate(RESPONDENTS, start=1):
        done = r["submitted"]
        ws.append(
            [
                i,
                done - dt.timedelta(minutes=6, seconds=13 * i),
                done,
                "anonymous",
                None,
                None,
                r["pcn_name"],
                ROLES[r["role"]],
                YEARS[r["years"]],
                *[answer_text(r, c, ";", ";") for c in ORDER],
            ]
        )
    for row in ws.iter_rows(min_row=2, min_col=2, max_col=3):
        for cell in row:
            cell.number_format = "m/d/yy h:mm:ss"
    table = Table(displayName="Table1", ref=f"A1:R{len(RESPONDENTS) + 1}")
    table.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)
    ws.add_table(table)
    save_workbook(wb, "msforms.xlsx")


def surveymonkey_rows(as_text: bool) -> list[list]:
    """SurveyMonkey "All individual responses", expanded: two header rows."""
    meta = ["Respondent ID", "Collector ID", "Start Date", "End Date", "IP Address", "Email Address",
            "First Name", "Last Name", "Custom Data 1"]  # fmt: skip
    row1 = [*meta, PCN_Q, ROLE_Q, YEARS_Q]
    row2 = [""] * len(meta) + ["Response"] * 3
    columns: list[tuple[str, str | None]] = []  # (question code, option label for checkbox columns)
    titles = {
        **Q,
        "role_boundaries": "3. " + Q["role_boundaries"],  # number prefix typed by the author
        "rel_acute": "How would you rate your PCN's relationship with the Acute Trust?",  # case
    }
    for code in ORDER:
        if code == "dev_needs":
            for j, label in enumerate(NEEDS):
                row1.append(titles[code] if j == 0 else "")
                row2.append(label)
                columns.append((code, label))
        else:
            row1.append(titles[code])
            row2.append("Open-Ended Response" if code == "text_priority" else "Response")
            columns.append((code, None))
    rows = [row1, row2]
    for i, r in enumerate(RESPONDENTS):
        end = r["submitted"]
        start = end - dt.timedelta(minutes=7, seconds=11 * i)
        if as_text:
            start, end = (d.strftime("%m/%d/%Y %I:%M:%S %p") for d in (start, end))
        row = [114_900_330_067 + 2_891_183 * i, 436_228_068, start, end, r["ip"], "", "", "", "",
               r["pcn_name"], ROLES[r["role"]], YEARS[r["years"]]]  # fmt: skip
        for code, label in columns:
            ans = r["a"].get(code)
            if label is not None:
                row.append(label if ans and label in ans else "")
            else:
                row.append("" if ans is None else ans)
        if as_text:
            row[0], row[1] = str(row[0]), str(row[1])
        rows.append(row)
    return rows


def write_surveymonkey() -> None:
    write_csv("surveymonkey.csv", surveymonkey_rows(as_text=True))
    wb = Workbook()
    ws = wb.active
    ws.title = "Sheet"
    for row in surveymonkey_rows(as_text=False):
        ws.append([None if v == "" else v for v in row])
    for row in ws.iter_rows(min_row=3, min_col=3, max_col=4):
        for cell in row:
            cell.number_format = "mm/dd/yyyy hh:mm:ss AM/PM"
    save_workbook(wb, "surveymonkey.xlsx")


GF_TITLES = {
    **Q,
    "rel_ics": Q["rel_ics"].replace("'", "’"),  # curly apostrophe
    "ctx_first_leadership": "Is this your FIRST clinical leadership role?",  # changed case
    "text_priority": Q["text_priority"] + " ",  # trailing space
}


def googleforms_rows(direct: bool) -> list[list[str]]:
    header = ["Timestamp", "Email address", PCN_Q, ROLE_Q, YEARS_Q, *[GF_TITLES[c] for c in ORDER]]
    rows = [header]
    for r in RESPONDENTS:
        t = r["submitted"]
        if direct:  # Forms' own download: yyyy/mm/dd h:mm:ss AM/PM plus the zone (BST in May/June)
            stamp = f"{t:%Y/%m/%d} {t.hour % 12 or 12}:{t:%M:%S %p} GMT+1"
        else:  # a Google Sheet in the United Kingdom locale, File > Download > CSV
            stamp = t.strftime("%d/%m/%Y %H:%M:%S")
        joiner = ";" if direct else ", "
        rows.append(
            [stamp, r["email"], r["pcn_name"], ROLES[r["role"]], YEARS[r["years"]]]
            + [answer_text(r, c, joiner) or "" for c in ORDER]
        )
    return rows


def write_googleforms() -> None:
    rows = googleforms_rows(direct=False)
    write_csv("googleforms.csv", rows, bom=True)
    write_csv("googleforms_cp1252.csv", rows, encoding="cp1252")
    write_csv("googleforms_direct.csv", googleforms_rows(direct=True), quote_all=True)
    write_csv("header_only.csv", rows[:1])


# Mentimeter: one anonymous workshop session, six voters, four slides.
MENTI_DATE = "2023-05-18"
MENTI_SLIDES = [
    ("Multiple Choice", Q["rel_ics"].replace("'", "’")),
    ("Scales", "How far do you agree with these statements?"),
    ("Ranking", "What would help your development most? Put them in order"),
    ("Open Ended", "What is your biggest priority for the next year?"),
]
MENTI_MC = ["Good", "Fair", "Good", "Excellent", "Don't know", "Poor"]  # voter 1..6
MENTI_STATEMENTS = [Q["role_clear_self"], Q["role_partners_clear"], Q["role_boundaries"]]
MENTI_SCALES = [[4, 2, 3], [5, 4, 4], [3, 1, 2], [4, 3, 3], [2, 2, 1], [4, None, 3]]  # None = skipped
MENTI_RANK_OPTIONS = [NEEDS[0], NEEDS[1], NEEDS[2], NEEDS[5]]
MENTI_RANKS = [[1, 2, 4, 3], [2, 1, 3, 4], [1, 3, 4, 2], [3, 1, 4, 2], [2, 1, 4, 3], [2, 1, 3, 4]]
MENTI_OPEN = {
    1: "Recruitment, recruitment, recruitment",
    3: "Sorting out estates with the ICB",
    4: "Email me about the UEC pilot: pcn.lead@example.nhs.uk",
    6: "Joint working with the acute trust’s frailty team",
}


def write_mentimeter() -> None:
    wb = Workbook()
    voters = wb.active
    voters.title = "Voters"
    voters.append(["Note: there are more sheets in this document"])
    voters.append(["Each session is found on its own sheet below."])
    header = ["Date (UTC)", "Session", "Voter", MENTI_SLIDES[0][1]]
    header += [f"{MENTI_SLIDES[1][1]}: {s}" for s in MENTI_STATEMENTS]
    header += [f"{MENTI_SLIDES[2][1]}: {o}" for o in MENTI_RANK_OPTIONS]
    header += [MENTI_SLIDES[3][1]]
    voters.append(header)
    for v in range(1, 7):
        voters.append(
            [MENTI_DATE, 1, v, MENTI_MC[v - 1], *MENTI_SCALES[v - 1], *MENTI_RANKS[v - 1], MENTI_OPEN.get(v)]
        )

    session = wb.create_sheet("Session 1")
    n_opts = len(MENTI_RANK_OPTIONS)
    mc_counts = [[label, MENTI_MC.count(label)] for label in RELATIONSHIP]
    scale_rows = []
    for j, statement in enumerate(MENTI_STATEMENTS):
        vals = [s[j] for s in MENTI_SCALES if s[j] is not None]
        scale_rows.append([statement, round(sum(vals) / len(vals), 2)])
    rank_rows = [
        [o, sum(n_opts + 1 - ranks[j] for ranks in MENTI_RANKS)] for j, o in enumerate(MENTI_RANK_OPTIONS)
    ]
    blocks = [
        (["Answer option", "Votes"], mc_counts, 6, 6),
        (["Statement", "Average (1-5)"], scale_rows, 6, sum(v is not None for s in MENTI_SCALES for v in s)),
        (["Answer option", "Points"], rank_rows, 6, 6 * n_opts),
        (["Response", None], [[t, None] for t in MENTI_OPEN.values()], len(MENTI_OPEN), len(MENTI_OPEN)),
    ]
    for k, ((slide_type, title), (table_head, table, people, votes)) in enumerate(
        zip(MENTI_SLIDES, blocks, strict=True)
    ):
        col = 2 * k + 1
        cells = [
            [f"Question {k + 1}", None],
            ["Session date", MENTI_DATE],
            ["Slide type", slide_type],
            ["Question", title],
            ["Respondents", people],
            ["Votes", votes],
            [None, None],
            table_head,
            *table,
        ]
        if slide_type == "Scales":
            cells[6] = ["Scale", "1 = Strongly disagree, 5 = Strongly agree"]
        for i, (a, b) in enumerate(cells, start=1):
            session.cell(row=i, column=col, value=a)
            session.cell(row=i, column=col + 1, value=b)
    save_workbook(wb, "mentimeter.xlsx")


# --------------------------------------------------------------------------- malformed files


def write_malformed() -> None:
    xlsx = (HERE / "msforms.xlsx").read_bytes()
    (HERE / "truncated.xlsx").write_bytes(xlsx[: int(len(xlsx) * 0.6)])
    (HERE / "not_a_workbook.xlsx").write_text(
        "This is a plain text note that somebody saved with an .xlsx name.\n"
        "PCN,Answer\nMeadowbank PCN,Agree\n",
        encoding="utf-8",
    )
    (HERE / "empty.csv").write_bytes(b"")
    png_head = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06\x00\x00\x00"
    body = random.Random(2023).randbytes(400 - len(png_head) - 8) + b"\x00" * 8
    (HERE / "binary.csv").write_bytes(png_head + body)

    def t(rid, pcn, code, answer, when="15/05/2023", role="cd", years="1to3"):
        return [rid, pcn, role, years, when, code, answer]

    write_csv(
        "unknown_pcn.csv",
        [
            TEMPLATE_HEADER,
            t("R001", "U15230", "role_partners_clear", "Agree"),
            t("R001", "U15230", "vision_pcn", "Somewhat clear"),
            t("R002", "U99999", "role_partners_clear", "Disagree"),
            t("R003", "U02122", "rel_ics", "Good"),
        ],
        crlf=False,
    )
    write_csv(
        "out_of_range.csv",
        [
            TEMPLATE_HEADER,
            t("R001", "U15230", "role_clear_self", "Agree"),
            t("R001", "U15230", "role_partners_clear", "Somewhat agree"),
            t("R001", "U15230", "rel_ics", "Good"),
            t("R001", "U15230", "vision_pcn", "6"),
        ],
        crlf=False,
    )
    write_csv(
        "duplicates.csv",
        [
            TEMPLATE_HEADER,
            t("R001", "U15230", "role_partners_clear", "Agree"),
            t("R001", "U15230", "vision_pcn", "Somewhat clear"),
            t("R001", "U15230", "role_partners_clear", "Disagree"),
            t("R002", "U13256", "rel_ics", "Good", role="manager"),
            t("R002", "U13256", "rel_ics", "Good", role="manager"),
            t("R002", "U13256", "dev_needs", NEEDS[0], role="manager"),
            t("R002", "U13256", "dev_needs", NEEDS[1], role="manager"),
        ],
        crlf=False,
    )
    write_csv(
        "bad_date.csv",
        [
            TEMPLATE_HEADER,
            t("R001", "U15230", "rel_ics", "Good", when="15/05/2023"),
            t("R002", "U02122", "rel_ics", "Fair", when="31/02/2021"),
            t("R003", "U13256", "rel_ics", "Poor", when="yesterday"),
        ],
        crlf=False,
    )
    write_csv(
        "missing_pcn.csv",
        [
            TEMPLATE_HEADER,
            t("R001", "U15230", "rel_ics", "Good"),
            t("R002", "", "rel_ics", "Fair"),
            t("R003", "U18601", "rel_ics", "Excellent"),
        ],
        crlf=False,
    )


def main() -> None:
    check_against_bank()
    write_template()
    write_reference()
    write_engagement()
    write_self_assessment()
    write_invitations()
    write_msforms()
    write_surveymonkey()
    write_googleforms()
    write_mentimeter()
    write_malformed()
    for path in sorted(HERE.iterdir()):
        if path.suffix in (".csv", ".xlsx"):
            print(f"{path.name:28} {path.stat().st_size:6d} bytes")


if __name__ == "__main__":
    main()
