"""PCN development: the self-assessment matrix, its movement between assessments, and engagement
per PCN. All of it is non-confidential: PCNs fill in the matrix openly."""

import streamlit as st

import plain
import ui
from pcn_data import charts
from pcn_data.charts import views
from pcn_data.reports import exports
from pcn_data.survey import compare
from pcn_data.workshop import maturity_round

ui.ensure_navigation_mode()

f = ui.filters()
ui.require_one_ics(f)
scope = ui.describe(f)
st.title("PCN development")
st.markdown(f"#### {plain.md(scope)}")

sa = ui.query(compare.self_assessment, f)
if sa.empty:
    st.info("No self-assessments for these filters.")
    st.stop()
waves = list(dict.fromkeys(sa["wave_code"]))
names = ui.names()
shown = f.wave if f.wave in waves else waves[-1]
latest = sa[sa["wave_code"] == shown]

st.header(f"Self-assessment, {plain.md(shown)}")
ui.chart(
    views.ChartSpec(
        charts.stage_heatmap,
        (latest, "PCN Maturity Matrix: stage by domain"),
        key="pcn_stages",
        caption=f"{scope} · PCNs in alphabetical order, never ranked: the matrix is for discussing "
        "development, not a performance table",
        table=latest[["place", "pcn", "domain", "stage"]],
        file_name=f"self_assessment_{shown}.csv",
    )
)

if len(waves) > 1:
    moves = compare.movement(sa[sa["wave_code"].isin([waves[0], shown])]) if shown != waves[0] else None
    if moves is not None and not moves.empty:
        first, last = moves.attrs["waves"]
        st.header(f"Movement from {plain.md(first)} to {plain.md(last)}")
        summary = compare.movement_summary(moves)
        st.dataframe(
            summary.rename(columns={"domain": "Domain"}), hide_index=True, key="pcn_movement_summary"
        )
        ui.chart(
            views.ChartSpec(
                charts.movement_heatmap,
                (moves, "Steps moved, by PCN and domain"),
                key="pcn_movement",
                caption=f"{scope} · +1 is one step up the matrix, 'same' no change",
                table=moves[["place", "pcn", "domain", "from", "to", "move"]],
                file_name=f"self_assessment_movement_{first}_{last}.csv",
            )
        )

agreed = ui.query(maturity_round.agreed, f)
if not agreed.empty:
    # Stages a PCN's team agreed at a workshop's maturity round (pcn_data/workshop/maturity_round.py).
    st.header("Agreed at workshops")
    st.dataframe(
        agreed.drop(columns=["pcn_code"]),
        hide_index=True,
        key="pcn_agreed",
        column_config={
            "pcn": "PCN",
            "place": "Place",
            "domain": "Domain",
            "stage": "Agreed stage",
            "desired": "Wanted in a year",
            "source": st.column_config.TextColumn("Source", width="large"),
        },
    )
    st.caption("Stages each PCN's team agreed with the facilitator, newest first: the PCN's own assessment.")

st.header("Engagement per PCN")
engagement = ui.query(compare.engagement_by_pcn, f)
st.dataframe(
    engagement.drop(columns=["pcn_code"]),
    hide_index=True,
    key="pcn_engagement",
    column_config={
        "pcn": "PCN",
        "place": "Place",
        "workshops": st.column_config.NumberColumn("Workshops attended"),
        "one_to_ones": st.column_config.NumberColumn("One-to-ones held"),
        "roundtables": st.column_config.NumberColumn("Roundtables"),
        "responded": st.column_config.CheckboxColumn(f"Responded to the {names.get(f.wave, f.wave)}"),
    },
)
st.caption("Whether anyone from a PCN responded, never what they answered.")
st.download_button(
    "Download CSV",
    lambda: exports.csv_bytes(engagement.drop(columns=["pcn_code"])),  # written when clicked
    file_name=f"engagement_by_pcn_{f.wave}.csv",
    mime="text/csv",
    key="pcn_engagement_csv",
    icon=":material/download:",
)
