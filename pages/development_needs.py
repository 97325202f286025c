"""Development needs: what would help Clinical Directors in the role, as shares of respondents."""

import streamlit as st

import plain
import ui
from pcn_data import charts
from pcn_data.charts import views
from pcn_data.core import cuts
from pcn_data.survey import queries, results
from pcn_data.workshop import skills_audit

ui.ensure_navigation_mode()

f = ui.filters()
ui.require_one_ics(f)
k = ui.min_group()
scope = ui.describe(f)
total = ui.total_label(f)
wording = ui.query(queries.question_wordings)[results.NEEDS]
st.title("Development needs")
st.markdown(f"#### {plain.md(scope)}")
compare = st.toggle("Compare with the previous wave", key="needs_compare")

needs = ui.query(results.needs, f, total)
if needs.empty:
    st.info("No answers about development needs for these filters.")
    st.stop()
selection = cuts.selection_code(f)
chosen = cuts.of_selection(needs, f)
name = chosen["grp_label"].iloc[0] if not chosen.empty else total

st.header(f"What would help: {plain.md(name)}")
if chosen.empty or bool(chosen["suppressed"].all()):
    st.warning(
        f"Not shown: fewer than {k} respondents in {plain.md(name)}, or hidden to protect a smaller group.",
        icon=":material/visibility_off:",
    )
else:
    have = chosen[chosen["is_exclusive"].astype(bool)].iloc[0]
    st.metric(
        "Say “I have what I need”",
        f"{have['share']:.0%}",
        help="The option that excludes all the others.",
    )
    st.markdown(
        f"{int(have['count'])} of {int(have['base'])} respondents · 95% CI {have['low']:.0%} to "
        f"{have['high']:.0%} · {plain.md(have['vs_ics'] or 'the total')}"
    )
    ui.chart(
        views.needs_ranked(
            chosen,
            wording,
            key="needs_ranked",
            caption=f"{scope} · n = {int(have['base'])} respondents · share of respondents, not of "
            "selections (people could choose several) · bars show 95% Wilson intervals",
            table=lambda: results.share_table(chosen),
            file_name=f"needs_{selection}_{f.wave}.csv",
        )
    )

st.header("By place")
ui.chart(
    views.ChartSpec(
        charts.small_multiples,
        (needs, f"“{wording}”, by place"),
        {"min_group": k},
        key="needs_by_place",
        caption=f"{scope} · each panel: share of that place's respondents · the dark panel is the total",
        table=lambda: results.share_table(needs),
        file_name=f"needs_by_place_{f.wave}.csv",
    )
)

waves = ui.query(queries.list_waves).set_index("wave_code")["roles"]
if f.wave in waves.index and waves[f.wave] is not None and len(waves[f.wave]) > 1 and not f.roles:
    st.header("By role")
    by_role = ui.query(results.needs_by_role, f)
    ui.chart(
        views.ChartSpec(
            charts.grouped_shares,
            (by_role, f"“{wording}”, by role"),
            {"min_group": k},
            key="needs_by_role",
            caption=f"{scope} · share of each role's respondents · roles under {k} respondents are not shown",
            table=lambda: results.share_table(by_role),
            file_name=f"needs_by_role_{f.wave}.csv",
        )
    )

if compare:
    st.header("Change since the previous wave")
    ui.change_section(
        *ui.query(results.needs_change, f),
        key="needs_change",
        label_col="label",
        title=f"Change in the share choosing each need: {name}",
        file_name=f"needs_change_{selection}.csv",
    )

# The skills audit's confidence questions sit beside the survey's needs too (workshop/skills_audit.py).
ui.polls_beside_survey((results.NEEDS, *skills_audit.CONFIDENCE_CODES), f, key="needs_polls")
