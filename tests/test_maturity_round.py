"""A maturity-matrix round (pcn_data/workshop/maturity_round.py) at the data level: phones' answers go
through the room's group commit into poll_maturity, the room's spread equals plain SQL on the
file, a PCN's agreed stages land in self_assessment against the session's wave with an audit row,
and PCN development's query shows them with their source."""

from __future__ import annotations

import datetime as dt

import pytest

from pcn_data.core.filters import Filters
from pcn_data.workshop import maturity_round, polls, room

DAY = dt.date(2026, 12, 2)


@pytest.fixture
def db(scratch):
    return scratch


def new_round(db, place="MB"):
    """Return (session_id, question id, PCN codes of the place, domain codes, stage codes)."""
    made = polls.create_session(
        db,
        title="Maturity day",
        place_code=place,
        held_on=DAY,
        questions=[polls.QuestionSpec("Warm up", "agreement")],
    )
    sid = made["session_id"]
    polls.add_question(db, sid, polls.QuestionSpec(maturity_round.WORDING, "maturity"))
    qid = int(polls.questions(db, sid).query("kind == 'maturity'")["poll_question_id"].iloc[0])
    pcns = list(db.query("SELECT pcn_code FROM pcn WHERE place_code = ? ORDER BY name", [place])["pcn_code"])
    domains = list(db.query("SELECT domain_code FROM sa_domain ORDER BY sort_order")["domain_code"])
    stages = list(db.query("SELECT stage_code FROM sa_stage ORDER BY ordinal")["stage_code"])
    polls.set_state(db, qid, "open")
    return sid, qid, pcns, domains, stages


def answer(pcn, domains, now, want=None):
    """Return a phone's answer: now (and want) a stage per domain, or one stage for all."""
    now = now if isinstance(now, dict) else dict.fromkeys(domains, now)
    out = [f"pcn:{pcn}"] + [f"now:{d}:{s}" for d, s in now.items()]
    if want is not None:
        want = want if isinstance(want, dict) else dict.fromkeys(domains, want)
        out += [f"want:{d}:{s}" for d, s in want.items()]
    return out


def test_a_round_offers_the_places_pcns_the_domains_and_the_stages(db):
    sid, qid, pcns, domains, stages = new_round(db)
    opts = polls.options(db, qid)
    assert [c for c in opts["option_code"] if c.startswith("pcn:")] == [f"pcn:{p}" for p in pcns]
    assert [c for c in opts["option_code"] if c.startswith("domain:")] == [f"domain:{d}" for d in domains]
    assert [c for c in opts["option_code"] if c.startswith("stage:")] == [f"stage:{s}" for s in stages]
    other = db.query("SELECT pcn_code FROM pcn WHERE place_code <> 'MB' LIMIT 1")["pcn_code"].iloc[0]
    assert f"pcn:{other}" not in set(opts["option_code"])


def test_answers_go_through_the_room_and_its_spread_equals_the_file(db):
    sid, qid, pcns, domains, stages = new_round(db)
    rooms = room.rooms(db)
    a, b = pcns[:2]
    sent = {
        "t-one-aaaaaaaaaaaa": answer(a, domains, "foundation", "step1"),
        "t-two-aaaaaaaaaaaa": answer(a, domains, "step1", "step2"),
        "t-three-aaaaaaaaaa": answer(a, domains, "step1"),  # no "in a year": allowed
        "t-four-aaaaaaaaaaa": answer(b, domains, "step2", "step3"),
    }
    for token, ans in sent.items():
        mine = rooms.cast(sid, qid, token, ans)
        assert sorted(mine) == sorted(ans)
    # Changing an answer replaces it.
    rooms.cast(sid, qid, "t-four-aaaaaaaaaaa", answer(b, domains, "step3", "step3"))
    stored = db.query(
        "SELECT domain_code, now_stage AS stage, count(*) AS people FROM poll_maturity "
        "WHERE poll_question_id = ? GROUP BY ALL",
        [qid],
    )
    assert stored["people"].sum() == 4 * len(domains)
    for fresh in (False, True):
        if fresh:  # and again from the file alone
            rooms.reload(sid)
        r = rooms.get(sid)
        q = r.questions[qid]
        s = maturity_round.spread(q.options, r.answers[qid].values())
        assert s.attrs["n"] == 4 == r.count(qid) == polls.answer_count(db, qid)
        for row in stored.itertuples(index=False):
            got = s[(s["domain_code"] == row.domain_code) & (s["stage_code"] == row.stage)]["now"].iloc[0]
            assert got == row.people
        lead = s[s["domain_code"] == domains[0]].set_index("stage_code")
        assert dict(lead["now"]) == {"foundation": 1, "step1": 2, "step2": 0, "step3": 1}
        assert dict(lead["want"]) == {"foundation": 0, "step1": 1, "step2": 1, "step3": 1}
        assert maturity_round.teams(q.options, r.answers[qid].values()).set_index("pcn_code")[
            "people"
        ].to_dict() == {
            a: 3,
            b: 1,
        }


@pytest.mark.parametrize(
    "bad",
    [
        "step1",
        ["pcn:NOPE"],
        ["now:leadership:step1"],  # no PCN
        ["pcn:{a}", "pcn:{b}"],
        ["pcn:{a}", "now:leadership:step1"],  # not every domain
        ["pcn:{a}", "now:nowhere:step1"],
        ["pcn:{a}", "now:leadership:step9"],
        ["pcn:{a}", "now:leadership:step1", "now:leadership:step2"],
    ],
)
def test_an_incomplete_or_forged_answer_is_refused_and_writes_nothing(db, bad):
    sid, qid, pcns, domains, stages = new_round(db)
    bad = bad if isinstance(bad, str) else [c.format(a=pcns[0], b=pcns[1]) for c in bad]
    with pytest.raises(polls.PollError):
        room.rooms(db).cast(sid, qid, "t-bad-aaaaaaaaaaaa", bad)
    assert db.scalar("SELECT count(*) FROM poll_maturity") == 0
    assert room.rooms(db).get(sid).count(qid) == 0


def test_a_pcn_of_another_place_is_refused(db):
    sid, qid, pcns, domains, stages = new_round(db)
    other = db.query("SELECT pcn_code FROM pcn WHERE place_code <> 'MB' LIMIT 1")["pcn_code"].iloc[0]
    with pytest.raises(polls.PollError):
        room.rooms(db).cast(sid, qid, "t-bad-aaaaaaaaaaaa", answer(other, domains, "step1"))


def test_a_team_under_the_reveal_minimum_shows_no_spread_to_the_facilitator(db):
    sid, qid, pcns, domains, stages = new_round(db)
    rooms = room.rooms(db)
    rooms.cast(sid, qid, "t-solo-aaaaaaaaaaa", answer(pcns[0], domains, "step3", "step3"))
    for i in range(3):
        rooms.cast(
            sid,
            qid,
            f"t-team{i}-aaaaaaaaaa",
            answer(pcns[1], domains, ["step1", "step2", "step2"][i], "step3"),
        )
    r = rooms.get(sid)
    q = r.questions[qid]
    assert maturity_round.team_view(q.options, r.answers[qid].values(), pcns[0]) is None
    assert maturity_round.suggested(q.options, r.answers[qid].values(), pcns[0])[domains[0]] == (None, None)
    view = maturity_round.team_view(q.options, r.answers[qid].values(), pcns[1])
    assert list(view.columns) == ["Domain", "Foundation", "Step 1", "Step 2", "Step 3"]
    assert view.iloc[0]["Step 2"] == "now 2 · in a year 0"
    assert view.iloc[0]["Step 3"] == "now 0 · in a year 3"
    # The median of step1, step2, step2 is step2; everyone wants step3.
    assert maturity_round.suggested(q.options, r.answers[qid].values(), pcns[1])[domains[0]] == (
        "step2",
        "step3",
    )


def test_agreed_stages_land_in_the_self_assessment_with_their_source(db):
    sid, qid, pcns, domains, stages = new_round(db)
    agreed = {d: ("step1", "step2") for d in domains}
    agreed[domains[-1]] = ("step2", None)
    before = db.scalar("SELECT count(*) FROM audit_trail WHERE action = 'self_assessment'")
    maturity_round.record_agreed(db, sid, pcns[0], agreed, dt.date(2026, 12, 3))
    rows = db.query(
        "SELECT sa.domain_code, sa.stage_code, sa.desired_stage_code, sa.assessed_on, w.kind "
        "FROM self_assessment sa JOIN wave w USING (wave_id) JOIN poll_session s ON s.wave_id = w.wave_id "
        "WHERE s.session_id = ? AND sa.pcn_code = ? ORDER BY sa.domain_code",
        [sid, pcns[0]],
    )
    assert len(rows) == len(domains)
    assert set(rows["kind"]) == {"poll"}
    assert set(rows["assessed_on"].astype(str)) == {"2026-12-03"}
    got = {
        r.domain_code: (r.stage_code, r.desired_stage_code or None)
        for r in rows.astype(object).where(rows.notna(), None).itertuples()
    }
    assert got == agreed
    assert db.scalar("SELECT count(*) FROM audit_trail WHERE action = 'self_assessment'") == before + 1
    # Recorded again (a correction) it replaces the first, not a second row.
    maturity_round.record_agreed(db, sid, pcns[0], {domains[0]: ("step3", "step3")}, dt.date(2026, 12, 3))
    assert db.scalar(
        "SELECT count(*) FROM self_assessment sa JOIN poll_session s USING (wave_id) WHERE s.session_id = ?",
        [sid],
    ) == len(domains)
    shown = maturity_round.agreed(db, Filters(places=("MB",)))
    mine = shown[shown["pcn_code"] == pcns[0]]
    assert set(mine["source"]) == {"Agreed at Maturity day, 03 December 2026"}
    first = mine[mine["domain"] == "Leadership, planning and partnerships"].iloc[0]
    assert (first["stage"], first["desired"]) == ("Step 3", "Step 3")
    assert maturity_round.agreed(db, Filters(places=("FC",))).empty


def test_agreed_stages_are_refused_for_a_pcn_elsewhere_or_an_unknown_stage(db):
    sid, qid, pcns, domains, stages = new_round(db)
    other = db.query("SELECT pcn_code FROM pcn WHERE place_code <> 'MB' LIMIT 1")["pcn_code"].iloc[0]
    with pytest.raises(polls.PollError):
        maturity_round.record_agreed(db, sid, other, {domains[0]: ("step1", None)}, DAY)
    with pytest.raises(polls.PollError):
        maturity_round.record_agreed(db, sid, pcns[0], {domains[0]: ("step9", None)}, DAY)
    with pytest.raises(polls.PollError):
        maturity_round.record_agreed(db, sid, pcns[0], {}, DAY)
    assert db.scalar("SELECT count(*) FROM self_assessment sa JOIN poll_session s USING (wave_id)") == 0


def test_the_projector_spread_is_escaped_and_never_per_pcn(db):
    sid, qid, pcns, domains, stages = new_round(db)
    rooms = room.rooms(db)
    for i, p in enumerate(pcns[:2] * 2):
        rooms.cast(sid, qid, f"t-p{i}-aaaaaaaaaaaa", answer(p, domains, "step1", "step2"))
    r = rooms.get(sid)
    q = r.questions[qid]
    out = maturity_round.spread_html(maturity_round.spread(q.options, r.answers[qid].values()))
    names = db.query("SELECT name FROM pcn WHERE place_code = 'MB'")["name"]
    assert not any(n in out for n in names)
    assert "4 people answered" in out
    hostile = maturity_round.spread(
        [("domain:x", "<img src=x onerror=alert(1)>"), ("stage:s", "<b>S</b>")], []
    )
    html_out = maturity_round.spread_html(hostile)
    assert "<img" not in html_out and "&lt;img" in html_out and "<b>S" not in html_out


def test_a_room_sending_at_once_is_committed_together_and_counted_exactly(db):
    import threading

    sid, qid, pcns, domains, stages = new_round(db)
    rooms = room.rooms(db)
    sent = {
        f"t-many-{i:03d}-aaaaaaa": answer(pcns[i % 3], domains, stages[i % 4], "step3") for i in range(30)
    }
    gate = threading.Barrier(len(sent))
    errors = []

    def phone(token, ans):
        gate.wait()
        try:
            rooms.cast(sid, qid, token, ans)
        except Exception as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=phone, args=item) for item in sent.items()]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    per_stage = db.query(
        "SELECT now_stage, count(DISTINCT participant_token) AS people FROM poll_maturity "
        "WHERE poll_question_id = ? AND domain_code = ? GROUP BY ALL",
        [qid, domains[0]],
    ).set_index("now_stage")["people"]
    expected = {s: sum(1 for i in range(30) if stages[i % 4] == s) for s in stages}
    assert per_stage.to_dict() == expected
    r = rooms.get(sid)
    s = maturity_round.spread(r.questions[qid].options, r.answers[qid].values())
    assert s[s["domain_code"] == domains[0]].set_index("stage_code")["now"].to_dict() == expected
    assert r.count(qid) == 30 == polls.answer_count(db, qid)


def test_the_sessions_export_holds_the_rooms_spread_once_revealed_never_a_pcn(db):
    sid, qid, pcns, domains, stages = new_round(db)
    rooms = room.rooms(db)
    for i, now in enumerate(["step1", "step1", "step2"]):
        rooms.cast(sid, qid, f"t-exp-{i}-aaaaaaaaaa", answer(pcns[i % 2], domains, now, "step3"))
    assert polls.session_results(db, sid).empty  # not revealed yet
    polls.reveal(db, qid)  # 3 answers: the reveal minimum
    out = polls.session_results(db, sid)
    assert set(out["type"]) == {"PCN maturity matrix"} and set(out["answers"]) == {3}
    assert len(out) == len(domains) * len(stages) * 2
    row = out.set_index("option").loc["Leadership, planning and partnerships: Step 1 now"]
    assert row["votes"] == 2 and row["share_pct"] == round(200 / 3, 1)
    assert out.set_index("option").loc["Integrating care: Step 3 in a year", "votes"] == 3
    names = set(db.query("SELECT name FROM pcn")["name"])
    assert not any(n in str(v) for v in out.to_numpy().ravel() for n in names)


def test_a_duplicated_session_offers_the_new_places_pcns_in_its_maturity_round(db):
    from pcn_data.workshop import session_admin

    sid, qid, pcns, domains, stages = new_round(db)
    made = session_admin.duplicate(db, sid, title="Fylde Coast day", place_code="FC", held_on=DAY)
    copy = polls.questions(db, made["session_id"])
    (new_qid,) = copy[copy["kind"] == "maturity"]["poll_question_id"]
    offered = [c for c in polls.options(db, int(new_qid))["option_code"] if c.startswith("pcn:")]
    fylde = db.query("SELECT pcn_code FROM pcn WHERE place_code = 'FC' ORDER BY name")["pcn_code"]
    assert offered == [f"pcn:{p}" for p in fylde]
