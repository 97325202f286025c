"""Chart builders are pure DataFrame -> Figure functions: check the numbers they draw."""

import numpy as np
import pandas as pd

from pcn_data import charts
from pcn_data.core.filters import Filters
from pcn_data.survey.queries import respondents_by_place
from tests.results_helpers import _decode


def test_respondents_chart_draws_one_bar_per_place_per_wave_with_the_counts(demo_db):
    df = respondents_by_place(demo_db, Filters())
    fig = charts.respondents_by_place(df)
    assert [t.name for t in fig.data] == ["2021 Clinical Director survey", "2023 follow-up survey"]
    for trace in fig.data:
        rows = df[df["wave_name"] == trace.name]
        assert list(trace.x) == list(rows["place"])
        shown = [None if pd.isna(n) else float(n) for n in rows["respondents"]]
        assert [None if np.isnan(y) else y for y in trace.y] == shown
        assert list(trace.text) == ["hidden" if n is None else int(n) for n in shown]


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
    assert df["cd_respondents"].isna().any()  # some places' CDs are hidden by the protected table
    for trace in fig.data:
        rows = df[df["wave_name"] == trace.name]
        expected = (rows["cd_respondents"].astype(float) / rows["cds_invited"]).tolist()
        assert [None if np.isnan(y) else y for y in trace.y] == [None if np.isnan(e) else e for e in expected]
        assert list(trace.text) == ["" if np.isnan(r) else f"{r:.0%}" for r in expected]


def _likert_rows(groups):
    """Option rows for a 3-point scale; groups: {label: (n, [neg, neutral, pos] counts) or None}."""
    rows = []
    for label, spec in groups.items():
        for i, (code, pol) in enumerate((("d", "negative"), ("n", "neutral"), ("a", "positive"))):
            hidden = spec is None
            n = None if hidden else spec[0]
            count = None if hidden else spec[1][i]
            rows.append(
                {
                    "grp_label": label,
                    "option_code": code,
                    "label": code.upper(),
                    "sort_order": i,
                    "polarity": pol,
                    "n": n,
                    "base": n,
                    "count": count,
                    "share": None if hidden else count / n,
                    "low": 0.0,
                    "high": 1.0,
                    "suppressed": hidden,
                    "is_total": label == "Total",
                    "net": None if hidden else (spec[1][2] - spec[1][0]) / n,
                    "vs_ics": "" if hidden or label == "Total" else "not distinguishable from the ICS",
                }
            )
    return pd.DataFrame(rows)


def test_diverging_bars_centre_neutral_and_sort_by_net():
    df = _likert_rows({"Total": (20, [5, 5, 10]), "Low": (10, [6, 2, 2]), "High": (10, [1, 1, 8])})
    fig = charts.diverging_bars(df, "Q")
    rows = [y.split("<br>")[0].replace("<b>", "") for y in reversed(fig.layout.yaxis.categoryarray)]
    assert rows == ["Total", "High", "Low"]
    neutral = [t for t in fig.data if t.name == "N"]
    assert sorted(neutral[0].x.tolist() + neutral[1].x.tolist()) == sorted(
        [-0.125, 0.125, -0.1, 0.1, -0.05, 0.05]
    )
    negative = next(t for t in fig.data if t.name == "D")
    assert all(x <= 0 for x in negative.x)


def test_diverging_placeholder_is_identical_whatever_the_hidden_n():
    a = charts.diverging_bars(_likert_rows({"Total": (20, [5, 5, 10]), "Hidden": None}), "Q", min_group=5)
    b = charts.diverging_bars(_likert_rows({"Total": (21, [5, 6, 10]), "Hidden": None}), "Q", min_group=5)
    pa = next(t for t in a.data if t.name.startswith("Fewer than"))
    pb = next(t for t in b.data if t.name.startswith("Fewer than"))
    assert pa.to_plotly_json() == pb.to_plotly_json()


def test_heatmap_draws_shares_and_a_uniform_placeholder():
    m = pd.DataFrame(
        [
            {
                "row": "ICS",
                "col": "A",
                "share": 0.2,
                "low": 0.1,
                "high": 0.3,
                "n": 10,
                "base": 9,
                "suppressed": False,
                "dont_know_share": 0.1,
            },
            {
                "row": "ICS",
                "col": "B",
                "share": None,
                "low": None,
                "high": None,
                "n": None,
                "base": None,
                "suppressed": True,
                "dont_know_share": None,
            },
        ]
    )
    fig = charts.share_heatmap(m, "T", highlight_row="ICS")
    heat = fig.data[1]
    assert list(heat.z[0]) == [0.2, None]
    assert heat.text[0][1] == "not shown" and "n=9" in heat.text[0][0]
    assert fig.layout.shapes  # the highlighted row


def test_interval_dots_show_no_dot_for_a_hidden_row():
    df = pd.DataFrame(
        {
            "lbl": ["a", "b"],
            "est": [0.2, None],
            "lo": [0.1, None],
            "hi": [0.3, None],
            "suppressed": [False, True],
        }
    )
    fig = charts.interval_dots(df, "T", est="est", low="lo", high="hi", label_col="lbl", axis_title="x")
    assert fig.data[0].x[1] is None or fig.data[0].x[1] != fig.data[0].x[1]
    assert "Not shown" in fig.data[1].text[1]


def test_ranked_shares_rank_largest_first():
    df = pd.DataFrame(
        {
            "label": ["x", "y", "z"],
            "share": [0.2, 0.6, 0.4],
            "low": [0.1, 0.5, 0.3],
            "high": [0.3, 0.7, 0.5],
            "count": [2, 6, 4],
            "base": [10, 10, 10],
        }
    )
    fig = charts.ranked_shares(df, "T")
    assert list(fig.data[0].y)[::-1] == ["y", "z", "x"]  # drawn bottom-up: largest at the top


def _plain(value):
    """Return plotly JSON with typed arrays decoded, NaN as None and texts as strings: what the
    browser draws."""
    if isinstance(value, dict):
        if "bdata" in value:
            return _plain(_decode(value))
        out = {k: _plain(v) for k, v in value.items()}
        if isinstance(out.get("text"), list):
            out["text"] = [str(t) if isinstance(t, int | float) else t for t in out["text"]]
        return out
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return None if isinstance(value, float) and value != value else value


def _builder_inputs(db) -> dict[str, tuple]:
    """Return, per chart builder, arguments as the pages build them from the demo data."""
    from pcn_data.programme import engagement, tracker
    from pcn_data.survey import compare, results

    f21, f23 = Filters(wave="2021"), Filters(wave="2023")
    measure = compare.MEASURES["net_role_clear_self"]
    rows = compare.measure_by_place(db, measure, f21)
    places, ref = rows[~rows["is_total"]], rows[rows["is_total"]].iloc[0]
    matrix = results.relationship_matrix(db, f21)
    needs = results.needs(db, f21)
    sa = compare.self_assessment(db, Filters())
    latest = sa[sa["wave_code"] == sa["wave_code"].iloc[-1]]
    likert = results.likert(db, results.ROLE_ITEMS, f21)
    return {
        "respondents_by_place": (respondents_by_place(db, Filters()),),
        "response_rate_by_place": (respondents_by_place(db, Filters()),),
        "diverging_bars": (likert[likert["question_code"] == "role_clear_self"], "Q"),
        "gap_dumbbell": (results.agreement_gap(db, f21), "Gap"),
        "interval_dots": (
            places,
            "Dots",
            {
                "est": "value",
                "low": "low",
                "high": "high",
                "label_col": "grp_label",
                "axis_title": "Net",
                "signed": True,
                "zero_line": True,
                "reference": (float(ref["value"]), float(ref["low"]), float(ref["high"])),
                "notes": list(places["label"]),
            },
        ),
        "share_heatmap": (
            matrix.assign(row=matrix["partner"], col=matrix["grp_label"]),
            "Heat",
            {"highlight_row": "ICS"},
        ),
        "ranked_shares": (needs[needs["is_total"] & ~needs["is_exclusive"].astype(bool)], "Ranked"),
        "grouped_shares": (results.needs_by_role(db, f23), "By role"),
        "session_bars": (
            pd.DataFrame(
                {
                    "session": ["A · 1 Dec 2026", "A · 1 Dec 2026", "B · 2 Dec 2026", "B · 2 Dec 2026"],
                    "label": ["Good", "Poor"] * 2,
                    "option_position": [1, 2] * 2,
                    "votes": [3, 1, None, None],
                    "n": [4, 4, None, None],
                    "share": [0.75, 0.25, None, None],
                    "hidden": [False, False, True, True],
                    "why": ["", "", "fewer than 3 answers", "fewer than 3 answers"],
                }
            ),
            "Sessions",
        ),
        "small_multiples": (needs, "Panels"),
        "stage_heatmap": (latest, "Stages"),
        "movement_heatmap": (compare.movement(sa), "Moves"),
        "peer_ranges": (
            compare.peer_ranges(sa, latest["pcn_code"].iloc[0], latest["wave_code"].iloc[0]),
            "P",
            "X",
        ),
        "engagement_timeline": (engagement.events(db, Filters()), "Timeline"),
        "participation_bars": (engagement.participation(db, Filters()), "Participation"),
        "progress_bars": (tracker.progress(db, "place", None), "Progress"),
    }


def test_every_builder_draws_a_figure_plotly_accepts(demo_db):
    """The builders skip plotly's validation for speed: validate what they draw here instead."""
    import inspect
    import json

    import plotly.graph_objects as go

    builders = {
        name
        for name, fn in vars(charts).items()
        if inspect.isfunction(fn) and fn.__module__.startswith(charts.__name__) and not name.startswith("_")
    } - {"base_layout", "to_png", "close_renderer", "chromium_path"}  # the image functions draw nothing
    inputs = _builder_inputs(demo_db)
    assert set(inputs) == builders, "every chart builder needs an input here"
    for name, args in inputs.items():
        kwargs = args[-1] if isinstance(args[-1], dict) else {}
        fig = getattr(charts, name)(*(args[:-1] if kwargs else args), **kwargs)
        validated = go.Figure(fig.to_dict())  # raises on any property plotly does not know
        assert _plain(json.loads(validated.to_json())) == _plain(json.loads(fig.to_json())), name


def test_the_wave_legend_grows_the_chart_instead_of_covering_the_title():
    def waves(n):
        return pd.DataFrame(
            {
                "wave_name": [f"Wave {i} Clinical Director survey" for i in range(n)],
                "place": ["P"] * n,
                "respondents": [3] * n,
                "cd_respondents": [2] * n,
                "cds_invited": [4] * n,
                "cd_response_rate": [0.5] * n,
            }
        )

    for builder in (charts.respondents_by_place, charts.response_rate_by_place):
        two, five = builder(waves(2)), builder(waves(5))
        # Two legend entries a row (half-width charts): five waves take three rows, one row more
        # than the top margin holds, so the margin and the chart grow by one row.
        assert five.layout.legend.entrywidth == 0.5 and five.layout.legend.entrywidthmode == "fraction"
        assert five.layout.margin.t - two.layout.margin.t == 26
        assert five.layout.height - two.layout.height == 26
        assert builder(waves(4)).layout.margin.t == two.layout.margin.t
