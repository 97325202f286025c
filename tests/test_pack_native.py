"""The PowerPoint pack as the oversight group edits it: built through the command line, every chart
is a native PowerPoint chart (or, for the heatmap, a table) whose categories and values equal plain
SQL over the answers; a hidden cell is a gap in the chart and in the workbook embedded in it; the
pack builds with no Chromium on PATH; and it builds on an organisation's own template."""

from __future__ import annotations

import copy
import json
import os
import re
import struct
import subprocess
import sys
import zipfile
import zlib
from io import BytesIO
from pathlib import Path

import openpyxl
import pytest
from lxml import etree
from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.shapes import MSO_SHAPE, MSO_SHAPE_TYPE
from pptx.util import Inches, Pt

from pcn_data.core.config import min_group
from tests.conftest import ROOT
from tests.fixtures import make_database
from tests.results_helpers import figure

K = min_group()
CHART_SLIDES = {
    "Who responded": "chart",
    "Role clarity": "chart",
    "Shared vision": "chart",
    "Clear about my role, but are others?": "chart",
    "Relationships across the ICS": "table",
    "Development needs": "chart",
    "Compare places": "chart",
    "Recommendations progress": "chart",
}


def run_cli(*args, env=None):
    return subprocess.run(
        [sys.executable, "-m", "pcn_data", "pack", "--quiet", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
        env=env,
    )


def no_chromium_env(tmp_path: Path) -> dict:
    """Return an environment whose PATH holds no Chromium (nor anything else)."""
    empty = tmp_path / "empty-bin"
    empty.mkdir(exist_ok=True)
    return {**os.environ, "PATH": str(empty)}


@pytest.fixture(scope="module")
def demo_copy(demo_path, tmp_path_factory) -> Path:
    copy = tmp_path_factory.mktemp("packs") / "demo.duckdb"  # the session holds the demo open
    copy.write_bytes(demo_path.read_bytes())
    return copy


@pytest.fixture(scope="module")
def built(demo_copy, tmp_path_factory) -> dict[str, bytes]:
    """Return {name: pptx bytes}: a place pack (Morecambe Bay, 2021) and an ICS pack (latest wave),
    each built through the command line with no Chromium on PATH."""
    tmp = tmp_path_factory.mktemp("built")
    out = {}
    for name, args in (("MB", ["--place", "MB", "--wave", "2021"]), ("ics", [])):
        path = tmp / f"{name}.pptx"
        done = run_cli("--db", str(demo_copy), *args, "--out", str(path), env=no_chromium_env(tmp))
        assert done.returncode == 0, done.stderr
        out[name] = path.read_bytes()
    return out


def slide_of(prs, heading: str):
    return next(s for s in prs.slides if s.shapes.title.text.startswith(heading))


def chart_of(slide):
    (frame,) = [s for s in slide.shapes if getattr(s, "has_chart", False)]
    return frame.chart


def series_values(chart) -> dict[str, dict[str, float | None]]:
    """Return {series name: {row name (the category's first line): value}}; for the neutral
    answer, split across zero in two series of one name, the two halves added."""
    plot = chart.plots[0]
    rows = [str(c).split("\n")[0] for c in plot.categories]
    out: dict[str, dict[str, float | None]] = {}
    for series in plot.series:
        values = dict(zip(rows, series.values, strict=True))
        if series.name in out:
            values = {
                r: None if v is None else abs(v) + abs(out[series.name][r] or 0) for r, v in values.items()
            }
        out[series.name] = values
    return out


# Plain SQL over the raw answers ------------------------------------------------------------


def names(db) -> tuple[dict[str, str], str]:
    places = dict(db.query("SELECT place_code, name FROM place ORDER BY sort_order").itertuples(index=False))
    return places, db.scalar("SELECT name FROM ics")


def option_shares(db, question, wave, place=None, roles=None) -> dict[str, float]:
    """Return {option label: share} among substantive answers (polarity not NULL)."""
    rows = db.query(
        """SELECT o.label, count(*) AS n
           FROM answer a JOIN option o ON o.question_code = a.question_code AND o.option_code = a.option_code
           JOIN respondent r ON r.respondent_id = a.respondent_id JOIN wave w ON w.wave_id = r.wave_id
           JOIN pcn p ON p.pcn_code = r.pcn_code
           WHERE a.question_code = ? AND w.wave_code = ? AND o.polarity IS NOT NULL
             AND (? IS NULL OR p.place_code = ?) AND (? IS NULL OR list_contains(?, r.role_code))
           GROUP BY o.label""",
        [question, wave, place, place, roles, roles],
    )
    total = rows["n"].sum()
    return {label: n / total for label, n in zip(rows["label"], rows["n"], strict=True)}


def agree(db, question, wave, place=None, roles=None) -> float:
    shares = option_shares(db, question, wave, place, roles)
    return shares.get("Agree", 0) + shares.get("Strongly agree", 0)


def net(db, question, wave, place=None) -> float:
    shares = option_shares(db, question, wave, place)
    return agree(db, question, wave, place) - shares.get("Disagree", 0) - shares.get("Strongly disagree", 0)


def good_share(db, question, wave, place=None) -> tuple[int, float]:
    """Return (n who gave a rating, share good or excellent) of a relationship question."""
    row = db.query(
        """SELECT count(*) AS n, count(*) FILTER (WHERE a.option_code IN ('good', 'excellent')) AS good
           FROM answer a JOIN respondent r ON r.respondent_id = a.respondent_id
           JOIN wave w ON w.wave_id = r.wave_id JOIN pcn p ON p.pcn_code = r.pcn_code
           WHERE a.question_code = ? AND w.wave_code = ? AND a.option_code <> 'dont_know'
             AND (? IS NULL OR p.place_code = ?)""",
        [question, wave, place, place],
    ).iloc[0]
    return int(row["n"]), row["good"] / row["n"]


def latest_wave(db) -> str:
    return db.scalar("SELECT wave_code FROM wave WHERE kind = 'survey' ORDER BY opened_on DESC LIMIT 1")


# Every chart is native ---------------------------------------------------------------------


@pytest.mark.parametrize("name", ["MB", "ics"])
def test_every_chart_is_a_native_chart_or_table_and_no_picture(built, name):
    prs = Presentation(BytesIO(built[name]))
    found = {}
    for slide in prs.slides:
        assert not [s for s in slide.shapes if s.shape_type == MSO_SHAPE_TYPE.PICTURE], (
            slide.shapes.title.text
        )
        for shape in slide.shapes:
            if getattr(shape, "has_chart", False) or getattr(shape, "has_table", False):
                heading = next(h for h in CHART_SLIDES if slide.shapes.title.text.startswith(h))
                found[heading] = "chart" if shape.has_chart else "table"
                # Alt text that a screen reader reads: what the chart shows and its takeaway.
                assert len(shape._element.xpath("./*[1]/p:cNvPr")[0].get("descr")) > 40
    assert found == CHART_SLIDES
    with zipfile.ZipFile(BytesIO(built[name])) as z:
        workbooks = [n for n in z.namelist() if n.startswith("ppt/embeddings/") and n.endswith(".xlsx")]
    assert len(workbooks) == 7  # every chart carries its data, so it can be edited in PowerPoint


def test_who_responded_equals_counts_from_sql(built, demo_db):
    chart = chart_of(slide_of(Presentation(BytesIO(built["ics"])), "Who responded"))
    places, _ = names(demo_db)
    counts = demo_db.query(
        """SELECT w.name AS wave, pl.name AS place, count(*) AS n
           FROM respondent r JOIN wave w ON w.wave_id = r.wave_id JOIN pcn p ON p.pcn_code = r.pcn_code
           JOIN place pl ON pl.place_code = p.place_code WHERE w.kind = 'survey' GROUP BY ALL"""
    )
    expected = {(w, p): n for w, p, n in counts.itertuples(index=False)}
    assert list(chart.plots[0].categories) == list(places.values())
    values = series_values(chart)
    assert set(values) == {w for w, _ in expected}
    hidden = 0
    for wave, by_place in values.items():
        for place, value in by_place.items():
            if value is None:
                hidden += 1
            else:
                assert value == expected[wave, place] >= K
    assert hidden  # the demo hides some: a gap, never a number


@pytest.mark.parametrize("name", ["MB", "ics"])
def test_diverging_bars_equal_shares_from_sql(built, demo_db, name):
    prs = Presentation(BytesIO(built[name]))
    wave = "2021" if name == "MB" else latest_wave(demo_db)
    places, ics = names(demo_db)
    code = {v: k for k, v in places.items()}
    for heading, question in (("Role clarity", "role_clear_self"), ("Shared vision", "vision_pcn")):
        chart = chart_of(slide_of(prs, heading))
        assert chart.chart_type is not None and "BAR_STACKED" in str(chart.chart_type)
        values = series_values(chart)
        rows = [str(c).split("\n")[0] for c in chart.plots[0].categories]
        assert rows[0] == ics
        checked = 0
        for row in rows:
            shares = option_shares(demo_db, question, wave, code.get(row))
            shown = {label: v[row] for label, v in values.items()}
            if all(v is None for v in shown.values()):
                assert "Not shown: protects a group under" in next(
                    str(c) for c in chart.plots[0].categories if str(c).startswith(row)
                )
                continue
            for label, value in shown.items():
                assert abs(value or 0) == pytest.approx(shares.get(label, 0)), (heading, row, label)
            checked += 1
        assert checked >= 2
        # Disagreeing answers to the left of zero, agreeing to the right.
        against = {"Disagree", "Strongly disagree", "Somewhat unclear", "Very unclear"}
        negative = [s for s in chart.plots[0].series if s.name in against]
        assert negative and all(v is None or v <= 0 for s in negative for v in s.values)


def test_gap_compare_needs_and_progress_equal_sql(built, demo_db):
    prs = Presentation(BytesIO(built["MB"]))
    places, ics = names(demo_db)
    code = {v: k for k, v in places.items()}

    gap = series_values(chart_of(slide_of(prs, "Clear about my role")))
    for row in (ics, "Morecambe Bay"):
        place = code.get(row)
        assert gap["I am clear about my role"][row] == pytest.approx(
            agree(demo_db, "role_clear_self", "2021", place, ["cd"])
        )
        assert gap["Partners are clear about the CD role"][row] == pytest.approx(
            agree(demo_db, "role_partners_clear", "2021", place, ["cd"])
        )

    compare = chart_of(slide_of(prs, "Compare places"))
    (series,) = compare.plots[0].series
    rows = [str(c).split("\n")[0].removeprefix("▶ ") for c in compare.plots[0].categories]
    assert rows == [ics, *places.values()]
    for row, value in zip(rows, series.values, strict=True):
        if value is not None:  # net agreement in points
            assert value == pytest.approx(100 * net(demo_db, "role_clear_self", "2021", code.get(row)))
    assert series.values[rows.index("Morecambe Bay")] is not None

    needs = chart_of(slide_of(prs, "Development needs"))
    chosen = demo_db.query(
        """WITH who AS (
             SELECT DISTINCT a.respondent_id FROM answer a JOIN respondent r USING (respondent_id)
             JOIN wave w ON w.wave_id = r.wave_id JOIN pcn p ON p.pcn_code = r.pcn_code
             WHERE a.question_code = 'dev_needs' AND w.wave_code = '2021' AND p.place_code = 'MB')
           SELECT o.label, count(DISTINCT a.respondent_id) / (SELECT count(*) FROM who) AS share
           FROM answer a JOIN who USING (respondent_id)
           JOIN option o ON o.question_code = a.question_code AND o.option_code = a.option_code
           WHERE a.question_code = 'dev_needs' AND NOT o.is_exclusive GROUP BY o.label"""
    )
    expected = dict(zip(chosen["label"], chosen["share"], strict=True))
    got = dict(zip(needs.plots[0].categories, needs.plots[0].series[0].values, strict=True))
    assert {str(k): v for k, v in got.items()} == pytest.approx(expected)
    assert list(got.values()) == sorted(got.values(), reverse=True)  # largest first, as on the page

    progress = series_values(chart_of(slide_of(prs, "Recommendations progress")))
    status = demo_db.query(
        """SELECT pl.name AS place, coalesce(s.status, 'Not started') AS status, count(*) AS n
           FROM recommendation r CROSS JOIN place pl
           LEFT JOIN recommendation_status s ON s.rec_id = r.rec_id AND s.place_code = pl.place_code
           GROUP BY ALL"""
    )
    for place, state, n in status.itertuples(index=False):
        assert progress[state][place] == n


def test_the_heatmap_is_a_table_of_shares_and_n_from_sql(built, demo_db):
    table_slide = slide_of(Presentation(BytesIO(built["MB"])), "Relationships across the ICS")
    (frame,) = [s for s in table_slide.shapes if getattr(s, "has_table", False)]
    table = frame.table
    header = [c.text for c in table.rows[0].cells]
    _, ics = names(demo_db)
    assert header == ["", "Morecambe Bay", ics]
    partners = dict(
        demo_db.query(
            "SELECT short_label, question_code FROM question WHERE block = 'relationship'"
        ).itertuples(index=False)
    )
    rows = [[c.text for c in row.cells] for row in list(table.rows)[1:]]
    assert [r[0] for r in rows] == list(partners)
    for partner, *cells in rows:
        for place, text in zip(["MB", None], cells, strict=True):
            n, share = good_share(demo_db, partners[partner], "2021", place)
            assert text == f"{share:.0%}  n = {n}"
    # Coloured as on the page: darker blue for a larger share.
    fills = {r[0]: table.cell(i + 1, 1).fill.fore_color.rgb for i, r in enumerate(rows)}
    assert len(set(fills.values())) > 3


# No hidden value anywhere -----------------------------------------------------------------


def package_texts(data: bytes) -> dict[str, str]:
    """Return every XML part of a package and of the workbooks embedded in it, as text."""
    out = {}
    with zipfile.ZipFile(BytesIO(data)) as z:
        for name in z.namelist():
            blob = z.read(name)
            if name.endswith(".xlsx"):
                with zipfile.ZipFile(BytesIO(blob)) as book:
                    for inner in book.namelist():
                        if inner.endswith(".xml"):
                            out[f"{name}!{inner}"] = book.read(inner).decode("utf-8")
            elif name.endswith((".xml", ".rels")):
                out[name] = blob.decode("utf-8")
    return out


def numbers_in(xml: str) -> list[float]:
    """Return every number stored as a value: chart caches (c:v) and worksheet cells (v)."""
    root = etree.fromstring(xml.encode("utf-8"))
    out = []
    for element in root.iter():
        if isinstance(element.tag, str) and etree.QName(element).localname == "v":
            try:
                out.append(float(element.text))
            except (TypeError, ValueError):
                pass
    return out


def test_no_suppressed_value_anywhere_in_the_package(tmp_path):
    # Place A has 3 respondents (under K): 2 of 3 rate the ICS relationship good or better, a share
    # (67%) that no group shown has.
    path = tmp_path / "fixture.duckdb"
    db = make_database(
        path,
        {
            "A": ["excellent", "excellent", "fair"],
            "B": ["good"] * 4 + ["poor"] * 3,
            "C": ["good"] * 5 + ["poor"] * 2 + ["fair"],
            "D": ["good"] * 3 + ["poor"] * 3,
        },
    )
    db.close()
    hidden_share, hidden_n = 2 / 3, 3
    for args in ([], ["--place", "A"], ["--place", "B"]):
        out = tmp_path / f"pack{len(args)}{args[-1] if args else ''}.pptx"
        done = run_cli("--db", str(path), *args, "--out", str(out), env=no_chromium_env(tmp_path))
        assert done.returncode == 0, done.stderr
        data = out.read_bytes()
        parts = package_texts(data)
        assert any("embeddings" in p for p in parts)  # the charts' workbooks are scanned too
        for part, xml in parts.items():
            for value in numbers_in(xml):
                assert value != pytest.approx(hidden_share, abs=1e-6), (args, part)
                assert value != pytest.approx(100 * hidden_share, abs=1e-4), (args, part)
            text = re.sub(r"<[^>]+>", " ", xml)
            assert "67%" not in text and "0.666" not in text and "0.667" not in text, (args, part)
            assert f"n = {hidden_n}" not in text and f"n={hidden_n}" not in text, (args, part)
        # Place A's own count is a gap in the respondents chart and its workbook, not a number.
        prs = Presentation(BytesIO(data))
        chart = chart_of(slide_of(prs, "Who responded"))
        assert series_values(chart)["Fixture wave"]["Place A"] is None
        sheet = openpyxl.load_workbook(BytesIO(chart.part.chart_workbook.xlsx_part.blob)).active
        rows = {r[0]: r[1:] for r in sheet.iter_rows(values_only=True)}
        assert rows["Place A"] == (None,) and rows["Place B"] == (7,)


# Without Chromium ---------------------------------------------------------------------------


def test_a_pptx_builds_without_chromium_and_the_pdf_says_what_to_install(demo_copy, tmp_path):
    env = no_chromium_env(tmp_path)
    out = tmp_path / "pack.pptx"
    done = run_cli("--db", str(demo_copy), "--place", "FC", "--out", str(out), env=env)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["slides"] == 11
    pdf = tmp_path / "pack.pdf"
    done = run_cli("--db", str(demo_copy), "--out", str(pdf), env=env)
    assert done.returncode == 1
    assert "apt-get install chromium" in done.stderr and "Traceback" not in done.stderr
    assert not pdf.exists()


# The organisation's template --------------------------------------------------------------

ORG_FONT, ORG_ACCENT = "Georgia", "7A1F5C"


def make_template(path: Path) -> None:
    """Write an organisation's template: 16:9 at 10 x 5.625 inches, Georgia, a plum accent, a
    banner on the master, and a sample slide of its own."""
    prs = Presentation()
    prs.slide_width, prs.slide_height = Inches(10), Inches(5.625)
    master = prs.slide_master
    sample = prs.slides.add_slide(prs.slide_layouts[0])
    sample.shapes.title.text = "Organisation sample slide"
    banner = sample.shapes.add_shape(MSO_SHAPE.RECTANGLE, 0, 0, Inches(10), Inches(0.25))
    banner.name = "Org banner"
    banner.fill.solid()
    banner.fill.fore_color.rgb = RGBColor.from_string(ORG_ACCENT)
    master.shapes._spTree.append(copy.deepcopy(banner._element))  # python-pptx adds no shapes to masters
    for shape in master.placeholders:  # the 4:3 master squeezed into 5.625 inches down
        shape.top = int(shape.top * 0.75)
        shape.height = int(shape.height * 0.75)
    theme_part = next(r.target_part for r in master.part.rels.values() if r.reltype.endswith("/theme"))
    theme = etree.fromstring(theme_part.blob)
    ns = {"a": "http://schemas.openxmlformats.org/drawingml/2006/main"}
    for latin in theme.xpath("//a:majorFont/a:latin | //a:minorFont/a:latin", namespaces=ns):
        latin.set("typeface", ORG_FONT)
    accent = theme.xpath("//a:clrScheme/a:accent1", namespaces=ns)[0]
    for child in list(accent):
        accent.remove(child)
    etree.SubElement(accent, f"{{{ns['a']}}}srgbClr", val=ORG_ACCENT)
    theme_part._blob = etree.tostring(theme, xml_declaration=True, encoding="UTF-8", standalone=True)
    prs.save(path)


def test_a_pack_on_the_organisations_template_uses_its_layouts_and_theme(demo_copy, tmp_path):
    template = tmp_path / "org-template.pptx"
    make_template(template)
    out = tmp_path / "org.pptx"
    done = run_cli(
        "--db", str(demo_copy), "--place", "MB", "--template", str(template), "--out", str(out),
        env=no_chromium_env(tmp_path),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    prs = Presentation(out)
    assert (prs.slide_width, prs.slide_height) == (Inches(10), Inches(5.625))
    assert len(prs.slides) == 11 and "Organisation sample slide" not in [
        s.shapes.title.text for s in prs.slides
    ]
    assert "Org banner" in [s.name for s in prs.slide_master.shapes]
    template_layouts = [layout.name for layout in Presentation(template).slide_layouts]
    for slide in prs.slides:
        assert slide.slide_layout.name == "Title Only" and slide.slide_layout.name in template_layouts
        assert slide.shapes.title.is_placeholder
        for shape in slide.shapes:
            # Everything fits on the template's slide.
            assert shape.left >= 0 and shape.left + shape.width <= prs.slide_width + Pt(1), shape.name
            assert shape.top + shape.height <= prs.slide_height + Pt(1), shape.name
    parts = package_texts(out.read_bytes())
    theme = next(xml for name, xml in parts.items() if name.startswith("ppt/theme/"))
    assert f'typeface="{ORG_FONT}"' in theme and ORG_ACCENT in theme
    # The slides' text takes the template's font: no run names a font of its own.
    for name, xml in parts.items():
        if name.startswith(("ppt/slides/slide", "ppt/charts/chart")):
            assert "<a:latin " not in xml, name


def test_a_template_that_is_not_a_pptx_is_named_in_the_error(demo_copy, tmp_path):
    bad = tmp_path / "brand.pptx"
    bad.write_text("not a presentation")
    out = tmp_path / "x.pptx"
    done = run_cli("--db", str(demo_copy), "--template", str(bad), "--out", str(out))
    assert done.returncode == 1
    assert f"The template {bad} is not a PowerPoint file" in done.stderr
    assert "Traceback" not in done.stderr and not out.exists()
    missing = run_cli("--db", str(demo_copy), "--template", str(tmp_path / "none.pptx"), "--out", str(out))
    assert missing.returncode == 1 and "none.pptx" in missing.stderr and "Traceback" not in missing.stderr


# The page ----------------------------------------------------------------------------------

PPTX_MIME = "application/vnd.openxmlformats-officedocument.presentationml.presentation"


def open_overview(app):
    import ui

    ui._pack_slot.clear()  # packs are kept per process, for every session: start without one
    app.query_params["wave"] = "2021"
    app.query_params["place"] = "MB"
    app.run()
    app.switch_page("pages/overview.py").run()
    assert not app.exception


def shown(markdown: str) -> str:
    """Return what a reader sees of escaped markdown (the page escapes every message)."""
    return re.sub(r"\\(.)", r"\1", markdown)


def offered(app) -> dict[str, str]:
    return {b.label: b.key for b in app.get("download_button") if b.key.startswith("overview_pack")}


def test_the_page_builds_the_pack_on_an_uploaded_template_and_names_a_bad_one(app, tmp_path):
    open_overview(app)
    template = tmp_path / "org-template.pptx"
    make_template(template)
    app.file_uploader(key="overview_pack_template").upload(
        "org-template.pptx", template.read_bytes(), PPTX_MIME
    ).run()
    app.button(key="overview_pack_build").click().run()
    assert not app.exception
    assert [s.label for s in app.get("status")] == ["Slide pack ready"]
    assert "Download slide pack (PowerPoint)" in offered(app)

    app.file_uploader(key="overview_pack_template").upload(
        "brand.pptx", b"not a presentation", PPTX_MIME
    ).run()
    assert not offered(app)  # the pack on the other template is not offered for this one
    app.button(key="overview_pack_build").click().run()
    assert not app.exception
    assert [s.label for s in app.get("status")] == ["The slide pack could not be built"]
    assert any("The template brand.pptx is not a PowerPoint file" in shown(e.value) for e in app.error)


def test_without_chromium_the_page_offers_the_pptx_and_says_what_the_pdf_needs(app, monkeypatch):
    from pcn_data.charts import render

    monkeypatch.setattr(render, "chromium_path", lambda: None)
    monkeypatch.setattr(render, "_renderer", None)  # restored afterwards: the warm browser stays
    open_overview(app)
    app.button(key="overview_pack_build").click().run()
    assert not app.exception
    assert offered(app) == {"Download slide pack (PowerPoint)": "overview_pack_pptx"}
    (warning,) = [shown(w.value) for w in app.warning if "No PDF" in w.value]
    assert "Chart images need Chromium, which is not installed: run `apt-get install chromium`" in warning


# The same chart as on the page ---------------------------------------------------------------


def row_name(label: str) -> str:
    """Return the name of a row of a page's figure: its label without the small second line (n)
    and without tags, wrapped words joined again."""
    name = re.split(r"<br><span", str(label))[0].replace("<br>", " ")
    return " ".join(re.sub(r"<[^>]+>", "", name).split())


@pytest.mark.parametrize(
    ("page", "key", "heading"),
    [
        ("pages/role_clarity.py", "role_role_clear_self", "Role clarity"),
        ("pages/development_needs.py", "needs_ranked", "Development needs"),
        ("pages/compare_places.py", "compare_places", "Compare places"),
    ],
)
def test_the_native_chart_has_the_bars_the_page_draws(app, built, page, key, heading):
    """Each bar and dot on the page, read from the figure the page sends to the browser, is a value
    of the PowerPoint chart in the same row; a gap on the page is a gap in the chart."""
    app.query_params["wave"] = "2021"
    app.query_params["place"] = "MB"
    app.run()
    app.switch_page(page).run()
    assert not app.exception
    on_page = figure(app, key)
    chart = chart_of(slide_of(Presentation(BytesIO(built["MB"])), heading))
    if heading == "Compare places":  # dots of net agreement, in points; the ICS band is the first bar
        (dots,) = [t for t in on_page["data"] if t["type"] == "scatter" and t.get("mode") == "markers"]
        drawn = [None if v is None or v != v else 100 * v for v in dots["x"]]
        assert list(chart.plots[0].series[0].values[1:]) == pytest.approx(drawn)
        return
    in_pack = {
        name: {" ".join(r.split()): v for r, v in rows.items()} for name, rows in series_values(chart).items()
    }
    bars = [t for t in on_page["data"] if t["type"] == "bar" and "base" not in t]  # not the placeholder
    names = [t.get("name") or "Share of respondents" for t in bars]
    checked = 0
    for trace, name in zip(bars, names, strict=True):
        if names.count(name) > 1:
            continue  # the neutral answer, split across zero: series_values adds its halves
        for label, value in zip(trace["y"], trace["x"], strict=True):
            assert in_pack[name][row_name(label)] == pytest.approx(None if value != value else value)
            checked += 1
    assert checked >= 6


def test_a_potx_template_is_taken_as_well(demo_copy, tmp_path):
    """PowerPoint saves templates as .potx: the same package under another content type."""
    pptx = tmp_path / "org.pptx"
    make_template(pptx)
    potx = tmp_path / "org.potx"
    with zipfile.ZipFile(pptx) as src, zipfile.ZipFile(potx, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "[Content_Types].xml":
                data = data.replace(
                    b"presentationml.presentation.main+xml", b"presentationml.template.main+xml"
                )
            dst.writestr(item, data)
    out = tmp_path / "org.pptx.out.pptx"
    done = run_cli(
        "--db", str(demo_copy), "--template", str(potx), "--out", str(out), env=no_chromium_env(tmp_path)
    )
    assert done.returncode == 0, done.stderr
    assert "Org banner" in [s.name for s in Presentation(out).slide_master.shapes]


def tiny_png(width: int = 20, height: int = 12) -> bytes:
    """Return a plain white PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\xff\xff\xff" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def test_a_chart_powerpoint_has_no_type_for_is_a_picture_with_alt_text(demo_db, monkeypatch):
    from pcn_data import charts
    from pcn_data.reports import native_charts, slide_files, slides

    monkeypatch.delitem(native_charts.READERS, "progress_bars")  # as if PowerPoint had no such chart
    drawn = []
    monkeypatch.setattr(charts, "to_png", lambda fig, **kw: drawn.append(fig) or tiny_png())
    pack = slides.build_pack(demo_db, slides.pack_filters(demo_db, place="MB", wave="2021"))
    prs = Presentation(BytesIO(slide_files.to_pptx(pack)))
    assert len(drawn) == 1  # only that chart is drawn as an image
    slide = slide_of(prs, "Recommendations progress")
    (picture,) = [s for s in slide.shapes if s.shape_type == MSO_SHAPE_TYPE.PICTURE]
    alt = picture._element.xpath("./p:nvPicPr/p:cNvPr")[0].get("descr")
    assert alt.startswith("Stacked bars of recommendation statuses by place. Morecambe Bay: 6 done")
