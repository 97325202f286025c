"""The slide pack: the PowerPoint opened with python-pptx, every number on its slides against an
independent count from the raw answers, placeholders for a place under K that give nothing away,
the PDF, the pages' build buttons and the command line."""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import sys
from io import BytesIO

import pandas as pd
import pytest
from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE
from pptx.util import Emu

from pcn_data import charts
from pcn_data.charts import render
from pcn_data.core.config import min_group
from pcn_data.core.errors import RenderError
from pcn_data.reports import slide_files, slides
from pcn_data.survey.compare import MEASURES, measure_by_place
from pcn_data.survey.findings import headline_findings
from pcn_data.survey.stats import net_agreement, wilson
from tests.conftest import ROOT
from tests.fixtures import make_database
from tests.results_helpers import _decode, figure, raw_answers

TODAY = dt.date(2026, 3, 2)
K = min_group()
HEADINGS = [
    "PCN Futures: evidence for the oversight group",
    "Headline findings: {subject}",
    "Who responded",
    "Role clarity",
    "Shared vision",
    "Clear about my role, but are others?",
    "Relationships across the ICS",
    "Development needs: {subject}",
    "Compare places",
    "Recommendations progress",
    "Method and confidentiality",
]
AGREE, DISAGREE = {"a", "sa"}, {"d", "sd"}
CLEAR, UNCLEAR = {"very_clear", "somewhat_clear"}, {"very_unclear", "somewhat_unclear"}
GOOD = {"good", "excellent"}


@pytest.fixture(scope="session")
def packs(demo_db):
    """Return {name: (filters, pack, pptx bytes, pdf bytes)}: an ICS pack for the latest wave, a
    place pack, and the pack of a place under K, built once."""
    out = {}
    for name, place, wave in (("ics", None, None), ("MB", "Morecambe Bay", "2021"), ("WL", "WL", "2021")):
        f = slides.pack_filters(demo_db, place=place, wave=wave)
        pack = slides.build_pack(demo_db, f, today=TODAY)
        out[name] = (f, pack, slide_files.to_pptx(pack), slide_files.to_pdf(pack))
    return out


def open_pptx(data: bytes):
    return Presentation(BytesIO(data))


def panel(slide) -> dict[str, str]:
    """Return the words beside a chart, by their label: QUESTION, BASE, TAKEAWAY."""
    shape = next(s for s in slide.shapes if s.name == "About this chart")
    out, label = {}, None
    for p in shape.text_frame.paragraphs:
        if p.text.isupper():
            label = p.text
        elif label:
            out[label] = p.text
    return out


def every_text(prs) -> list[str]:
    """Return every piece of text in a presentation: shapes, alt text (descr) and speaker notes."""
    texts = []
    for slide in prs.slides:
        for shape in slide.shapes:
            if shape.has_text_frame:
                texts.append(shape.text_frame.text)
            texts.append(shape._element.xpath("./*[1]/p:cNvPr")[0].get("descr") or "")
        if slide.has_notes_slide:
            texts.append(slide.notes_slide.notes_text_frame.text)
    return texts


NUMBER = re.compile(r"[+\u2212-]?\d+%?")


def tokens(text: str, drop=()) -> list[str]:
    for word in drop:
        text = text.replace(word, "")
    return NUMBER.findall(text)


def n(value):
    return ("n", int(value))


def pc(value):
    return ("%", 100 * float(value))


def pt(value):
    return ("pts", 100 * float(value))


def assert_numbers(text: str, expected: list, drop=()):
    """Assert the numbers in text are, in order, the expected counts, percentages and points
    (a shown whole number may differ from the exact value by half a unit, no more)."""
    found = tokens(text, drop)
    assert len(found) == len(expected), f"{text!r}: {found} vs {expected}"
    for token, (kind, value) in zip(found, expected, strict=True):
        if kind == "n":
            assert token == str(value), text
        elif kind == "%":
            assert token.endswith("%") and abs(int(token[:-1]) - value) <= 0.5 + 1e-9, (text, token, value)
        else:
            assert token[0] in "+\u2212" or token == "0", (text, token)
            assert abs(int(token.replace("\u2212", "-")) - value) <= 0.5 + 1e-9, (text, token, value)


# Independent counts from the raw answers -----------------------------------------------------


def answers(db, question, wave, place=None, roles=None):
    raw = raw_answers(db, [question])
    raw = raw[raw["wave_code"] == wave]
    if place:
        raw = raw[raw["place_code"] == place]
    if roles:
        raw = raw[raw["role_code"].isin(roles)]
    return raw


def shares(raw, yes, no=frozenset(), exclude=frozenset()):
    """Return (base, share choosing yes, share choosing no) among answers not in exclude."""
    rows = raw[~raw["option_code"].isin(exclude)]
    base = len(rows)
    return base, rows["option_code"].isin(yes).sum() / base, rows["option_code"].isin(no).sum() / base


def expected_slides(db, f, subject) -> dict[str, dict[str, list]]:
    """Return, per slide heading, the numbers its BASE and TAKEAWAY should show, computed from the
    raw rows with plain SQL and pandas."""
    place, wave = (f.places[0] if f.places else None), f.wave
    out = {}

    resp, cds = db.query(
        """SELECT count(*), count(*) FILTER (WHERE r.role_code = 'cd')
           FROM respondent r JOIN wave w ON w.wave_id = r.wave_id JOIN pcn p ON p.pcn_code = r.pcn_code
           WHERE w.wave_code = ? AND (? IS NULL OR p.place_code = ?)""",
        [wave, place, place],
    ).iloc[0]
    invited = db.scalar(
        """SELECT sum(i.invited) FROM invitation i JOIN wave w ON w.wave_id = i.wave_id
           JOIN pcn p ON p.pcn_code = i.pcn_code
           WHERE i.role_code = 'cd' AND w.wave_code = ? AND (? IS NULL OR p.place_code = ?)""",
        [wave, place, place],
    )
    out["Who responded"] = {"BASE": [n(resp)], "TAKEAWAY": [n(resp), n(cds), n(invited), pc(cds / invited)]}

    def base(question, roles=None):
        subject = answers(db, question, wave, place, roles)["respondent_id"].nunique()
        total = answers(db, question, wave, None, roles)["respondent_id"].nunique()
        return [n(subject), n(total)] if place else [n(subject)]

    for heading, question, yes, no in (
        ("Role clarity", "role_clear_self", AGREE, DISAGREE),
        ("Shared vision", "vision_pcn", CLEAR, UNCLEAR),
    ):
        _, pos, neg = shares(answers(db, question, wave, place), yes, no)
        out[heading] = {"BASE": base(question), "TAKEAWAY": [pc(pos), pc(neg), pt(pos - neg)]}

    _, self_clear, _ = shares(answers(db, "role_clear_self", wave, place, ["cd"]), AGREE)
    _, partners, _ = shares(answers(db, "role_partners_clear", wave, place, ["cd"]), AGREE)
    out["Clear about my role, but are others?"] = {
        "BASE": base("role_clear_self", ["cd"]),
        "TAKEAWAY": [pc(self_clear), pc(partners), pt(self_clear - partners)],
    }

    rel = {}
    for q in [
        q for q in db.query("SELECT question_code FROM question")["question_code"] if q.startswith("rel_")
    ]:
        rel[q] = shares(answers(db, q, wave, place), GOOD, exclude={"dont_know"})
    ordered = sorted(rel.values(), key=lambda r: r[1])
    worst, best = ordered[0], ordered[-1]
    takeaway = [pc(best[1]), pc(worst[1])]
    if rel["rel_ics"][1] != worst[1]:
        takeaway.append(pc(rel["rel_ics"][1]))
    bases = sorted({b for b, _, _ in rel.values()})
    out["Relationships across the ICS"] = {
        "BASE": [n(bases[0])] if len(bases) == 1 else [n(bases[0]), n(bases[-1])],
        "TAKEAWAY": takeaway,
    }

    needs = answers(db, "dev_needs", wave, place)
    who = needs["respondent_id"].nunique()
    chosen = needs.groupby("option_code")["respondent_id"].nunique() / who
    out[f"Development needs: {subject}"] = {
        "BASE": [n(who)],
        "TAKEAWAY": [pc(chosen.drop("have_what_i_need").max()), pc(chosen.get("have_what_i_need", 0))],
    }

    # Compare places: which places are hidden is the query's call; their values are counted here.
    rows = measure_by_place(db, MEASURES["net_role_clear_self"], f)
    shown = rows.loc[~rows["is_total"] & ~rows["suppressed"].astype(bool), "grp"]
    raw = answers(db, "role_clear_self", wave)

    def net_of(part):
        base, pos, neg = shares(part, AGREE, DISAGREE)
        return base, pos - neg

    total_n, total_net = net_of(raw)
    if place:
        place_n, place_net = net_of(raw[raw["place_code"] == place])
        out["Compare places"] = {"BASE": [n(place_n), n(total_n)], "TAKEAWAY": [pt(place_net), pt(total_net)]}
    else:
        out["Compare places"] = {
            "BASE": [n(net_of(raw[raw["place_code"] == p])[0]) for p in shown] + [n(total_n)],
            "TAKEAWAY": [pt(total_net)],
        }

    status = db.query(
        """SELECT pl.name AS place, coalesce(s.status, 'Not started') AS status, count(*) AS n
           FROM recommendation r CROSS JOIN place pl
           LEFT JOIN recommendation_status s ON s.rec_id = r.rec_id AND s.place_code = pl.place_code
           WHERE ? IS NULL OR pl.place_code = ? GROUP BY ALL""",
        [place, place],
    )
    counts = status.groupby("status")["n"].sum()
    places, recs = db.scalar("SELECT count(*) FROM place"), db.scalar("SELECT count(*) FROM recommendation")
    takeaway = [] if place else [n(places)]
    takeaway += [
        n(counts[s]) for s in ("Done", "In progress", "Not started", "Not applicable") if s in counts
    ]
    out["Recommendations progress"] = {"BASE": [n(recs), n(places)], "TAKEAWAY": [*takeaway, n(counts.sum())]}
    return out


# The PowerPoint file ------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["ics", "MB", "WL"])
def test_slide_count_titles_and_shape(packs, demo_db, name):
    f, pack, pptx, _ = packs[name]
    prs = open_pptx(pptx)
    assert Emu(prs.slide_width).inches == pytest.approx(13.333, abs=0.01)
    assert prs.slide_width / prs.slide_height == pytest.approx(16 / 9, abs=0.01)
    subject = {"ics": "Lancashire and South Cumbria ICS", "MB": "Morecambe Bay", "WL": "West Lancashire"}[
        name
    ]
    assert [s.shapes.title.text for s in prs.slides] == [h.format(subject=subject) for h in HEADINGS]
    assert len(prs.slides) == len(pack.slides) == 11
    numbers = [next(sh for sh in s.shapes if sh.name == "Slide number").text for s in prs.slides]
    assert numbers == [f"{i} / 11" for i in range(1, 12)]


def test_title_slide_names_scope_wave_date_source_and_the_rule(packs, demo_db):
    _, _, pptx, _ = packs["MB"]
    shapes = {sh.name: sh.text_frame.text for sh in open_pptx(pptx).slides[0].shapes if sh.has_text_frame}
    assert "Demo data: PCN names are invented" in shapes["Facts"]
    text = "\n".join(shapes.values())
    for words in (
        "Morecambe Bay",
        "Survey wave: 2021 Clinical Director survey",
        "Prepared 2 March 2026",
        f"Data source: {demo_db.path.name}, data version {demo_db.data_version()}.",
        f"fewer than {K} respondents are not shown",
        "no combination of views, totals and downloads gives it back",
        "Demo data",
    ):
        assert words in text


@pytest.mark.parametrize("name", ["MB", "ics"])
def test_every_number_on_the_chart_slides_equals_an_independent_count(packs, demo_db, name):
    f, pack, pptx, _ = packs[name]
    expected = expected_slides(demo_db, f, pack.title.removeprefix("PCN Futures: "))
    wave_names = ["2021 Clinical Director survey", "2023 follow-up survey"]
    checked = set()
    for slide in open_pptx(pptx).slides:
        heading = slide.shapes.title.text
        if heading not in expected:
            continue
        words = panel(slide)
        for label in ("BASE", "TAKEAWAY"):
            assert_numbers(words[label], expected[heading][label], drop=wave_names)
        checked.add(heading)
    assert checked == set(expected)


def test_the_compare_slide_labels_the_place_against_the_ics(packs):
    slide = next(s for s in open_pptx(packs["MB"][2]).slides if s.shapes.title.text == "Compare places")
    assert "Morecambe Bay: +89, not distinguishable from the ICS" in panel(slide)["TAKEAWAY"]


def test_headline_cards_equal_the_overview_findings_and_raw_counts(packs, demo_db):
    f, _, pptx, _ = packs["MB"]
    slide = open_pptx(pptx).slides[1]
    cards = {
        sh.text_frame.paragraphs[0].text: sh.text_frame.text
        for sh in slide.shapes
        if sh.name.startswith("Finding")
    }
    findings = {x.title: x for x in headline_findings(demo_db, f)}
    assert set(cards) == set(findings)
    base, poor, _ = shares(answers(demo_db, "rel_ics", "2021", "MB"), {"poor"}, exclude={"dont_know"})
    low, high = wilson(round(poor * base), base)
    assert_numbers(cards["ICS relationship rated poor"], [pc(poor), n(base), pc(low), pc(high)], ["95% CI"])
    raw = answers(demo_db, "role_clear_self", "2021", "MB")
    base, pos, neg = shares(raw, AGREE, DISAGREE)
    net, low, high = net_agreement(round(pos * base), round(neg * base), base)
    assert_numbers(cards["Net role clarity"], [pt(net), n(base), pt(low), pt(high)], ["95% CI"])
    for title, finding in findings.items():
        assert (
            finding.formatted() in cards[title] and f"n = {finding.n} · {finding.interval()}" in cards[title]
        )


def test_every_chart_has_alt_text_with_its_takeaway_and_speaker_notes(packs):
    charts_drawn = 0
    for name in packs:
        for slide in open_pptx(packs[name][2]).slides:
            assert not [s for s in slide.shapes if s.shape_type == MSO_SHAPE_TYPE.PICTURE]
            for chart in [s for s in slide.shapes if s.has_chart or s.has_table]:  # native, editable
                alt = chart._element.xpath("./p:nvGraphicFramePr/p:cNvPr")[0].get("descr")
                assert alt.endswith(panel(slide)["TAKEAWAY"]) or panel(slide)["TAKEAWAY"] in alt
                assert slide.notes_slide.notes_text_frame.text
                charts_drawn += 1
    assert charts_drawn == 8 + 8 + 3  # the place under K: who responded, compare places, progress


# A place under K ----------------------------------------------------------------------------


def test_a_place_under_k_gets_placeholders_and_no_hidden_value_anywhere(packs, demo_db):
    f, pack, pptx, _ = packs["WL"]
    wl = answers(demo_db, "role_clear_self", "2021", "WL")["respondent_id"].nunique()
    assert 0 < wl < K  # the demo's place under K
    kinds = {s.heading: s.kind for s in pack.slides}
    for heading in HEADINGS[3:8]:
        assert kinds[heading.format(subject="West Lancashire")] == "placeholder"
    prs = open_pptx(pptx)
    for slide in prs.slides:
        if slide.shapes.title.text in ("Role clarity", "Shared vision", "Relationships across the ICS"):
            assert not [s for s in slide.shapes if s.shape_type == MSO_SHAPE_TYPE.PICTURE]
            assert (
                f"fewer than {K} respondents" in next(s for s in slide.shapes if s.name == "Not shown").text
            )
    text = "\n".join(every_text(prs))
    # No n below K is printed anywhere (the respondent count included), and no value of the place.
    assert all(int(x) >= K for x in re.findall(r"n = (\d+)", text))
    assert f"{wl} respondents" not in text and f"{wl} of " not in text
    for question, yes in (("role_clear_self", AGREE), ("vision_pcn", CLEAR), ("rel_ics", GOOD)):
        _, share, _ = shares(answers(demo_db, question, "2021", "WL"), yes, exclude={"dont_know"})
        for line in text.splitlines():
            if "West Lancashire" in line:
                assert f"{share:.0%}" not in line, (question, line)
    findings_slide = prs.slides[1]
    assert {
        s.text_frame.paragraphs[1].text for s in findings_slide.shapes if s.name.startswith("Finding")
    } == {"–"}


def test_placeholders_look_the_same_whatever_the_true_n(tmp_path):
    def pack_text(size):
        path = tmp_path / str(size) / "fixture.duckdb"
        path.parent.mkdir()
        db = make_database(path, {"A": ["poor"] * size, "B": ["good"] * 7, "C": ["fair"] * 6})
        try:
            pack = slides.build_pack(db, slides.pack_filters(db, place="A"), today=TODAY)
        finally:
            db.close()
        prs = open_pptx(slide_files.to_pptx(pack))
        kept = [i for i, s in enumerate(pack.slides) if s.kind in ("placeholder", "findings")]
        return kept, [every_text_of(prs.slides[i]) for i in kept], pack

    kept_1, text_1, pack_1 = pack_text(1)
    kept_4, text_4, _ = pack_text(4)
    assert kept_1 == kept_4 and "Relationships across the ICS" in [pack_1.slides[i].heading for i in kept_1]
    assert text_1 == text_4
    for text in text_1:
        assert "n = " not in text


def every_text_of(slide) -> list[str]:
    out = [sh.text_frame.text for sh in slide.shapes if sh.has_text_frame]
    out += [sh._element.xpath("./*[1]/p:cNvPr")[0].get("descr") or "" for sh in slide.shapes]
    return out


# The charts are the pages' charts ------------------------------------------------------------


def traces(fig_json: dict) -> str:
    """Return what a figure's traces draw (values, labels, text), as comparable text (NaN == NaN)."""
    keep = ("x", "y", "z", "text", "name", "customdata")
    return json.dumps([{k: _decode(t.get(k)) for k in keep if k in t} for t in fig_json["data"]])


@pytest.mark.parametrize(
    ("page", "key", "heading"),
    [
        ("pages/overview.py", "overview_respondents", "Who responded"),
        ("pages/role_clarity.py", "role_role_clear_self", "Role clarity"),
        ("pages/relationships.py", "relationships_heatmap", "Relationships across the ICS"),
        ("pages/development_needs.py", "needs_ranked", "Development needs: Morecambe Bay"),
        ("pages/compare_places.py", "compare_places", "Compare places"),
    ],
)
def test_pack_charts_are_the_charts_on_screen(app, demo_db, page, key, heading):
    app.query_params["wave"] = "2021"
    app.query_params["place"] = "MB"
    app.run()
    app.switch_page(page).run()
    assert not app.exception
    f = slides.pack_filters(demo_db, place="MB", wave="2021")
    planned = {p.heading: p for p in slides.plan_charts(demo_db, f)}
    pack_fig = json.loads(planned[heading].spec.figure().to_json())
    assert traces(pack_fig) == traces(figure(app, key))


# The PDF -------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["ics", "WL"])
def test_the_pdf_has_a_page_per_slide_and_the_same_images(packs, name):
    _, pack, _, pdf = packs[name]
    assert pdf.startswith(b"%PDF")
    assert len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf)) == len(pack.slides)
    images = len(re.findall(rb"/Subtype\s*/Image", pdf))
    assert images == sum(s.spec is not None for s in pack.slides)


def test_pdf_boxes_are_the_pptx_boxes(packs):
    _, pack, _, _ = packs["MB"]
    image = slides.chart_images(pack, only=[pack.slides[3]])[3]
    boxes = slide_files.layout(pack, 4, pack.slides[3], image)
    assert [b.name for b in boxes] == ["Title", "Chart", "About this chart", "Footer", "Slide number"]
    native = slide_files.layout(pack, 4, pack.slides[3], native=True)
    assert [b.name for b in native] == [b.name for b in boxes[:2]] + ["Chart note"] + [
        b.name for b in boxes[2:]
    ]
    for chart in (boxes[1], native[1]):
        assert chart.x >= slides.CHART_BOX[0] and chart.x + chart.w <= sum(slides.CHART_BOX[::2]) + 1e-9
        assert chart.y + chart.h <= slides.CHART_BOX[1] + slides.CHART_BOX[3] + 1e-9


# Rendering -----------------------------------------------------------------------------------


def test_chart_images_are_sharp_pngs(packs):
    _, pack, _, _ = packs["MB"]
    image = next(iter(slides.chart_images(pack, only=[s for s in pack.slides if s.spec][:1]).values()))
    assert image.startswith(b"\x89PNG")
    width, _ = slide_files.png_size(image)
    assert width == slides.CHART_WIDTH * slides.IMAGE_SCALE


def test_without_chromium_the_error_says_what_to_install(monkeypatch):
    monkeypatch.setattr(render, "chromium_path", lambda: None)
    monkeypatch.setattr(render, "_renderer", None)  # restored afterwards: the warm browser stays
    with pytest.raises(RenderError, match="apt-get install chromium"):
        charts.to_png(
            charts.progress_bars(pd.DataFrame({"grp": ["A"], "status": ["Done"], "n": [1]}), "t"), width=400
        )


# The pages -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("page", "key"), [("pages/overview.py", "overview_pack"), ("pages/compare_places.py", "compare_pack")]
)
def test_the_build_button_offers_the_pack_for_download(app, page, key):
    import ui

    ui._pack_slot.clear()  # packs are kept per process, for every session: start without one
    app.query_params["wave"] = "2021"
    app.query_params["place"] = "MB"
    app.run()
    app.switch_page(page).run()
    assert not app.exception

    def offered():
        return {b.label: b.key for b in app.get("download_button") if b.key.startswith(key)}

    assert not offered()
    app.button(key=f"{key}_build").click().run()
    assert not app.exception
    assert offered() == {
        "Download slide pack (PowerPoint)": f"{key}_pptx",
        "Download slide pack (PDF)": f"{key}_pdf",
    }
    assert [s.label for s in app.get("status")] == ["Slide pack ready"]  # the progress box, completed
    app.run()  # still offered on the next run
    assert len(offered()) == 2
    app.selectbox(key="place").set_value("FC").run()  # a pack for other filters is not offered
    assert not app.exception and not offered()


# The command line ----------------------------------------------------------------------------


def run_cli(*args):
    return subprocess.run(
        [sys.executable, "-m", "pcn_data", "pack", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=180,
    )


def test_command_line_writes_a_place_pack_and_an_ics_pdf(demo_path, tmp_path):
    copy = tmp_path / "copy.duckdb"  # the session holds the demo file open read-write
    copy.write_bytes(demo_path.read_bytes())
    out = tmp_path / "mb.pptx"
    done = run_cli("--db", str(copy), "--place", "morecambe bay", "--wave", "2021", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["slides"] == 11
    assert "[100%] Done" in done.stderr
    assert open_pptx(out.read_bytes()).slides[1].shapes.title.text == "Headline findings: Morecambe Bay"
    pdf = tmp_path / "ics.pdf"
    done = run_cli("--db", str(copy), "--out", str(pdf), "--quiet")
    assert done.returncode == 0, done.stderr
    assert len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf.read_bytes())) == 11


def test_command_line_failures_and_usage_errors(tmp_path, demo_path):
    missing = run_cli("--db", str(tmp_path / "none.duckdb"), "--out", str(tmp_path / "x.pptx"))
    assert missing.returncode == 1 and "There is no database file" in missing.stderr
    assert "Traceback" not in missing.stderr
    assert run_cli("--db", str(demo_path), "--out", str(tmp_path / "x.docx")).returncode == 2
    assert run_cli("--out", str(tmp_path / "x.pptx"), "--measure", "nonsense").returncode == 2
    copy = tmp_path / "copy.duckdb"
    copy.write_bytes(demo_path.read_bytes())
    nowhere = run_cli("--db", str(copy), "--place", "Atlantis", "--out", str(tmp_path / "x.pptx"))
    assert nowhere.returncode == 1 and "There is no place 'Atlantis'" in nowhere.stderr
    assert not (tmp_path / "x.pptx").exists()
