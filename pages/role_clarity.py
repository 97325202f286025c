"""Role clarity and vision: the CD role statements, the gap between 'I am clear' and 'others are
clear', shared-vision clarity, and breakdowns by experience."""

import streamlit as st

import plain
import ui
from pcn_data.charts import views
from pcn_data.survey import queries, results

ui.ensure_navigation_mode()

f = ui.filters()
ui.require_one_ics(f)
k = ui.min_group()
wording = ui.query(queries.question_wordings)
scope = ui.describe(f)
st.title("Role clarity and vision")
st.markdown(f"#### {plain.md(scope)}")
compare = st.toggle("Compare with the previous wave", key="role_compare")


def statement_charts(detail, questions, prefix, sorted_by):
    """Draw one diverging chart per statement, with its table and download."""
    for q in questions:
        spec = views.statement(
            detail,
            q,
            wording[q],
            k,
            key=f"{prefix}_{q}",
            caption=f"{scope} · n per bar on the chart · sorted by {sorted_by}",
            file_name=f"{prefix}_{q}_{f.wave}.csv",
        )
        if spec is not None:
            ui.chart(spec)


st.header("The Clinical Director role")
role = ui.query(results.likert, results.ROLE_ITEMS, f, ui.total_label(f))
if role.empty:
    st.info("No answers to the role statements for these filters.")
statement_charts(role, results.ROLE_ITEMS, "role", "net agreement (% agree minus % disagree)")

st.header("Clear about my role, but are others?")
gap = ui.query(results.agreement_gap, f, ui.total_label(f))
if not gap.empty:
    ui.chart(
        views.role_gap(
            gap,
            k,
            key="role_gap",
            caption=f"{f.describe(ui.names())} · Clinical Directors only (the first statement is asked "
            "of them alone) · dots with 95% Wilson intervals · gap interval treats the two shares as "
            "independent",
            table=gap,
            file_name=f"role_gap_{f.wave}.csv",
        )
    )

st.header("Shared vision")
vision = ui.query(results.likert, results.VISION_ITEMS, f, ui.total_label(f))
statement_charts(vision, results.VISION_ITEMS, "vision", "net clarity (% clear minus % unclear)")

st.header("By experience")
st.info(
    "Role clarity by years in role is not published. A place's Clinical Directors split by years in "
    "role are groups of one or two, and even the ICS's split, read beside the place rows, can show "
    "which of them answered what. The audit (python -m pcn_data audit) found such a case.",
    icon=":material/lock:",
)

if compare:
    st.header("Change since the previous wave")
    change, meta = ui.query(results.likert_change, results.ROLE_ITEMS, f)
    labels = dict(zip(role["question_code"], role["question"], strict=True)) if not role.empty else {}
    for q in results.ROLE_ITEMS:
        part = change[change["question"] == labels.get(q)] if not change.empty else change
        ui.change_section(
            part,
            meta,
            key=f"role_change_{q}",
            label_col="grp_label",
            title=f"Change in net agreement: “{wording[q]}”",
            file_name=f"role_change_{q}.csv",
        )

ui.polls_beside_survey((*results.ROLE_ITEMS, *results.VISION_ITEMS), f, key="role_polls")
