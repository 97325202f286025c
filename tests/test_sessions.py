"""Self-paced sessions and sessions side by side (issue 18), at the data level: a session's window
refuses votes outside it to the second, a duplicate keeps the questions and none of the votes, and
the comparison of sessions counts what the votes say and hides a session under the reveal minimum."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from pcn_data import charts
from pcn_data.charts import alt_text
from pcn_data.core.config import min_reveal_votes
from pcn_data.workshop import polls, room, session_admin, session_compare


@pytest.fixture
def db(scratch):
    """Return a private copy of the demo database (named db in these tests)."""
    return scratch


def new_session(db, *specs, place="MB", title="Test workshop"):
    specs = specs or (polls.bank_question(db, "rel_ics"),)
    made = polls.create_session(db, title=title, place_code=place, held_on=dt.date(2026, 11, 24),
                                questions=list(specs))  # fmt: skip
    qids = [int(q) for q in polls.questions(db, made["session_id"])["poll_question_id"]]
    return made, qids


OPENS = dt.datetime(2026, 12, 1, 9, 0)
CLOSES = dt.datetime(2026, 12, 8, 17, 0)


def at(monkeypatch, when: dt.datetime) -> None:
    """Set the server's clock, as session_admin reads it."""
    monkeypatch.setattr(session_admin, "now", lambda: when)


def votes_of(db, qid) -> int:
    return int(
        db.scalar("SELECT count(DISTINCT participant_token) FROM poll_vote WHERE poll_question_id = ?", [qid])
    )


def test_a_self_paced_window_takes_votes_from_its_first_second_to_before_its_last(db, monkeypatch):
    made, (q1, q2) = new_session(db, polls.bank_question(db, "rel_ics"), polls.QuestionSpec("Words", "text"))
    session_admin.set_window(db, made["session_id"], OPENS, CLOSES)
    second = dt.timedelta(seconds=1)

    at(monkeypatch, OPENS - second)
    with pytest.raises(polls.PollError, match=r"opens on Tue 1 Dec 2026 at 09:00 \(") as early:
        polls.cast_vote(db, q1, "early-bird-token-1", "good")
    assert session_admin.zone(OPENS) in str(early.value)  # the time zone it is told in
    assert votes_of(db, q1) == 0

    at(monkeypatch, OPENS)
    polls.cast_vote(db, q1, "first-second-tok", "good")
    # Every question is open at once, whatever its state: each answers at their own pace.
    polls.cast_vote(db, q2, "first-second-tok", "Slow and steady")
    at(monkeypatch, CLOSES - second)
    polls.cast_vote(db, q1, "last-second-token", "poor")
    polls.cast_vote(db, q1, "first-second-tok", "fair")  # changed, still inside
    assert votes_of(db, q1) == 2 and votes_of(db, q2) == 1

    at(monkeypatch, CLOSES)
    with pytest.raises(polls.PollError, match=r"closed on Tue 8 Dec 2026 at 17:00 \("):
        polls.cast_vote(db, q1, "too-late-token-1", "good")
    with pytest.raises(polls.PollError, match="closed"):
        polls.cast_vote(db, q1, "first-second-tok", "excellent")  # no change after the close either
    assert votes_of(db, q1) == 2
    kept = db.query("SELECT option_code FROM poll_vote WHERE participant_token = 'first-second-tok' "
                    "AND poll_question_id = ?", [q1])  # fmt: skip
    assert kept["option_code"].tolist() == ["fair"]


def test_a_window_open_at_one_side_and_an_impossible_one(db, monkeypatch):
    made, (q1,) = new_session(db)
    session_admin.set_window(db, made["session_id"], None, CLOSES)
    at(monkeypatch, dt.datetime(2020, 1, 1))
    polls.cast_vote(db, q1, "long-ago-token-1", "good")
    with pytest.raises(polls.PollError, match="closes after it opens"):
        session_admin.set_window(db, made["session_id"], CLOSES, OPENS)
    assert session_admin.window(db, made["session_id"]).closes_at == CLOSES  # unchanged


def test_closing_early_refuses_the_next_vote_and_the_live_room_says_closed(db, monkeypatch):
    made, (q1,) = new_session(db)
    sid = made["session_id"]
    session_admin.set_window(db, sid, OPENS, CLOSES)
    rooms = room.rooms(db)
    at(monkeypatch, dt.datetime(2026, 12, 3, 12, 0))
    rooms.cast(sid, q1, "in-time-token-01", "good")
    state = rooms.get(sid).phone_state("in-time-token-01")
    assert state["self_paced"] and state["window"]["status"] == "open"
    assert [q["mine"] for q in state["questions"]] == [["good"]]
    assert state["answered"] == 1 and state["total"] == 1

    at(monkeypatch, dt.datetime(2026, 12, 4, 10, 30))
    session_admin.close_now(db, sid)
    assert session_admin.window(db, sid).closes_at == dt.datetime(2026, 12, 4, 10, 30)
    with pytest.raises(polls.PollError, match="closed on Fri 4 Dec 2026 at 10:30"):
        rooms.cast(sid, q1, "in-time-token-01", "poor")
    state = rooms.get(sid).phone_state("in-time-token-01")
    assert state["window"]["status"] == "after" and state["questions"] == []
    assert "closed on Fri 4 Dec 2026 at 10:30" in state["window"]["text"]


def test_a_live_session_keeps_its_one_open_question(db):
    made, (q1, q2) = new_session(db, polls.bank_question(db, "rel_ics"), polls.QuestionSpec("Words", "text"))
    assert session_admin.window(db, made["session_id"]) is None
    polls.set_state(db, q1, "open")
    polls.cast_vote(db, q1, "live-room-token1", "good")
    with pytest.raises(polls.PollError, match="closed"):
        polls.cast_vote(db, q2, "live-room-token1", "words")  # still a draft
    assert "self_paced" not in room.rooms(db).get(made["session_id"]).phone_state(None)


def test_a_duplicate_keeps_questions_options_kinds_and_sensitivity_but_no_votes(db):
    made, (q1, q2, q3) = new_session(
        db,
        polls.bank_question(db, "rel_ics"),
        polls.QuestionSpec("Rank these", "ranking", ("Time", "Money", "People")),
        polls.QuestionSpec("One word", "text"),
    )
    with db.transaction() as cur:  # a sensitive question (set by its own feature's controls)
        cur.execute("UPDATE poll_question SET sensitive = TRUE WHERE poll_question_id = ?", [q2])
    polls.set_state(db, q1, "open")
    for i, answer in enumerate(["good", "poor", "fair"]):
        polls.cast_vote(db, q1, f"original-token-{i}", answer)
    polls.reveal(db, q1)
    copy = session_admin.duplicate(
        db, made["session_id"], title="Same questions, Pennine", place_code="PL", held_on=dt.date(2027, 1, 12)
    )
    assert copy["join_code"] != made["join_code"]
    new = polls.questions(db, copy["session_id"])
    old = polls.questions(db, made["session_id"])
    cols = ["position", "question_code", "wording", "kind"]
    assert new[cols].astype(str).values.tolist() == old[cols].astype(str).values.tolist()
    assert new["answers"].tolist() == [0, 0, 0]  # no votes copied
    assert set(new["state"]) == {"draft"} and not new["results_visible"].any()
    sensitive = db.query(
        "SELECT position, sensitive FROM poll_question WHERE session_id = ? ORDER BY position",
        [copy["session_id"]],
    )
    assert sensitive["sensitive"].tolist() == [False, True, False]
    for qo, qn in zip(old["poll_question_id"], new["poll_question_id"], strict=True):
        assert polls.options(db, int(qn)).values.tolist() == polls.options(db, int(qo)).values.tolist()
    wave = db.query(
        "SELECT w.place_code, w.opened_on, w.name FROM poll_session s JOIN wave w USING (wave_id) "
        "WHERE s.session_id = ?",
        [copy["session_id"]],
    ).iloc[0]
    assert (wave["place_code"], wave["opened_on"].date(), wave["name"]) == (
        "PL",
        dt.date(2027, 1, 12),
        "Same questions, Pennine",
    )
    assert session_admin.copied_from(db, copy["session_id"]) == made["session_id"]
    assert votes_of(db, int(new["poll_question_id"].iloc[0])) == 0
    assert votes_of(db, q1) == 3  # the original keeps its own


def test_comparison_counts_each_session_and_hides_one_under_the_reveal_minimum(db):
    need = min_reveal_votes()
    ranking = polls.QuestionSpec("Rank these", "ranking", ("Time", "Money"))
    adhoc = polls.QuestionSpec("Which first?", "single", ("Estates", "Workforce", "Digital"))
    made, (bank_q, _, adhoc_q) = new_session(
        db, polls.bank_question(db, "rel_ics"), ranking, adhoc, place="MB"
    )
    copy = session_admin.duplicate(
        db, made["session_id"], title="Pennine", place_code="PL", held_on=dt.date(2027, 1, 5)
    )
    copy_qs = [int(q) for q in polls.questions(db, copy["session_id"])["poll_question_id"]]
    # A third session, not a copy, that asks the same bank question (and an ad-hoc one worded alike).
    other, (other_bank, other_adhoc) = new_session(db, polls.bank_question(db, "rel_ics"), adhoc, place="CL")
    small, (small_bank,) = new_session(db, polls.bank_question(db, "rel_ics"), place="WL", title="Small")

    mb = ["good"] * 3 + ["poor"] * 2 + ["excellent"]
    pl = ["poor"] * 4
    cl = ["fair", "good", "good", "dont_know"]
    wl = ["excellent"] * (need - 1)  # one short of the reveal minimum
    for qid, answers in [(bank_q, mb), (copy_qs[0], pl), (other_bank, cl), (small_bank, wl)]:
        polls.set_state(db, qid, "open")
        for i, a in enumerate(answers):
            polls.cast_vote(db, qid, f"tok-{qid}-{i:04d}", a)
    for qid, answers in [(adhoc_q, ["o1", "o2", "o2"]), (copy_qs[2], ["o3", "o3", "o1", "o3"]),
                         (other_adhoc, ["o1", "o1", "o1"])]:  # fmt: skip
        polls.set_state(db, qid, "open")
        for i, a in enumerate(answers):
            polls.cast_vote(db, qid, f"tok-{qid}-{i:04d}", a)

    sids = [made["session_id"], copy["session_id"], other["session_id"], small["session_id"]]
    out = session_compare.compare(db, sids)
    # Matched questions: the bank question in all four, the copied ad-hoc one in the original and its
    # copy (the third session's is worded alike but is not a copy), and the ranking is not compared.
    keys = out.groupby("question_key")["session_id"].apply(lambda s: sorted(set(s))).to_dict()
    bank_key = session_compare.bank_key("rel_ics")
    assert keys[bank_key] == sorted(sids)
    copied = [k for k, v in keys.items() if v == sorted(sids[:2])]
    assert len(copied) == 1
    assert not any(v == [other["session_id"]] and k == copied[0] for k, v in keys.items())

    def share(sid, key, option):
        row = out[(out.session_id == sid) & (out.question_key == key) & (out.option_code == option)].iloc[0]
        return row

    # Computed here from the lists above, not by the module's query.
    for sid, answers in zip(sids[:3], [mb, pl, cl], strict=True):
        for option in ["poor", "fair", "good", "excellent"]:
            row = share(sid, bank_key, option)
            assert row["n"] == len(answers)
            assert row["votes"] == answers.count(option)
            assert row["share"] == pytest.approx(answers.count(option) / len(answers))
            assert not row["hidden"]
    hidden = out[(out.session_id == small["session_id"])]
    assert hidden["hidden"].all()
    assert hidden[["votes", "share", "n"]].isna().all().all()  # hidden: no number at all
    assert share(copy["session_id"], copied[0], "o3")["share"] == pytest.approx(3 / 4)
    assert share(made["session_id"], copied[0], "o2")["votes"] == 2


def test_comparison_beside_the_survey_hides_a_room_under_k(db, monkeypatch):
    monkeypatch.setenv("PCN_MIN_GROUP", "5")
    made, (q,) = new_session(db)
    copy = session_admin.duplicate(
        db, made["session_id"], title="Again", place_code="MB", held_on=dt.date(2027, 3, 1)
    )
    (q2,) = [int(x) for x in polls.questions(db, copy["session_id"])["poll_question_id"]]
    for qid, answers in [(q, ["good"] * 4), (q2, ["poor"] * 3 + ["good"] * 3)]:
        polls.set_state(db, qid, "open")
        for i, a in enumerate(answers):
            polls.cast_vote(db, qid, f"tok-{qid}-{i:04d}", a)
    plain_view = session_compare.compare(db, [made["session_id"], copy["session_id"]])
    assert not plain_view["hidden"].any()  # 4 and 6 answers: both over the reveal minimum
    beside = session_compare.compare(db, [made["session_id"], copy["session_id"]], beside_survey=True)
    first = beside[beside.session_id == made["session_id"]]
    assert first["hidden"].all() and first["share"].isna().all()  # 4 < K = 5
    second = beside[(beside.session_id == copy["session_id"]) & (beside.option_code == "poor")].iloc[0]
    assert not second["hidden"] and second["votes"] == 3 and second["n"] == 6
    assert "survey_share" in beside.columns


def comparison_frame() -> pd.DataFrame:
    """Return compare()'s rows for one question in three sessions, the last hidden."""
    rows = []
    sessions = [
        ("Morecambe Bay · 24 Nov 2026", 4, [3, 1], False),
        ("Pennine Lancashire · 05 Jan 2027", 5, [1, 4], False),
        ("West Lancashire · 12 Jan 2027", None, [None, None], True),
    ]
    for session, n, votes, hidden in sessions:
        for pos, (code, label) in enumerate([("good", "Good"), ("poor", "Poor")], start=1):
            v = votes[pos - 1]
            rows.append({"session": session, "label": label, "option_code": code, "option_position": pos,
                         "votes": v, "n": n, "share": None if hidden else v / n, "hidden": hidden,
                         "why": "fewer than 3 answers" if hidden else ""})  # fmt: skip
    return pd.DataFrame(rows)


def test_the_session_chart_draws_each_shown_session_and_names_the_hidden_one_without_its_n():
    df = comparison_frame()
    fig = charts.session_bars(df, "Relationship with the ICS")
    bars = {t.name: t for t in fig.data}
    # Drawn bottom-up, so the first session is on top of each group and the legend (reversed) reads
    # in the frame's order.
    assert list(bars)[::-1] == [
        "Morecambe Bay · 24 Nov 2026 (n = 4)",
        "Pennine Lancashire · 05 Jan 2027 (n = 5)",
        "West Lancashire · 12 Jan 2027 (not shown: fewer than 3 answers)",
    ]
    assert fig.layout.legend.traceorder == "reversed"
    mb = bars["Morecambe Bay · 24 Nov 2026 (n = 4)"]
    assert list(mb.y) == ["Good", "Poor"] and list(mb.x) == [0.75, 0.25]
    hidden = bars["West Lancashire · 12 Jan 2027 (not shown: fewer than 3 answers)"]
    assert all(x != x for x in hidden.x)  # NaN: no bar
    assert set(hidden.customdata) == {"not shown"} and set(hidden.text) == {"not shown"}
    text = alt_text.describe("session_bars", df, "Relationship with the ICS")
    assert "highest Pennine Lancashire · 05 Jan 2027, Poor, 80%" in text
    assert "lowest Pennine Lancashire · 05 Jan 2027, Good, 20%" in text
    assert "2 not shown (fewer than 3 answers)" in text


def test_a_self_paced_session_refuses_opening_or_closing_one_question(db):
    made, (q1, q2) = new_session(db, polls.bank_question(db, "rel_ics"), polls.QuestionSpec("Words", "text"))
    session_admin.set_window(db, made["session_id"], None, None)
    with pytest.raises(polls.PollError, match="self-paced"):
        polls.set_state(db, q1, "closed")  # the presenter's Close would stop nothing: refused, not ignored
    with pytest.raises(polls.PollError, match="self-paced"):
        polls.set_state(db, q2, "open")  # nor close the others, as opening one does live
    assert set(polls.questions(db, made["session_id"])["state"]) == {"open"}


def test_closing_a_self_paced_session_closes_its_window_too(db, monkeypatch):
    made, (q1,) = new_session(db)
    session_admin.set_window(db, made["session_id"], OPENS, CLOSES)
    at(monkeypatch, dt.datetime(2026, 12, 2, 15, 0))
    polls.cast_vote(db, q1, "before-close-tok", "good")
    polls.close_session(db, made["session_id"], dt.date(2026, 12, 2))  # the page's "Close the session"
    with pytest.raises(polls.PollError, match="closed on Wed 2 Dec 2026 at 15:00"):
        polls.cast_vote(db, q1, "after-close-tok1", "good")
    assert session_admin.window(db, made["session_id"]).closes_at == dt.datetime(2026, 12, 2, 15, 0)


def test_times_are_told_in_the_servers_zone_as_it_is_on_that_date(monkeypatch):
    import time

    monkeypatch.setenv("TZ", "Europe/London")
    time.tzset()
    try:
        assert session_admin.when(dt.datetime(2026, 7, 1, 9, 0)) == "Wed 1 Jul 2026 at 09:00 (BST)"
        assert session_admin.when(dt.datetime(2026, 12, 1, 9, 0)) == "Tue 1 Dec 2026 at 09:00 (GMT)"
        # A window set in summer and read in winter keeps each time in its own zone.
        window = session_admin.Window(dt.datetime(2026, 10, 20, 9, 0), dt.datetime(2026, 11, 3, 17, 0))
        assert (
            window.describe(dt.datetime(2026, 10, 1))
            == "This session opens on Tue 20 Oct 2026 at 09:00 (BST)."
        )
        assert window.describe(dt.datetime(2026, 10, 21)) == (
            "Open until Tue 3 Nov 2026 at 17:00 (GMT): answer at your own pace."
        )
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()
