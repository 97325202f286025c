"""Downloads: aggregated tables as CSV, safe to open in a spreadsheet."""

from __future__ import annotations

import pandas as pd

# A cell starting with one of these is run as a formula by Excel and LibreOffice.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(df: pd.DataFrame) -> pd.DataFrame:
    """Return a copy whose text cells cannot be read as spreadsheet formulas (prefixed with ')."""
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(
                lambda v: f"'{v}" if isinstance(v, str) and v.startswith(FORMULA_STARTS) else v
            )
    out.columns = [f"'{c}" if str(c).startswith(FORMULA_STARTS) else c for c in out.columns]
    return out


def csv_bytes(df: pd.DataFrame) -> bytes:
    """Return an aggregated table as UTF-8 CSV with a byte-order mark, so Excel reads it right."""
    return neutralise(df).to_csv(index=False).encode("utf-8-sig")


def xlsx_bytes(df: pd.DataFrame, sheet: str = "results") -> bytes:
    """Return an aggregated table as an XLSX workbook, with formula-like cells neutralised."""
    import io

    out = io.BytesIO()
    with pd.ExcelWriter(out, engine="openpyxl") as writer:
        neutralise(df).to_excel(writer, sheet_name=sheet[:31], index=False)
    return out.getvalue()
