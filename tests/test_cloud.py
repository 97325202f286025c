"""Word clouds of open-text answers and sensitive questions, at the data level: what the live room
(the presenter's and the phones' source) and the poll tables give out, counted here independently."""

from __future__ import annotations

import base64
import datetime as dt
import json
import queue
import re
import shutil
import threading
import time

import httpx
import pytest
from streamlit.testing.v1 import AppTest

from pcn_data.core.db import close_database, get_database
from pcn_data.workshop import cloud, polls, projector, room
from tests.conftest import ROOT
from tests.hostile import TEXTS
from tests.test_participant import new_session, read_events, vote
from tests.test_participant import phones as phones  # the fixture: uvicorn serving /join in this process
from tests.workshop_actions import add_question_on_the_day


@pytest.fixture
def db(scratch):
    return scratch


def session(db, *specs):
    made = polls.create_session(
        db, title="Cloud", place_code="MB", held_on=dt.date(2026, 12, 2), questions=list(specs)
    )
    qids = [int(q) for q in polls.questions(db, made["session_id"])["poll_question_id"]]
    return made["session_id"], qids


ANSWERS = {
    "phone-a-000000000001": "Trust trust TRUST, and access",
    "phone-b-000000000002": "access to estates; the PCN and our GP practice",
    "phone-c-000000000003": "Workload. Ask Dr Okafor about access",
    "phone-d-000000000004": "Estates, estates and more estates",
}


def placed_words(svg: str) -> dict[str, int]:
    """Return {word: count} as the SVG draws it (read from its <text> elements)."""
    return {w: int(n) for n, w in re.findall(r"data-count='(\d+)'>([^<]*)</text>", svg)}


def test_each_participant_counts_once_a_word_without_stop_words_or_redacted_names(db):
    sid, (qid,) = session(db, polls.QuestionSpec("One word for the year?", "text"))
    polls.set_state(db, qid, "open")
    rooms = room.rooms(db)
    for token, text in ANSWERS.items():
        rooms.cast(sid, qid, token, text)
    counts = rooms.get(sid).word_counts(qid)
    # By hand: "trust" typed three times by one person is one; "access" by three people is three;
    # PCN, GP, practice (NHS boilerplate) and "and", "to", "the", "our", "more" (English) are out;
    # the name redaction took out is out, and so is its label.
    assert counts == {"access": 3, "estates": 2, "ask": 1, "trust": 1, "workload": 1}
    assert list(counts)[:2] == ["access", "estates"]
    assert {"pcn", "gp", "practice", "okafor", "name"}.isdisjoint(counts)
    assert {"nhs", "pcn", "gp", "practice", "the", "and"} <= cloud.stop_words()
    svg = cloud.svg(counts)
    assert placed_words(svg) == counts  # every word placed, with its count


def test_a_hidden_answer_and_a_hidden_word_leave_the_cloud_at_once(db):
    sid, (qid,) = session(db, polls.QuestionSpec("One word for the year?", "text"))
    polls.set_state(db, qid, "open")
    rooms = room.rooms(db)
    for token, text in ANSWERS.items():
        rooms.cast(sid, qid, token, text)
    polls.moderate(db, qid, "phone-d-000000000004", True)  # estates x3 from one person
    assert rooms.get(sid).word_counts(qid) == {"access": 3, "ask": 1, "estates": 1, "trust": 1, "workload": 1}
    polls.hide_word(db, qid, "  ACCESS ")
    live = rooms.get(sid)
    assert live.word_counts(qid) == {"ask": 1, "estates": 1, "trust": 1, "workload": 1}
    assert "access" not in placed_words(cloud.svg(live.word_counts(qid)))
    assert polls.hidden_words(db, qid) == ["access"]
    # The answers listed beside the cloud lose the word too.
    assert cloud.mask("Access to estates, access!", ["access"]) == "[hidden] to estates, [hidden]!"
    # A vote after the hiding: the word stays out.
    rooms.cast(sid, qid, "phone-e-000000000005", "access access")
    assert "access" not in rooms.get(sid).word_counts(qid)
    polls.hide_word(db, qid, "access", hidden=False)
    assert rooms.get(sid).word_counts(qid)["access"] == 4
    trail = db.query("SELECT detail FROM audit_trail WHERE action = 'moderation' ORDER BY audit_id")
    assert list(trail["detail"])[-2:] == ["word hidden", "word shown"]  # never the word itself
    with pytest.raises(polls.PollError, match="one word"):
        polls.hide_word(db, qid, "two words")


def test_web_addresses_are_not_words_of_the_room():
    assert cloud.words("see www.evil.example and HTTP://evil.example/x, then funding") == {"see", "funding"}


def test_a_word_cloud_only_for_open_text(db):
    _, (qid,) = session(db, polls.QuestionSpec("Agree?", "agreement"))
    with pytest.raises(polls.PollError, match="open-text"):
        polls.hide_word(db, qid, "access")


def test_the_layout_is_computed_once_for_the_same_counts_and_is_the_same_every_time():
    counts = {"access": 5, "estates": 4, "workload": 3, "recruitment": 2, "funding": 2, "time": 1}
    cloud.layout.cache_clear()
    first = cloud.svg(dict(counts))
    for _ in range(5):  # the presenter redrawing with nothing new
        assert cloud.svg(dict(counts)) == first
    info = cloud.layout.cache_info()
    assert (info.misses, info.hits) == (1, 5)
    cloud.layout.cache_clear()
    assert cloud.svg(dict(counts)) == first  # computed again from nothing: the same picture
    changed = cloud.svg({**counts, "time": 2})
    assert changed != first and placed_words(changed)["time"] == 2
    # A change beyond the words drawn (the most used MAX_WORDS) needs no new layout.
    many = {f"word{chr(97 + i // 26)}{chr(97 + i % 26)}": 100 - i for i in range(cloud.MAX_WORDS + 5)}
    cloud.layout.cache_clear()
    drawn = cloud.svg(many)
    assert cloud.svg({**many, "wordcm": 7}) == drawn
    assert cloud.layout.cache_info().misses == 1
    # Bigger count, bigger word.
    sizes = {w: int(s) for s, w in re.findall(r"font-size='(\d+)'[^>]*>([^<]*)<", first)}
    assert sizes["access"] > sizes["time"]


def test_hostile_answers_are_words_in_the_cloud_and_text_in_the_svg(db):
    sid, (qid,) = session(db, polls.QuestionSpec("Say anything", "text"))
    polls.set_state(db, qid, "open")
    rooms = room.rooms(db)
    for i, text in enumerate(TEXTS):
        rooms.cast(sid, qid, f"hostile-phone-{i:08d}", text)
    svg = cloud.svg(rooms.get(sid).word_counts(qid))
    body = svg.split(">", 1)[1]
    assert "<script" not in body and "<img" not in body and "<style" not in body and "\u202e" not in svg
    assert set(re.findall(r"<(\w+)", body)) == {"text"}
    assert "script" in placed_words(svg)  # the word, as text
    # A word that is not one (passed straight in) is still escaped.
    odd = cloud.svg({"<b>&'\"": 1})
    assert "<b>" not in odd and "&lt;b&gt;&amp;&#x27;&quot;" in odd


# Sensitive questions: no results while open, through any surface.


def sensitive_session(db):
    return session(
        db,
        polls.QuestionSpec("Rate your ICB", "single", ("Good", "Poor"), sensitive=True),
        polls.QuestionSpec("What worries you?", "text", sensitive=True),
    )


def test_a_sensitive_question_gives_its_results_to_no_one_while_open(db):
    sid, (choice, text) = sensitive_session(db)
    rooms = room.rooms(db)
    for qid, answers in ((choice, ["o1", "o2", "o2"]), (text, ["money", "money", "staff"])):
        polls.set_state(db, qid, "open")
        for i, a in enumerate(answers):
            rooms.cast(sid, qid, f"sensitive-phone-{i:04d}", a)
        live = rooms.get(sid)
        assert live.count(qid) == 3  # how many so far, never what
        for read in (
            lambda: polls.reveal(db, qid),
            lambda: polls.results(db, qid),
            lambda: polls.text_answers(db, qid, include_hidden=True),
            lambda: live.results(qid),
            lambda: live.text_answers(qid, include_hidden=True),
            lambda: live.word_counts(qid),
        ):
            with pytest.raises(polls.PollError, match="its results can be shown once it is closed"):
                read()
        assert not rooms.get(sid).questions[qid].results_visible
        state = rooms.get(sid).phone_state("sensitive-phone-0000")["question"]
        assert set(state) == {
            "id",
            "wording",
            "kind",
            "options",
            "mine",
            "max_text",
            "sensitive",
        }  # own answer
        assert state["sensitive"] is True
        polls.set_state(db, qid, "closed")
    polls.reveal(db, choice)
    assert list(rooms.get(sid).results(choice)["votes"]) == [1, 2]
    polls.reveal(db, text)
    assert rooms.get(sid).word_counts(text) == {"money": 2, "staff": 1}
    # Opened again: the results go back out of sight until it closes again.
    polls.set_state(db, choice, "open")
    assert not rooms.get(sid).questions[choice].results_visible
    with pytest.raises(polls.PollError):
        rooms.get(sid).results(choice)
    assert list(polls.session_results(db, sid)["question"].unique()) == ["What worries you?"]


def test_a_sensitive_bank_question_stays_out_of_the_room_beside_the_survey_while_open(db):
    sid, (qid,) = session(db, polls.QuestionSpec("ICS?", "single", question_code="rel_ics", sensitive=True))
    polls.set_state(db, qid, "open")
    for i in range(6):
        room.rooms(db).cast(sid, qid, f"bank-phone-{i:06d}", "good")
    assert polls.survey_comparison(db, sid).empty
    polls.set_state(db, qid, "closed")
    beside = polls.survey_comparison(db, sid)
    assert beside.set_index("option_code").loc["good", "room_votes"] == 6


@pytest.fixture
def live_app(demo_path, tmp_path, monkeypatch):
    path = tmp_path / "live.duckdb"
    shutil.copy(demo_path, path)
    monkeypatch.setenv("PCN_DB", str(path))
    yield AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60), get_database(path)
    close_database(path)


def html_of(at) -> str:
    return "".join(h.proto.body for h in at.get("html"))


def test_the_presenter_shows_only_the_count_of_a_sensitive_question_until_it_closes(live_app):
    at, db = live_app
    sid, (choice, _) = sensitive_session(db)
    polls.set_state(db, choice, "open")
    for i, code in enumerate(["o1", "o2", "o2"]):
        room.rooms(db).cast(sid, choice, f"present-phone-{i:05d}", code)
    # Even with results_visible set behind the data layer's back, the presenter shows the count.
    with db.transaction(bump_version=False) as cur:
        cur.execute("UPDATE poll_question SET results_visible = true WHERE poll_question_id = ?", [choice])
    room.rooms(db).reload(sid)
    at.run()
    at.switch_page("pages/present.py").run()
    assert not at.exception
    page = html_of(at)
    assert "present-count'>3<" in page and "present-bars" not in page and "Good: " not in page
    assert "shown once it is closed" in page
    at.button(key="present_open").click().run()  # Close answers
    assert not at.exception
    page = html_of(at)
    assert "present-bars" in page and "Good: 1 · Poor: 2" in page


def test_the_presenter_refuses_to_reveal_a_sensitive_open_question(live_app):
    at, db = live_app
    sid, (choice, _) = sensitive_session(db)
    polls.set_state(db, choice, "open")
    for i, code in enumerate(["o1", "o2", "o2"]):
        room.rooms(db).cast(sid, choice, f"present-phone-{i:05d}", code)
    at.run()
    at.switch_page("pages/present.py").run()
    at.button(key="present_reveal").click().run()
    assert not at.exception
    assert any("once it is closed" in w.value for w in at.warning)
    assert "present-bars" not in html_of(at)


def test_the_presenter_draws_the_cloud_beside_the_moderated_list(live_app):
    at, db = live_app
    sid, (qid,) = session(db, polls.QuestionSpec("One word for the year?", "text"))
    polls.set_state(db, qid, "open")
    for token, text in ANSWERS.items():
        room.rooms(db).cast(sid, qid, token, text)
    polls.reveal(db, qid)
    polls.moderate(db, qid, "phone-d-000000000004", True)
    polls.hide_word(db, qid, "trust")
    at.run()
    at.switch_page("pages/present.py").run()
    assert not at.exception
    page = html_of(at)
    src = re.search(r"data-testid='present-cloud' src='data:image/svg\+xml;base64,([^']+)'", page)
    svg = base64.b64decode(src.group(1)).decode()
    assert placed_words(svg) == {"access": 3, "ask": 1, "estates": 1, "workload": 1}
    assert "alt='Word cloud of 4 words. Most used: access (3), ask (1), estates (1), workload (1).'" in page
    # The list beside it: the three shown answers, redacted, with the hidden word masked.
    assert "Estates, estates and more estates" not in page
    assert "[hidden] [hidden] [hidden], and access" in page and "Ask [name] about access" in page
    assert "3 shown of 4 answers" in page


def test_the_facilitator_hides_and_shows_a_word_on_the_workshop_page(live_app):
    at, db = live_app
    sid, (qid,) = session(db, polls.QuestionSpec("One word for the year?", "text"))
    polls.set_state(db, qid, "open")
    for token, text in ANSWERS.items():
        room.rooms(db).cast(sid, qid, token, text)
    at.run()
    at.switch_page("pages/workshop.py").run()
    assert not at.exception
    at.text_input(key=f"workshop_word_{qid}").input("Estates")
    at.button(key=f"workshop_hide_word_{qid}").click().run()
    assert not at.exception
    assert polls.hidden_words(db, qid) == ["estates"]
    assert "estates" not in room.rooms(db).get(sid).word_counts(qid)
    at.button(key=f"workshop_show_word_{qid}_0").click().run()
    assert not at.exception
    assert polls.hidden_words(db, qid) == []


def test_the_facilitator_marks_a_question_sensitive_when_adding_it(live_app):
    at, db = live_app
    sid, _ = session(db, polls.QuestionSpec("One word?", "text"))
    at.run()
    at.switch_page("pages/workshop.py").run()
    add_question_on_the_day(at, "How safe do you feel raising concerns?", "agreement", sensitive=True)
    assert not at.exception
    qs = polls.questions(db, sid)
    assert list(qs["sensitive"]) == [False, True]
    qid = int(qs["poll_question_id"].iloc[1])
    polls.set_state(db, qid, "open")
    for i in range(3):
        room.rooms(db).cast(sid, qid, f"workshop-phone-{i:04d}", "a")
    at.run()
    assert at.button(key=f"workshop_reveal_{qid}").disabled  # 3 answers, but open and sensitive
    assert "sensitive" in at.button(key=f"workshop_reveal_{qid}").help
    polls.set_state(db, qid, "closed")
    at.run()
    assert not at.button(key=f"workshop_reveal_{qid}").disabled


# Over HTTP, as phones vote and listen (tests/test_participant.py's in-process uvicorn).


def test_phones_answers_over_http_make_the_cloud_counted_once_a_person(phones):
    url, db = phones
    made, (_, text_q) = new_session(db)
    polls.set_state(db, text_q, "open")
    for answer in ["Trust, trust and TRUST", "trust the estates team", "Estates?", "workload"]:
        with httpx.Client(base_url=url) as phone:
            phone.get(f"/join?code={made['join_code']}")
            assert vote(phone, made["join_code"], text_q, answer).status_code == 200
    live = room.rooms(db).get(made["session_id"])
    assert live.word_counts(text_q) == {"estates": 2, "trust": 2, "team": 1, "workload": 1}
    polls.hide_word(db, text_q, "trust")
    after = room.rooms(db).get(made["session_id"]).word_counts(text_q)
    assert after == {"estates": 2, "team": 1, "workload": 1}


def test_the_phones_stream_never_carries_a_sensitive_questions_results(phones):
    url, db = phones
    made, qids = new_session(
        db,
        "Sensitive",
        polls.QuestionSpec("Rate your ICB", "single", ("Good", "Poor"), sensitive=True),
        polls.QuestionSpec("What worries you?", "text", sensitive=True),
    )
    events: queue.Queue = queue.Queue()
    answers = {qids[0]: ["o1", "o2", "o2", "o2"], qids[1]: ["money", "staff", "money", "rota"]}
    with httpx.Client(base_url=url, timeout=httpx.Timeout(5, read=30)) as watcher:
        watcher.get(f"/join?code={made['join_code']}")
        with watcher.stream("GET", f"/join/events?code={made['join_code']}") as stream:
            threading.Thread(target=read_events, args=(stream, events), daemon=True).start()
            for qid in qids:
                polls.set_state(db, qid, "open")
                for answer in answers[qid]:
                    with httpx.Client(base_url=url) as phone:
                        phone.get(f"/join?code={made['join_code']}")
                        assert vote(phone, made["join_code"], qid, answer).status_code == 200
                with pytest.raises(polls.PollError, match="once it is closed"):
                    polls.reveal(db, qid)
                polls.set_state(db, qid, "closed")
                polls.reveal(db, qid)
            time.sleep(1)
    seen = []
    while not events.empty():
        seen.append(events.get())
    assert len(seen) >= 3  # waiting, each question opened, closed
    asked = {"id", "wording", "kind", "options", "mine", "max_text", "sensitive"}
    for state in seen:  # the phone is told the question and its own (empty) answer, nothing else
        q = state["question"]
        assert q is None or (set(q) == asked and q["mine"] == [] and q["sensitive"] is True)
        assert "staff" not in json.dumps(state) and "rota" not in json.dumps(state)


def test_the_export_leaves_out_hidden_answers_and_masks_hidden_words_as_the_presenter_did(db):
    sid, (qid,) = session(db, polls.QuestionSpec("One word for the year?", "text"))
    polls.set_state(db, qid, "open")
    for token, text in ANSWERS.items():
        room.rooms(db).cast(sid, qid, token, text)
    polls.reveal(db, qid)
    polls.moderate(db, qid, "phone-d-000000000004", True)
    polls.hide_word(db, qid, "trust")
    texts = list(polls.session_results(db, sid)["text"])
    assert texts == [
        "[hidden] [hidden] [hidden], and access",
        "access to estates; the PCN and our GP practice",
        "Workload. Ask [name] about access",
    ]


def test_the_projected_answers_are_listed_newest_first_and_escaped():
    # A list longer than the screen scrolls and no one scrolls a projector: newest first, the room
    # sees each answer arrive.
    shown = projector.word_cloud("<svg/>", "A cloud", ["first <b>", "second", "third"])
    assert re.findall(r"class='present-text'>(.*?)</div>", shown) == ["third", "second", "first &lt;b&gt;"]
    assert "Newest first" in shown
    assert "Newest first" not in projector.word_cloud("<svg/>", "A cloud", ["only one"])
