"""A maturity round over HTTP, as a phone sends it: the page carries the round (PCNs, domains,
stages) as data, one POST to /join/vote carries the whole answer under the vote's rules (cookie,
Origin, JSON, body cap), and it is in poll_maturity when the phone is told it was recorded."""

from __future__ import annotations

import json

import httpx

import participant
from pcn_data.workshop import maturity_round, polls
from tests.test_participant import new_session, phones, vote  # noqa: F401 (phones is a fixture)


def page_state(page) -> dict:
    return json.loads(page.text.split('id="pcn-state">')[1].split("</script>")[0])


def maturity(db):
    made, _ = new_session(db, "Maturity day", polls.QuestionSpec(maturity_round.WORDING, "maturity"))
    qid = int(polls.questions(db, made["session_id"])["poll_question_id"].iloc[0])
    polls.set_state(db, qid, "open")
    return made, qid


def test_a_phone_sends_its_whole_maturity_answer_in_one_vote(phones):  # noqa: F811
    url, db = phones
    hostile = "<img src=http://evil.example/pixel.png>\u202e"
    pcn = db.query("SELECT pcn_code FROM pcn WHERE place_code = 'MB' ORDER BY name LIMIT 1")["pcn_code"].iloc[
        0
    ]
    with db.transaction() as cur:  # a PCN's name comes from an import: text, never markup
        cur.execute("UPDATE pcn SET name = ? WHERE pcn_code = ?", [hostile, pcn])
    made, qid = maturity(db)
    domains = list(db.query("SELECT domain_code FROM sa_domain ORDER BY sort_order")["domain_code"])
    with httpx.Client(base_url=url) as phone:
        page = phone.get(f"/join?code={made['join_code']}")
        assert "<img src=http" not in page.text  # the name is data in escaped JSON, never markup
        q = page_state(page)["question"]
        assert q["kind"] == "maturity"
        codes = [o["code"] for o in q["options"]]
        assert f"pcn:{pcn}" in codes and [c for c in codes if c.startswith("domain:")] == [
            f"domain:{d}" for d in domains
        ]
        named = next(o["label"] for o in q["options"] if o["code"] == f"pcn:{pcn}")
        assert "\u202e" not in named and "<img" in named  # shown by textContent: as text
        answer = [f"pcn:{pcn}"] + [f"now:{d}:step1" for d in domains] + [f"want:{d}:step2" for d in domains]
        got = vote(phone, made["join_code"], qid, answer)
        assert got.status_code == 200, got.text
        assert sorted(got.json()["mine"]) == sorted(answer)
        token = phone.cookies[participant.COOKIE]
        stored = db.query(
            "SELECT pcn_code, domain_code, now_stage, desired_stage FROM poll_maturity "
            "WHERE poll_question_id = ? AND participant_token = ? ORDER BY domain_code",
            [qid, token],
        )
        assert len(stored) == len(domains)
        assert set(stored["pcn_code"]) == {pcn}
        assert set(stored["now_stage"]) == {"step1"} and set(stored["desired_stage"]) == {"step2"}
        # A refresh shows the phone its answer.
        assert sorted(page_state(phone.get(f"/join?code={made['join_code']}"))["question"]["mine"]) == sorted(
            answer
        )
        # An incomplete answer is refused in words, and the recorded one stays.
        short = vote(phone, made["join_code"], qid, [f"pcn:{pcn}", f"now:{domains[0]}:step3"])
        assert short.status_code == 409 and "every part" in short.json()["error"]
        # The vote's rules hold for this kind too.
        assert vote(phone, made["join_code"], qid, answer, Origin="https://evil.example").status_code == 403
        assert vote(phone, made["join_code"], qid, answer + ["x" * 9000]).status_code == 413
        assert vote(phone, made["join_code"], qid, {"pcn": pcn}).status_code == 400
        assert db.scalar(
            "SELECT count(*) FROM poll_maturity WHERE poll_question_id = ? AND now_stage = 'step1'", [qid]
        ) == len(domains)
    with httpx.Client(base_url=url) as stranger:  # no cookie: not a phone that opened the page
        assert vote(stranger, made["join_code"], qid, answer).status_code == 403
