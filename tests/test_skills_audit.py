"""The skills audit (pcn_data/workshop/skills_audit.py): the whole set added to a session in one step, and
its results on Development needs beside the survey's needs for the same place, through the same
suppression: a room or a survey side under K shows no numbers."""

from __future__ import annotations

import datetime as dt

import pytest

from pcn_data.workshop import polls, room, skills_audit
from tests.test_polls import live_app  # noqa: F401 (a fixture)


def audit_session(db, place: str):
    made = polls.create_session(
        db,
        title=f"Skills audit {place}",
        place_code=place,
        held_on=dt.date(2026, 12, 2),
        questions=[polls.QuestionSpec("Warm up", "agreement")],
    )
    sid = made["session_id"]
    positions = skills_audit.add_to_session(db, sid)
    qs = polls.questions(db, sid)
    return sid, qs[qs["position"].isin(positions)]


def answer_all(db, sid, qs, people: int, help_most=("coaching", "networking")):
    """Every phone answers every question of the set through the room: 'very' confident in
    everything, and the given needs as the ones that would help most."""
    rooms = room.rooms(db)
    for q in qs.itertuples(index=False):
        polls.set_state(db, q.poll_question_id, "open")
        for i in range(people):
            ans = list(help_most) if q.kind == "multi" else "very"
            rooms.cast(sid, q.poll_question_id, f"phone-{i}-aaaaaaaaaaaa", ans)


def test_the_whole_set_is_added_in_one_step(scratch):
    db = scratch
    sid, qs = audit_session(db, "MB")
    assert list(qs["question_code"]) == list(skills_audit.QUESTION_CODES)
    assert list(qs["position"]) == list(range(2, 9))
    conf = qs[qs["question_code"] != "dev_needs"]
    assert set(conf["kind"]) == {"single"} and len(conf) == 6
    assert all(w.startswith("How confident are you in") for w in conf["wording"])
    for qid in conf["poll_question_id"]:
        assert len(polls.options(db, int(qid))) == 5
    needs = qs[qs["question_code"] == "dev_needs"].iloc[0]
    assert needs["kind"] == "multi" and "help you most" in needs["wording"]
    # The survey's own options, so the room's answers count like the survey's.
    survey_opts = db.query(
        "SELECT option_code FROM option WHERE question_code = 'dev_needs' ORDER BY sort_order"
    )
    assert list(polls.options(db, int(needs["poll_question_id"]))["option_code"]) == list(
        survey_opts["option_code"]
    )
    # A second set in another session reuses the bank's questions.
    audit_session(db, "FC")
    assert db.scalar("SELECT count(*) FROM question WHERE question_code LIKE 'skills_conf_%'") == 6


def survey_share(db, place: str, wave: str, option: str) -> tuple[int, float]:
    """(n, share choosing option) of the survey's development-needs question, in plain SQL."""
    n, chose = db.query(
        """
        SELECT count(DISTINCT r.respondent_id),
               count(DISTINCT r.respondent_id) FILTER (WHERE a.option_code = ?)
        FROM answer a JOIN respondent r USING (respondent_id) JOIN wave w ON w.wave_id = r.wave_id
        JOIN pcn p ON p.pcn_code = r.pcn_code
        WHERE a.question_code = 'dev_needs' AND w.wave_code = ? AND p.place_code = ?
        """,
        [option, wave, place],
    ).iloc[0]
    return int(n), chose / n


def needs_page_table(at, place: str):
    at.run()
    at.switch_page("pages/development_needs.py")
    at.query_params["place"] = place
    at.run()
    assert not at.exception
    assert [e.label for e in at.expander if "Workshop polls" in e.label] == [
        "Workshop polls on these questions (1)"
    ]
    at.session_state["needs_polls_open"] = True
    at.run()
    assert not at.exception
    (table,) = [d.value for d in at.dataframe if "room_votes" in d.value.columns]
    assert set(table["question_code"]) == set(skills_audit.QUESTION_CODES)  # the whole set, beside the survey
    return table


def test_the_skills_audit_sits_beside_the_survey_on_development_needs(live_app):  # noqa: F811
    at, db = live_app
    sid, qs = audit_session(db, "MB")
    answer_all(db, sid, qs, people=6)
    table = needs_page_table(at, "MB")
    needs = table[table["question_code"] == "dev_needs"].set_index("option_code")
    # The room: 6 of 6 chose coaching, none management skills.
    assert needs.loc["coaching", "room_votes"] == 6 and needs.loc["coaching", "room_share"] == 100
    assert needs.loc["mgmt_skills", "room_votes"] == 0
    n, share = survey_share(db, "MB", "2023", "coaching")
    assert needs.loc["coaching", "survey_n"] == n and needs.loc["coaching", "survey_share"] == round(
        100 * share
    )
    conf = table[table["question_code"] == "skills_conf_coaching"].set_index("option_code")
    assert conf.loc["very", "room_votes"] == 6 and conf.loc["very", "room_share"] == 100
    assert conf.loc["slightly", "room_votes"] == 0


@pytest.mark.parametrize("k", [5, 11])
def test_the_skills_audit_is_suppressed_in_a_place_under_k(live_app, monkeypatch, k):  # noqa: F811
    at, db = live_app
    monkeypatch.setenv("PCN_MIN_GROUP", str(k))
    n_wl, _ = survey_share(db, "WL", "2023", "coaching")
    assert 5 <= n_wl < 11  # West Lancashire's 2023 survey: shown at K = 5, under K at 11
    sid, qs = audit_session(db, "WL")
    people = 4 if k == 5 else 12  # a room under K = 5; a room over K = 11
    answer_all(db, sid, qs, people=people)
    table = needs_page_table(at, "WL")
    needs = table[table["question_code"] == "dev_needs"].set_index("option_code")
    if k == 5:
        # The room of 4 is under K: no count, base or share of it is shown, for any question.
        assert table[["room_votes", "room_n", "room_share"]].isna().all().all()
        assert needs["survey_n"].notna().all()
    else:
        # The room of 12 is shown; West Lancashire's survey (10 respondents) is under K: no wave
        # publishes its answers, so the survey side shows nothing.
        assert needs.loc["coaching", "room_votes"] == 12
        assert "survey_n" not in table.columns or table["survey_n"].isna().all()
        notes = " ".join(m.value.replace("\\", "") for m in at.markdown)
        assert "no survey wave publishes answers from West Lancashire" in notes
    # Nothing on the page gives the room's true count away when it is under K.
    if k == 5:
        assert not [m for m in at.markdown if "4 answers" in m.value]
