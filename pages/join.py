"""Join a poll: what a participant sees on their phone. No login; only the open question."""

import streamlit as st

import plain
import ui
from pcn_data import polls

ui.ensure_navigation_mode()

db = ui.database()
# The participant's anonymous token lives in the page address, so a refresh keeps it and the
# answer they gave stays theirs to change.
token = st.query_params.get("p") or polls.new_participant_token()
st.query_params["p"] = token

code = st.query_params.get("code", "")
if not code:
    st.title("Join a poll")
    code = st.text_input("Join code", key="join_code_input", max_chars=8, placeholder="e.g. K7QM2P")
    if not code:
        st.stop()
session = polls.session_by_code(db, code)
if session is None:
    st.error(
        f"There is no poll with the code {plain.md(code.strip().upper())}: check the code on the screen."
    )
    st.stop()
st.query_params["code"] = session["join_code"]
st.markdown(f"### {plain.md(session['title'])}")


@st.fragment(run_every=2)
def current_question() -> None:
    """Show the open question and the answer form; refreshed so a newly opened question appears."""
    q = polls.open_question(db, session["session_id"])
    if q is None:
        st.info("Waiting for the facilitator to open a question…", icon=":material/hourglass_top:")
        return
    qid = int(q["poll_question_id"])
    st.markdown(f"## {plain.md(q['wording'])}")
    opts = polls.options(db, qid)
    labels = dict(zip(opts["option_code"], opts["label"], strict=True))
    mine = polls.my_answer(db, qid, token)
    kind = q["kind"]
    if kind in ("agreement", "single"):
        answer = st.radio(
            "Your answer",
            options=list(labels),
            format_func=lambda c: plain.md(labels[c]),
            index=list(labels).index(mine[0]) if mine else None,
            key=f"join_{qid}",
        )
    elif kind == "multi":
        st.markdown("Choose all that apply.")
        answer = [
            c for c in labels if st.checkbox(plain.md(labels[c]), value=c in mine, key=f"join_{qid}_{c}")
        ]
    elif kind == "ranking":
        answer = st.multiselect(
            "Tap the options in order, most important first",
            options=list(labels),
            default=mine or None,
            format_func=labels.get,  # shown as plain text (radio and checkbox labels are markdown)
            key=f"join_{qid}",
        )
    else:
        answer = st.text_area(
            "Your answer", value=mine[0] if mine else "", max_chars=polls.MAX_TEXT, key=f"join_{qid}"
        )
    if st.button("Send my answer", type="primary", key=f"join_send_{qid}", width="stretch"):
        try:
            polls.cast_vote(db, qid, token, answer)
        except polls.PollError as exc:
            st.error(plain.md(str(exc)))
        else:
            mine = polls.my_answer(db, qid, token)
    if mine:
        shown = mine[0] if kind == "text" else ", ".join(labels.get(c, c) for c in mine)
        st.success(f"Answer recorded: {plain.md(shown)}. You can change it until the question closes.")


current_question()
