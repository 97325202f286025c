"""Chart builders are pure DataFrame -> Figure functions: check the numbers they draw."""

import pandas as pd

from pcn_data import charts
from pcn_data.filters import Filters
from pcn_data.queries import respondents_by_place


def test_respondents_chart_draws_one_bar_per_place_per_wave_with_the_counts(demo_db):
    df = respondents_by_place(demo_db, Filters())
    fig = charts.respondents_by_place(df)
    assert [t.name for t in fig.data] == ["2021 Clinical Director survey", "2023 follow-up survey"]
    for trace in fig.data:
        rows = df[df["wave_name"] == trace.name]
        assert list(trace.x) == list(rows["place"])
        assert list(trace.y) == list(rows["respondents"])
        assert list(trace.text) == list(rows["respondents"])


def test_chart_type_is_large_enough_for_a_projector_and_colours_differ():
    df = pd.DataFrame(
        {
            "wave_name": ["W1", "W2"],
            "place": ["P", "P"],
            "respondents": [3, 4],
            "cd_respondents": [3, 2],
            "cds_invited": [4, 4],
            "cd_response_rate": [0.75, 0.5],
        }
    )
    fig = charts.respondents_by_place(df, title="Respondents")
    assert fig.layout.font.size >= 18
    assert fig.layout.title.text == "Respondents"
    assert fig.data[0].marker.color != fig.data[1].marker.color
    assert "2 of 4 invited" not in fig.data[1].hovertemplate  # template, filled per bar
    assert list(fig.data[1].customdata[0]) == [2, 4, "50%"]


def test_a_missing_response_rate_is_a_dash_not_nan():
    df = pd.DataFrame(
        {
            "wave_name": ["W"],
            "place": ["P"],
            "respondents": [0],
            "cd_respondents": [0],
            "cds_invited": [0],
            "cd_response_rate": [float("nan")],
        }
    )
    fig = charts.respondents_by_place(df)
    assert fig.data[0].customdata[0][2] == "–"


def test_response_rate_chart_draws_responded_over_invited(demo_db):
    df = respondents_by_place(demo_db, Filters())
    fig = charts.response_rate_by_place(df)
    for trace in fig.data:
        rows = df[df["wave_name"] == trace.name]
        expected = (rows["cd_respondents"] / rows["cds_invited"]).tolist()
        assert list(trace.y) == expected
        assert list(trace.text) == [f"{r:.0%}" for r in expected]
