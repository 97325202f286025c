"""Comparing places and PCNs without exposing individuals: labels against hand-computed Wilson
intervals, and no view or download that reveals a group under K, directly or by subtraction."""

import math

import pandas as pd
import pytest

from pcn_data.compare import MEASURES, engagement_by_pcn, label_against_total, measure_by_place, pcn_survey
from pcn_data.filters import Filters
from tests.fixtures import small_database, small_place_database
from tests.results_helpers import assert_no_recovery, open_tables

K = 5


def wilson_by_hand(x, n, z=1.959964):
    p = x / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return centre - half, centre + half


def test_labels_follow_hand_computed_wilson_intervals(tmp_path):
    db = small_database(
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
    db = small_database(
        tmp_path / "c.duckdb", {"A": ["poor"], "B": ["good"] * 6, "C": ["poor"] * 7, "D": ["good"] * 9}
    )
    rows = measure_by_place(db, MEASURES["good_ics"], Filters(wave="2021")).set_index("grp")
    assert rows.loc["A", "suppressed"] and rows.loc["B", "suppressed"]  # B hidden to protect A
    assert not rows.loc["C", "suppressed"] and not rows.loc["D", "suppressed"]
    assert pd.isna(rows.loc["B", "value"])
    db.close()


def test_a_pcn_shows_survey_results_only_with_k_respondents_and_no_recovery(tmp_path):
    # One place: PCNs of 1, 6, 7 and 9 respondents. X1 is under K; X6 is hidden too, since the
    # place total minus X7 and X9 would otherwise give X1's answer.
    db = small_place_database(
        tmp_path / "p.duckdb", {"X1": ["poor"], "X6": ["good"] * 6, "X7": ["poor"] * 7, "X9": ["fair"] * 9}
    )
    f = Filters(wave="2023")
    shown = {pcn: not pcn_survey(db, pcn, f)["suppressed"].all() for pcn in ("X1", "X6", "X7", "X9")}
    assert shown == {"X1": False, "X6": False, "X7": True, "X9": True}
    x1 = pcn_survey(db, "X1", f)
    assert x1[["n", "count", "share"]].isna().all().all()
    db.close()


def test_no_pcn_in_the_demo_reveals_a_group_under_k(demo_db):
    pcns = demo_db.query("SELECT pcn_code, place_code FROM pcn")
    for wave in ("2021", "2023"):
        sizes = {}
        for pcn, place in pcns.itertuples(index=False):
            s = pcn_survey(demo_db, pcn, Filters(wave=wave))
            if s.empty:
                continue
            q = s[s["question_code"] == "rel_ics"]
            sizes.setdefault(place, {})[pcn] = None if q["suppressed"].all() else float(q["n"].iloc[0])
            if not q["suppressed"].all():
                assert q["n"].iloc[0] >= K
        totals = demo_db.query(
            """
            SELECT p.place_code, count(DISTINCT a.respondent_id) AS n FROM answer a
            JOIN respondent r USING (respondent_id) JOIN wave w USING (wave_id) JOIN pcn p USING (pcn_code)
            WHERE a.question_code = 'rel_ics' AND w.wave_code = ? GROUP BY ALL""",
            [wave],
        )
        for place, n in totals.itertuples(index=False):
            if n < K:  # the place itself is hidden, and so is every PCN in it
                assert all(v is None for v in sizes.get(place, {}).values())
            else:
                assert_no_recovery(sizes.get(place, {}), float(n))


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
    assert any("Survey results are not shown" in i.value for i in app.info)
    assert not [d for d in app.dataframe if "% (of those rating)" in d.value.columns]


def test_every_pcn_profile_opens_and_shows_nothing_under_k(app, demo_db):
    app.query_params.update({"wave": "2023"})
    app.run()
    app.switch_page("pages/pcn_profile.py").run()
    for code in demo_db.query("SELECT pcn_code FROM pcn ORDER BY pcn_code")["pcn_code"]:
        place = demo_db.scalar("SELECT place_code FROM pcn WHERE pcn_code = ?", [code])
        app.selectbox(key="place").set_value(place).run()
        app.selectbox(key="pcn").set_value(code).run()
        assert not app.exception, code
        for table in app.dataframe:
            if "% (of those rating)" in table.value.columns:
                assert table.value["Count"].notna().all()
        shown_n = [
            int(m.value.split("n = ")[1])
            for m in app.markdown
            if m.value.startswith("**“") and "n = " in m.value
        ]
        assert all(n >= K for n in shown_n), code
