"""Overview: who responded, and the headline findings for the filters in force."""

from pathlib import Path

import pandas as pd
import streamlit as st

import plain
import ui
from pcn_data.charts import views
from pcn_data.core.config import min_group
from pcn_data.survey import findings, queries

ui.ensure_navigation_mode()

PAGES_DIR = Path(__file__).parent

f = ui.filters()
st.title("PCN Futures: overview")
st.markdown(f"#### {plain.md(ui.describe(f))}")
ui.slide_pack(f, key="overview_pack")

st.subheader("Headline findings")
for col, finding in zip(st.columns(4), ui.query(findings.headline_findings, f), strict=True):
    with col, st.container(border=True, height="stretch"):
        st.metric(finding.title, finding.formatted(), help=f"Question: “{plain.md(finding.question)}”")
        if finding.suppressed:
            st.markdown(
                f"**Not shown**: fewer than {min_group()} respondents in this group, "
                "or hidden to protect a smaller group."
            )
        else:
            if finding.detail:
                st.markdown(f"**{plain.md(finding.detail)}**")
            st.markdown(f"{plain.md(finding.measure)}  \nn = {finding.n} · {plain.md(finding.interval())}")
        st.caption(f"“{plain.md(finding.question)}”")
        page = PAGES_DIR / f"{finding.page}.py"
        if page.exists():
            st.page_link(str(page), label="See the evidence", icon=":material/arrow_forward:")

st.subheader("Who responded")
resp = ui.query(queries.respondents_by_place, f.without("wave", "places", "pcns"))  # every place, always
if resp.empty:
    st.info("No survey waves in this database yet.")
else:
    totals = ui.query(queries.respondent_totals, f.without("wave", "places", "pcns"))
    st.markdown(
        "**Respondents:** "
        + " · ".join(
            f"{plain.md(wave)}: **{'hidden' if pd.isna(n) else f'{int(n):,}'}**"
            for wave, n in zip(totals["wave_name"], totals["respondents"], strict=True)
        )
    )
    if resp["place_code"].nunique() <= 12:
        left, right = st.columns(2)
        with left:
            ui.chart(views.respondents(resp, key="overview_respondents"))
        with right:
            ui.chart(views.response_rate(resp, key="overview_response_rate"))
    else:
        st.info("Choose an ICS in the sidebar to chart its places; the table below lists them all.")
    table = resp.assign(
        cd_response_rate=(resp["cd_response_rate"] * 100).round(0),
    )[["wave_name", "place", "respondents", "cd_respondents", "cds_invited", "cd_response_rate"]]
    with st.expander("Respondents and response rates by place and wave", expanded=False):
        st.dataframe(
            table,
            hide_index=True,
            key="overview_respondents_table",
            column_config={
                "wave_name": "Wave",
                "place": "Place",
                "respondents": st.column_config.NumberColumn("Respondents (roles chosen)"),
                "cd_respondents": st.column_config.NumberColumn("Clinical Directors responded"),
                "cds_invited": st.column_config.NumberColumn("Clinical Directors invited"),
                "cd_response_rate": st.column_config.NumberColumn("CD response rate", format="%d%%"),
            },
        )
    st.caption(
        "Response rate: Clinical Directors who responded / Clinical Directors invited. "
        f"The size of a group is as confidential as its answers: a count under {min_group()}, or one "
        'that would give such a count away by subtraction, reads "hidden" and has no bar.'
    )
