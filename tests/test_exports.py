"""CSV downloads cannot smuggle spreadsheet formulas."""

import io

import pandas as pd

from pcn_data.reports.exports import csv_bytes, neutralise


def test_cells_starting_with_formula_characters_are_neutralised():
    df = pd.DataFrame(
        {"Group": ['=HYPERLINK("x")', "+1", "-2", "@SUM(A1)", "Morecambe Bay"], "%": [1.5, -2.0, 3, 4, 5]}
    )
    out = neutralise(df)
    assert list(out["Group"]) == ['\'=HYPERLINK("x")', "'+1", "'-2", "'@SUM(A1)", "Morecambe Bay"]
    assert list(out["%"]) == [1.5, -2.0, 3, 4, 5]  # numbers stay numbers, negative ones included


def test_csv_has_a_bom_for_excel_and_round_trips():
    df = pd.DataFrame({"Group": ["Fylde Coast"], "n": [7]})
    data = csv_bytes(df)
    assert data.startswith(b"\xef\xbb\xbf")
    back = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig")
    assert back.to_dict("list") == {"Group": ["Fylde Coast"], "n": [7]}


def test_header_cells_are_neutralised_too():
    assert list(neutralise(pd.DataFrame({"=cmd": [1]})).columns) == ["'=cmd"]
