"""Live workshop: create a poll session, show the join code, open and reveal questions, moderate
open-text answers, and afterwards compare the room with the survey and export the results."""

import datetime as dt

import streamlit as st

import plain
import ui
from pcn_data.core.config import min_reveal_votes
from pcn_data.reports.exports import csv_bytes, xlsx_bytes
from pcn_data.survey import queries, redaction
from pcn_data.workshop import polls, qa, session_admin
from ui import rounds

ui.ensure_navigation_mode()
ui.require_page("workshop")

db = ui.database()
st.title("Live workshop")

places = ui.query(queries.list_places, ui.filters().ics)
place_names = dict(zip(places["place_code"], places["name"], strict=True))
bank = ui.query(queries.question_wordings)

sessions = polls.list_sessions(db)
with st.expander("New poll session", expanded=sessions.empty):
    with st.form("workshop_new", border=False):
        title = st.text_input("Title", key="workshop_title", placeholder="Morecambe Bay CD workshop")
        c1, c2 = st.columns(2)
        chosen_place = ui.filters().places
        place = c1.selectbox(
            "Place of the workshop",
            options=list(place_names),
            index=list(place_names).index(chosen_place[0]) if chosen_place else 0,
            format_func=place_names.get,
            key="workshop_place",
        )
        held_on = c2.date_input("Date", value=dt.date.today(), format="DD/MM/YYYY", key="workshop_date")
        chosen = st.multiselect(
            "Questions from the question bank (answers compare with the survey)",
            options=list(bank),
            format_func=bank.get,
            key="workshop_bank",
        )
        if st.form_submit_button("Create the session", type="primary", key="workshop_create"):
            with ui.guarded("run_polls") as done:
                made = polls.create_session(
                    db,
                    title=title,
                    place_code=place,
                    held_on=held_on,
                    questions=[polls.bank_question(db, c) for c in chosen],
                )
            if done:
                st.session_state["workshop_session"] = made["session_id"]
                st.success(f"Session created: join code {made['join_code']}.")
                sessions = polls.list_sessions(db)  # with the new one

if sessions.empty:
    st.info("Create a session to start.")
    st.stop()
labels = {
    int(r.session_id): f"{r.title} · {r.place} · {r.held_on:%d %b %Y} · code {r.join_code}"
    for r in sessions.itertuples(index=False)
}
if "_workshop_next" in st.session_state:  # a copy just made: show it (set before the widget is drawn)
    st.session_state["workshop_session"] = st.session_state.pop("_workshop_next")
if st.session_state.get("workshop_session") not in labels:
    st.session_state["workshop_session"] = next(iter(labels))
session_id = st.selectbox("Session", options=list(labels), format_func=labels.get, key="workshop_session")
session = sessions[sessions["session_id"] == session_id].iloc[0]

where = ui.public_address()
join_url = f"{where.url}/join?code={session['join_code']}"
left, right = st.columns([1, 2])
left.image(polls.join_qr_svg(join_url), width=300, alt=f"QR code of {join_url}")
right.markdown(f"## Join code: `{session['join_code']}`")
right.markdown(f"Participants scan the code or open **{join_url}** on their phone. No login is needed.")
right.caption(f"The projector shows the address {where.join}. Set PCN_PUBLIC_URL to project another one.")
if where.problem:
    right.warning(plain.md(where.problem), icon=":material/wifi_off:")
right.link_button(
    "Open the presenter view",
    f"/present?session={session_id}",
    icon=":material/slideshow:",
    type="primary",
)

with st.expander("Add a question written on the day"):
    with st.form("workshop_add", border=False):
        wording = st.text_input("Question", key="workshop_add_wording")
        kind = st.selectbox(
            "Type", options=list(polls.KINDS), format_func=polls.KINDS.get, key="workshop_add_kind"
        )
        options_text = st.text_area(
            "Options, one per line (single choice, multiple choice and ranking)", key="workshop_add_options"
        )
        sensitive = st.checkbox(
            "Sensitive: show its results only once the question is closed",
            key="workshop_add_sensitive",
            help="No one, you included, sees its answers land while it is open: only how many there are.",
        )
        if st.form_submit_button("Add the question", key="workshop_add_submit"):
            with ui.guarded("run_polls") as done:
                options = tuple(options_text.splitlines())
                spec = polls.QuestionSpec(wording, kind, options, sensitive=sensitive)
                polls.add_question(db, session_id, spec)
            if done:
                st.success("Question added.")

paced = session_admin.window(db, session_id)
now = session_admin.now()
with st.expander("Self-paced: open for days, each answering at their own pace", expanded=paced is not None):
    st.caption(
        f"Every question is open on the same link between these times, no presenter needed. Times are "
        f"the server's, {session_admin.zone(now)} (now {now:%H:%M} on {now:%d/%m/%Y})."
    )
    if paced is not None:
        st.markdown(f"**{plain.md(paced.describe(now))}**")
    with st.form("workshop_paced", border=False):
        w1, w2 = st.columns(2)
        opens = w1.datetime_input(
            "Opens", value=paced.opens_at if paced and paced.opens_at else now, format="DD/MM/YYYY",
            key="workshop_paced_opens",
        )  # fmt: skip
        closes = w2.datetime_input(
            "Closes", value=paced.closes_at if paced and paced.closes_at else now + dt.timedelta(days=7),
            format="DD/MM/YYYY", key="workshop_paced_closes",
        )  # fmt: skip
        label = "Change the window" if paced is not None else "Open for self-paced answers"
        if st.form_submit_button(label, type="primary", key="workshop_paced_set"):
            with ui.guarded("run_polls") as done:
                session_admin.set_window(db, session_id, opens, closes)
            if done:
                st.rerun()
    if paced is not None and paced.status(now) != "after":
        st.button(
            "Close it now",
            key="workshop_paced_close",
            on_click=ui.act,
            args=("run_polls", session_admin.close_now, db, session_id),
        )

with st.expander("Duplicate this session for another place or date"):
    st.caption("The copy has the same questions and options, and none of the answers.")
    with st.form("workshop_copy", border=False):
        copy_title = st.text_input("Title of the copy", value=session["title"], key="workshop_copy_title")
        k1, k2 = st.columns(2)
        copy_place = k1.selectbox(
            "Place", options=list(place_names), format_func=place_names.get, key="workshop_copy_place"
        )
        copy_on = k2.date_input("Date", value=dt.date.today(), format="DD/MM/YYYY", key="workshop_copy_date")
        if st.form_submit_button("Duplicate", key="workshop_copy_submit"):
            with ui.guarded("run_polls") as done:
                made = session_admin.duplicate(
                    db, session_id, title=copy_title, place_code=copy_place, held_on=copy_on
                )
            if done:
                st.session_state["_workshop_next"] = made["session_id"]
                st.rerun()
st.link_button(
    "Compare with other sessions",
    f"/compare_sessions?session={session_id}",
    icon=":material/compare_arrows:",
)

rounds.ready_made(db, session_id)


def set_qa_approval(key: str) -> None:
    """Turn Q&A approval on or off as the toggle now says."""
    ui.act("run_polls", qa.set_approval, db, session_id, bool(st.session_state[key]))


approval_key = f"workshop_qa_approval_{session_id}"
st.toggle(
    "Q&A questions wait for my approval before the room sees them",
    value=qa.approval(db, session_id),
    key=approval_key,
    on_change=set_qa_approval,
    args=(approval_key,),
)

need = min_reveal_votes()


def hide_typed_word(qid: int) -> None:
    """Hide the word typed in the question's box, then empty the box."""
    # Read in the callback: the box's value when the button was drawn is the one before typing.
    key = f"workshop_word_{qid}"
    polls.hide_word(db, qid, st.session_state.get(key, ""))
    st.session_state[key] = ""


def word_controls(room, qid: int) -> None:
    """Draw an open-text question's word cloud words and the facilitator's hiding of a word."""
    hidden = sorted(room.hidden_words.get(qid, ()))
    counts = room.word_counts(qid, tuple(ui.query(redaction.known_names)))
    # A label that does not change with the counts: the expander stays open while the list redraws.
    with st.expander("Word cloud", key=f"workshop_words_{qid}"):
        top = ", ".join(f"{w} ({n})" for w, n in list(counts.items())[:20])
        most = f" Most used: {top}." if counts else ""
        st.caption(plain.md(f"{len(counts)} words in the cloud, {len(hidden)} hidden.{most}"))
        w1, w2 = st.columns([4, 1], vertical_alignment="bottom")
        w1.text_input("Hide a word from the cloud and the answers shown", key=f"workshop_word_{qid}")
        w2.button(
            "Hide the word",
            key=f"workshop_hide_word_{qid}",
            on_click=ui.act,
            args=("run_polls", hide_typed_word, qid),
        )
        for i, w in enumerate(hidden):
            h1, h2 = st.columns([6, 1], vertical_alignment="center")
            h1.markdown(f"~~{plain.md(w)}~~ (hidden)")
            h2.button(
                "Show",
                key=f"workshop_show_word_{qid}_{i}",
                on_click=ui.act,
                args=("run_polls", polls.hide_word, db, qid, w, False),
            )


def qa_moderation(room, qid: int) -> None:
    """List a Q&A's questions (as typed) with their votes and approve, hide and answered buttons."""
    asked = qa.for_facilitator(room, qid)
    waiting = sum(i.status == "pending" for i in asked)
    # Keyed: the list keeps its identity (and the facilitator's open or closed) as its label counts up.
    label = f"Moderate {len(asked)} questions ({waiting} waiting for approval)"
    with st.expander(label, expanded=True, key=f"workshop_qa_list_{qid}"):
        st.caption("In the order asked, so that nothing moves under your cursor; the screen shows the "
                   "approved ones by votes.")  # fmt: skip
        for item in asked:
            m1, m2, m3 = st.columns([5, 1.2, 1.2], vertical_alignment="center")
            votes = len(item.voters)
            plural = "vote" if votes == 1 else "votes"
            m1.markdown(f"{plain.md(item.text)}  \n*{qa.STATUS_LABELS[item.status]} · {votes} {plural}*")
            for col, (status, label) in zip((m2, m3), qa.moderation_actions(item.status), strict=False):
                col.button(
                    label,
                    key=f"workshop_qa_{status}_{item.item_id}",
                    on_click=ui.act,
                    args=("run_polls", qa.set_status, db, item.item_id, status),
                )


@st.fragment(run_every=2)
def question_list() -> None:
    """List the questions with live answer counts and their open, reveal and show controls."""
    # From the live room in memory: this list redraws every 2 s while the room votes.
    room = ui.room(session_id)
    qs = room.ordered() if room else []
    on_screen = room.presenter_position if room else 1
    st.subheader("Questions")
    st.caption(f"Results stay hidden until you reveal them; a reveal needs at least {need} answers.")
    ui.show_refusal()
    for q in qs:
        qid, answered = q.poll_question_id, room.count(q.poll_question_id)
        if q.kind == "qa":  # questions asked, not answers
            answered = len(room.qa.items.get(qid, {})) if room.qa else 0
        with st.container(border=True):
            c1, c2, c3, c4, c5 = st.columns([5, 1.2, 1.3, 1.3, 1.3], vertical_alignment="center")
            mark = " · on screen" if q.position == on_screen else ""
            what = polls.KINDS[q.kind] + (" · sensitive" if q.sensitive else "")
            c1.markdown(f"**{q.position}. {plain.md(q.wording)}**  \n{what} · {q.state}{mark}")
            c2.metric("Answers", answered, label_visibility="collapsed")
            is_open = q.state == "open"
            c3.button(
                "Close" if is_open else "Open",
                key=f"workshop_open_{qid}",
                type="primary",
                disabled=paced is not None,  # a self-paced session's window opens and closes them all
                on_click=ui.act,
                args=("run_polls", polls.set_state, db, qid, "closed" if is_open else "open"),
            )
            c4.button(
                "Hide results" if q.results_visible else "Reveal",
                key=f"workshop_reveal_{qid}",
                disabled=(
                    q.kind == "qa"  # a Q&A shows live
                    or (not q.results_visible and (answered < need or room.withheld(qid)))
                ),
                help="A sensitive question: reveal it once it is closed." if room.withheld(qid) else None,
                on_click=ui.act,
                args=("run_polls", polls.reveal, db, qid, not q.results_visible),
            )
            c5.button(
                "Show on screen",
                key=f"workshop_show_{qid}",
                disabled=q.position == on_screen,
                on_click=ui.act,
                args=("run_polls", polls.move_presenter, db, session_id, int(q.position) - on_screen),
            )
            if q.kind == "text" and room.withheld(qid):
                st.caption("A sensitive question: its answers can be read and moderated once it is closed.")
            elif q.kind == "text":
                word_controls(room, qid)
            if q.kind == "text" and answered and not room.withheld(qid):
                answers = room.text_answers(qid, include_hidden=True)
                # Keyed, so that it stays open under the facilitator's cursor as answers arrive (a
                # label alone names a new expander, drawn closed, at every new answer).
                with st.expander(f"Moderate {len(answers)} answers", key=f"workshop_mod_list_{qid}"):
                    for i, a in enumerate(answers):
                        m1, m2 = st.columns([6, 1], vertical_alignment="center")
                        text = plain.md(a.text)
                        m1.markdown(f"~~{text}~~ (hidden)" if a.hidden else text)
                        m2.button(
                            "Show" if a.hidden else "Hide",
                            key=f"workshop_mod_{qid}_{i}",
                            on_click=ui.act,
                            args=("run_polls", polls.moderate, db, qid, a.token, not a.hidden),
                        )
            if q.kind == "qa" and answered:
                qa_moderation(room, qid)


question_list()
rounds.teams(db, session_id, session["held_on"])

st.subheader("After the workshop")
stem = f"poll_{session['join_code']}_{session['held_on']:%Y%m%d}"
d1, d2, d3 = st.columns([1, 1, 2])
# Written when clicked (with the votes as they are then), not on every run of the page. An export
# holds only the questions revealed to the room, with open text redacted and hidden answers left out.
st.caption(
    "The results files hold the questions whose results were revealed, with open-text answers "
    "redacted and the answers you hid left out, and the Q&A questions the room saw (approved or "
    "answered, redacted) with their votes."
)
d1.download_button(
    "Results (CSV)",
    lambda: csv_bytes(polls.session_results(db, session_id)),
    f"{stem}.csv",
    key="workshop_csv",
)
d2.download_button(
    "Results (XLSX)",
    lambda: xlsx_bytes(polls.session_results(db, session_id), "poll results"),
    f"{stem}.xlsx",
    key="workshop_xlsx",
)
d3.button(
    "Close the session",
    key="workshop_close",
    on_click=ui.act,
    args=("run_polls", polls.close_session, db, session_id, dt.date.today()),
)
comparison = polls.survey_comparison(db, session_id)
if comparison.empty:
    st.caption(
        "No question from the bank yet: the room's answers can be compared with the survey only there."
    )
else:
    st.markdown(
        f"**The room beside the survey** ("
        f"{ui.survey_wave_note(comparison, place_names.get(comparison.attrs['place'], ''))}). "
        f"Either side with fewer than {ui.min_group()} answers is not shown."
    )
    ui.comparison_table(comparison, key="workshop_comparison")
