"""The three results pages, through AppTest: the numbers in each figure equal an independent
pandas computation from the raw answer rows; filters change the figures; suppression holds."""

import pandas as pd
import pytest

from tests.results_helpers import (
    assert_no_recovery,
    chart_keys,
    figure,
    open_tables,
    raw_answers,
    row_name,
    share,
    trace,
)

PLACES = {
    "CL": "Central Lancashire",
    "FC": "Fylde Coast",
    "MB": "Morecambe Bay",
    "PL": "Pennine Lancashire",
    "WL": "West Lancashire",
}
TOTAL = "Lancashire and South Cumbria ICS"


def open_page(app, page, **params):
    for k, v in params.items():
        app.query_params[k] = v
    app.run()
    app.switch_page(page).run()
    open_tables(app)
    assert not app.exception
    return app


def bar_values(fig, name):
    """Return {row name: |x|} for one option trace of a diverging chart."""
    t = trace(fig, name)
    return {row_name(y): (abs(x) if x is not None else None) for y, x in zip(t["y"], t["x"], strict=True)}


# Role clarity and vision -------------------------------------------------------------------


def test_role_statement_bars_equal_shares_computed_from_raw_answers(app, demo_db):
    open_page(app, "pages/role_clarity.py", wave="2021")
    fig = figure(app, "role_role_clear_self")
    raw = raw_answers(demo_db, ["role_clear_self"])
    raw = raw[raw["wave_code"] == "2021"]
    agree = bar_values(fig, "Agree")
    for code in ("CL", "FC", "MB"):
        place_rows = raw[raw["place_code"] == code]
        assert agree[PLACES[code]] == pytest.approx(share(place_rows, {"a"}))
    assert agree[TOTAL] == pytest.approx(share(raw, {"a"}))
    # Neutral is split half each side of zero.
    neutral = [t for t in fig["data"] if t.get("name") == "Neither agree nor disagree"]
    assert len(neutral) == 2
    mb = raw[raw["place_code"] == "MB"]
    halves = [dict(zip(map(row_name, t["y"]), t["x"], strict=True))["Morecambe Bay"] for t in neutral]
    assert sorted(halves) == pytest.approx(sorted([-share(mb, {"n"}) / 2, share(mb, {"n"}) / 2]))


def test_role_bars_are_sorted_by_net_agreement_with_the_total_first(app):
    open_page(app, "pages/role_clarity.py", wave="2021")
    fig = figure(app, "role_role_clear_self")
    order = [row_name(y) for y in reversed(fig["layout"]["yaxis"]["categoryarray"])]
    assert order[0] == TOTAL
    assert order[1:4] == ["Morecambe Bay", "Central Lancashire", "Fylde Coast"]  # net +89, +50, 0
    assert set(order[4:]) == {"Pennine Lancashire", "West Lancashire"}  # suppressed, last


def test_morecambe_bay_gap_is_visible(app, demo_db):
    open_page(app, "pages/role_clarity.py", wave="2021")
    fig = figure(app, "role_gap")
    own = dict(
        zip(
            map(row_name, trace(fig, "I am clear about my role")["y"]),
            trace(fig, "I am clear about my role")["x"],
            strict=True,
        )
    )
    others = dict(
        zip(
            map(row_name, trace(fig, "Partners are clear about the CD role")["y"]),
            trace(fig, "Partners are clear about the CD role")["x"],
            strict=True,
        )
    )
    raw = raw_answers(demo_db, ["role_clear_self", "role_partners_clear"])
    mb = raw[(raw["wave_code"] == "2021") & (raw["place_code"] == "MB") & (raw["role_code"] == "cd")]
    assert own["Morecambe Bay"] == pytest.approx(
        share(mb[mb["question_code"] == "role_clear_self"], {"a", "sa"})
    )
    assert others["Morecambe Bay"] == pytest.approx(
        share(mb[mb["question_code"] == "role_partners_clear"], {"a", "sa"})
    )
    gaps = {p: own[p] - others[p] for p in own if own[p] is not None}
    assert max(gaps, key=gaps.get) == "Morecambe Bay"


def test_changing_the_place_changes_the_role_figure(app):
    open_page(app, "pages/role_clarity.py", wave="2021")
    before = {row_name(y) for y in figure(app, "role_role_clear_self")["layout"]["yaxis"]["categoryarray"]}
    app.selectbox(key="place").set_value("MB").run()
    assert not app.exception
    after = {row_name(y) for y in figure(app, "role_role_clear_self")["layout"]["yaxis"]["categoryarray"]}
    assert before == {TOTAL, *PLACES.values()}
    assert after == {TOTAL, "Morecambe Bay"}


def test_a_place_under_k_shows_the_placeholder_and_no_values(app):
    open_page(app, "pages/role_clarity.py", wave="2021", place="WL")
    for key in ("role_role_clear_self", "role_role_partners_clear", "vision_vision_pcn"):
        fig = figure(app, key)
        for t in fig["data"]:
            if t.get("type") == "bar" and not t["name"].startswith("Fewer than"):
                wl = dict(zip(map(row_name, t["y"]), t["x"], strict=True)).get("West Lancashire")
                assert wl is None or wl != wl  # missing: None or NaN
        placeholder = next(t for t in fig["data"] if t.get("name", "").startswith("Fewer than 5"))
        assert [row_name(y) for y in placeholder["y"]] == ["West Lancashire"]
        assert "n = " not in " ".join(fig["layout"]["yaxis"]["categoryarray"][:1])  # WL row carries no n
    tables = [t.value for t in app.dataframe if "Group" in t.value.columns]
    rows = [t[t["Group"] == "West Lancashire"] for t in tables]
    assert sum(len(wl) for wl in rows) >= 3  # West Lancashire's rows are in the tables, empty
    for wl in rows:
        assert wl.select_dtypes("number").isna().all().all()


def test_hidden_places_cannot_be_recovered_from_the_total(app, demo_db):
    open_page(app, "pages/role_clarity.py", wave="2021")
    # One table per statement's chart: all of them.
    table = pd.concat([t.value for t in app.dataframe if "Statement" in t.value.columns])
    labels = demo_db.query(
        "SELECT question_code, short_label FROM question WHERE block IN ('role', 'vision')"
    )
    code_of = dict(zip(labels["short_label"], labels["question_code"], strict=True))
    raw = raw_answers(demo_db, list(code_of.values()))
    raw = raw[raw["wave_code"] == "2021"]
    assert set(table["Statement"]) == set(code_of)  # every role and vision statement: the loop runs
    for statement, rows in table.groupby("Statement"):
        answered = raw[raw["question_code"] == code_of[statement]]
        true_n = answered.groupby("place")["respondent_id"].nunique().to_dict()
        under_k = {place for place, n in true_n.items() if n < 5}
        # The demo's 2021 wave has places under K (West Lancashire 2, Pennine Lancashire 4): a
        # table that hid nothing would be a fault, not a pass.
        assert under_k, statement
        total = float(rows.loc[rows["Group"] == TOTAL, "n"].iloc[0])
        assert total == answered["respondent_id"].nunique()
        shown = {
            g: (None if pd.isna(n) else float(n))
            for g, n in zip(rows["Group"], rows["n"], strict=True)
            if g != TOTAL
        }
        hidden = {g for g, n in shown.items() if n is None}
        assert under_k <= hidden, f"{statement}: {under_k - hidden} under K but shown"
        assert all(n == true_n[g] for g, n in shown.items() if n is not None)
        assert_no_recovery(shown, total)


def test_wave_comparison_shows_the_change_with_its_interval(app):
    open_page(app, "pages/role_clarity.py", wave="2023")
    app.toggle(key="role_compare").set_value(True).run()
    assert not app.exception
    assert "role_change_role_clear_self" in chart_keys(app)
    fig = figure(app, "role_change_role_clear_self")
    dots = fig["data"][0]
    assert any(x is not None for x in dots["x"])
    assert dots["error_x"]["array"] and dots["error_x"]["arrayminus"]
    assert any("Clinical Director" in c.value for c in app.caption)  # like with like


# Relationships -----------------------------------------------------------------------------


def test_heatmap_cells_equal_good_or_excellent_shares_from_raw_answers(app, demo_db):
    open_page(app, "pages/relationships.py", wave="2023")
    fig = figure(app, "relationships_heatmap")
    heat = fig["data"][1]
    raw = raw_answers(demo_db, ["rel_ics", "rel_vcse"])
    raw = raw[raw["wave_code"] == "2023"]
    rows, cols = heat["y"], heat["x"]
    for partner, code in (("ICS", "rel_ics"), ("VCSE/VCFSE", "rel_vcse")):
        z = heat["z"][rows.index(partner)]
        for place_code, place in PLACES.items():
            rows_p = raw[(raw["question_code"] == code) & (raw["place_code"] == place_code)]
            expected = share(rows_p, {"good", "excellent"}, exclude={"dont_know"})
            assert z[cols.index(place)] == pytest.approx(expected)
    assert fig["layout"]["shapes"], "the ICS row is highlighted"


def test_heatmap_suppressed_cells_look_the_same_whatever_n(app):
    open_page(app, "pages/relationships.py", wave="2021")
    fig = figure(app, "relationships_heatmap")
    heat, cols = fig["data"][1], fig["data"][1]["x"]
    for place in ("Pennine Lancashire", "West Lancashire"):  # 4 and 2 respondents
        j = cols.index(place)
        assert all(row[j] is None for row in heat["z"])
        assert {row[j] for row in heat["text"]} == {"not shown"}


def test_dont_know_is_not_counted_as_negative(app, demo_db):
    open_page(app, "pages/relationships.py", wave="2023")
    fig = figure(app, "relationships_partners")
    raw = raw_answers(demo_db, ["rel_ics"])
    raw = raw[raw["wave_code"] == "2023"]
    poor = bar_values(fig, "Poor")["ICS"]
    assert poor == pytest.approx(share(raw, {"poor"}, exclude={"dont_know"}))
    notes = next(t for t in fig["data"] if t.get("mode") == "text")["text"]
    dk = f"{(raw['option_code'] == 'dont_know').mean():.0%}"
    assert any(f"Don't know {dk}" in n for n in notes)


def test_changing_the_place_changes_the_relationships_figures(app):
    open_page(app, "pages/relationships.py", wave="2023")
    assert len(figure(app, "relationships_heatmap")["data"][1]["x"]) == 6
    app.selectbox(key="place").set_value("FC").run()
    assert figure(app, "relationships_heatmap")["data"][1]["x"] == ["Fylde Coast", TOTAL]
    assert "Fylde Coast" in figure(app, "relationships_partners")["layout"]["title"]["text"]


# Development needs -------------------------------------------------------------------------


def test_needs_are_shares_of_respondents_from_raw_answers(app, demo_db):
    open_page(app, "pages/development_needs.py", wave="2023", place="CL")
    fig = figure(app, "needs_ranked")
    bars = {y.replace("<br>", " "): x for y, x in zip(fig["data"][0]["y"], fig["data"][0]["x"], strict=True)}
    raw = raw_answers(demo_db, ["dev_needs"])
    cl = raw[(raw["wave_code"] == "2023") & (raw["place_code"] == "CL")]
    respondents = cl["respondent_id"].nunique()
    labels = dict(
        demo_db.query("SELECT option_code, label FROM option WHERE question_code = 'dev_needs'").itertuples(
            index=False
        )
    )
    for code, n in cl.groupby("option_code")["respondent_id"].nunique().items():
        if code != "have_what_i_need":
            assert bars[labels[code]] == pytest.approx(n / respondents)
    assert "have_what_i_need" not in bars and "I have what I need" not in bars
    assert list(fig["data"][0]["x"]) == sorted(fig["data"][0]["x"])  # ranked (drawn bottom-up)
    have = next(m for m in app.metric if "I have what I need" in m.label)
    expected = (cl["option_code"] == "have_what_i_need").sum() / respondents
    assert have.value == f"{expected:.0%}"


def test_needs_small_multiples_and_role_split(app):
    open_page(app, "pages/development_needs.py", wave="2023")
    keys = chart_keys(app)
    assert "needs_by_place" in keys and "needs_by_role" in keys
    roles = figure(app, "needs_by_role")
    assert {t["name"].split(" (")[0] for t in roles["data"]} == {
        "Clinical Director",
        "PCN manager",
        "Clinical lead",
    }


def test_needs_for_a_place_under_k_show_no_values(app):
    open_page(app, "pages/development_needs.py", wave="2021", place="PL")
    assert "needs_ranked" not in chart_keys(app)
    assert any("Not shown" in w.value for w in app.warning)
    fig = figure(app, "needs_by_place")
    assert any("Not shown" in a["text"] for a in fig["layout"]["annotations"])
    pl_traces = [t for t in fig["data"] if any("Pennine" in c for c in t.get("customdata") or [])]
    assert pl_traces
    # Every bar of the hidden panel is an explicit gap (a trace without x would draw false bars).
    assert all(t.get("x") is not None and all(v is None or v != v for v in t["x"]) for t in pl_traces)


def test_csv_download_holds_aggregates_only(app):
    open_page(app, "pages/development_needs.py", wave="2023")
    table = next(t.value for t in app.dataframe if "Item" in t.value.columns)
    assert "respondent_id" not in table.columns
    assert set(table.columns) >= {"Group", "Item", "Base (n)", "Count", "%", "95% CI low", "95% CI high"}
