"""Relationships across the ICS: how Clinical Directors rate their PCN's relationships with each
partner, by place, with the ICS itself (the report's headline) highlighted."""

import streamlit as st

import plain
import ui
from pcn_data import charts
from pcn_data.charts import views
from pcn_data.core import cuts
from pcn_data.survey import results

ui.ensure_navigation_mode()

f = ui.filters()
ui.require_one_ics(f)
k = ui.min_group()
scope = ui.describe(f)
total = ui.total_label(f)
st.title("Relationships across the ICS")
st.markdown(f"#### {plain.md(scope)}")
compare = st.toggle("Compare with the previous wave", key="relationships_compare")

matrix = ui.query(results.relationship_matrix, f, total)
if matrix.empty:
    st.info("No relationship ratings for these filters.")
    st.stop()

st.header("Rated good or excellent, by partner and place")
ui.chart(
    views.relationship_heatmap(
        matrix,
        k,
        key="relationships_heatmap",
        caption=f"{scope} · share of those who gave a rating (Don't know excluded, shown in the hover) · n "
        f"in each cell · the ICS row is outlined: most rate that relationship poor",
        table=lambda: results.share_table(matrix, label_col="partner").assign(
            **{"Don't know %": (matrix["dont_know_share"].astype(float) * 100).round(1)}
        ),
        file_name=f"relationships_by_place_{f.wave}.csv",
    )
)

selection = cuts.selection_code(f)
chosen = cuts.of_selection(ui.query(results.likert, results.PARTNER_ITEMS, f, total), f)
name = chosen["grp_label"].iloc[0] if not chosen.empty else total
st.header(f"Every partner: {plain.md(name)}")
if not chosen.empty:
    ui.chart(
        views.ChartSpec(
            charts.diverging_bars,
            (chosen, f"How {name} rates its relationships: Poor and Fair left, Good and Excellent right"),
            {"row_col": "question", "min_group": k, "highlight": "ICS"},
            key="relationships_partners",
            caption=f"{scope} · sorted by net rating (% good or excellent minus % poor or fair) · Don't know "
            "is not counted as negative: its share is written beside each bar",
            table=lambda: results.likert_table(chosen),
            file_name=f"relationships_{selection}_{f.wave}.csv",
        )
    )

if compare:
    st.header("Change since the previous wave")
    ui.change_section(
        *ui.query(results.relationship_change, f),
        key="relationships_change",
        label_col="partner",
        title=f"Change in the share rating good or excellent: {name}",
        file_name=f"relationships_change_{selection}.csv",
    )

ui.polls_beside_survey(tuple(results.PARTNER_ITEMS), f, key="relationships_polls")
