"""Sessions side by side: the same poll question across sessions, places side by side or one place
before and after; each session through the reveal minimum, and through K beside the survey."""

import streamlit as st

import ui
from pcn_data import charts
from pcn_data.charts import views
from pcn_data.core.config import min_reveal_votes
from pcn_data.workshop import session_compare

ui.ensure_navigation_mode()
ui.require_page("compare_sessions")

db = ui.database()
st.title("Sessions side by side")
sessions = session_compare.sessions(db)
if len(sessions) < 2:
    st.info("Two sessions are needed: duplicate one on the Live workshop page for another place or date.")
    st.stop()
labels = {int(r.session_id): f"{r.title} · {r.label}" for r in sessions.itertuples(index=False)}
wanted = st.query_params.get("session")
start = int(wanted) if wanted and wanted.isdigit() and int(wanted) in labels else next(reversed(labels))
if "compare_sessions_chosen" not in st.session_state:
    # A session's copies (and what it copies) first: the comparison the copy was made for.
    st.session_state["compare_sessions_chosen"] = session_compare.family(db, start)
chosen = st.multiselect(
    "Sessions to compare", options=list(labels), format_func=labels.get, key="compare_sessions_chosen"
)
beside = st.toggle(
    "Set beside the survey (each place's answers need as many as the survey's smallest group)",
    key="compare_sessions_survey",
)
need, k = min_reveal_votes(), ui.min_group()
st.caption(
    "The same question: the same question from the bank, or a copied session's question in the same "
    f"place. A session with fewer than {need} answers to a question is not shown"
    + (f"; beside the survey, fewer than {k}." if beside else ".")
    + " Open text and rankings are not compared."
)
if len(chosen) < 2:
    st.info("Choose two sessions or more.")
    st.stop()
compared = session_compare.compare(db, chosen, beside_survey=beside)
if compared.empty:
    st.info("These sessions ask no question in common that can be compared.")
    st.stop()

for i, (_, rows) in enumerate(compared.groupby("question_key", sort=False)):
    wording = rows["question"].iloc[0]
    shown = sorted(set(rows.loc[~rows["hidden"], "session"]))
    table_cols = ["session", "label", "votes", "n", "share", "why"] + (
        ["survey_n", "survey_share"] if beside else []
    )
    ui.chart(
        views.ChartSpec(
            charts.session_bars,
            (rows, f"“{wording}”"),
            key=f"compare_sessions_{i}",
            caption=f"{wording}: share of each session's answers choosing each option; "
            f"{len(shown)} of {rows['session'].nunique()} sessions shown.",
            table=lambda rows=rows, cols=table_cols: rows[cols],
            file_name=f"sessions_side_by_side_{i + 1}.csv",
        )
    )
