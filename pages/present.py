"""Presenter view: full screen on the projector. The answer count while results are hidden,
the results once revealed. It redraws itself twice a second from the live room in memory
(pcn_data/workshop/room.py), so the projector costs no database query while votes arrive."""

import streamlit as st

import plain
import ui
from pcn_data.survey import redaction
from pcn_data.workshop import cloud, maturity_round, polls, projector, qa

ui.ensure_navigation_mode()
ui.require_page("present")

db = ui.database()
sessions = polls.list_sessions(db)
if sessions.empty:
    st.info("No poll sessions yet: create one on the Live workshop page.")
    st.stop()
ids = list(sessions["session_id"])
wanted = st.query_params.get("session")
session_id = int(wanted) if wanted and wanted.isdigit() and int(wanted) in ids else ids[0]
session = sessions[sessions["session_id"] == session_id].iloc[0]
st.query_params["session"] = str(session_id)

st.html(
    """<style>
    .present-q {font-size: clamp(2.2rem, 6vh, 3rem); font-weight: 700; line-height: 1.15;
                margin: 0.2rem 0 1rem;
                overflow-wrap: anywhere;}
    .present-count {font-size: clamp(5rem, 16vh, 9rem); font-weight: 700; line-height: 1; color: #005EB8;}
    .present-sub {font-size: clamp(1.4rem, 3.6vh, 2rem); color: #4C6272;}
    .present-join {font-size: clamp(1.2rem, 3vh, 1.6rem);}
    .present-text {font-size: 2.1rem; border-left: 8px solid #005EB8; padding: 0.4rem 1rem;
                   margin: 0.6rem 0; background: #F0F4F5; overflow-wrap: anywhere;
                   white-space: pre-wrap;}
    /* A lost connection (a server restart, the Wi-Fi) says "Reconnecting…" calmly in a corner
       instead of Streamlit's "Connection error" dialog over the projected question; the page
       reconnects by itself. This page has no dialog of its own, so any dialog is that one. */
    [data-testid="stDialog"] {display: none !important;}
    .present-offline {display: none;}
    body:has([data-testid="stDialog"]) .present-offline {
        display: block; position: fixed; right: 1.5rem; bottom: 1.5rem; z-index: 1000000;
        background: #FFEB3B; color: #212B32; font-size: 1.6rem; padding: 0.6rem 1.2rem; border-radius: 6px;}
    </style>
    <div class='present-offline' role='status'>Reconnecting…</div>"""
)
where = ui.public_address()
join_link = f"{where.url}/join?code={session['join_code']}"
# Drawn once a page run, outside the fragment that redraws twice a second: the QR code is the
# largest element of the page, and redrawing it was most of the projector's cost to the server.
# It stands beside the question and results, so that all of them fit a 1280x720 projector.
main_col, code_box = st.columns([5, 1])
main_col.html(
    f"<div class='present-join'>Join at <b data-testid='present-join-url'>{plain.html(where.join)}</b> "
    f"with code <b>{plain.html(session['join_code'])}</b></div>"
)
code_box.image(polls.join_qr_svg(join_link), width="stretch", alt=f"QR code of {join_link}")


@st.fragment(run_every=0.5)
def live() -> None:
    """Draw the question the facilitator has on screen, with its live count or results."""
    room = ui.room(session_id)
    q = room.on_screen() if room else None
    if q is None:
        st.info("This session has no questions yet.")
        return
    qid = q.poll_question_id
    st.html(f"<div class='present-q'>{plain.html(q.wording)}</div>")
    if q.kind == "qa":  # live, with no reveal: approved questions are there for the room to see
        st.html(qa.presenter_html(room, qid))
        return
    n = room.count(qid)
    # A sensitive question open for answers shows its count only, whatever its reveal says.
    if not q.results_visible or room.withheld(qid):
        state = "Answering now" if q.state == "open" else "Not open for answers"
        why = "results hidden until revealed"
        if room.withheld(qid):
            why = "a sensitive question: results can be shown once it is closed"
        st.html(
            f"<div class='present-count' data-testid='present-count'>{n}</div>"
            f"<div class='present-sub'>{'answer' if n == 1 else 'answers'} · {state} · {why}</div>"
        )
    elif q.kind == "text":
        known = tuple(ui.query(redaction.known_names))
        hidden = room.hidden_words.get(qid, frozenset())
        shown = room.text_answers(qid)
        counts = room.word_counts(qid, known)
        answers = [plain.clean(cloud.mask(cloud.redacted(a.text, known), hidden)) for a in shown]
        st.html(
            f"<div class='present-sub'>{len(answers)} shown of {n} answers</div>"
            + projector.word_cloud(cloud.svg(counts), cloud.description(counts), answers)
        )
    elif q.kind == maturity_round.KIND:  # the room's spread only: never a person's, never a PCN's
        st.html(
            maturity_round.spread_html(maturity_round.spread(q.options, room.answers.get(qid, {}).values()))
        )
    else:
        res = room.results(qid)
        # Not a chart of ui.chart: the room's results are HTML bars (pcn_data/workshop/projector.py), one DOM
        # update a redraw, because a plotly chart redrawn twice a second blinked empty on the projector.
        st.html(projector.results_bars(res, q.kind))
        totals = " · ".join(
            f"{plain.html(label)}: {int(v)}" for label, v in zip(res["label"], res["votes"], strict=True)
        )
        st.html(f"<div class='present-sub' data-testid='present-totals'>{n} answers. {totals}</div>")


# The controls change only when someone acts: a fragment of their own, redrawn every 2 s (for an
# action taken on the Live workshop page) rather than with the count twice a second.
@st.fragment(run_every=2)
def controls() -> None:
    """Draw the facilitator's controls, above the question."""
    room = ui.room(session_id)
    q = room.on_screen() if room else None
    if q is None:
        return
    qid, count = q.poll_question_id, len(room.questions)
    c1, c2, c3, c4, c5 = st.columns([1, 1, 1.3, 1.3, 3])
    c1.button(
        "Previous",
        icon=":material/arrow_back:",
        key="present_prev",
        disabled=q.position <= 1,
        on_click=ui.act,
        args=("run_polls", polls.move_presenter, db, session_id, -1),
    )
    c2.button(
        "Next",
        icon=":material/arrow_forward:",
        key="present_next",
        disabled=q.position >= count,
        on_click=ui.act,
        args=("run_polls", polls.move_presenter, db, session_id, +1),
    )
    is_open = q.state == "open"
    c3.button(
        "Close answers" if is_open else "Open answers",
        key="present_open",
        disabled=room.paced is not None,  # its window opens and closes every question
        help="A self-paced session: its window opens and closes every question." if room.paced else None,
        on_click=ui.act,
        args=("run_polls", polls.set_state, db, qid, "closed" if is_open else "open"),
    )
    c4.button(
        "Hide results" if q.results_visible else "Reveal results",
        key="present_reveal",
        disabled=q.kind == "qa",  # a Q&A shows live
        on_click=ui.act,
        args=("run_polls", polls.reveal, db, qid, not q.results_visible),
    )
    c5.caption(f"Question {q.position} of {count}")
    ui.show_refusal(c5)


# The controls stand above the live question and results, never under them: a word cloud's
# answers and a Q&A's questions grow as the room sends, and controls drawn below moved down under
# the facilitator's pointer; a click whose press and release land on different things is no click
# (a browser test lost Reveal this way in about half its runs, and the server never heard of it).
with main_col:
    controls()
    live()
