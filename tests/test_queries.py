"""Queries: numbers against independent SQL, suppression that holds across views, bound parameters."""

import pandas as pd
import pytest

from pcn_data.core.filters import Filters, where
from pcn_data.survey.findings import headline_findings
from pcn_data.survey.queries import (
    add_shares,
    list_places,
    net_scores,
    option_counts,
    respondents_by_place,
    selection_counts,
)
from tests.fixtures import make_database


@pytest.fixture
def small(tmp_path):
    # Place A: 1 respondent, B: 6, C: 7, D: 20. A is under K; A+B is the complement.
    db = make_database(
        tmp_path / "small.duckdb",
        {
            "A": ["poor"],
            "B": ["poor"] * 4 + ["good"] * 2,
            "C": ["poor"] * 3 + ["good"] * 4,
            "D": ["poor"] * 10 + ["fair"] * 5 + ["good"] * 5,
        },
    )
    yield db
    db.close()


def test_place_counts_match_an_independent_count(demo_db):
    got = option_counts(demo_db, "rel_ics", Filters(wave="2023"), by="place")
    expected = demo_db.query("""
        SELECT p.place_code AS grp, a.option_code, count(*) AS expected
        FROM answer a, respondent r, pcn p, wave w
        WHERE a.respondent_id = r.respondent_id AND r.pcn_code = p.pcn_code AND r.wave_id = w.wave_id
          AND a.question_code = 'rel_ics' AND w.wave_code = '2023'
        GROUP BY ALL""")
    merged = got.merge(expected, on=["grp", "option_code"], how="left").fillna({"expected": 0})
    assert not merged["suppressed"].any()  # every place has 5+ respondents in 2023
    assert (merged["count"].astype(int) == merged["expected"].astype(int)).all()
    assert len(merged) == 5 * 5


def test_a_place_under_k_stays_suppressed_in_its_own_view_and_in_the_breakdown(demo_db):
    by_place = option_counts(demo_db, "rel_ics", Filters(wave="2021"), by="place")
    hidden = set(by_place.loc[by_place["suppressed"], "grp"])
    assert {"PL", "WL"} <= hidden
    assert by_place.loc[by_place["suppressed"], ["n", "count"]].isna().all().all()
    for place in ("PL", "WL"):
        sel = selection_counts(demo_db, "rel_ics", Filters(wave="2021", places=(place,)))
        assert sel["suppressed"].all() and sel["count"].isna().all()


def test_complementary_suppression_hides_a_place_with_enough_respondents(small):
    by_place = option_counts(small, "rel_ics", Filters(wave="2021"), by="place")
    status = by_place.groupby("grp")["suppressed"].first().to_dict()
    assert status == {"A": True, "B": True, "C": False, "D": False}
    # B has 6 respondents, but its own view stays hidden: otherwise total - B - C - D = A.
    b = selection_counts(small, "rel_ics", Filters(wave="2021", places=("B",)))
    assert b["suppressed"].all()
    c = selection_counts(small, "rel_ics", Filters(wave="2021", places=("C",)))
    assert not c["suppressed"].any()
    assert c.set_index("option_code")["count"].to_dict() == {
        "poor": 3,
        "fair": 0,
        "good": 4,
        "excellent": 0,
        "dont_know": 0,
    }


def test_nothing_suppressed_can_be_recovered_by_subtraction(small):
    total = selection_counts(small, "rel_ics", Filters(wave="2021"))
    shown = option_counts(small, "rel_ics", Filters(wave="2021"), by="place")
    shown = shown[~shown["suppressed"]]
    remainder = (
        total.set_index("option_code")["count"] - shown.groupby("option_code")["count"].sum()
    ).astype(int)
    # What is left over is the hidden places together: at least K respondents, never one place.
    assert remainder.sum() >= 5
    assert remainder.sum() == 1 + 6


def test_headline_for_a_suppressed_place_carries_no_number(small):
    four = ["ics_poor", "vision_unclear", "top_need", "net_role_clarity"]
    hidden = headline_findings(small, Filters(wave="2021", places=("A",)))  # 1 respondent
    assert [f.key for f in hidden] == four
    for finding in hidden:
        assert finding.suppressed and finding.value is None and finding.n is None
        assert finding.formatted() == "–"
    # The same headline for place D (20 respondents: 10 poor, 5 fair, 5 good) carries its number.
    shown = headline_findings(small, Filters(wave="2021", places=("D",)))[0]
    assert not shown.suppressed and shown.n == 20
    assert shown.value == pytest.approx(10 / 20) and shown.formatted() == "50%"


def test_shares_exclude_dont_know_from_the_base(demo_db):
    counts = selection_counts(demo_db, "rel_ics", Filters(wave="2023"))
    shares = add_shares(counts).set_index("option_code")
    substantive = counts.loc[counts["option_code"] != "dont_know", "count"].sum()
    assert shares.loc["poor", "base"] == substantive
    assert shares.loc["poor", "share"] == pytest.approx(shares.loc["poor", "count"] / substantive)
    assert shares.loc["poor", "low"] < shares.loc["poor", "share"] < shares.loc["poor", "high"]
    assert shares.loc["dont_know", "base"] == counts["n"].iloc[0]


def test_multi_select_shares_are_of_respondents_not_selections(demo_db):
    counts = selection_counts(demo_db, "dev_needs", Filters(wave="2021"))
    shares = add_shares(counts)
    respondents = demo_db.scalar("""
        SELECT count(DISTINCT a.respondent_id) FROM answer a JOIN respondent r USING (respondent_id)
        JOIN wave w USING (wave_id) WHERE a.question_code = 'dev_needs' AND w.wave_code = '2021'""")
    assert (shares["base"] == respondents).all()
    assert shares["share"].sum() > 1  # people choose several needs


def test_net_scores_match_a_hand_count(demo_db):
    counts = selection_counts(demo_db, "role_clear_self", Filters(wave="2021", places=("MB",)))
    row = net_scores(counts).iloc[0]
    df = demo_db.query("""
        SELECT a.option_code, count(*) AS n FROM answer a JOIN respondent r USING (respondent_id)
        JOIN wave w USING (wave_id) JOIN pcn p ON p.pcn_code = r.pcn_code
        WHERE a.question_code = 'role_clear_self' AND w.wave_code = '2021' AND p.place_code = 'MB'
        GROUP BY ALL""").set_index("option_code")["n"]
    pos = df.reindex(["a", "sa"]).fillna(0).sum()
    neg = df.reindex(["sd", "d"]).fillna(0).sum()
    assert row["net"] == pytest.approx((pos - neg) / df.sum())


def test_role_filter_is_protected_within_the_place(demo_db):
    # 2023 West Lancashire: the Clinical Directors alone are fewer than K.
    sel = selection_counts(demo_db, "rel_ics", Filters(wave="2023", places=("WL",), roles=("cd",)))
    assert sel["suppressed"].all()


def test_filter_values_are_bound_never_spliced_into_sql(demo_db):
    hostile = "CL') OR TRUE OR ('"
    assert list_places(demo_db, hostile).empty
    sel = selection_counts(demo_db, "rel_ics", Filters(wave="2023", places=(hostile,)))
    assert sel.empty
    cond, params = where(Filters(wave="2023", places=(hostile, "MB"), roles=("cd",)))
    assert hostile not in cond and params == ["2023", hostile, "MB", "cd"]


def test_unknown_breakdown_is_refused(demo_db):
    with pytest.raises(ValueError):
        option_counts(demo_db, "rel_ics", Filters(wave="2023"), by="practice; DROP TABLE answer")


def test_response_rates_are_cds_responded_over_cds_invited(demo_db):
    df = respondents_by_place(demo_db, Filters())
    expected = demo_db.query("""
        SELECT w.wave_code, p.place_code,
               (SELECT count(*) FROM respondent r JOIN pcn q USING (pcn_code)
                WHERE r.wave_id = w.wave_id AND q.place_code = p.place_code AND r.role_code = 'cd') AS cds,
               (SELECT sum(invited) FROM invitation i JOIN pcn q USING (pcn_code)
                WHERE i.wave_id = w.wave_id AND q.place_code = p.place_code AND i.role_code = 'cd') AS inv
        FROM wave w, place p""")
    merged = df.merge(expected, on=["wave_code", "place_code"])
    assert len(merged) == 10
    shown = merged["cd_respondents"].notna()
    assert (merged.loc[shown, "cd_respondents"] == merged.loc[shown, "cds"]).all()
    assert (merged.loc[shown, "cds"] >= 5).all() and merged.loc[
        merged["cds"] < 5, "cd_respondents"
    ].isna().all()
    pd.testing.assert_series_equal(
        merged["cd_response_rate"].astype(float),
        (merged["cds"] / merged["inv"]).where(merged["cd_respondents"].notna()),
        check_names=False,
    )


@pytest.mark.parametrize(
    "f",
    [
        Filters(wave="2021", places=("MB",)),
        Filters(wave="2023", places=("WL",), roles=("cd",)),
        Filters(wave="2023"),
    ],
    ids=repr,
)
def test_several_questions_counted_together_are_each_protected_alone(demo_db, f):
    questions = ["rel_ics", "vision_pcn", "dev_needs", "role_clear_self"]
    together = selection_counts(demo_db, questions, f)
    for q in questions:
        alone = selection_counts(demo_db, q, f)
        part = together[together["question_code"] == q].reset_index(drop=True)
        # DuckDB hands a column of NULLs (a question without polarities) over as object, not str.
        pd.testing.assert_frame_equal(part.drop(columns="polarity"), alone.drop(columns="polarity"))
        assert list(part["polarity"].fillna("-")) == list(alone["polarity"].fillna("-"))
