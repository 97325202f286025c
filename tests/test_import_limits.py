"""Hostile files: each is built here, imported with `python -m pcn_data import --dry-run` in a
process limited to 1 GB of address space, and must be refused with one sentence that names the
limit, quickly and within 300 MB, with nothing written. One goes through the Data page too.

Run this file as a script to print the peak memory (VmHWM) of the command line for each file:

    python tests/test_import_limits.py
"""

from __future__ import annotations

import logging
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ADDRESS_SPACE = 1024**3  # 1 GB
# For the biggest files within the limits. Resident memory is what is bounded: DuckDB reserves
# about 600 MB of address space when it opens a file, and an allocator behind pandas reserves
# 1 GB more that it never touches (2.1 GB of address space for 230 MB resident).
BIG_ADDRESS_SPACE = 4 * ADDRESS_SPACE
PEAK_MB = 300

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Responses" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/></Relationships>'
)
_SHEET_OPEN = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>{doctype}'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<dimension ref="{ref}"/><sheetData>'
)
_SHEET_CLOSE = "</sheetData></worksheet>"


def _cell(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def _header_rows() -> str:
    """Two rows of a Google Forms export, so that the file is recognised as a survey."""
    return (
        f'<row r="1">{_cell("A1", "Timestamp")}{_cell("B1", "Your PCN")}</row>'
        f'<row r="2">{_cell("A2", "23/11/2026 10:15:32")}{_cell("B2", "Riverside")}</row>'
    )


def _xlsx(path: Path, sheet_parts, *, padding: bytes = b"") -> Path:
    """Write a minimal workbook whose sheet XML is the concatenation of sheet_parts (strings or
    an iterator of strings, written as they come so that a bomb is never held in memory)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:  # fast
        z.writestr("[Content_Types].xml", _CONTENT_TYPES)
        z.writestr("_rels/.rels", _RELS)
        z.writestr("xl/workbook.xml", _WORKBOOK)
        z.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as f:
            for part in sheet_parts:
                f.write(part.encode())
        if padding:
            z.writestr(zipfile.ZipInfo("xl/media/image1.png"), padding, zipfile.ZIP_STORED)
    return path


def xfd_cell(tmp: Path) -> Path:
    """A 100 KB workbook: 13,000 rows, one cell in column XFD (the last of 16,384)."""
    rows = "".join(f'<row r="{r}">{_cell(f"A{r}", str(r))}</row>' for r in range(3, 13003))
    last = f'<row r="13003">{_cell("XFD13003", "x")}</row>'
    return _xlsx(
        tmp / "xfd.xlsx",
        [_SHEET_OPEN.format(doctype="", ref="A1:XFD13003"), _header_rows(), rows, last, _SHEET_CLOSE],
    )


def xfd_undeclared(tmp: Path) -> Path:
    """The same without a <dimension>: the width is found while reading, row by row."""
    rows = "".join(
        f'<row r="{r}">{_cell(f"A{r}", str(r))}{_cell(f"XFD{r}", "x")}</row>' for r in range(3, 13003)
    )
    sheet_open = _SHEET_OPEN.replace('<dimension ref="{ref}"/>', "")
    return _xlsx(tmp / "xfd2.xlsx", [sheet_open.format(doctype=""), _header_rows(), rows, _SHEET_CLOSE])


def wide_csv(tmp: Path) -> Path:
    """A 4 MB CSV whose header has 2 million columns, then 200 short rows."""
    path = tmp / "wide.csv"
    header = "Timestamp," + ",".join(["q"] * 2_000_000)
    rows = "\n".join(f"23/11/2026 10:15:{i % 60:02d},x" for i in range(200))
    path.write_text(header + "\n" + rows + "\n")
    return path


def zip_bomb(tmp: Path) -> Path:
    """A 14 MB workbook whose sheet holds one cell of 2 GB of text (about 9 MB compressed),
    beside 5 MB of incompressible media."""
    chunk = "a" * (64 * 1024 * 1024)

    def parts():
        yield _SHEET_OPEN.format(doctype="", ref="A1:B3")
        yield _header_rows()
        yield '<row r="3"><c r="A3" t="inlineStr"><is><t>'
        for _ in range(32):
            yield chunk
        yield "</t></is></c></row>"
        yield _SHEET_CLOSE

    return _xlsx(tmp / "bomb.xlsx", parts(), padding=os.urandom(5 * 1024 * 1024))


def dense_bomb(tmp: Path) -> Path:
    """A workbook under the uncompressed limit whose sheet is compressed 200 to 1 (64 MB of one
    cell's text in about 300 KB)."""
    return _xlsx(
        tmp / "dense.xlsx",
        [
            _SHEET_OPEN.format(doctype="", ref="A1:B3"),
            _header_rows(),
            '<row r="3"><c r="A3" t="inlineStr"><is><t>',
            "a" * (64 * 1024 * 1024),
            "</t></is></c></row>",
            _SHEET_CLOSE,
        ],
    )


def shared_strings(tmp: Path) -> Path:
    """A 6 MB workbook whose shared strings table holds a million short strings (28 MB of XML,
    parsed whole by openpyxl: over 300 MB in Python)."""
    path = tmp / "strings.xlsx"
    types = _CONTENT_TYPES.replace(
        "</Types>",
        '<Override PartName="/xl/sharedStrings.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
    )
    rels = _WORKBOOK_RELS.replace(
        "</Relationships>",
        '<Relationship Id="rId2" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" '
        'Target="sharedStrings.xml"/></Relationships>',
    )
    n = 1_000_000
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        z.writestr("[Content_Types].xml", types)
        z.writestr("_rels/.rels", _RELS)
        z.writestr("xl/workbook.xml", _WORKBOOK)
        z.writestr("xl/_rels/workbook.xml.rels", rels)
        sheet = '<row r="3"><c r="A3" t="s"><v>0</v></c></row>'
        z.writestr(
            "xl/worksheets/sheet1.xml",
            _SHEET_OPEN.format(doctype="", ref="A1:B3") + _header_rows() + sheet + _SHEET_CLOSE,
        )
        with z.open("xl/sharedStrings.xml", "w") as f:
            f.write(
                b'<?xml version="1.0" encoding="UTF-8"?><sst '
                b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            )
            f.write("".join(f"<si><t>s{i:08x}{i * 7919 % 100003:05d}</t></si>" for i in range(n)).encode())
            f.write(b"</sst>")
    return path


def xxe(tmp: Path) -> Path:
    """A workbook whose sheet declares an external entity that reads a file of the server."""
    doctype = '<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    rows = f'<row r="3">{_cell("A3", "&xxe;")}</row>'
    return _xlsx(
        tmp / "xxe.xlsx",
        [_SHEET_OPEN.format(doctype=doctype, ref="A1:B3"), _header_rows(), rows, _SHEET_CLOSE],
    )


def billion_laughs(tmp: Path) -> Path:
    """A workbook whose sheet declares entities that expand to a billion 'lol's."""
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10)
    )
    doctype = f"<!DOCTYPE worksheet [{entities}]>"
    rows = f'<row r="3">{_cell("A3", "&lol9;")}</row>'
    return _xlsx(
        tmp / "laughs.xlsx",
        [_SHEET_OPEN.format(doctype=doctype, ref="A1:B3"), _header_rows(), rows, _SHEET_CLOSE],
    )


@dataclass
class Hostile:
    build: object
    says: str  # words the one sentence must contain


HOSTILE = {
    "xfd_cell": Hostile(xfd_cell, "16,384 columns"),
    "xfd_undeclared": Hostile(xfd_undeclared, "16,384 columns"),
    "wide_csv": Hostile(wide_csv, "2,000,001 columns"),
    "zip_bomb": Hostile(zip_bomb, "uncompressed"),
    "dense_bomb": Hostile(dense_bomb, "to 1"),
    "shared_strings": Hostile(shared_strings, "xl/sharedStrings.xml"),
    "xxe": Hostile(xxe, "entit"),
    "billion_laughs": Hostile(billion_laughs, "entit"),
}


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str
    peak_mb: float
    seconds: float


# Runs `python -m pcn_data ARGS` and, as it exits, writes its own peak resident memory (VmHWM).
# ru_maxrss cannot be used here: a child's ru_maxrss starts at the RSS of the process that forked
# it (the test runner, several hundred MB into a full run), and survives the exec.
_RUN_CLI = """
import atexit, os, runpy, sys

def _peak():
    with open("/proc/self/status") as status:
        kb = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
    with open(os.environ["PCN_TEST_PEAK_FILE"], "w") as out:
        out.write(str(kb))

atexit.register(_peak)
sys.argv = ["python -m pcn_data", *sys.argv[1:]]
runpy.run_module("pcn_data", run_name="__main__", alter_sys=True)
"""


def run_import(file: Path, db: Path, timeout: float = 120, address_space: int = ADDRESS_SPACE) -> Run:
    """Run `python -m pcn_data import FILE --dry-run` with 1 GB of address space; return its exit
    code, output, peak resident memory (its VmHWM) and time."""
    out, err = tempfile.TemporaryFile(), tempfile.TemporaryFile()
    peak_file = Path(tempfile.mkdtemp()) / "peak"
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-c", _RUN_CLI, "import", str(file), "--db", str(db), "--wave", "2025", "--dry-run"],
        cwd=ROOT,
        stdout=out,
        stderr=err,
        preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_AS, (address_space, address_space)),
        # Each DuckDB and OpenBLAS thread reserves address space: under 1 GB, one thread each.
        env={
            **os.environ,
            "OPENBLAS_NUM_THREADS": "1",
            "PCN_DUCKDB_THREADS": "1",
            "PCN_TEST_PEAK_FILE": str(peak_file),
        },
    )
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    seconds = time.perf_counter() - start
    out.seek(0)
    err.seek(0)
    # No peak written (the process was killed or crashed): an impossible figure, so a test fails.
    peak_mb = int(peak_file.read_text()) / 1024 if peak_file.exists() else float("inf")
    shutil.rmtree(peak_file.parent)
    return Run(proc.returncode, out.read().decode(), err.read().decode(), peak_mb, seconds)


@pytest.fixture
def db_copy(demo_path, tmp_path) -> Path:
    path = tmp_path / "import.duckdb"
    shutil.copy(demo_path, path)
    return path


def _rows(db: Path) -> int:
    from pcn_data.core.db import Database

    database = Database(db, read_only=True)
    try:
        return database.scalar("SELECT count(*) FROM import_batch") + database.scalar(
            "SELECT count(*) FROM answer"
        )
    finally:
        database.close()


@pytest.mark.parametrize("name", list(HOSTILE))
def test_a_hostile_file_is_refused_in_one_sentence_within_the_memory_bound(name, db_copy, tmp_path):
    hostile = HOSTILE[name]
    file = hostile.build(tmp_path)
    before = _rows(db_copy)
    result = run_import(file, db_copy)
    lines = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert result.returncode == 1, result.stderr[-2000:]
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout, result.stderr[-2000:]
    assert len(lines) == 1, result.stderr[-2000:]
    sentence = lines[0]
    assert file.name in sentence and hostile.says in sentence, sentence
    assert sentence.count(". ") == 0 and sentence.endswith("."), sentence  # one sentence
    assert result.peak_mb < PEAK_MB, f"{result.peak_mb:.0f} MB"
    assert result.seconds < 60
    assert _rows(db_copy) == before


def biggest_survey(tmp: Path, comment_chars: int = 0) -> Path:
    """A Google Forms export at the cell limit: the real fixture's responses repeated, each with
    an email address of its own (so that none is a duplicate); with comment_chars, each last
    answer (the free-text priority) padded to that many characters."""
    import csv

    from pcn_data.importing.reading import MAX_CELLS

    fixture = ROOT / "tests" / "data" / "imports" / "googleforms.csv"
    with fixture.open(encoding="utf-8-sig", newline="") as f:
        head, *rows = list(csv.reader(f))
    path = tmp / ("longest.csv" if comment_chars else "biggest.csv")
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(head)
        for i in range(MAX_CELLS // len(head) - 1):
            row = list(rows[i % len(rows)])
            row[1] = f"person{i}@example.nhs.uk"
            if comment_chars:
                row[-1] = (f"Comment {i}: " + "we need protected time for the network’s work " * 20)[
                    :comment_chars
                ]
            writer.writerow(row)
    return path


def longest_survey(tmp: Path) -> Path:
    """The same, its comments long enough to fill PCN_MAX_UPLOAD_MB (20 MB)."""
    return biggest_survey(tmp, comment_chars=500)


@pytest.mark.parametrize("fixture", ["msforms.xlsx", "surveymonkey.xlsx", "googleforms.csv"])
def test_a_real_export_still_imports_under_the_same_limit(fixture, db_copy):
    result = run_import(ROOT / "tests" / "data" / "imports" / fixture, db_copy)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Dry run: nothing was written." in result.stdout


@pytest.mark.parametrize("build", [biggest_survey, longest_survey])
def test_the_biggest_file_within_the_limits_is_checked_within_300_mb(build, db_copy, tmp_path):
    from pcn_data.importing.reading import MAX_CELLS, max_upload_bytes

    file = build(tmp_path)
    assert file.stat().st_size <= max_upload_bytes()
    result = run_import(file, db_copy, timeout=180, address_space=BIG_ADDRESS_SPACE)
    assert result.returncode in (0, 1) and "error" not in result.stderr, result.stderr[-2000:]
    assert f"{MAX_CELLS // 14 - 1} rows read" in result.stdout
    assert "Dry run: nothing was written." in result.stdout
    assert result.peak_mb < PEAK_MB, f"{result.peak_mb:.0f} MB"


def shown_errors(at) -> list[str]:
    """Return the error messages as a person reads them (markdown's backslash escapes removed:
    text from a file is escaped before it is shown)."""
    return [re.sub(r"\\(.)", r"\1", e.value) for e in at.error]


class _Uploaded:
    """What st.file_uploader returns for one file (AppTest cannot upload one)."""

    def __init__(self, name: str, data: bytes) -> None:
        self.name, self.file_id, self._data = name, f"id-{name}", data

    def getvalue(self) -> bytes:
        return self._data


@pytest.mark.parametrize("name", ["xxe", "xfd_cell"])
def test_a_hostile_file_is_refused_in_one_sentence_on_the_data_page(name, own_copy, tmp_path, monkeypatch):
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    file = HOSTILE[name].build(tmp_path)
    uploaded = _Uploaded(file.name, file.read_bytes())
    real = st.file_uploader
    monkeypatch.setattr(
        st, "file_uploader", lambda *a, **k: uploaded if k.get("key") == "import_file" else real(*a, **k)
    )
    before = own_copy.scalar("SELECT count(*) FROM import_batch")
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    at.run()
    at.switch_page("pages/data.py").run()
    assert not at.exception, at.exception
    errors = shown_errors(at)
    assert len(errors) == 1 and file.name in errors[0] and HOSTILE[name].says in errors[0], errors
    assert own_copy.scalar("SELECT count(*) FROM import_batch") == before


if __name__ == "__main__":
    from pcn_data.demo import build_demo_file

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        db = tmp / "demo.duckdb"
        build_demo_file(db)
        legit = [("biggest_survey", biggest_survey), ("longest_survey", longest_survey)]
        for name, build in [*((n, h.build) for n, h in HOSTILE.items()), *legit]:
            file = build(tmp)
            space = BIG_ADDRESS_SPACE if name.endswith("survey") else ADDRESS_SPACE
            r = run_import(file, db, address_space=space)
            last = (r.stderr.strip().splitlines() or [""])[-1]
            print(
                f"{name:15} {file.stat().st_size / 1024:9.0f} KB  exit {r.returncode}  "
                f"peak {r.peak_mb:6.0f} MB  {r.seconds:5.1f} s  {last[:160]}"
            )


def test_a_library_failure_while_checking_is_one_sentence_on_the_data_page(own_copy, monkeypatch, caplog):
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from pcn_data.importing import survey

    def broken(*args, **kwargs):
        cell = " ".join(["column", "17"])  # a value read from the file, not written in the code
        raise KeyError(cell)  # as a library would fail, deep inside the check

    monkeypatch.setattr(survey, "stage_wide", broken)
    fixture = ROOT / "tests" / "data" / "imports" / "googleforms.csv"
    uploaded = _Uploaded(fixture.name, fixture.read_bytes())
    real = st.file_uploader
    monkeypatch.setattr(
        st, "file_uploader", lambda *a, **k: uploaded if k.get("key") == "import_file" else real(*a, **k)
    )
    before = own_copy.scalar("SELECT count(*) FROM import_batch")
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    at.run()
    at.switch_page("pages/data.py").run()
    caplog.set_level(logging.DEBUG, logger="pcn_data")  # after the first run has set the level
    at.text_input(key="import_wave").input("2025").run()
    at.button(key="import_check").click().run()
    assert not at.exception, at.exception
    errors = shown_errors(at)
    assert errors == [
        "googleforms.csv could not be imported because the importer failed (KeyError): nothing was "
        "written, and the details are in the server's log."
    ]
    assert own_copy.scalar("SELECT count(*) FROM import_batch") == before
    # The cause is logged by its type and the line that raised it; its message may quote a cell of
    # the file, so not its quoted words.
    (logged,) = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
    assert "googleforms.csv failed: KeyError" in logged and "in broken)" in logged
    # At DEBUG, the traceback's frames, and still not the message.
    assert any("in broken" in r.getMessage() for r in caplog.records if r.levelname == "DEBUG")
    assert not [r for r in caplog.records if "column 17" in r.getMessage() or r.exc_info]


def test_a_library_failure_on_the_command_line_is_one_sentence_and_logged(tmp_path):
    # The database's folder cannot be made (a library's OSError, not the app's own error).
    result = run_import(ROOT / "tests" / "data" / "imports" / "googleforms.csv", Path("/proc/no/such.duckdb"))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert errors == [
        "error: the import command failed unexpectedly (FileNotFoundError) and wrote nothing: the cause "
        "is in the log line above."
    ], result.stderr
    assert "log: ERROR pcn_data.cli: import failed: FileNotFoundError" in result.stderr


def test_the_row_and_cell_limits_grow_with_the_upload_limit(monkeypatch):
    # A national survey is larger than a region's: raising PCN_MAX_UPLOAD_MB lets it in.
    from pcn_data.importing.reading import ImportLimitError, read_file

    data = ("a,b\n" + "1,2\n" * 60_000).encode()
    with pytest.raises(ImportLimitError, match="over the limit of 50,000 rows"):
        read_file(data, "many.csv")
    monkeypatch.setenv("PCN_MAX_UPLOAD_MB", "40")
    assert len(read_file(data, "many.csv").first.rows) == 60_001
