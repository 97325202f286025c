"""A chart's text alternative (pcn_data.charts.alt_text): the largest and smallest shown values and n, checked
against numbers computed here by hand and by plain SQL, and never a value the protected table hides."""

import re
from pathlib import Path

import pandas as pd
import pytest

from pcn_data.charts import alt_text, views
from pcn_data.core.filters import Filters
from pcn_data.survey import results
from tests.conftest import ROOT


def likert_rows(rows):
    """Return a diverging-bars frame: one option row per (group, net, n, suppressed, is_total)."""
    return pd.DataFrame(
        [
            {"grp_label": g, "net": net, "n": n, "suppressed": hidden, "is_total": total, "option_code": "a"}
            for g, net, n, hidden, total in rows
        ]
    )


def test_a_hand_made_chart_is_described_by_its_largest_and_smallest_shown_values():
    detail = likert_rows(
        [
            ("ICS", 0.30, 40, False, True),
            ("Fylde Coast", 0.125, 8, False, False),
            ("Morecambe Bay", 0.75, 12, False, False),
            # A hidden row whose numbers were (wrongly) left in the frame: they must not be read.
            ("West Lancashire", 0.99, 3, True, False),
        ]
    )
    text = alt_text.describe("diverging_bars", detail, "“I am clear”", min_group=5)
    assert text == (
        "Chart of “I am clear”: net score (% positive minus % negative): 3 rows shown, "
        "highest Morecambe Bay, +75 points (n = 12), lowest Fylde Coast, +12 points (n = 8); "
        "n = 40 in ICS; 1 not shown (fewer than 5 respondents, or hidden to protect a smaller group)."
    )
    assert "99" not in text and "n = 3" not in text and "West Lancashire" not in text


def test_a_value_shared_by_several_rows_says_how_many_and_the_first():
    stages = pd.DataFrame(
        [
            {"pcn": "Ash PCN", "domain": "Leadership", "ordinal": 3},
            {"pcn": "Birch PCN", "domain": "Leadership", "ordinal": 3},
            {"pcn": "Ash PCN", "domain": "Data", "ordinal": 0},
            {"pcn": "Birch PCN", "domain": "Data", "ordinal": 1},
        ]
    )
    assert alt_text.describe("stage_heatmap", stages, "Stages") == (
        "Chart of Stages: 4 cells shown, highest Step 3 in 2 cells, the first Ash PCN, Leadership, "
        "lowest Ash PCN, Data, Foundation; 2 PCNs."
    )


def test_an_all_hidden_chart_says_so_and_nothing_else():
    detail = likert_rows(
        [("West Lancashire", 0.99, 3, True, False), ("Pennine Lancashire", 0.2, 4, True, False)]
    )
    text = alt_text.describe("diverging_bars", detail, "Boundaries", min_group=5)
    assert text == (
        "Chart of Boundaries: net score (% positive minus % negative): no values shown; "
        "2 not shown (fewer than 5 respondents, or hidden to protect a smaller group)."
    )


def points(net: float) -> str:
    """Return a net score as the sentence writes it: +37 points, 0 points, -12 points."""
    p = round(net * 100)
    return f"{p:+d} points" if p else "0 points"


def test_a_statement_by_place_matches_plain_sql(demo_db):
    f = Filters(wave="2021", ics="QE1")
    detail = results.likert(demo_db, results.ROLE_ITEMS, f, "ICS")
    call = views.statement(detail, "role_clear_self", "I am clear", 5)
    text = alt_text.describe(call.name, *call.args, **call.kwargs)

    # Net agreement per place by plain SQL: % positive minus % negative of the substantive answers.
    sql = demo_db.query(
        """
        SELECT pl.name AS place,
               count(*) FILTER (WHERE o.polarity IS NOT NULL) AS n,
               (count(*) FILTER (WHERE o.polarity = 'positive')
                 - count(*) FILTER (WHERE o.polarity = 'negative'))
                 / count(*) FILTER (WHERE o.polarity IS NOT NULL) AS net
        FROM answer a
        JOIN respondent r USING (respondent_id)
        JOIN wave w USING (wave_id)
        JOIN pcn p USING (pcn_code)
        JOIN place pl ON pl.place_code = p.place_code
        JOIN option o ON o.question_code = a.question_code AND o.option_code = a.option_code
        WHERE w.wave_code = ? AND a.question_code = ?
        GROUP BY pl.name
        """,
        ["2021", "role_clear_self"],
    )
    shown = set(
        call.args[0].loc[~call.args[0]["suppressed"].astype(bool) & ~call.args[0]["is_total"], "grp_label"]
    )
    published = sql[sql["place"].isin(shown)].sort_values("net")
    low, high = published.iloc[0], published.iloc[-1]
    assert f"highest {high['place']}, {points(high['net'])} (n = {int(high['n'])})" in text
    assert f"lowest {low['place']}, {points(low['net'])} (n = {int(low['n'])})" in text
    hidden = sql[~sql["place"].isin(shown)]
    assert len(hidden) and f"{len(hidden)} not shown" in text
    for place in hidden["place"]:  # a hidden place is not named, so none of its numbers can be
        assert place not in text


def test_the_relationship_heatmap_never_names_a_hidden_cell(demo_db):
    matrix = results.relationship_matrix(demo_db, Filters(wave="2021", ics="QE1"), "ICS")
    call = views.relationship_heatmap(matrix, 5)
    text = alt_text.describe(call.name, *call.args, **call.kwargs)
    cells = call.args[0]
    hidden = cells[cells["suppressed"].astype(bool)]
    assert len(hidden) and f"{len(hidden)} not shown" in text
    for row, col in zip(hidden["row"], hidden["col"], strict=True):
        assert f"{row}, {col}" not in text
    top = cells[~cells["suppressed"].astype(bool)].sort_values("share", kind="stable").iloc[-1]
    assert f"highest {top['row']}, {top['col']}, {top['share']:.0%} (n = {int(top['base'])})" in text


def test_counts_hidden_by_the_protected_table_are_never_added_up(demo_db):
    from pcn_data.survey import queries

    resp = queries.respondents_by_place(demo_db, Filters(ics="QE1"))
    text = alt_text.describe("respondents_by_place", resp)
    shown = resp["respondents"].dropna().astype(int)
    top = resp.loc[shown.idxmax()]
    assert f"highest {top['place']}, {top['wave_name']}, {shown.max()}," in text
    assert str(int(shown.sum())) not in re.sub(r"\d{4} ", "", text)  # no total made from shown counts
    assert f"{resp['respondents'].isna().sum()} not shown" in text


@pytest.mark.parametrize("builder", sorted(alt_text.READERS))
def test_every_reader_describes_an_empty_chart(builder):
    assert (
        alt_text.describe(builder, pd.DataFrame(), "Nothing")
        == "Chart of Nothing: nothing to show for these filters."
    )


def test_every_chart_a_page_draws_has_a_reader():
    drawn = set()
    for path in [*Path(ROOT, "pages").glob("*.py"), Path(ROOT, "pcn_data", "charts", "views.py")]:
        drawn |= set(re.findall(r"ChartSpec\(\s*charts\.(\w+)", path.read_text()))
    assert drawn and drawn <= set(alt_text.READERS), drawn - set(alt_text.READERS)
