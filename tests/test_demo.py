"""The demo file tells the report's story: checked with plain SQL against the generated file."""

import duckdb
import pytest

from pcn_data.demo import build_demo_file


def share(db, sql, params=()):
    """Return the one number a SELECT gives."""
    return db.scalar(sql, params)


def option_share(db, question, options, wave, place=None, substantive_only=True):
    """Share of answers to a question that are in options (independent of pcn_data.survey.queries)."""
    return share(
        db,
        f"""
        SELECT avg(CASE WHEN a.option_code IN ({", ".join("?" for _ in options)}) THEN 1.0 ELSE 0 END)
        FROM answer a JOIN respondent r USING (respondent_id) JOIN wave w USING (wave_id)
        JOIN pcn p USING (pcn_code)
        WHERE a.question_code = ? AND w.wave_code = ? AND (? IS NULL OR p.place_code = ?)
          AND (NOT ? OR a.option_code <> 'dont_know')
    """,
        [*options, question, wave, place, place, substantive_only],
    )


def test_five_real_places_and_42_pcns_pennine_largest_west_lancs_smallest(demo_db):
    df = demo_db.query(
        "SELECT pl.name, count(*) AS pcns FROM pcn JOIN place pl USING (place_code) "
        "GROUP BY ALL ORDER BY pcns DESC"
    )
    assert set(df["name"]) == {
        "Central Lancashire",
        "Fylde Coast",
        "Morecambe Bay",
        "Pennine Lancashire",
        "West Lancashire",
    }
    assert df["pcns"].sum() == 42
    assert df["name"].iloc[0] == "Pennine Lancashire"
    assert df["name"].iloc[-1] == "West Lancashire"


def test_pcn_names_are_pseudonyms_and_codes_are_unique(demo_db):
    df = demo_db.query("SELECT pcn_code, name FROM pcn")
    assert df["pcn_code"].is_unique and df["name"].is_unique
    assert df["name"].str.endswith(" PCN").all()


def test_2021_is_clinical_directors_only_and_2023_adds_managers_and_clinical_leads(demo_db):
    df = demo_db.query(
        "SELECT w.wave_code, list(DISTINCT role_code ORDER BY role_code) AS roles "
        "FROM respondent JOIN wave w USING (wave_id) GROUP BY ALL ORDER BY 1"
    )
    assert list(df["roles"].iloc[0]) == ["cd"]
    assert list(df["roles"].iloc[1]) == ["cd", "clinical_lead", "manager"]


def test_most_2021_responses_came_from_fylde_central_and_morecambe(demo_db):
    df = demo_db.query("""
        SELECT pcn.place_code, count(*) AS n FROM respondent r JOIN wave w ON w.wave_id = r.wave_id
        JOIN pcn ON pcn.pcn_code = r.pcn_code
        WHERE w.wave_code = '2021' GROUP BY ALL""")
    n = dict(zip(df["place_code"], df["n"], strict=True))
    assert n["FC"] + n["CL"] + n["MB"] > 0.75 * sum(n.values())
    assert max(n["PL"], n["WL"]) < min(n["FC"], n["CL"], n["MB"])


def test_some_places_reach_k_only_in_2023(demo_db):
    # 2021: Pennine and West Lancashire are below K=5; 2023 lifts them both.
    df = demo_db.query("""
        SELECT w.wave_code, pcn.place_code, count(*) AS n FROM respondent JOIN wave w USING (wave_id)
        JOIN pcn USING (pcn_code) GROUP BY ALL""")
    n = {(w, p): c for w, p, c in df.itertuples(index=False)}
    assert n[("2021", "PL")] < 5 and n[("2021", "WL")] < 5
    assert n[("2023", "PL")] >= 5 and n[("2023", "WL")] >= 5


@pytest.mark.parametrize("wave", ["2021", "2023"])
def test_morecambe_bay_clear_about_own_role_not_about_others_understanding(demo_db, wave):
    own = option_share(demo_db, "role_clear_self", ["a", "sa"], wave, "MB")
    others = option_share(demo_db, "role_partners_clear", ["a", "sa"], wave, "MB")
    assert own >= 0.75
    assert others <= 0.2
    # The gap is wider in Morecambe Bay than in the ICS as a whole.
    ics_gap = option_share(demo_db, "role_clear_self", ["a", "sa"], wave) - option_share(
        demo_db, "role_partners_clear", ["a", "sa"], wave
    )
    assert own - others > ics_gap


def test_fylde_coast_interprets_the_role_differently(demo_db):
    # "Different interpretations of the CD role": sizeable shares on both sides.
    agree = option_share(demo_db, "role_clear_self", ["a", "sa"], "2021", "FC")
    disagree = option_share(demo_db, "role_clear_self", ["sd", "d"], "2021", "FC")
    assert agree >= 0.25 and disagree >= 0.25
    mb_disagree = option_share(demo_db, "role_clear_self", ["sd", "d"], "2021", "MB")
    assert disagree > mb_disagree


@pytest.mark.parametrize("wave", ["2021", "2023"])
def test_most_are_somewhat_unclear_about_the_shared_vision(demo_db, wave):
    df = demo_db.query(
        """
        SELECT option_code, count(*) AS n FROM answer JOIN respondent USING (respondent_id)
        JOIN wave w USING (wave_id) WHERE question_code = 'vision_pcn' AND w.wave_code = ?
        GROUP BY ALL ORDER BY n DESC""",
        [wave],
    )
    assert df["option_code"].iloc[0] == "somewhat_unclear"
    assert df["n"].iloc[0] > 0.4 * df["n"].sum()


@pytest.mark.parametrize("wave", ["2021", "2023"])
def test_most_rate_the_ics_relationship_poor(demo_db, wave):
    assert option_share(demo_db, "rel_ics", ["poor"], wave) > 0.5


@pytest.mark.parametrize("wave", ["2021", "2023"])
def test_vcse_relationships_mostly_good_or_excellent(demo_db, wave):
    assert option_share(demo_db, "rel_vcse", ["good", "excellent"], wave) > 0.5


def test_dont_know_is_recorded_as_its_own_answer(demo_db):
    assert option_share(demo_db, "rel_ics", ["dont_know"], "2023", substantive_only=False) > 0


@pytest.mark.parametrize("wave", ["2021", "2023"])
def test_development_needs_led_by_the_six_categories_with_a_minority_needing_nothing(demo_db, wave):
    df = demo_db.query(
        """
        WITH resp AS (SELECT count(DISTINCT respondent_id) AS n
                      FROM answer JOIN respondent USING (respondent_id) JOIN wave w USING (wave_id)
                      WHERE question_code = 'dev_needs' AND w.wave_code = ?)
        SELECT option_code, count(*) / any_value(resp.n) AS share
        FROM answer JOIN respondent USING (respondent_id) JOIN wave w USING (wave_id), resp
        WHERE question_code = 'dev_needs' AND w.wave_code = ? GROUP BY ALL""",
        [wave, wave],
    )
    shares = dict(zip(df["option_code"], df["share"], strict=True))
    nothing = shares.pop("have_what_i_need")
    assert 0 < nothing < 0.25
    assert len(shares) == 6 and min(shares.values()) > nothing


def test_nobody_who_has_what_they_need_also_picks_a_need(demo_db):
    assert (
        demo_db.scalar("""
        SELECT count(*) FROM answer a JOIN answer b USING (respondent_id)
        WHERE a.question_code = 'dev_needs' AND b.question_code = 'dev_needs'
          AND a.option_code = 'have_what_i_need' AND b.option_code <> 'have_what_i_need'""")
        == 0
    )


def test_fifteen_recommendations_with_lead_tools_and_a_status_per_place(demo_db):
    assert demo_db.scalar("SELECT count(*) FROM recommendation WHERE lead <> '' AND tools <> ''") == 15
    assert demo_db.scalar("SELECT count(*) FROM recommendation_status") == 15 * 5
    assert demo_db.scalar("SELECT text FROM recommendation WHERE rec_id = 9") == (
        "Conduct a skills audit or Training Needs Analysis"
    )


def test_self_assessments_for_2021_and_2023_move_up_on_the_whole(demo_db):
    df = demo_db.query("""
        SELECT w.wave_code, avg(s.ordinal) AS mean_stage, count(*) AS n
        FROM self_assessment sa JOIN sa_stage s USING (stage_code) JOIN wave w USING (wave_id)
        GROUP BY ALL ORDER BY 1""")
    assert list(df["wave_code"]) == ["2021", "2023"]
    assert (df["n"] == 42 * 5).all()
    assert df["mean_stage"].iloc[1] > df["mean_stage"].iloc[0]


def test_engagement_events_for_every_place_and_thinner_in_pennine_and_west_lancs(demo_db):
    df = demo_db.query("""
        SELECT place_code, kind, count(*) AS n FROM engagement_event GROUP BY ALL""")
    assert set(df["kind"]) == {"workshop", "one_to_one", "roundtable", "survey_window"}
    assert set(df["place_code"]) == {"CL", "FC", "MB", "PL", "WL"}
    workshops = df[df["kind"] == "workshop"].set_index("place_code")["n"]
    assert workshops["WL"] < workshops["FC"] and workshops["PL"] < workshops["MB"]


def test_comments_are_coded_to_the_reports_sub_themes(demo_db):
    df = demo_db.query("""
        SELECT t.parent_code, count(*) AS n FROM comment_code c JOIN theme t USING (theme_code)
        GROUP BY ALL""")
    assert set(df["parent_code"]) == {"leadership", "relationships", "management"}
    uncoded = demo_db.scalar("""
        SELECT count(*) FROM answer a WHERE value_text IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM comment_code c WHERE c.respondent_id = a.respondent_id
              AND c.question_code = a.question_code)""")
    assert uncoded == 0


def test_the_file_says_it_is_demo_data(demo_db):
    assert demo_db.is_demo()


def test_same_seed_same_data_other_seed_other_answers_same_story(tmp_path):
    def fingerprint(path):
        con = duckdb.connect(str(path), read_only=True)
        try:
            return con.execute("""
                SELECT (SELECT sum(hash(respondent_id, question_code, option_code, value_text)) FROM answer),
                       (SELECT sum(hash(respondent_id, pcn_code, role_code)) FROM respondent)""").fetchone()
        finally:
            con.close()

    build_demo_file(tmp_path / "a.duckdb", seed=7)
    build_demo_file(tmp_path / "b.duckdb", seed=7)
    build_demo_file(tmp_path / "c.duckdb", seed=8)
    assert fingerprint(tmp_path / "a.duckdb") == fingerprint(tmp_path / "b.duckdb")
    assert fingerprint(tmp_path / "a.duckdb") != fingerprint(tmp_path / "c.duckdb")
    con = duckdb.connect(str(tmp_path / "c.duckdb"), read_only=True)
    poor = con.execute("""SELECT avg((option_code = 'poor')::INT) FROM answer
                          WHERE question_code = 'rel_ics' AND option_code <> 'dont_know'""").fetchone()[0]
    con.close()
    assert poor > 0.5


def test_national_scale_has_42_icss_about_1250_pcns_5_waves_tens_of_thousands(national_path):
    con = duckdb.connect(str(national_path), read_only=True)
    try:
        count = lambda table: con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: E731
        assert count("ics") == 42
        assert count("wave WHERE kind = 'survey'") == 5
        assert 1150 <= count("pcn") <= 1350
        assert count("respondent") >= 20_000
    finally:
        con.close()


def test_an_existing_file_is_not_replaced_without_force(tmp_path):
    from pcn_data.core.errors import PcnDataError

    path = tmp_path / "x.duckdb"
    path.write_bytes(b"precious")
    with pytest.raises(PcnDataError, match="--force"):
        build_demo_file(path)
    assert path.read_bytes() == b"precious"
