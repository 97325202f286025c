"""A maturity round through the pages (AppTest): the facilitator adds it in one click, sees each
PCN team's spread (none for a team under the reveal minimum), records the agreed stages, and PCN
development and PCN profile then show them with their source. Hostile names stay text."""

from __future__ import annotations

import datetime as dt

from pcn_data.workshop import maturity_round, polls, room
from tests.hostile import TEXTS, assert_text_is_text
from tests.test_polls import live_app  # noqa: F401 (a fixture)

TITLE = "Maturity day"


def setup_round(db, title=TITLE):
    made = polls.create_session(
        db,
        title=title,
        place_code="MB",
        held_on=dt.date(2026, 12, 2),
        questions=[polls.QuestionSpec("Warm up", "agreement")],
    )
    return made["session_id"]


def cast_team(db, sid, qid, pcn, domains, stages_now, want="step3", prefix="t"):
    rooms = room.rooms(db)
    for i, now in enumerate(stages_now):
        answer = [f"pcn:{pcn}"] + [f"now:{d}:{now}" for d in domains] + [f"want:{d}:{want}" for d in domains]
        rooms.cast(sid, qid, f"{prefix}{pcn}-{i}-aaaaaaaaaaaa", answer)


def test_the_facilitator_records_a_teams_agreed_stages_and_pcn_development_shows_them(live_app):  # noqa: F811
    at, db = live_app
    sid = setup_round(db)
    at.run()
    at.switch_page("pages/workshop.py").run()
    assert not at.exception
    at.button(key="workshop_add_maturity").click().run()
    assert not at.exception
    qs = polls.questions(db, sid)
    (qid,) = qs[qs["kind"] == "maturity"]["poll_question_id"]
    polls.set_state(db, int(qid), "open")
    pcns = list(
        db.query("SELECT pcn_code, name FROM pcn WHERE place_code = 'MB' ORDER BY name").itertuples(
            index=False
        )
    )
    domains = list(db.query("SELECT domain_code FROM sa_domain ORDER BY sort_order")["domain_code"])
    (a, a_name), (b, b_name) = pcns[0], pcns[1]
    cast_team(db, sid, qid, a, domains, ["step1", "step2", "step2"])
    cast_team(db, sid, qid, b, domains, ["step3"])  # a team of one
    at.run()
    assert not at.exception
    labels = [e.label for e in at.expander]
    assert f"{a_name} · 3 people" in [lbl.replace("\\", "") for lbl in labels]
    assert f"{b_name} · 1 person" in [lbl.replace("\\", "") for lbl in labels]
    # AppTest does not give a dataframe's key: the one team shown is found by its columns.
    (spread,) = [d.value for d in at.dataframe if "Domain" in d.value.columns]
    assert (
        spread.iloc[0]["Step 2"] == "now 2 · in a year 0"
        and spread.iloc[0]["Step 3"] == "now 0 · in a year 3"
    )
    # The team of one: no spread, and its stages are not put in the form for it.
    assert any("fewer than 3" in i.value and "not shown" in i.value for i in at.info)
    assert at.selectbox(key=f"maturity_{qid}_{b}_{domains[0]}_now").value is None
    # The team of three: the form starts from its median; the facilitator records what they agreed.
    assert at.selectbox(key=f"maturity_{qid}_{a}_{domains[0]}_now").value == "step2"
    at.selectbox(key=f"maturity_{qid}_{a}_{domains[0]}_now").set_value("step1")
    at.button(key=f"maturity_{qid}_{a}_record").click().run()
    assert not at.exception
    # The team of one agrees with the facilitator in the room.
    for d in domains:
        at.selectbox(key=f"maturity_{qid}_{b}_{d}_now").set_value("step3")
    at.button(key=f"maturity_{qid}_{b}_record").click().run()
    assert not at.exception
    stored = db.query(
        "SELECT pcn_code, domain_code, stage_code, desired_stage_code FROM self_assessment sa "
        "JOIN poll_session s USING (wave_id) WHERE s.session_id = ?",
        [sid],
    )
    assert len(stored) == 2 * len(domains)
    first = stored[(stored["pcn_code"] == a) & (stored["domain_code"] == domains[0])].iloc[0]
    assert (first["stage_code"], first["desired_stage_code"]) == ("step1", "step3")
    assert set(stored[stored["pcn_code"] == b]["desired_stage_code"].isna()) == {True}

    at.switch_page("pages/pcn_development.py")
    at.query_params["place"] = "MB"
    at.run()
    assert not at.exception
    (shown,) = [d.value for d in at.dataframe if "source" in d.value.columns]
    assert set(shown["pcn"]) == {a_name, b_name}
    assert set(shown["source"]) == {f"Agreed at {TITLE}, 02 December 2026"}
    lead = shown[
        (shown["pcn"] == a_name) & (shown["domain"] == "Leadership, planning and partnerships")
    ].iloc[0]
    assert (lead["stage"], lead["desired"]) == ("Step 1", "Step 3")

    at.switch_page("pages/pcn_profile.py")
    at.query_params["pcn"] = a
    at.run()
    assert not at.exception
    (profile,) = [d.value for d in at.dataframe if "source" in d.value.columns]
    assert len(profile) == len(domains) and set(profile["desired"]) == {"Step 3"}
    assert any(f"Agreed at {TITLE}" in m.value.replace("\\", "") for m in at.markdown)


def test_hostile_names_on_the_facilitators_maturity_section_stay_text(live_app):  # noqa: F811
    at, db = live_app
    pcn = db.query("SELECT pcn_code FROM pcn WHERE place_code = 'MB' ORDER BY name LIMIT 1")["pcn_code"].iloc[
        0
    ]
    name = TEXTS[3]  # <b onmouseover=alert(1)>hover me</b>
    with db.transaction() as cur:
        cur.execute("UPDATE pcn SET name = ? WHERE pcn_code = ?", [name, pcn])
    sid = setup_round(db, title=TEXTS[4])
    maturity_round.add_to_session(db, sid)
    qs = polls.questions(db, sid)
    (qid,) = qs[qs["kind"] == "maturity"]["poll_question_id"]
    polls.set_state(db, int(qid), "open")
    domains = list(db.query("SELECT domain_code FROM sa_domain ORDER BY sort_order")["domain_code"])
    cast_team(db, sid, qid, pcn, domains, ["step1"])
    at.run()
    at.switch_page("pages/workshop.py").run()
    assert not at.exception
    assert_text_is_text(at, [name])
    maturity_round.record_agreed(db, sid, pcn, {d: ("step1", "step2") for d in domains}, dt.date(2026, 12, 2))
    at.switch_page("pages/pcn_profile.py")
    at.query_params["place"] = "MB"
    at.query_params["pcn"] = pcn
    at.run()
    assert_text_is_text(at, [name, TEXTS[4]])  # the session's title, in the agreed stages' source
