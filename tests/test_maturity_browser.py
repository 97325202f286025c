"""A maturity round in real browsers: the facilitator adds it to a session in one click; five
phones (390x844) join by the link, three choose PCN A and two PCN B (whose name is hostile text),
rate every domain now and in a year, and send; the projector shows the room's spread, exactly, and
no PCN; the facilitator records both PCNs' agreed stages; PCN development then shows them with
their source."""

import datetime as dt
import shutil

import pytest
from playwright.sync_api import expect
from streamlit.testing.v1 import AppTest

from pcn_data.core.db import Database, close_database, get_database
from pcn_data.workshop import polls
from scripts.live_server import browser, free_port, server, wait_for_app
from tests.browser_helpers import axe_violations, describe_violations, pick, press, require_chromium, submit
from tests.conftest import ROOT
from tests.hostile import TEXTS
from tests.test_accessibility_browser import STREAMLIT_OWN

pytestmark = pytest.mark.browser

require_chromium()

ARTIFACTS = ROOT / "test-artifacts"
PHONE = {"width": 390, "height": 844}
TITLE = "Morecambe Bay maturity workshop"
HOSTILE = TEXTS[3]  # <b onmouseover=alert(1)>hover me</b>
# Each phone: its PCN (A or B), its stage now and the stage it wants in a year, in every domain.
PHONES = [("A", "step1", "step3"), ("A", "step2", "step3"), ("A", "step2", "step3"),
          ("B", "foundation", "step2"), ("B", "step1", "step2")]  # fmt: skip


def prepare(path) -> tuple[str, dict[str, str], list[str]]:
    """Make a session with a warm-up question in the file; return its join code, the codes of
    PCNs A and B, and the domains. B gets a hostile name, as an import could give it."""
    db = Database(path)
    try:
        pcns = list(db.query("SELECT pcn_code FROM pcn WHERE place_code = 'MB' ORDER BY name")["pcn_code"])
        with db.transaction() as cur:
            cur.execute("UPDATE pcn SET name = ? WHERE pcn_code = ?", [HOSTILE, pcns[1]])
        made = polls.create_session(
            db,
            title=TITLE,
            place_code="MB",
            held_on=dt.date(2026, 12, 2),
            questions=[polls.QuestionSpec("Warm up", "agreement")],
        )
        domains = list(db.query("SELECT domain_code FROM sa_domain ORDER BY sort_order")["domain_code"])
        return made["join_code"], {"A": pcns[0], "B": pcns[1]}, domains
    finally:
        db.close()


def test_a_maturity_round_for_two_pcns_from_phones_to_pcn_development(demo_path, tmp_path, monkeypatch):
    path = tmp_path / "maturity.duckdb"
    shutil.copy(demo_path, path)
    code, pcn, domains = prepare(path)
    ARTIFACTS.mkdir(exist_ok=True)
    port = free_port()
    public = f"http://127.0.0.1:{port}"
    with browser() as chromium, server(path, port=port, env={"PCN_PUBLIC_URL": public}) as running:
        url = running.url
        facilitator = chromium.new_page(viewport={"width": 1920, "height": 1080})
        facilitator.goto(f"{url}/workshop")
        wait_for_app(facilitator)
        facilitator.get_by_text("Add a ready-made round").click()
        facilitator.locator(".st-key-workshop_add_maturity button").click()
        facilitator.wait_for_selector("text=PCN maturity matrix · draft", timeout=30000)
        press(facilitator, "workshop_open_2", "Close")  # opening shows it on screen
        facilitator.wait_for_selector("text=open · on screen", timeout=30000)

        projector = chromium.new_page(viewport={"width": 1920, "height": 1080})
        projector.goto(f"{url}/present?session=1")
        projector.wait_for_selector(".present-count", timeout=30000)

        phones = []
        for team, now, want in PHONES:
            phone = chromium.new_context(viewport=PHONE).new_page()
            phone.goto(f"{public}/join?code={code}")
            phone.wait_for_selector("#pcn", timeout=30000)
            if not phones:
                phone.screenshot(path=str(ARTIFACTS / "maturity_phone_top.png"))
            phone.select_option("#pcn", value=f"pcn:{pcn[team]}")
            for d in domains:
                phone.check(f"input[value='now:{d}:{now}']")
                phone.check(f"input[value='want:{d}:{want}']")
            phones.append(phone)
        # B's hostile name is the text of its option, never markup, on the phone.
        assert HOSTILE in phones[0].locator("#pcn option").all_inner_texts()
        assert phones[0].locator("b[onmouseover]").count() == 0
        # The round's form meets WCAG 2.2 AA on the phone (nested fieldsets, a labelled list).
        assert axe_violations(phones[3]) == [], describe_violations(axe_violations(phones[3]))
        phones[3].screenshot(path=str(ARTIFACTS / "maturity_phone.png"), full_page=True)
        # At 200% text nothing runs off the side and every stage is still a large target.
        big = phones[4]
        big.evaluate("() => { document.documentElement.style.fontSize = '200%'; }")
        layout = big.evaluate(
            """() => ({wide: document.documentElement.scrollWidth > window.innerWidth + 1,
                       smallest: Math.min(...[...document.querySelectorAll('.choice, button, select')]
                                             .map(e => e.getBoundingClientRect().height))})"""
        )
        assert not layout["wide"] and layout["smallest"] >= 44, layout
        big.screenshot(path=str(ARTIFACTS / "maturity_phone_200.png"))
        big.evaluate("() => { document.documentElement.style.fontSize = ''; }")
        phones[3].screenshot(path=str(ARTIFACTS / "maturity_phone_viewport.png"))
        for phone in phones:
            phone.get_by_role("button", name="Send my answer").click()
        for phone, (team, _, _) in zip(phones, PHONES, strict=True):
            phone.wait_for_selector("#recorded", timeout=30000)
            text = phone.inner_text("#recorded")
            assert (
                text.startswith("Answer recorded: ") and f"{len(domains)} parts of the matrix rated" in text
            )
        assert HOSTILE in phones[3].inner_text("#recorded")

        projector.wait_for_function(
            "() => document.querySelector('.present-count')?.innerText === '5'", timeout=30000
        )
        press(facilitator, "workshop_reveal_2", "Hide results")
        projector.wait_for_selector("[data-testid=present-maturity]", timeout=30000)
        # The room's spread, counted here from what the phones sent: per domain, now and in a year.
        stages = ["foundation", "step1", "step2", "step3"]
        now = [sum(p[1] == s for p in PHONES) for s in stages]
        want = [sum(p[2] == s for p in PHONES) for s in stages]
        table = projector.locator("[data-testid=present-maturity]")
        for i in range(len(domains)):
            shown_now = table.locator("tr.m-now").nth(i).locator("td").all_inner_texts()
            shown_want = table.locator("tr.m-want").nth(i).locator("td").all_inner_texts()
            assert [int(x) for x in shown_now] == now and [int(x) for x in shown_want] == want
        projected = projector.inner_text("body")
        assert "5 people answered" in projected
        assert "hover me" not in projected and projector.locator("b[onmouseover]").count() == 0
        projector.screenshot(path=str(ARTIFACTS / "maturity_presenter.png"))
        found = axe_violations(projector, STREAMLIT_OWN)
        assert found == [], describe_violations(found)

        # The facilitator: A's team (3) has its spread and a form filled from its median; B's (2)
        # has no spread. Both record the stages they agreed.
        # The teams follow the room by themselves.
        facilitator.wait_for_function("() => document.body.innerText.includes('3 people')", timeout=30000)
        a_box = facilitator.locator('[data-testid="stExpander"]').filter(has_text="3 people")
        a_box.locator("summary").click()
        # (Waited for, not read at once: an expander's content is hidden text until it has opened.)
        expect(a_box.locator('[data-testid="stDataFrame"]')).to_have_count(1, timeout=30000)
        # (The record is an upsert: a second click, after a lost one, records the same stages.)
        submit(facilitator, f"maturity_2_{pcn['A']}_record", "3 people · agreed stages recorded")
        expect(facilitator.locator("body")).to_contain_text(
            "agreed stages are on PCN development", timeout=30000
        )
        b_box = facilitator.locator('[data-testid="stExpander"]').filter(has_text="hover me")
        assert HOSTILE + " · 2 people" in b_box.locator("summary").inner_text()
        assert facilitator.locator("b[onmouseover]").count() == 0
        b_box.locator("summary").click()
        expect(b_box).to_contain_text("so their ratings are not shown", timeout=30000)
        assert b_box.locator('[data-testid="stDataFrame"]').count() == 0
        for d in domains:
            pick(facilitator, facilitator.locator(f".st-key-maturity_2_{pcn['B']}_{d}_now"), "Step 1")
            pick(facilitator, facilitator.locator(f".st-key-maturity_2_{pcn['B']}_{d}_want"), "Step 2")
        facilitator.screenshot(path=str(ARTIFACTS / "maturity_facilitator.png"), full_page=True)
        submit(facilitator, f"maturity_2_{pcn['B']}_record", "2 people · agreed stages recorded")

        development = chromium.new_page(viewport={"width": 1920, "height": 1080})
        development.goto(f"{url}/pcn_development?place=MB")
        wait_for_app(development)
        development.get_by_text("Agreed at workshops").first.scroll_into_view_if_needed()
        development.screenshot(path=str(ARTIFACTS / "maturity_pcn_development.png"))

    # The page's table is drawn on a canvas: what it holds is read through the page in AppTest.
    monkeypatch.setenv("PCN_DB", str(path))
    try:
        at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
        at.run()
        at.switch_page("pages/pcn_development.py")
        at.query_params["place"] = "MB"
        at.run()
        assert not at.exception
        (agreed,) = [d.value for d in at.dataframe if "source" in d.value.columns]
        assert set(agreed["source"]) == {f"Agreed at {TITLE}, 02 December 2026"}
        by = agreed.set_index(["pcn", "domain"])
        a_name = get_database(path).scalar("SELECT name FROM pcn WHERE pcn_code = ?", [pcn["A"]])
        # A's form started from its team's median (step2 now, step3 in a year) and was sent as it was.
        assert set(by.loc[a_name]["stage"]) == {"Step 2"} and set(by.loc[a_name]["desired"]) == {"Step 3"}
        assert list(by.loc[HOSTILE]["stage"]) == ["Step 1"] * len(domains)
        assert list(by.loc[HOSTILE]["desired"]) == ["Step 2"] * len(domains)
        assert len(by.loc[a_name]) == len(domains)
    finally:
        close_database(path)


def test_a_self_paced_session_draws_its_maturity_round_on_the_phone(demo_path, tmp_path):
    from pcn_data.workshop import maturity_round, session_admin

    path = tmp_path / "paced.duckdb"
    shutil.copy(demo_path, path)
    db = Database(path)
    try:
        made = polls.create_session(
            db,
            title="Self-paced maturity",
            place_code="MB",
            held_on=dt.date(2026, 12, 2),
            questions=[polls.QuestionSpec("Warm up", "agreement")],
        )
        maturity_round.add_to_session(db, made["session_id"])
        now = session_admin.now().replace(tzinfo=None)
        session_admin.set_window(
            db, made["session_id"], now - dt.timedelta(hours=1), now + dt.timedelta(days=1)
        )
        pcn = db.query("SELECT pcn_code FROM pcn WHERE place_code = 'MB' ORDER BY name LIMIT 1")[
            "pcn_code"
        ].iloc[0]
        domains = list(db.query("SELECT domain_code FROM sa_domain ORDER BY sort_order")["domain_code"])
        qid = int(
            polls.questions(db, made["session_id"]).query("kind == 'maturity'")["poll_question_id"].iloc[0]
        )
    finally:
        db.close()
    port = free_port()
    with browser() as chromium, server(path, port=port, env={"PCN_PUBLIC_URL": f"http://127.0.0.1:{port}"}):
        phone = chromium.new_context(viewport=PHONE).new_page()
        phone.goto(f"http://127.0.0.1:{port}/join?code={made['join_code']}")
        box = phone.locator(f"#pq-{qid}")
        box.locator("select").wait_for(timeout=30000)
        box.locator("select").select_option(value=f"pcn:{pcn}")
        for d in domains:
            box.locator(f"input[value='now:{d}:step2']").check()
            box.locator(f"input[value='want:{d}:step3']").check()
        box.get_by_role("button", name="Send my answer").click()
        phone.wait_for_function(
            "(id) => (document.querySelector('#pq-' + id + ' .note')?.textContent || '')"
            ".startsWith('Answer recorded: ')",
            arg=qid,
            timeout=30000,
        )
        assert f"{len(domains)} parts of the matrix rated" in box.inner_text()
        assert axe_violations(phone) == [], describe_violations(axe_violations(phone))
        phone.screenshot(path=str(ARTIFACTS / "maturity_phone_paced.png"))
    db = Database(path)
    try:
        stored = db.query(
            "SELECT now_stage, desired_stage FROM poll_maturity WHERE poll_question_id = ?", [qid]
        )
        assert len(stored) == len(domains)
        assert set(stored["now_stage"]) == {"step2"} and set(stored["desired_stage"]) == {"step3"}
    finally:
        db.close()
