"""The rules import-linter cannot state (its contracts in pyproject.toml keep Streamlit out of the
data layer and plotly in the chart modules): SQL stays in pcn_data, pages stay thin, and survey
answers are aggregated only by the protected tables."""

import ast
import re

import pytest

from tests.conftest import ROOT

DATA_MODULES = sorted((ROOT / "pcn_data").rglob("*.py"))
UI_FILES = [
    ROOT / "dashboard.py",
    *sorted((ROOT / "ui").glob("*.py")),
    *sorted((ROOT / "pages").glob("*.py")),
]


def imported_modules(path):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.module.split(".")[0]


@pytest.mark.parametrize("path", UI_FILES, ids=lambda p: p.name)
def test_no_sql_outside_pcn_data(path):
    text = path.read_text()
    assert not re.search(r"\b(SELECT|INSERT|UPDATE|DELETE)\b\s+[\w*]", text), f"SQL in {path.name}"
    assert "duckdb" not in set(imported_modules(path))


def test_the_sql_rule_itself_catches_a_violation(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("import duckdb\n")
    assert "duckdb" in set(imported_modules(bad))


# Survey answers are aggregated in one place: the protected tables. Other modules may read the
# answer table only for what is not an aggregate of answers, each named here with why.
ANSWER_READERS = {
    "protect.py": "the protected tables: every survey aggregate",
    "voices.py": "comment text, listed only for cells protect publishes",
    "queries.py": "the row count of the whole table (count_rows), not per group",
}
READS_ANSWERS = re.compile(r"\b(FROM|JOIN)\s+answer\b", re.IGNORECASE)


def reads_answers(path) -> bool:
    """Return True when a module's SQL reads the answer table."""
    return bool(READS_ANSWERS.search(path.read_text()))


@pytest.mark.parametrize("path", DATA_MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_only_the_protected_tables_aggregate_survey_answers(path):
    if "importing" in path.parts or path.name == "demo.py":
        return  # writers of answers, not readers for display
    if reads_answers(path):
        assert path.name in ANSWER_READERS, f"{path.name} reads answers outside the protected tables"
    if path.name == "queries.py":
        # Its one read of the answer table is the total row count.
        assert len(READS_ANSWERS.findall(path.read_text())) == 1
        assert "count(*) FROM answer UNION ALL" in path.read_text()


@pytest.mark.parametrize("path", [*DATA_MODULES, *UI_FILES], ids=lambda p: p.name)
def test_survey_counts_are_never_suppressed_one_view_at_a_time(path):
    # stats.suppress protects one view on its own: it is kept for the live poll's room votes
    # (not survey answers), and the audit rebuilds the old per-view pattern only to show that it
    # fails; no view's survey counts go through it.
    text = path.read_text()
    if path.name not in ("stats.py", "polls.py", "audit.py"):
        assert not re.search(r"\bsuppress\(", text), f"{path.name} suppresses a view on its own"


def test_the_answer_rule_catches_a_violation(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text('SQL = "SELECT option_code, count(*) FROM answer GROUP BY ALL"\n')
    assert reads_answers(bad)
