"""The chosen place through the pages: Compare places shows every place and marks the chosen one,
Relationships and Development needs show the chosen place (else the total), and a place change is
a cut of the answer read for every place (pcn_data/cuts.py owns all three)."""

from tests.results_helpers import figure, row_name

PLACES = ["Central Lancashire", "Fylde Coast", "Morecambe Bay", "Pennine Lancashire", "West Lancashire"]


def open_page(app, page, **params):
    for k, v in params.items():
        app.query_params[k] = v
    app.run()
    app.switch_page(page).run()
    assert not app.exception
    return app


def dot_rows(fig) -> list[str]:
    """Return the row labels of an interval-dots chart, top to bottom, as written on the axis."""
    return [row_name(y) for y in fig["layout"]["yaxis"]["categoryarray"]]


def test_compare_places_shows_every_place_and_marks_only_the_chosen_one(app):
    open_page(app, "pages/compare_places.py", wave="2021", place="MB")
    rows = dot_rows(figure(app, "compare_places"))
    assert sorted(r.removeprefix("▶ ") for r in rows) == sorted(PLACES)
    assert [r for r in rows if r.startswith("▶")] == ["▶ Morecambe Bay"]


def test_compare_places_without_a_place_marks_none(app):
    open_page(app, "pages/compare_places.py", wave="2021")
    rows = dot_rows(figure(app, "compare_places"))
    assert sorted(rows) == sorted(PLACES)


def test_the_partner_chart_and_the_needs_are_of_the_chosen_place_else_the_total(app):
    open_page(app, "pages/relationships.py", wave="2023", place="FC")
    assert "Every partner: Fylde Coast" in headers(app)
    app.selectbox(key="place").set_value("all").run()
    assert "Every partner: Lancashire and South Cumbria ICS" in headers(app)
    app.switch_page("pages/development_needs.py").run()
    assert "What would help: Lancashire and South Cumbria ICS" in headers(app)
    app.selectbox(key="place").set_value("FC").run()
    assert not app.exception
    assert "What would help: Fylde Coast" in headers(app)


def headers(app) -> list[str]:
    """Return the page's headers as written."""
    return [h.value for h in app.header]
