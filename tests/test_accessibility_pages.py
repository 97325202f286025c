"""Accessibility through AppTest: every chart has its text alternative, and nothing is told by colour
alone (bar series have a hatching each; a change says whether it is distinguishable). That the text
alternatives are escaped is checked with the other hostile text, in test_hostile_text.py."""

import re

from tests.results_helpers import chart_keys, figure


def open_page(app, page, **params):
    for k, v in params.items():
        app.query_params[k] = v
    app.run()
    app.switch_page(page).run()
    assert not app.exception
    return app


def alternatives(app) -> dict[str, str]:
    """Return {chart key: its text alternative} from the page's HTML elements."""
    found = {}
    for el in app.get("html"):
        body = el.proto.body
        m = re.search(r'data-testid="chartAlt" data-chart="([^"]+)">(.*)</p>', body, re.S)
        if m:
            found[m.group(1)] = m.group(2)
    return found


def test_every_chart_on_a_results_page_has_its_text_alternative(app):
    for page in ("pages/role_clarity.py", "pages/relationships.py", "pages/development_needs.py"):
        open_page(app, page, wave="2021")
        alt = alternatives(app)
        keys = chart_keys(app)
        assert keys and set(keys) <= set(alt), (page, set(keys) - set(alt))
        assert all(text.startswith("Chart of ") for text in alt.values())


def test_bar_series_told_apart_by_colour_have_a_hatching_each(app):
    open_page(app, "pages/recommendations.py")
    fig = figure(app, "tracker_by_place")
    bars = [t for t in fig["data"] if t["type"] == "bar"]
    shapes = [(t.get("marker", {}).get("pattern") or {}).get("shape", "") for t in bars]
    assert len(bars) == 4 and len(set(shapes)) == len(bars), shapes


def test_a_change_says_in_words_whether_it_is_distinguishable(app):
    open_page(app, "pages/relationships.py", wave="2023")
    app.toggle(key="relationships_compare").set_value(True).run()
    fig = figure(app, "relationships_change")
    notes = next(t for t in fig["data"] if t.get("mode") == "text")["text"]
    assert notes and all(re.search(r"not distinguishable|up|down|Not shown", n) for n in notes), notes
