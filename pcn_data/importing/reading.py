"""Reading an uploaded file into rows of text cells: CSV in any of the encodings Excel and the
survey tools write, or an XLSX workbook read with openpyxl (defusedxml installed).

A file is bounded before it is read: its size, then what it declares (a workbook's uncompressed
size, compression ratio, worksheet dimensions and XML entity declarations; a CSV's lines and
columns), then while it is read (rows, columns and cells), and only then padded into a table. A
file past a limit is refused with one sentence that names the limit and the number."""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import logging
import os
import re
import traceback
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field

from pcn_data.core import logs
from pcn_data.core.errors import PcnDataError

logger = logging.getLogger(__name__)

DEFAULT_MAX_MB = 20
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")

# Limits of one import. A real survey export is a few thousand rows by a few hundred columns;
# these keep a file within PCN_MAX_UPLOAD_MB under 300 MB of memory from reading to plan. The row
# and cell limits are for the default 20 MB and grow with PCN_MAX_UPLOAD_MB (and so does memory).
MAX_COLUMNS = 1_000
MAX_ROWS = 50_000
MAX_CELLS = 400_000  # rows x columns of the table once padded
MAX_UNCOMPRESSED_MB = 100  # all the parts of a workbook, uncompressed
MAX_COMPRESSION_RATIO = 100  # a part's uncompressed size / compressed size (Excel writes ~10)
MAX_ZIP_ENTRIES = 1_000
# Every part but a worksheet (which is streamed) is parsed whole: shared strings, styles. A
# million short shared strings (28 MB of XML) take 190 MB in Python.
MAX_PART_MB = 8
_RATIO_FLOOR = 1024 * 1024  # parts smaller than this may be compressed any amount


class ImportFileError(PcnDataError):
    """The file cannot be read at all; the message says why and what to do."""


class ImportLimitError(ImportFileError):
    """The file is past one of the limits of an import; the message names it and the number."""


def too_big(
    file_name: str, what: str, limit: str, advice: str = "split it into smaller files"
) -> ImportLimitError:
    """Return the one-sentence refusal of a file past a limit."""
    logger.info("Refused %s: %s (limit %s)", file_name, what, limit)
    return ImportLimitError(f"{file_name} {what}, over the limit of {limit} for one import: {advice}.")


def failed(file_name: str, exc: BaseException) -> ImportFileError:
    """Return the one-sentence message of an unexpected failure while importing a file, and log
    its cause for the operator."""
    if isinstance(exc, MemoryError):
        logger.error("Import of %s ran out of memory", file_name, exc_info=exc)
        return ImportFileError(
            f"{file_name} needs more memory than this server has to import it: split it into smaller files."
        )
    # The cause's message may quote a cell of the file (a KeyError on an answer, a ValueError on a
    # value): logged without its quoted values, with the line that raised it.
    logger.error("Import of %s failed: %s", file_name, logs.cause(exc))
    # Its frames alone (file, line, code), which hold no cell: the message is the part that may.
    frames = "".join(traceback.format_tb(exc.__traceback__))
    logger.debug("where the import of %s failed:\n%s", file_name, frames)
    return ImportFileError(
        f"{file_name} could not be imported because the importer failed ({type(exc).__name__}): nothing "
        f"was written, and the details are in the server's log."
    )


@dataclass
class Sheet:
    """One table of text cells; `rows[0]` is the file's first row (row 1 in a spreadsheet)."""

    name: str
    rows: list[list[str]]


@dataclass
class Workbook:
    """What was read from a file: its sheets, and how the text was decoded."""

    file_name: str
    sheets: list[Sheet]
    encoding: str | None = None  # None for XLSX
    notes: list[str] = field(default_factory=list)

    @property
    def first(self) -> Sheet:
        """Return the first sheet with any cell filled."""
        for sheet in self.sheets:
            if any(any(cell.strip() for cell in row) for row in sheet.rows):
                return sheet
        return self.sheets[0]


def max_upload_bytes() -> int:
    """Return the size limit of an import ($PCN_MAX_UPLOAD_MB, default 20 MB)."""
    raw = os.environ.get("PCN_MAX_UPLOAD_MB", "").strip()
    try:
        megabytes = float(raw) if raw else DEFAULT_MAX_MB
    except ValueError as exc:
        logger.warning("setting PCN_MAX_UPLOAD_MB refused", exc_info=exc)
        raise ImportFileError(f"PCN_MAX_UPLOAD_MB must be a number of megabytes, not {raw!r}.") from exc
    return int(megabytes * 1024 * 1024)


def _scaled(limit: int) -> int:
    """Return a row or cell limit scaled with PCN_MAX_UPLOAD_MB (never below the default)."""
    return max(limit, int(limit * max_upload_bytes() / (DEFAULT_MAX_MB * 1024 * 1024)))


def max_rows() -> int:
    """Return the most rows one import may have."""
    return _scaled(MAX_ROWS)


def max_cells() -> int:
    """Return the most cells (rows x columns, once padded) one import may have."""
    return _scaled(MAX_CELLS)


def max_upload_mb() -> int:
    """Return the size limit of an import in whole megabytes (for the upload widget)."""
    return max(1, -(-max_upload_bytes() // (1024 * 1024)))


def read_file(data: bytes, file_name: str) -> Workbook:
    """Return the sheets of a CSV or XLSX file; raise ImportFileError with a plain reason."""
    limit = max_upload_bytes()
    if len(data) > limit:
        raise ImportFileError(
            f"{file_name} is {len(data) / 1024 / 1024:.1f} MB, over the {limit / 1024 / 1024:.0f} MB "
            f"limit for one import: split it, or remove columns the dashboard does not use."
        )
    if not data.strip():
        raise ImportFileError(f"{file_name} is empty: export the responses again and import the new file.")
    lower = file_name.lower()
    if lower.endswith(".xls") and data[:4] != b"PK\x03\x04":
        raise ImportFileError(
            f"{file_name} is an old-style Excel file (.xls): open it in Excel and save it as .xlsx or CSV."
        )
    with guarded(file_name):  # a library's own error: one sentence for the user, the cause logged
        if lower.endswith((".xlsx", ".xlsm")) or data[:4] == b"PK\x03\x04":
            return _read_xlsx(data, file_name)
        return _read_csv(data, file_name)


@contextlib.contextmanager
def guarded(file_name: str):
    """Turn any exception that is not the app's own (a library's, a MemoryError) into one
    sentence about the file (ImportFileError), and log its cause for the operator."""
    try:
        yield
    except PcnDataError:
        raise
    except Exception as exc:
        # Deliberately no cause: a traceback of the chain would print the message that failed()
        # logs only without its values (a cell of the file); the log line has the type and place.
        raise failed(file_name, exc) from None


def _decode(data: bytes, file_name: str) -> tuple[str, str]:
    """Return the text of a CSV file and the encoding that read it."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data.decode("utf-8-sig", errors="strict"), "utf-8-sig"  # no copy of the bytes
    if data.startswith(_UTF16_BOMS):
        return data.decode("utf-16"), "utf-16"
    if b"\x00" in data:
        raise ImportFileError(
            f"{file_name} is not a text file (it contains binary data): export it as CSV or XLSX."
        )
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        # Excel on Windows saves "CSV" in Windows-1252, not UTF-8.
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError as exc:
        # Its message names a byte and its position, never the text (which only .object holds).
        logger.info("Refused %s: %s", file_name, logs.cause(exc))
        raise ImportFileError(
            f"{file_name} is in a text encoding the importer cannot read (byte {exc.start + 1} is "
            f"not UTF-8 or Windows-1252): save it again as 'CSV UTF-8'."
        ) from exc


def _rectangular(rows: list[list[str]], file_name: str) -> list[list[str]]:
    """Return the rows padded with blank cells to the widest: every reader of a sheet may index
    any column (a CSV row, unlike a worksheet's, stops at its last non-empty cell). The padded
    size is checked first."""
    width = max((len(r) for r in rows), default=0)
    if width * len(rows) > max_cells():
        raise too_big(
            file_name,
            f"is {len(rows):,} rows by {width:,} columns ({width * len(rows):,} cells)",
            f"{max_cells():,} cells",
            "split it, or remove columns the dashboard does not use",
        )
    for r in rows:
        r.extend([""] * (width - len(r)))  # in place: a copy of every row would double the peak
    return rows


class _Counter:
    """Rows and cells read so far from one file, checked against the limits as they come."""

    def __init__(self, file_name: str) -> None:
        self.file_name = file_name
        self.rows = 0
        self.cells = 0
        self.max_rows, self.max_cells = max_rows(), max_cells()
        self._shared: dict[str, str] = {}

    def kept(self, row: list[str], where: str = "") -> list[str]:
        """Return the row after counting it, each short cell one shared string: the same answer
        label in 30,000 rows is then stored once (a fifth of a big file's memory)."""
        self.add(row, where)
        shared = self._shared
        return [shared.setdefault(cell, cell) if len(cell) <= 64 else cell for cell in row]

    def add(self, row: list[str], where: str = "") -> None:
        self.rows += 1
        self.cells += len(row)
        if len(row) > MAX_COLUMNS:
            raise too_big(self.file_name, f"has {len(row):,} columns{where}", f"{MAX_COLUMNS:,} columns")
        if self.rows > self.max_rows:
            raise too_big(
                self.file_name, f"has more than {self.max_rows:,} rows{where}", f"{self.max_rows:,} rows"
            )
        if self.cells > self.max_cells:
            raise too_big(
                self.file_name, f"has more than {self.max_cells:,} cells{where}", f"{self.max_cells:,} cells"
            )


_QUOTED = re.compile(r'"[^"]*"')


def _newline(text: str) -> str:
    """Return what ends a line of the text: LF (and CRLF), or CR alone in an old Mac file."""
    return "\n" if "\n" in text or "\r" not in text else "\r"


def _lines(text: str):
    """Yield the lines of text with their line ends, as csv.reader reads a file opened with
    newline=""."""
    newline = _newline(text)
    start = 0
    while start < len(text):
        end = text.find(newline, start)
        end = len(text) if end < 0 else end + 1
        yield text[start:end]
        start = end


def _check_csv_shape(text: str, delimiter: str, file_name: str) -> None:
    """Refuse a CSV whose lines or columns are past the limits, before any row is parsed (a
    parsed row of 2 million columns would alone take hundreds of megabytes). Lines are scanned
    in place, without copying the text."""
    newline = _newline(text)
    lines = text.count(newline) + 1
    if lines > max_rows() + 1:
        raise too_big(file_name, f"has {lines:,} lines", f"{max_rows():,} rows")
    if text.count(delimiter) < MAX_COLUMNS:
        return
    start, number = 0, 1
    while start < len(text):
        end = text.find(newline, start)
        end = len(text) if end < 0 else end
        if text.count(delimiter, start, end) >= MAX_COLUMNS:
            # Delimiters inside quotes do not count.
            columns = _QUOTED.sub("", text[start:end]).count(delimiter) + 1
            if columns > MAX_COLUMNS:
                raise too_big(
                    file_name, f"has {columns:,} columns in line {number:,}", f"{MAX_COLUMNS:,} columns"
                )
        start, number = end + 1, number + 1


def _read_csv(data: bytes, file_name: str) -> Workbook:
    """Return the one sheet of a CSV file, every cell kept as text (leading zeros intact)."""
    text, encoding = _decode(data, file_name)
    sample = text[:8192]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    _check_csv_shape(text, delimiter, file_name)
    # Lines are sliced from the text one at a time: a StringIO would hold a copy four times its size.
    reader = csv.reader(_lines(text), delimiter=delimiter, strict=True)
    rows: list[list[str]] = []
    counter = _Counter(file_name)
    try:
        for row in reader:
            rows.append(counter.kept([cell.strip() for cell in row]))
    except csv.Error as exc:  # its messages name a character or a limit, never a field's text
        logger.info("Refused %s: %s", file_name, logs.cause(exc))
        raise ImportFileError(
            f"{file_name} could not be read past row {reader.line_num} ({exc}): the file may be "
            f"truncated or its quotes unbalanced; export it again."
        ) from exc
    notes = [] if encoding.startswith("utf") else ["Read as Windows-1252 (the file was not UTF-8)."]
    return Workbook(file_name, [Sheet("CSV", _rectangular(rows, file_name))], encoding=encoding, notes=notes)


def _cell_text(value) -> str:
    """Return a cell value as the text a person sees in the sheet."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        return (
            value.strftime("%Y-%m-%d %H:%M:%S") if value.time() != dt.time() else value.strftime("%Y-%m-%d")
        )
    if isinstance(value, dt.date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\s+ref=\"([A-Za-z]*)(\d*)(?::([A-Za-z]*)(\d*))?\"")
_HEAD_BYTES = 64 * 1024  # how much of each XML part is read to find its DOCTYPE and dimension


def _column_number(letters: str) -> int:
    """Return the number of a column from its letters (A = 1, XFD = 16384)."""
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


def _check_workbook(data: bytes, file_name: str) -> None:
    """Refuse a workbook from what its zip directory and its XML parts declare, before openpyxl
    reads it: too many parts, too big or too compressed uncompressed, entity declarations, or a
    worksheet declared past the row, column or cell limits."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as exc:
        logger.info("Refused %s: %s", file_name, logs.cause(exc))  # the zip directory, not a cell
        raise ImportFileError(
            f"{file_name} is not an Excel workbook that can be opened (it may be truncated, or "
            f"another kind of file renamed .xlsx): export it again as .xlsx or CSV."
        ) from exc
    with archive:
        infos = archive.infolist()
        if len(infos) > MAX_ZIP_ENTRIES:
            raise too_big(file_name, f"holds {len(infos):,} parts", f"{MAX_ZIP_ENTRIES:,} parts")
        total = sum(i.file_size for i in infos)
        if total > MAX_UNCOMPRESSED_MB * 1024 * 1024:
            raise too_big(
                file_name,
                f"is {total / 1024 / 1024:,.0f} MB uncompressed",
                f"{MAX_UNCOMPRESSED_MB} MB uncompressed",
                "save it again from Excel with fewer rows, or export it as CSV",
            )
        for info in infos:
            ratio = info.file_size / max(info.compress_size, 1)
            if info.file_size > _RATIO_FLOOR and ratio > MAX_COMPRESSION_RATIO:
                raise too_big(
                    file_name,
                    f"has a part ({info.filename}) compressed {ratio:,.0f} to 1, "
                    f"{info.file_size / 1024 / 1024:,.0f} MB uncompressed",
                    f"{MAX_COMPRESSION_RATIO} to 1",
                    "it is not a workbook as Excel writes it, so export it again",
                )
        for info in infos:
            if not info.filename.lower().endswith((".xml", ".rels", ".vml")):
                continue
            if not info.filename.startswith("xl/worksheets/") and info.file_size > MAX_PART_MB * 1024 * 1024:
                raise too_big(
                    file_name,
                    f"has a part ({info.filename}) of {info.file_size / 1024 / 1024:,.0f} MB uncompressed",
                    f"{MAX_PART_MB} MB uncompressed for a part other than a worksheet",
                    "split it into smaller files, or export it as CSV",
                )
            with archive.open(info) as part:
                head = part.read(_HEAD_BYTES)
            if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
                raise ImportFileError(
                    f"{file_name} declares XML entities (a DOCTYPE in {info.filename}), which a workbook "
                    f"saved by Excel never has and which the importer refuses: save it again from Excel."
                )
            match = _DIMENSION.search(head) if info.filename.startswith("xl/worksheets/") else None
            if match:
                first_col, first_row, last_col, last_row = (g.decode() for g in match.groups(b""))
                columns = _column_number(last_col or first_col)
                rows = int(last_row or first_row or 0)
                if columns > MAX_COLUMNS:
                    raise too_big(
                        file_name, f"has a worksheet {columns:,} columns wide", f"{MAX_COLUMNS:,} columns"
                    )
                if rows > max_rows():
                    raise too_big(file_name, f"has a worksheet of {rows:,} rows", f"{max_rows():,} rows")
                if rows * columns > max_cells():
                    raise too_big(
                        file_name,
                        f"has a worksheet of {rows:,} rows by {columns:,} columns",
                        f"{max_cells():,} cells",
                    )


def _trimmed(values: Iterable) -> list[str]:
    """Return a worksheet row as text cells, without the blank cells after the last filled one."""
    row = [_cell_text(v) for v in values]
    while row and not row[-1]:
        row.pop()
    return row


def _read_xlsx(data: bytes, file_name: str) -> Workbook:
    """Return every sheet of an XLSX workbook as text cells."""
    _check_workbook(data, file_name)
    # Imported here so that the dashboard starts without paying for openpyxl.
    import openpyxl
    from defusedxml.common import DefusedXmlException
    from openpyxl.utils.exceptions import InvalidFileException

    def refused(exc: DefusedXmlException) -> ImportFileError:
        logger.info("Refused %s: %s", file_name, logs.cause(exc))
        return ImportFileError(
            f"{file_name} declares XML entities ({type(exc).__name__}), which a workbook saved by Excel "
            f"never has and which the importer refuses: save it again from Excel."
        )

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except DefusedXmlException as exc:
        raise refused(exc) from exc  # it names the entity a hostile file declares, not a cell
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, EOFError, ValueError) as exc:
        if isinstance(exc.__cause__ or exc.__context__, DefusedXmlException):
            declared = exc.__cause__ or exc.__context__
            raise refused(declared) from declared
        # Deliberately no cause, here and below: openpyxl's errors while it parses the shared
        # strings or the cells can quote one (a survey answer), so logs.cause logs them without it.
        logger.info("Refused %s: %s", file_name, logs.cause(exc))
        raise ImportFileError(
            f"{file_name} is not an Excel workbook that can be opened (it may be truncated, or "
            f"another kind of file renamed .xlsx): export it again as .xlsx or CSV."
        ) from None
    sheets = []
    try:
        counter = _Counter(file_name)  # the limits hold for the whole workbook, not each sheet
        for ws in book.worksheets:
            rows = []
            for values in ws.iter_rows(values_only=True):
                rows.append(counter.kept(_trimmed(values), f" in worksheet “{ws.title}”"))
            sheets.append(Sheet(ws.title, _rectangular(rows, file_name)))
    except DefusedXmlException as exc:
        raise refused(exc) from exc
    except (zipfile.BadZipFile, KeyError, OSError, EOFError, ValueError) as exc:
        logger.info("Refused %s: %s", file_name, logs.cause(exc))  # no cause chained: see above
        raise ImportFileError(
            f"{file_name} could not be read to the end ({type(exc).__name__}): the workbook may be "
            f"damaged or truncated, so export it again."
        ) from None
    finally:
        book.close()
    if not sheets:
        raise ImportFileError(f"{file_name} has no worksheets.")
    return Workbook(file_name, sheets)


_DATE_FORMATS = (
    "%d/%m/%Y",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%Y-%m-%d",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y/%m/%d %H:%M:%S",
    "%d-%m-%Y",
    "%d.%m.%Y",
    "%d/%m/%y",
)
# SurveyMonkey writes US dates with AM/PM ("11/23/2026 10:15:32 AM"); tried only after UK forms.
_US_FORMATS = ("%Y/%m/%d %I:%M:%S %p", "%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %I:%M %p")
# A day-first form and its month-first twin, for files whose order is chosen per file: a Forms
# export resaved as CSV in the US reads "11/3/25 9:14:02" (3 November 2025).
_DAY_FIRST = (
    "%d/%m/%Y",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d/%m/%y",
    "%d/%m/%y %H:%M:%S",
    "%d/%m/%y %H:%M",
)
_MONTH_FIRST = tuple(f.replace("%d/%m", "%m/%d") for f in _DAY_FIRST) + (
    "%m/%d/%y %I:%M:%S %p",
    "%m/%d/%y %I:%M %p",
)
_ZONE = re.compile(r"\s+(GMT|BST|UTC)([+-]\d{1,2}(:?\d{2})?)?$")
_SLASHED = re.compile(r"^(\d{1,2})/(\d{1,2})/\d{2,4}\b")


def parse_date(text: str, *, month_first: bool = False) -> dt.date | None:
    """Return the date in text (day-first unless month_first, ISO, or a tool's timestamp), or None
    if unparseable."""
    # Google Forms appends a time zone ("23/11/2026 10:15:32 GMT", "2023/05/15 9:12:44 AM GMT+1").
    text = _ZONE.sub("", " ".join(text.split()))
    formats = (
        _MONTH_FIRST + _DATE_FORMATS + _US_FORMATS
        if month_first
        else _DATE_FORMATS + _DAY_FIRST + _US_FORMATS
    )
    for fmt in formats:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


# The order a tool writes dd/mm against mm/dd in text, when the values do not decide it.
_MONTH_FIRST_TOOLS = {
    "surveymonkey": "SurveyMonkey writes US dates",
    "msforms": "Microsoft Forms writes US dates",
}


def date_order(values, source_format: str) -> tuple[bool, str]:
    """Return (month first, why) for the text dates of one file: a first number over 12 means day
    first, a second number over 12 month first; otherwise the tool's own habit."""
    firsts, seconds = set(), set()
    for value in values:
        match = _SLASHED.match(value.strip())
        if match:
            firsts.add(int(match.group(1)))
            seconds.add(int(match.group(2)))
    if not firsts:
        return False, ""
    if max(firsts) > 12 and max(seconds) <= 12:
        return False, "Dates read day first (dd/mm): a date in the file has a day over 12 first."
    if max(seconds) > 12 and max(firsts) <= 12:
        return True, "Dates read month first (mm/dd): a date in the file has a day over 12 second."
    if source_format in _MONTH_FIRST_TOOLS:
        return (
            True,
            f"Dates read month first (mm/dd): {_MONTH_FIRST_TOOLS[source_format]}, and no date decides it.",
        )
    return False, "Dates read day first (dd/mm), the UK order: no date in the file decides it."
