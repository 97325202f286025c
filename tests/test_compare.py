"""Comparing places and PCNs without exposing individuals: labels against hand-computed Wilson
intervals, and no view or download that reveals a group under K, directly or by subtraction."""

import math

import pandas as pd
import pytest

from pcn_data.core.filters import Filters
from pcn_data.survey.compare import MEASURES, engagement_by_pcn, label_against_total, measure_by_place
from tests.fixtures import make_database
from tests.results_helpers import assert_no_recovery, open_tables

K = 5


def wilson_by_hand(x, n, z=1.959964):
    p = x / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return centre - half, centre + half


def test_labels_follow_hand_computed_wilson_intervals(tmp_path):
    db = make_database(
        tmp_path / "labels.duckdb",
        {
            "A": ["good"] * 18 + ["poor"] * 2,  # 90% good: 69.9% to 97.2%
            "B": ["good"] * 2 + ["poor"] * 18,  # 10% good: 2.8% to 30.1%
            "C": ["good"] * 10 + ["poor"] * 10,  # 50% good: 29.9% to 70.1%
        },
    )
    rows = measure_by_place(db, MEASURES["good_ics"], Filters(wave="2021"))
    total_low, total_high = wilson_by_hand(30, 60)  # 50%: 37.7% to 62.3%
    by = rows.set_index("grp")
    assert by.loc["total", "low"] == pytest.approx(total_low, abs=1e-6)
    for grp, x, label in (
        ("A", 18, "better than the ICS"),
        ("B", 2, "worse than the ICS"),
        ("C", 10, "not distinguishable from the ICS"),
    ):
        lo, hi = wilson_by_hand(x, 20)
        assert by.loc[grp, "low"] == pytest.approx(lo, abs=1e-6)
        assert by.loc[grp, "high"] == pytest.approx(hi, abs=1e-6)
        assert (lo > total_high) == (label.startswith("better"))
        assert (hi < total_low) == (label.startswith("worse"))
        assert by.loc[grp, "label"] == label
    db.close()


def test_needs_are_labelled_higher_or_lower_not_better_or_worse():
    rows = pd.DataFrame(
        {
            "wave_code": ["w"] * 2,
            "is_total": [True, False],
            "suppressed": [False, False],
            "low": [0.2, 0.6],
            "high": [0.3, 0.8],
        }
    )
    assert label_against_total(rows, direction=False).tolist() == ["", "higher than the ICS"]


@pytest.mark.parametrize("wave", ["2021", "2023"])
@pytest.mark.parametrize("code", list(MEASURES))
def test_no_measure_reveals_a_place_under_k_on_the_demo(demo_db, code, wave):
    rows = measure_by_place(demo_db, MEASURES[code], Filters(wave=wave, ics="QE1"))
    places = rows[~rows["is_total"]]
    hidden = places[places["suppressed"]]
    assert hidden[["n", "base", "value", "low", "high"]].isna().all().all()
    assert (places.loc[~places["suppressed"], "n"] >= K).all()
    total = rows.loc[rows["is_total"], "n"].iloc[0]
    assert_no_recovery(dict(zip(places["grp"], places["n"].astype(float), strict=True)), float(total))


def test_complementary_suppression_across_places_on_a_small_fixture(tmp_path):
    db = make_database(
        tmp_path / "c.duckdb", {"A": ["poor"], "B": ["good"] * 6, "C": ["poor"] * 7, "D": ["good"] * 9}
    )
    rows = measure_by_place(db, MEASURES["good_ics"], Filters(wave="2021")).set_index("grp")
    assert rows.loc["A", "suppressed"] and rows.loc["B", "suppressed"]  # B hidden to protect A
    assert not rows.loc["C", "suppressed"] and not rows.loc["D", "suppressed"]
    assert pd.isna(rows.loc["B", "value"])
    db.close()


def test_the_pcn_profile_publishes_no_survey_numbers(app):
    # A PCN's respondents are its CD and a few colleagues: no protected table publishes a PCN.
    at = app
    at.run()
    at.switch_page("pages/pcn_profile.py")
    at.query_params.update({"wave": "2023", "place": "MB"})
    at.run()
    assert not at.exception
    assert not [d for d in at.dataframe if "survey" in (d.proto.id or "")]
    assert any("not published for a single PCN" in i.value for i in at.info)


def test_engagement_counts_match_an_independent_count(demo_db):
    eng = engagement_by_pcn(demo_db, Filters(wave="2021", ics="QE1")).set_index("pcn_code")
    raw = demo_db.query("""
        SELECT ep.pcn_code, e.kind FROM engagement_event e JOIN engagement_event_pcn ep USING (event_id)""")
    workshops = raw[raw["kind"] == "workshop"].groupby("pcn_code").size()
    assert (eng["workshops"] == workshops.reindex(eng.index).fillna(0).astype(int)).all()
    responded = set(
        demo_db.query("""SELECT DISTINCT r.pcn_code FROM respondent r JOIN wave w USING (wave_id)
                                     WHERE w.wave_code = '2021'""")["pcn_code"]
    )
    assert set(eng.index[eng["responded"]]) == responded
    assert len(eng) == 42


def test_compare_page_state_lives_in_the_url(app):
    app.query_params.update({"wave": "2021", "measure": "good_vcse", "place": "MB"})
    app.run()
    app.switch_page("pages/compare_places.py").run()
    assert not app.exception
    assert app.selectbox(key="measure").value == "good_vcse"
    open_tables(app)
    table = next(t.value for t in app.dataframe if "Compared with the ICS" in t.value.columns)
    assert set(table["Measure"]) == {MEASURES["good_vcse"].label}
    hidden = table[table["Not shown (fewer than K)"]]
    assert set(hidden["Place"]) == {"Pennine Lancashire", "West Lancashire"}
    assert hidden[["Base (n)", "Value", "95% CI low", "95% CI high"]].isna().all().all()


def test_pcn_profile_explains_why_results_are_hidden(app, demo_db):
    small = demo_db.query("""SELECT pcn_code FROM respondent JOIN wave w USING (wave_id)
                             WHERE w.wave_code = '2021' GROUP BY ALL HAVING count(*) < 5 LIMIT 1""")
    app.query_params.update({"wave": "2021", "pcn": small["pcn_code"].iloc[0]})
    app.run()
    app.switch_page("pages/pcn_profile.py").run()
    assert not app.exception
    assert app.selectbox(key="pcn").value == small["pcn_code"].iloc[0]
    assert any("not published for a single PCN" in i.value for i in app.info)
    assert not [d for d in app.dataframe if "% (of those rating)" in d.value.columns]


def test_every_pcn_profile_opens_and_shows_nothing_under_k(app, demo_db):
    # No PCN's survey results are published (its respondents are named people), whatever its n:
    # each profile says so, and shows no survey table or base, including the ten PCNs with 5 or
    # more 2023 respondents. (This test used to check the n of results the page no longer shows,
    # and so passed without checking anything.)
    app.query_params.update({"wave": "2023"})
    app.run()
    app.switch_page("pages/pcn_profile.py").run()
    codes = demo_db.query("SELECT pcn_code FROM pcn ORDER BY pcn_code")["pcn_code"]
    assert len(codes) == 42
    for code in codes:
        place = demo_db.scalar("SELECT place_code FROM pcn WHERE pcn_code = ?", [code])
        app.selectbox(key="place").set_value(place).run()
        app.selectbox(key="pcn").set_value(code).run()
        assert not app.exception, code
        assert any("not published for a single PCN" in i.value for i in app.info), code
        assert not [t for t in app.dataframe if "% (of those rating)" in t.value.columns], code
        assert not [m for m in app.markdown if "n = " in m.value], code
