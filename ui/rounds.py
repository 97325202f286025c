"""Streamlit sections of the Live workshop page for its ready-made rounds: adding a maturity round
or the skills audit in one click, and, for a maturity round, each PCN team's spread and the form
that records the stages the team agreed (pcn_data/workshop/maturity_round.py does the work)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

import plain
import ui
from pcn_data.core.config import min_reveal_votes
from pcn_data.core.db import Database
from pcn_data.workshop import maturity_round, skills_audit


def ready_made(db: Database, session_id: int) -> None:
    """Draw the buttons that add a ready-made round to the session."""
    with st.expander("Add a ready-made round"):
        st.markdown(
            "**PCN maturity matrix**: each person chooses their PCN and rates its stage in each domain, "
            "now and in a year. The screen shows the room's spread, never a person's or a PCN's; "
            "you then record each PCN's agreed stages below the questions.  \n"
            "**Skills audit**: how confident people are in each of the report's six development needs, "
            "and which would help them most (shown on Development needs beside the survey)."
        )
        c1, c2 = st.columns(2)
        c1.button(
            "Add a maturity round",
            key="workshop_add_maturity",
            icon=":material/grid_view:",
            on_click=ui.act,
            args=("run_polls", maturity_round.add_to_session, db, session_id),
        )
        c2.button(
            f"Add the skills audit ({len(skills_audit.QUESTION_CODES)} questions)",
            key="workshop_add_skills",
            icon=":material/school:",
            on_click=ui.act,
            args=("run_polls", skills_audit.add_to_session, db, session_id),
        )


def _record(db: Database, session_id: int, qid: int, pcn: str, domains: list[str]) -> None:
    """Record one PCN's agreed stages from its form's widgets (a form's submit callback)."""
    key = f"maturity_{qid}_{pcn}"
    stages = {}
    for d in domains:
        now = st.session_state.get(f"{key}_{d}_now")
        if now:
            stages[d] = (now, st.session_state.get(f"{key}_{d}_want") or None)
    on = st.session_state.get(f"{key}_on") or dt.date.today()
    ui.act("run_polls", maturity_round.record_agreed, db, session_id, pcn, stages, on)
    if "_refusal" not in st.session_state:
        st.session_state["maturity_recorded"] = pcn


# Redrawn every 3 s, so that the teams' counts follow the room (from memory: no query per phone).
# A form's unsent choices survive the redraw, and each PCN's section keeps its key, so it stays
# open while its label's count changes.
@st.fragment(run_every=3)
def teams(db: Database, session_id: int, held_on: dt.date) -> None:
    """Draw, for each maturity round of the session, every PCN team's spread and the form that
    records its agreed stages, current and in a year, into the self-assessment."""
    room = ui.room(session_id)
    rounds = [q for q in room.ordered() if q.kind == maturity_round.KIND] if room else []
    if not rounds:
        return
    need = min_reveal_votes()
    recorded = maturity_round.agreed_in_session(db, session_id)
    for q in rounds:
        qid = q.poll_question_id
        votes = list(room.answers.get(qid, {}).values())
        names = maturity_round.labels(q.options)
        team_sizes = maturity_round.teams(q.options, votes).set_index("pcn_code")["people"].to_dict()
        st.subheader(f"Maturity round (question {q.position}): agree each PCN's stages")
        st.caption(
            f"Your working view, not for the projector. A team's spread is shown from {need} people: with "
            "fewer it would be one or two people's own answers. Record what the team agrees; it goes into "
            "the PCN's self-assessment, with this session and the date as its source."
        )
        ui.show_refusal()
        done = st.session_state.get("maturity_recorded")
        if done in names["pcn"]:  # kept while the section redraws, until another PCN is recorded
            st.success(f"Recorded: {plain.md(names['pcn'][done])}'s agreed stages are on PCN development.")
        stage_codes = list(names["stage"])
        for pcn, pcn_name in names["pcn"].items():
            people = team_sizes.get(pcn, 0)
            mine = recorded[recorded["pcn_code"] == pcn].set_index("domain_code")
            done = " · agreed stages recorded" if not mine.empty else ""
            count = f"{people} {'person' if people == 1 else 'people'}"
            with st.expander(f"{plain.md(pcn_name)} · {count}{done}", key=f"maturity_team_{qid}_{pcn}"):
                view = maturity_round.team_view(q.options, votes, pcn)
                if people == 0:
                    st.caption("No one has answered for this PCN.")
                elif view is None:
                    st.info(
                        f"{count} answered for {plain.md(pcn_name)}: fewer than {need}, so their ratings are "
                        "not shown (they would be their own answers). Agree the stages with them.",
                        icon=":material/visibility_off:",
                    )
                else:
                    st.dataframe(view, hide_index=True, key=f"maturity_spread_{qid}_{pcn}")
                hint = maturity_round.suggested(q.options, votes, pcn)
                key = f"maturity_{qid}_{pcn}"
                with st.form(f"{key}_form", border=False):
                    for d, domain in names["domain"].items():
                        now, want = hint.get(d, (None, None))
                        if d in mine.index:  # what was recorded before wins over the team's median
                            now = mine.loc[d, "stage_code"]
                            want = mine.loc[d, "desired_stage_code"]
                            want = None if want is None or want != want else want
                        # The team's median (or what was recorded) fills the form once, when there is
                        # one: the page is often open before the team answers. Once only, and never
                        # None: writing a widget's state resets a choice made but not yet sent.
                        for when, value in (("now", now), ("want", want)):
                            filled = f"{key}_{d}_{when}_filled"
                            if value is not None and not st.session_state.get(filled):
                                st.session_state[f"{key}_{d}_{when}"] = value
                                st.session_state[filled] = True
                        c1, c2 = st.columns(2)
                        c1.selectbox(
                            f"{plain.md(domain)}: agreed stage now",
                            stage_codes,
                            index=None,  # no stage until one is agreed (or the team's median)
                            format_func=names["stage"].get,
                            placeholder="Choose a stage",
                            key=f"{key}_{d}_now",
                        )
                        c2.selectbox(
                            "In a year",
                            stage_codes,
                            index=None,
                            format_func=names["stage"].get,
                            placeholder="Not agreed",
                            key=f"{key}_{d}_want",
                        )
                    st.date_input(
                        "Agreed on", value=pd.Timestamp(held_on).date(), format="DD/MM/YYYY", key=f"{key}_on"
                    )
                    st.form_submit_button(
                        f"Record {plain.md(pcn_name)}'s agreed stages",
                        key=f"{key}_record",
                        type="primary",
                        on_click=_record,
                        args=(db, session_id, qid, pcn, list(names["domain"])),
                    )
