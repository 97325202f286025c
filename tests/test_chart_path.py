"""One chart path: every chart a page draws goes through ui.chart(spec), and nothing else draws one.

Statically, no page and no other function of ui/ calls a Streamlit chart element (or ui's old
figure/draw/plot helpers); at run time, every plotly chart on every page has the text alternative
that ui.chart puts just before it."""

import ast

import pytest

from tests.conftest import ROOT

PAGES = sorted((ROOT / "pages").glob("*.py"))
UI = ROOT / "ui" / "widgets.py"  # where ui.chart lives
UI_MODULES = sorted((ROOT / "ui").glob("*.py"))

# Streamlit's elements that draw a chart (or a picture of one), and ui's helpers that used to.
CHART_CALLS = {
    "plotly_chart",
    "pyplot",
    "altair_chart",
    "vega_lite_chart",
    "bokeh_chart",
    "pydeck_chart",
    "line_chart",
    "bar_chart",
    "area_chart",
    "scatter_chart",
    "graphviz_chart",
}
OLD_HELPERS = {"figure", "draw", "plot"}


def chart_drawing_calls(path, allowed_function: str | None = None) -> list[str]:
    """Return the calls in a file that draw a chart outside the allowed function of that file."""
    tree = ast.parse(path.read_text())
    skipped = set()
    if allowed_function:
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and node.name == allowed_function:
                skipped = {id(n) for n in ast.walk(node)}
    bad = []
    for node in ast.walk(tree):
        if id(node) in skipped or not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        owner = node.func.value
        name = owner.id if isinstance(owner, ast.Name) else ast.unparse(owner)
        attr = node.func.attr
        if attr in CHART_CALLS or (name == "ui" and attr in OLD_HELPERS) or (name == "st" and attr == "map"):
            bad.append(f"{path.name}:{node.lineno} {name}.{attr}")
        if attr == "image" and "chart" in ast.unparse(node).lower():
            bad.append(f"{path.name}:{node.lineno} {name}.image of a chart")
    return bad


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.name)
def test_a_page_draws_charts_only_through_ui_chart(path):
    assert chart_drawing_calls(path) == []


@pytest.mark.parametrize("path", UI_MODULES, ids=lambda p: p.name)
def test_ui_draws_a_chart_in_one_function_only(path):
    assert chart_drawing_calls(path, allowed_function="chart" if path == UI else None) == []
    defined = {n.name for n in ast.parse(path.read_text()).body if isinstance(n, ast.FunctionDef)}
    assert not defined & OLD_HELPERS, "ui.figure, ui.draw and ui.plot are gone: ui.chart draws"


def test_ui_chart_takes_a_chart_spec_alone():
    tree = ast.parse(UI.read_text())
    chart = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "chart")
    params = [a.arg for a in chart.args.args]
    assert params == ["spec"]


def test_the_rule_catches_each_way_of_drawing(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text(
        "import streamlit as st\nimport ui\n"
        "st.plotly_chart(fig)\ncol.plotly_chart(fig)\nui.plot(fig, key='k')\nui.figure('x')\n"
        "ui.draw(c)\nst.pyplot(f)\nst.altair_chart(a)\nst.image(chart_png)\n"
    )
    assert len(chart_drawing_calls(bad)) == 8
    good = tmp_path / "good.py"
    good.write_text("import ui\nui.chart(spec)\nst.image(qr_svg)\n")
    assert chart_drawing_calls(good) == []


FILTER_SETS = [
    {},
    {"wave": "2023", "place": "FC", "role": "cd"},
]
COMPARE_SWITCHES = ["role_compare", "relationships_compare", "needs_compare", "compare_places_change"]


@pytest.mark.parametrize("params", FILTER_SETS, ids=["no filter", "FC 2023 CDs"])
def test_every_plotly_chart_on_every_page_comes_with_its_text_alternative(app, params):
    charts_seen = 0
    for page in PAGES:
        for k, v in params.items():
            app.query_params[k] = v
        app.run()
        for key in COMPARE_SWITCHES:
            app.session_state[key] = bool(params)
        app.switch_page(f"pages/{page.name}").run()
        assert not app.exception, page.name
        # The element just before each chart is the sentence for screen readers naming its key.
        flat = list(app.main)  # depth first, in the order drawn
        for i, el in enumerate(flat):
            if el.type != "plotly_chart":
                continue
            key = el.proto.id.rsplit("-", 1)[-1]
            before = flat[i - 1]
            assert before.type == "html", f"{page.name}: {key} has no text alternative before it"
            assert f'data-chart="{key}"' in before.proto.body, f"{page.name}: {key}"
            assert 'data-testid="chartAlt"' in before.proto.body
            charts_seen += 1
    assert charts_seen >= 20  # the pages draw charts: the loop above was not empty
