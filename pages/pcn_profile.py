"""PCN profile: one PCN's self-assessment against its peers, its engagement, and survey results
only where the PCN has enough respondents to show them safely."""

import streamlit as st

import plain
import ui
from pcn_data import charts
from pcn_data.charts import views
from pcn_data.survey import compare, queries
from pcn_data.workshop import maturity_round

ui.ensure_navigation_mode()

f = ui.filters()
ui.require_one_ics(f)
k = ui.min_group()
names = ui.names()
st.title("PCN profile")

places = f.places or tuple(ui.query(queries.list_places, f.ics)["place_code"])
pcns = ui.query(queries.list_pcns, places)
options = dict(zip(pcns["pcn_code"], pcns["name"], strict=True))
code = ui.url_select(
    "PCN",
    options,
    "pcn",
    default=pcns["pcn_code"].iloc[0],
    container=st,
    help="PCNs of the place chosen in the sidebar.",
)
name = options[code]
st.markdown(f"#### {plain.md(name)} · {plain.md(names.get(f.wave, f.wave))}")

sa = ui.query(compare.self_assessment, f.without("places"))
waves = list(dict.fromkeys(sa["wave_code"]))
if waves:
    shown = f.wave if f.wave in waves else waves[-1]
    ranges = compare.peer_ranges(sa, code, shown)
    st.header(f"Self-assessment, {plain.md(shown)}")
    if ranges.empty:
        st.info(f"{plain.md(name)} has no self-assessment for this wave.")
    else:
        ui.chart(
            views.ChartSpec(
                charts.peer_ranges,
                (ranges, f"{name} against its peers", name),
                key="profile_ranges",
                caption="Diamond: this PCN. Bars: worst to best stage of the other PCNs in its place (blue) "
                "and in the ICS (grey); ticks: their medians.",
                table=ranges,
                file_name=f"profile_{code}_self_assessment.csv",
            )
        )

agreed = ui.query(maturity_round.agreed, f.without("places"))
agreed = agreed[agreed["pcn_code"] == code]
if not agreed.empty:
    # Stages the PCN's team agreed at a workshop's maturity round (pcn_data/workshop/maturity_round.py).
    latest = agreed["source"].iloc[0]
    st.header("Agreed at workshops")
    st.markdown(f"Latest: {plain.md(latest)}.")
    st.dataframe(
        agreed[["domain", "stage", "desired", "source"]],
        hide_index=True,
        key="profile_agreed",
        column_config={
            "domain": "Domain",
            "stage": "Agreed stage",
            "desired": "Wanted in a year",
            "source": "Source",
        },
    )

st.header("Engagement")
events = ui.query(compare.pcn_events, code)
if events.empty:
    st.info(f"No workshops, one-to-ones or roundtables recorded for {plain.md(name)}.")
else:
    st.dataframe(events, hide_index=True, key="profile_events")

st.header("Survey results")
st.info(
    f"Survey results are not published for a single PCN. A PCN's respondents are its Clinical "
    f"Director and a few colleagues, named people, so its answers would be theirs. See "
    f"{plain.md(name)}'s place on the results pages, where every group shown has enough respondents "
    "that no one's answers can be worked out, whatever else is shown.",
    icon=":material/lock:",
)
