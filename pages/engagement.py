"""Engagement: what the programme did in each place, who took part, and where the evidence is thin."""

import pandas as pd
import streamlit as st

import plain
import ui
from pcn_data import charts
from pcn_data.charts import views
from pcn_data.programme import engagement
from pcn_data.survey import queries

ui.ensure_navigation_mode()

f = ui.filters()
ui.require_one_ics(f)
scope = ui.describe(f)
st.title("Engagement")
st.markdown(f"#### {plain.md(scope)}")

# Thinnest among every place of the ICS, whichever place is chosen: one place alone is always "thinnest".
strength = ui.query(engagement.evidence_strength, f.without("places"))
if not strength.empty:
    thin = strength.iloc[0]
    st.warning(
        f"Thinnest evidence in the ICS: **{plain.md(thin['place'])}**, "
        + (
            f"fewer than {ui.min_group()} survey respondents (or hidden beside a place that has)"
            if pd.isna(thin["respondents"])
            else f"{int(thin['respondents'])} survey respondents"
        )
        + " in this wave "
        f"and {thin['pcn_reach']:.0%} of its PCNs ({int(thin['pcns_engaged'])} of "
        f"{int(thin['pcns_in_place'])}) at a workshop, one-to-one or roundtable.",
        icon=":material/info:",
    )

events = ui.query(engagement.events, f)
ui.chart(
    views.ChartSpec(
        charts.engagement_timeline,
        (events, "Workshops, one-to-ones, roundtables and survey windows"),
        key="engagement_timeline",
        caption=f"{scope} · marker size: attendees · grey bars: survey windows",
        table=events.drop(columns=["event_id", "place_order"]),
        file_name="engagement_events.csv",
    )
)

part = ui.query(engagement.participation, f)
ui.chart(
    views.ChartSpec(
        charts.participation_bars,
        (part, "Share of each place's PCNs that took part"),
        key="engagement_participation",
        caption=f"{scope} · a PCN took part if it was represented at one or more events of that kind · "
        "labels: PCNs taking part of PCNs in the place",
        table=part.drop(columns=["kind"]),
        file_name="engagement_participation.csv",
    )
)

resp = ui.query(queries.respondents_by_place, f.without("wave", "places"))
ui.chart(
    views.ChartSpec(
        charts.response_rate_by_place,
        (resp, "Survey response rate by place and wave"),
        key="engagement_response",
        caption="Clinical Directors who responded / Clinical Directors invited",
        table=resp,
        file_name="response_rates.csv",
    )
)

st.header("Evidence by place, thinnest first")
st.dataframe(
    strength[
        [
            "place",
            "respondents",
            "cd_respondents",
            "cds_invited",
            "cd_response_rate",
            "pcns_engaged",
            "pcns_in_place",
            "pcn_reach",
        ]
    ],
    hide_index=True,
    key="engagement_strength",
    column_config={
        "place": "Place",
        "respondents": "Survey respondents",
        "cd_respondents": "CDs responded",
        "cds_invited": "CDs invited",
        "cd_response_rate": st.column_config.NumberColumn("CD response rate", format="percent"),
        "pcns_engaged": "PCNs that took part",
        "pcns_in_place": "PCNs in place",
        "pcn_reach": st.column_config.NumberColumn("Share of PCNs", format="percent"),
    },
)
