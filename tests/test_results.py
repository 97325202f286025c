"""Aggregates behind the results pages, checked by hand."""

import pandas as pd
import pytest

from pcn_data.core.filters import Filters
from pcn_data.survey.results import (
    NOT_DISTINGUISHABLE,
    compare_with_total,
    needs_by_role,
    relationship_matrix,
)
from pcn_data.survey.stats import difference_interval, wilson


def test_comparison_labels_follow_hand_computed_wilson_intervals():
    # Total 30 of 100; A 9 of 10 (clearly higher); B 3 of 10 (overlaps); C 0 of 40 (clearly lower).
    counts = {"total": (30, 100), "A": (9, 10), "B": (3, 10), "C": (0, 40)}
    rows = []
    for grp, (x, n) in counts.items():
        lo, hi = wilson(x, n)
        rows.append(
            {
                "question_code": "q",
                "wave_code": "w",
                "grp": grp,
                "net": x / n,
                "low": float(lo),
                "high": float(hi),
                "is_total": grp == "total",
                "suppressed": False,
            }
        )
    rows.append(
        {
            "question_code": "q",
            "wave_code": "w",
            "grp": "D",
            "net": None,
            "low": None,
            "high": None,
            "is_total": False,
            "suppressed": True,
        }
    )
    df = pd.DataFrame(rows)
    labels = dict(zip(df["grp"], compare_with_total(df), strict=True))
    # Hand check: total 30/100 -> 21.9% to 39.6%; 9/10 -> 59.6% to 98.2%; 3/10 -> 10.8% to 60.3%;
    # 0/40 -> 0% to 8.8%.
    assert labels == {
        "total": "",
        "A": "higher than the ICS",
        "B": NOT_DISTINGUISHABLE,
        "C": "lower than the ICS",
        "D": "",
    }


def test_difference_interval_matches_newcombe_method_10():
    # Newcombe (1998), example (a): 56/70 vs 48/80 -> difference 0.2, 95% CI 0.0524 to 0.3339.
    p1, p2 = 56 / 70, 48 / 80
    l1, u1 = wilson(56, 70)
    l2, u2 = wilson(48, 80)
    lo, hi = difference_interval(p1, l1, u1, p2, l2, u2)
    assert float(lo) == pytest.approx(0.0524, abs=5e-4)
    assert float(hi) == pytest.approx(0.3339, abs=5e-4)


def test_relationship_shares_exclude_dont_know_and_report_it_separately(demo_db):
    m = relationship_matrix(demo_db, Filters(wave="2023", ics="QE1"))
    ics = m[(m["question_code"] == "rel_ics") & m["is_total"]].iloc[0]
    raw = demo_db.query("""
        SELECT option_code, count(*) AS n FROM answer JOIN respondent USING (respondent_id)
        JOIN wave w USING (wave_id) WHERE question_code = 'rel_ics' AND w.wave_code = '2023'
        GROUP BY ALL""").set_index("option_code")["n"]
    rated = raw.drop("dont_know").sum()
    assert ics["share"] == pytest.approx((raw.get("good", 0) + raw.get("excellent", 0)) / rated)
    assert ics["dont_know_share"] == pytest.approx(raw["dont_know"] / raw.sum())


def test_needs_by_role_protects_small_roles(demo_db):
    df = needs_by_role(demo_db, Filters(wave="2023", ics="QE1", places=("WL",)))
    by_role = df.groupby("grp")["suppressed"].first()
    sizes = demo_db.query("""
        SELECT r.role_code, count(DISTINCT a.respondent_id) AS n FROM answer a
        JOIN respondent r USING (respondent_id) JOIN wave w USING (wave_id) JOIN pcn p USING (pcn_code)
        WHERE a.question_code = 'dev_needs' AND w.wave_code = '2023' AND p.place_code = 'WL'
        GROUP BY ALL""").set_index("role_code")["n"]
    # West Lancashire 2023: its CDs and managers are under 5 and hidden, with every number.
    assert set(sizes[sizes < 5].index) == {"cd", "manager"}
    assert by_role["cd"] and by_role["manager"]
    assert df.loc[df["suppressed"], "count"].isna().all()
    # A role shown has 5 or more, with its true count (clinical leads: one at least is shown).
    assert list(by_role[~by_role].index) == ["clinical_lead"]
    for role in by_role[~by_role].index:
        assert df.loc[df["grp"] == role, "n"].iloc[0] == sizes[role] >= 5
