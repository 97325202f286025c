"""Reading an uploaded file into rows of text cells: CSV in any of the encodings Excel and the
survey tools write, or an XLSX workbook read with openpyxl (defusedxml installed)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
import zipfile
from dataclasses import dataclass, field

from pcn_data.errors import PcnDataError

DEFAULT_MAX_MB = 20
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


class ImportFileError(PcnDataError):
    """The file cannot be read at all; the message says why and what to do."""


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
    except ValueError:
        raise ImportFileError(f"PCN_MAX_UPLOAD_MB must be a number of megabytes, not {raw!r}.") from None
    return int(megabytes * 1024 * 1024)


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
    if lower.endswith((".xlsx", ".xlsm")) or data[:4] == b"PK\x03\x04":
        return _read_xlsx(data, file_name)
    if lower.endswith(".xls"):
        raise ImportFileError(
            f"{file_name} is an old-style Excel file (.xls): open it in Excel and save it as .xlsx or CSV."
        )
    return _read_csv(data, file_name)


def _decode(data: bytes, file_name: str) -> tuple[str, str]:
    """Return the text of a CSV file and the encoding that read it."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict"), "utf-8-sig"
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
        raise ImportFileError(
            f"{file_name} is in a text encoding the importer cannot read (byte {exc.start + 1} is "
            f"not UTF-8 or Windows-1252): save it again as 'CSV UTF-8'."
        ) from None


def _rectangular(rows: list[list[str]]) -> list[list[str]]:
    """Return the rows padded with blank cells to the widest: every reader of a sheet may index
    any column (a CSV row, unlike a worksheet's, stops at its last non-empty cell)."""
    width = max((len(r) for r in rows), default=0)
    return [r + [""] * (width - len(r)) for r in rows]


def _read_csv(data: bytes, file_name: str) -> Workbook:
    """Return the one sheet of a CSV file, every cell kept as text (leading zeros intact)."""
    text, encoding = _decode(data, file_name)
    sample = text[:8192]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows: list[list[str]] = []
    try:
        for row in reader:
            rows.append([cell.strip() for cell in row])
    except csv.Error as exc:
        raise ImportFileError(
            f"{file_name} could not be read past row {reader.line_num} ({exc}): the file may be "
            f"truncated or its quotes unbalanced; export it again."
        ) from None
    notes = [] if encoding.startswith("utf") else ["Read as Windows-1252 (the file was not UTF-8)."]
    return Workbook(file_name, [Sheet("CSV", _rectangular(rows))], encoding=encoding, notes=notes)


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


def _read_xlsx(data: bytes, file_name: str) -> Workbook:
    """Return every sheet of an XLSX workbook as text cells."""
    # Imported here so that the dashboard starts without paying for openpyxl.
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, EOFError):
        raise ImportFileError(
            f"{file_name} is not an Excel workbook that can be opened (it may be truncated, or "
            f"another kind of file renamed .xlsx): export it again as .xlsx or CSV."
        ) from None
    sheets = []
    try:
        for ws in book.worksheets:
            rows = [[_cell_text(v) for v in row] for row in ws.iter_rows(values_only=True)]
            sheets.append(Sheet(ws.title, _rectangular(rows)))
    except (zipfile.BadZipFile, KeyError, OSError, EOFError, ValueError) as exc:
        raise ImportFileError(
            f"{file_name} could not be read to the end ({type(exc).__name__}): the workbook may be "
            f"damaged or truncated; export it again."
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
_ZONE = re.compile(r"\s+(GMT|BST|UTC)([+-]\d{1,2}(:?\d{2})?)?$")


def parse_date(text: str) -> dt.date | None:
    """Return the date in text (UK day-first, ISO, or a tool's timestamp), or None if unparseable."""
    # Google Forms appends a time zone ("23/11/2026 10:15:32 GMT", "2023/05/15 9:12:44 AM GMT+1").
    text = _ZONE.sub("", " ".join(text.split()))
    for fmt in _DATE_FORMATS + _US_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None
