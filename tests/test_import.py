"""Importing exports: every supported format gives the same respondents and answers as the
fixture holds; every malformed file gets a clear report and leaves the database unchanged."""

from __future__ import annotations

import threading
from collections import Counter
from pathlib import Path

import openpyxl.xml
import pytest

from pcn_data.cli import main
from pcn_data.core.db import Database
from pcn_data.core.errors import PcnDataError
from pcn_data.importing import batches
from pcn_data.importing.batches import Upload, ValidationFailed, already_imported, apply, undo
from pcn_data.importing.mapping import propose
from pcn_data.importing.reading import ImportFileError, parse_date, read_file

FIXTURES = Path(__file__).parent / "data" / "imports"
# Every table whose rows an import may add or change.
DATA_TABLES = [
    "ics", "place", "pcn", "wave", "invitation", "respondent", "answer", "comment_code", "engagement_event",
    "engagement_event_pcn", "self_assessment", "recommendation_status", "poll_session", "poll_question",
    "poll_option", "poll_vote",
]  # fmt: skip

# What the six respondents of every survey fixture answered (tests/data/imports/LAYOUTS.md §1).
EXPECTED_ANSWERS = {
    "role_clear_self": {"a": 1, "sa": 1, "d": 1},
    "role_boundaries": {"n": 1, "a": 1, "d": 1},
    "role_partners_clear": {"d": 1, "sd": 2, "a": 2, "n": 1},
    "vision_pcn": {"somewhat_clear": 2, "very_unclear": 1, "very_clear": 1, "somewhat_unclear": 2},
    "rel_ics": {"good": 2, "dont_know": 1, "excellent": 1, "fair": 1, "poor": 1},
    "rel_acute": {"fair": 2, "poor": 1, "good": 2, "dont_know": 1},
    "dev_needs": {
        "mgmt_skills": 1,
        "wider_system": 2,
        "time_mgmt": 1,
        "networking": 1,
        "coaching": 1,
        "have_what_i_need": 1,
        "technical": 1,
    },  # fmt: skip
    "ctx_first_leadership": {"yes": 3, "no": 3},
}
EXPECTED_PCNS = {"U15230": 2, "U02122": 2, "U13256": 1, "U18601": 1}
EXPECTED_ROLES = {"cd": 3, "manager": 2, "clinical_lead": 1}
SURVEY_FILES = [
    "template.csv", "msforms.xlsx", "surveymonkey.csv", "surveymonkey.xlsx", "googleforms.csv",
    "googleforms_cp1252.csv", "googleforms_direct.csv",
]  # fmt: skip


@pytest.fixture
def db(scratch):
    """Return a private copy of the demo database (named db in these tests)."""
    return scratch


def content(db: Database) -> dict[str, list[tuple]]:
    """Return every row of every data table, sorted, as text: the database's content."""
    return {
        t: sorted(tuple(r) for r in db.query(f"SELECT * FROM {t}").astype(str).itertuples(index=False))
        for t in DATA_TABLES
    }


def upload(name: str) -> Upload:
    return Upload((FIXTURES / name).read_bytes(), name)


def imported_answers(db: Database, wave: str) -> dict[str, dict[str, int]]:
    df = db.query(
        "SELECT a.question_code, a.option_code, count(*) AS n FROM answer a JOIN respondent r USING "
        "(respondent_id) JOIN wave w USING (wave_id) WHERE w.wave_code = ? AND a.option_code IS NOT NULL "
        "GROUP BY ALL",
        [wave],
    )
    out: dict[str, dict[str, int]] = {}
    for q, o, n in df.itertuples(index=False):
        out.setdefault(q, {})[o] = n
    return out


@pytest.mark.parametrize("name", SURVEY_FILES)
def test_every_survey_format_imports_the_same_six_respondents_and_their_answers(db, name):
    before = content(db)
    plan = upload(name).plan(db, wave="2025")
    assert plan.problems == [], plan.report()
    result = apply(db, plan, imported_by="test")
    assert result["respondents"] == 6 and result["status"] == "imported"
    assert imported_answers(db, "2025") == EXPECTED_ANSWERS
    people = db.query(
        "SELECT pcn_code, role_code FROM respondent JOIN wave USING (wave_id) WHERE wave_code = '2025'"
    )
    assert Counter(people["pcn_code"]) == EXPECTED_PCNS  # U02122 keeps its leading zero
    assert Counter(people["role_code"]) == EXPECTED_ROLES
    texts = set(
        db.query(
            "SELECT value_text FROM answer a JOIN respondent r USING (respondent_id) "
            "JOIN wave w USING (wave_id) WHERE w.wave_code = '2025' AND question_code = 'text_priority'"
        )["value_text"]
    )
    assert "N/A" in texts  # a value, not a missing answer
    assert any("é" in t and "’" in t for t in texts)  # cp1252 and UTF-8 read alike
    # Nothing personal from the export is stored anywhere.
    after = content(db)
    stored = repr({t: rows for t, rows in after.items() if rows != before[t]})
    for personal in ("anonymous", "192.0.2.", "@example.nhs.uk>", "Email"):
        assert personal not in stored
    batch = db.query("SELECT * FROM import_batch WHERE batch_id = ?", [result["batch_id"]]).iloc[0]
    assert batch["sha256"] == plan.sha256 and batch["rows_written"] == plan.rows_read


def test_late_responses_join_an_existing_survey_wave(db):
    before = db.scalar("SELECT count(*) FROM respondent JOIN wave USING (wave_id) WHERE wave_code = '2023'")
    result = apply(db, upload("template.csv").plan(db, wave="2023"))
    assert result["respondents"] == 6 and result["wave"] == "2023"
    after = db.scalar("SELECT count(*) FROM respondent JOIN wave USING (wave_id) WHERE wave_code = '2023'")
    assert after == before + 6
    assert db.scalar("SELECT count(*) FROM wave") == 2  # no new wave
    undo(db, result["batch_id"])
    assert db.scalar("SELECT count(*) FROM wave WHERE wave_code = '2023'") == 1  # the wave stays


def test_the_wave_is_created_with_the_dates_of_the_responses(db):
    apply(db, upload("msforms.xlsx").plan(db, wave="2025"))
    wave = db.query("SELECT * FROM wave WHERE wave_code = '2025'").iloc[0]
    assert (wave["kind"], wave["ics_code"]) == ("survey", "QE1")
    assert str(wave["opened_on"])[:10] == "2023-05-15" and str(wave["closed_on"])[:10] == "2023-06-02"


def test_importing_the_same_file_twice_changes_nothing(db):
    apply(db, upload("googleforms.csv").plan(db, wave="2025"))
    before = content(db)
    second = upload("googleforms.csv")
    assert already_imported(db, second.sha256) is not None
    result = apply(db, second.plan(db, wave="2025"))
    assert result["status"] == "already imported" and result["rows_written"] == 0
    assert content(db) == before


def test_the_same_respondents_in_another_file_are_reported_as_duplicates(db):
    apply(db, upload("surveymonkey.csv").plan(db, wave="2025"))
    plan = upload("surveymonkey.xlsx").plan(db, wave="2025")
    assert len(plan.bad_rows) == 6
    assert all("already imported in batch" in p.message for p in plan.problems)


@pytest.mark.parametrize("name", ["msforms.xlsx", "reference.csv", "engagement.csv", "mentimeter.xlsx"])
def test_undo_restores_the_database_exactly(db, name):
    before = content(db)
    up = upload(name)
    plan = up.plan(db, wave="2025" if up.kind == "survey" else "MB-2023-05", place="MB")
    assert plan.ok, plan.report()
    batch = apply(db, plan)["batch_id"]
    assert content(db) != before
    undo(db, batch)
    assert content(db) == before
    assert db.scalar("SELECT status FROM import_batch WHERE batch_id = ?", [batch]) == "undone"
    with pytest.raises(PcnDataError, match="already undone"):
        undo(db, batch)
    # Undone, the same file may be imported again.
    assert apply(db, up.plan(db, wave="2025", place="MB"))["status"] == "imported"


def test_the_demo_batch_cannot_be_undone(db):
    with pytest.raises(PcnDataError, match="demo data cannot be undone"):
        undo(db, 1)


def test_a_batch_whose_new_wave_is_used_by_a_later_batch_cannot_be_undone_first(db):
    first = apply(db, upload("template.csv").plan(db, wave="2025"))["batch_id"]
    apply(db, upload("self_assessment.csv").plan(db))
    before = content(db)
    with pytest.raises(PcnDataError, match="wave 2025 it added is used by other data"):
        undo(db, first)
    assert content(db) == before


MALFORMED = {
    "truncated.xlsx": "is not an Excel workbook that can be opened",
    "not_a_workbook.xlsx": "is not an Excel workbook that can be opened",
    "empty.csv": "is empty",
    "header_only.csv": "has a header but no rows of data",
    "binary.csv": "is not a text file",
}


@pytest.mark.parametrize("name", list(MALFORMED))
def test_an_unreadable_file_gets_a_clear_message_and_changes_nothing(db, name):
    before = content(db)
    with pytest.raises(PcnDataError, match=MALFORMED[name]) as raised:
        upload(name)
    assert name in str(raised.value)
    assert content(db) == before


ROW_PROBLEMS = {
    "unknown_pcn.csv": [(4, "pcn_code", "unknown PCN “U99999”")],
    "out_of_range.csv": [
        (3, "answer", "“Somewhat agree” is not an answer"),
        (5, "answer", "“6” is not an answer"),
    ],
    "duplicates.csv": [
        (4, "respondent_id", "duplicate respondent"),
        (6, "respondent_id", "duplicate respondent"),
    ],
    "bad_date.csv": [(3, "submitted_on", "“31/02/2021”"), (4, "submitted_on", "“yesterday”")],
    "missing_pcn.csv": [(3, "pcn_code", "required answer missing")],
}


@pytest.mark.parametrize("name", list(ROW_PROBLEMS))
def test_every_bad_row_is_named_and_nothing_is_written(db, name):
    before = content(db)
    plan = upload(name).plan(db, wave="2025")
    found = [(p.row, p.column, p.message) for p in plan.problems]
    assert len(found) == len(ROW_PROBLEMS[name])
    for (row, column, words), (r, c, message) in zip(ROW_PROBLEMS[name], found, strict=True):
        assert (row, column) == (r, c) and words in message
    with pytest.raises(ValidationFailed, match="nothing was imported"):
        apply(db, plan)
    assert content(db) == before
    rejected = plan.rejected()
    assert list(rejected["row"]) == sorted({row for row, _, _ in ROW_PROBLEMS[name]})


def test_valid_rows_only_writes_the_good_respondents_and_lists_the_rejected(db):
    plan = upload("unknown_pcn.csv").plan(db, wave="2025")
    good_people = {r["respondent_id"] for r in plan.records["respondent"] if r["_row"] not in plan.bad_rows}
    result = apply(db, plan, valid_only=True)
    assert result["rows_written"] == 3 and result["rows_rejected"] == 1
    stored = set(
        db.query("SELECT respondent_id FROM respondent WHERE batch_id = ?", [result["batch_id"]])[
            "respondent_id"
        ]
    )
    assert stored == good_people
    rejected = plan.rejected()
    assert list(rejected["row"]) == [4] and "U99999" in rejected.iloc[0]["problems"]


def test_a_wide_export_with_a_bad_cell_rejects_that_respondent_only(db):
    data = (FIXTURES / "googleforms.csv").read_bytes().replace(b"Excellent", b"Brilliant", 1)
    plan = Upload(data, "edited.csv").plan(db, wave="2025")
    assert [(p.column, p.message[:12]) for p in plan.problems] == [
        ("How would you rate your PCN’s relationship with the ICS?", "“Brilliant” ")
    ]
    result = apply(db, plan, valid_only=True)
    assert result["respondents"] == 5


def test_reference_import_adds_places_and_pcns_and_keeps_leading_zeros(db):
    plan = upload("reference.csv").plan(db)
    result = apply(db, plan)
    assert (result["place_added"], result["pcn_added"], result["pcn_updated"]) == (1, 3, 0)
    assert db.scalar("SELECT place_code FROM pcn WHERE pcn_code = 'U01234'") == "SL"


def test_reference_import_that_renames_a_pcn_is_undone_to_the_old_name(db):
    text = "ics_code,ics_name,place_code,place_name,pcn_code,pcn_name,practices,list_size\n"
    text += "QE1,Lancashire and South Cumbria ICS,CL,Central Lancashire,U15230,Meadowbank North PCN,9,49000\n"
    old = db.scalar("SELECT name FROM pcn WHERE pcn_code = 'U15230'")
    result = apply(db, Upload(text.encode(), "rename.csv").plan(db))
    assert result["pcn_updated"] == 1
    assert db.scalar("SELECT name FROM pcn WHERE pcn_code = 'U15230'") == "Meadowbank North PCN"
    undo(db, result["batch_id"])
    assert db.scalar("SELECT name FROM pcn WHERE pcn_code = 'U15230'") == old


def test_reference_import_refuses_to_move_a_pcn_between_places(db):
    text = "ics_code,ics_name,place_code,place_name,pcn_code,pcn_name,practices,list_size\n"
    text += "QE1,L&SC,FC,Fylde Coast,U15230,Meadowbank PCN,9,49000\n"
    plan = Upload(text.encode(), "move.csv").plan(db)
    assert [(p.row, p.column) for p in plan.problems] == [(2, "place_code")]


def test_engagement_and_self_assessment_imports(db):
    events = apply(db, upload("engagement.csv").plan(db))
    assert events["events"] == 4
    links = db.query(
        "SELECT e.title, count(*) AS n FROM engagement_event e JOIN engagement_event_pcn USING (event_id) "
        "WHERE e.batch_id = ? GROUP BY ALL",
        [events["batch_id"]],
    )
    assert sorted(links["n"]) == [1, 2, 2, 3]
    # The 2023 round is already assessed in the demo: every row is a clear problem.
    against_2023 = upload("self_assessment.csv")
    text = (FIXTURES / "self_assessment.csv").read_bytes().replace(b",2025,", b",2023,")
    plan = Upload(text, "sa_2023.csv").plan(db)
    assert len(plan.bad_rows) == 6 and "already has" in plan.problems[0].message
    apply(db, upload("template.csv").plan(db, wave="2025"))
    result = apply(db, against_2023.plan(db))
    stages = db.query(
        "SELECT pcn_code, domain_code, stage_code FROM self_assessment WHERE batch_id = ? ORDER BY ALL",
        [result["batch_id"]],
    )
    assert len(stages) == 6
    assert ("U15230", "leadership", "step3") in set(stages.itertuples(index=False, name=None))


def test_mentimeter_voters_become_a_poll_wave_with_the_votes_counted(db):
    plan = upload("mentimeter.xlsx").plan(db, wave="MB-2023-05", place="MB")
    result = apply(db, plan)
    assert result["questions"] == 6
    votes = db.query(
        "SELECT q.question_code, q.kind, v.option_code, count(*) AS n FROM poll_vote v "
        "JOIN poll_question q USING (poll_question_id) GROUP BY ALL"
    )
    rel = votes[votes["question_code"] == "rel_ics"].set_index("option_code")["n"].to_dict()
    assert rel == {"poor": 1, "fair": 1, "good": 2, "excellent": 1, "dont_know": 1}
    clear = votes[votes["question_code"] == "role_clear_self"].set_index("option_code")["n"].to_dict()
    assert clear == {"a": 3, "sa": 1, "n": 1, "d": 1}  # 4, 5, 3, 4, 2, 4 on Mentimeter's 1-5
    wave = db.query("SELECT kind, place_code FROM wave WHERE wave_code = 'MB-2023-05'").iloc[0]
    assert tuple(wave) == ("poll", "MB")


def test_a_confirmed_mapping_is_saved_and_proposed_for_the_next_file_from_the_same_tool(db):
    up = upload("msforms.xlsx")
    mapping = {p.header: p.target for p in up.proposals(db)}
    mapping["How long have you been in this role?"] = "ignore"  # the user corrects one column
    # ... and confirms that its answers are left out.
    apply(db, up.plan(db, wave="2025", mapping=mapping, ignore_unmapped=True), imported_by="facilitator")
    again = {p.header: (p.target, p.how) for p in propose(db, "msforms", list(mapping))}
    assert again["How long have you been in this role?"] == ("ignore", "saved")
    assert again["Which PCN do you work in?"] == ("pcn", "saved")
    # Another tool's columns are not affected.
    other = {p.header: p.target for p in propose(db, "googleforms", ["How long have you been in this role?"])}
    assert other["How long have you been in this role?"] == "years"


def test_reworded_headers_are_matched_by_wording_and_unrelated_ones_are_left_for_a_person(db):
    proposals = {
        p.header: (p.target, p.how)
        for p in propose(
            db,
            "generic",
            [
                "4) I am clear about what is expected from me as a CD",
                "I’ve agreed clear boundaries for my role with external partners",
                "Favourite biscuit",
            ],
        )
    }
    assert proposals["4) I am clear about what is expected from me as a CD"][0] == "role_clear_self"
    assert (
        proposals["I’ve agreed clear boundaries for my role with external partners"][0] == "role_boundaries"
    )
    assert proposals["Favourite biscuit"] == ("ignore", "no match")


def test_a_file_with_no_pcn_column_is_refused_as_a_whole(db):
    up = upload("googleforms.csv")
    mapping = {p.header: p.target for p in up.proposals(db)}
    mapping["Which PCN do you work in?"] = "ignore"
    plan = up.plan(db, wave="2025", mapping=mapping)
    assert "no column is mapped to the PCN" in str(plan.file_problems[0])
    with pytest.raises(ValidationFailed):
        apply(db, plan, valid_only=True)


def test_reading_limits_and_encodings(monkeypatch):
    assert openpyxl.xml.DEFUSEDXML is True  # workbooks are parsed with defusedxml
    monkeypatch.setenv("PCN_MAX_UPLOAD_MB", "0.001")
    with pytest.raises(ImportFileError, match=r"over the 0 MB limit|over the .* MB limit"):
        read_file((FIXTURES / "googleforms.csv").read_bytes(), "big.csv")
    monkeypatch.delenv("PCN_MAX_UPLOAD_MB")
    book = read_file((FIXTURES / "googleforms.csv").read_bytes(), "g.csv")
    assert book.encoding == "utf-8-sig" and book.first.rows[0][0] == "Timestamp"
    assert read_file((FIXTURES / "googleforms_cp1252.csv").read_bytes(), "w.csv").encoding == "cp1252"
    assert read_file("code\n007\n".encode("utf-16"), "u16.csv").first.rows[1] == ["007"]
    assert str(parse_date("03/04/2025")) == "2025-04-03"  # UK: 3 April
    assert parse_date("31/02/2021") is None


def test_a_csv_row_that_stops_short_reads_as_blank_cells(db):
    # Spreadsheet programs end a CSV row at its last filled cell; a worksheet's rows are all as wide.
    assert read_file(b"a,b,c\n1\n2,3\n", "short.csv").first.rows == [
        ["a", "b", "c"],
        ["1", "", ""],
        ["2", "3", ""],
    ]
    lines = (FIXTURES / "self_assessment.csv").read_text().splitlines()
    lines[1] = lines[1].rsplit(",", 1)[0]  # the first assessment without its date, or the comma before it
    apply(db, upload("template.csv").plan(db, wave="2025"))  # the wave the assessments belong to
    result = apply(db, Upload("\n".join(lines).encode(), "short_sa.csv").plan(db))
    assert result["assessments"] == 6


def test_two_uploads_of_one_file_at_once_land_once(db):
    plans = [upload("template.csv").plan(db, wave="2025") for _ in range(4)]
    results, errors = [], []

    def run(plan):
        try:
            results.append(apply(db, plan))
        except ValidationFailed as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(p,)) for p in plans]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert db.scalar("SELECT count(*) FROM import_batch WHERE kind = 'survey'") == 1
    assert (
        db.scalar("SELECT count(*) FROM respondent r JOIN wave w USING (wave_id) WHERE wave_code = '2025'")
        == 6
    )


def test_the_template_lists_every_question_and_round_trips(db, tmp_path):
    book = read_file(batches.template_xlsx(db), "template.xlsx")
    sheets = {s.name: s for s in book.sheets}
    codes = {r[0] for r in sheets["questions"].rows[1:]}
    assert codes == set(db.query("SELECT question_code FROM question")["question_code"])
    assert "U02122" in {r[1] for r in sheets["codes"].rows}
    # The example rows use a placeholder PCN, which validation names.
    plan = Upload(batches.template_xlsx(db), "template.xlsx").plan(db, wave="2025")
    assert {p.column for p in plan.problems} == {"pcn_code"}


def test_command_line_exit_codes(db, capsys):
    path = db.path
    db.close()
    try:
        assert main(["import", str(FIXTURES / "out_of_range.csv"), "--db", str(path), "--wave", "2025"]) == 1
        out = capsys.readouterr().out
        assert "row 3, column “answer”" in out and "Nothing was imported" in out
        assert (
            main(["import", str(FIXTURES / "msforms.xlsx"), "--db", str(path), "--wave", "2025", "--dry-run"])
            == 0
        )
        assert "Dry run: nothing was written" in capsys.readouterr().out
        assert main(["import", str(FIXTURES / "msforms.xlsx"), "--db", str(path)]) == 2  # no --wave
        assert main(["import", str(FIXTURES / "nope.csv"), "--db", str(path)]) == 2
        assert main(["import", str(FIXTURES / "msforms.xlsx"), "--db", str(path), "--kind", "reference"]) == 2
        assert main(["import", str(FIXTURES / "empty.csv"), "--db", str(path), "--wave", "2025"]) == 1
        assert main(["import", str(FIXTURES / "msforms.xlsx"), "--db", str(path), "--wave", "2025"]) == 0
        check = Database(path, read_only=True)
        assert check.scalar("SELECT count(*) FROM respondent WHERE batch_id > 1") == 6
        check.close()
    finally:
        Database.__init__(db, path)


def test_a_csv_cut_off_inside_a_quoted_answer_is_reported_as_truncated(db):
    data = (FIXTURES / "googleforms.csv").read_bytes()
    cut = data[: len(data) * 2 // 3]
    while cut.count(b'"') % 2 == 0:  # end inside a quoted field
        cut = cut[:-1]
    with pytest.raises(ImportFileError, match="truncated or its quotes unbalanced"):
        read_file(cut, "cut.csv")


def test_rejected_rows_download_cannot_run_as_a_spreadsheet_formula(db):
    from pcn_data.reports.exports import csv_bytes

    text = (FIXTURES / "unknown_pcn.csv").read_text(encoding="utf-8").replace("U99999", "=HYPERLINK(1)")
    plan = Upload(text.encode(), "formula.csv").plan(db, wave="2025")
    out = csv_bytes(plan.rejected()).decode("utf-8-sig")
    assert "'=HYPERLINK(1)" in out and ",=HYPERLINK" not in out


def test_an_import_into_the_demo_file_marks_it_mixed_until_the_import_is_undone(db):
    assert db.dataset() == "demo"
    batch = apply(db, upload("template.csv").plan(db, wave="2025"))["batch_id"]
    assert db.dataset() == "mixed"
    undo(db, batch)
    assert db.dataset() == "demo"
