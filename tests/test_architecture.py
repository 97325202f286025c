"""The import rules: the data layer is free of the UI, plotly stays in the chart module,
SQL stays in pcn_data, pages stay thin."""

import ast
import re

import pytest

from tests.conftest import ROOT

DATA_MODULES = sorted((ROOT / "pcn_data").glob("*.py"))
UI_FILES = [ROOT / "dashboard.py", ROOT / "ui.py", *sorted((ROOT / "pages").glob("*.py"))]


def imported_modules(path):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.module.split(".")[0]


@pytest.mark.parametrize("path", DATA_MODULES, ids=lambda p: p.name)
def test_pcn_data_never_imports_streamlit(path):
    assert "streamlit" not in set(imported_modules(path))


@pytest.mark.parametrize("path", DATA_MODULES, ids=lambda p: p.name)
def test_only_the_chart_module_imports_plotly(path):
    if path.name != "charts.py":
        assert "plotly" not in set(imported_modules(path))


@pytest.mark.parametrize("path", UI_FILES, ids=lambda p: p.name)
def test_no_sql_outside_pcn_data(path):
    text = path.read_text()
    assert not re.search(r"\b(SELECT|INSERT|UPDATE|DELETE)\b\s+[\w*]", text), f"SQL in {path.name}"
    assert "duckdb" not in set(imported_modules(path))


def test_the_rule_itself_catches_a_violation(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("import streamlit as st\nfrom plotly import graph_objects\n")
    assert {"streamlit", "plotly"} <= set(imported_modules(bad))
