"""PCN profile: one PCN's self-assessment against its peers, its engagement, and survey results
only where the PCN has enough respondents to show them safely."""

import streamlit as st

import plain
import ui
from pcn_data import compare

ui.ensure_navigation_mode()

f = ui.filters()
ui.require_one_ics(f)
k = ui.min_group()
names = ui.names()
st.title("PCN profile")

places = f.places or tuple(ui.query("list_places", f.ics)["place_code"])
pcns = ui.query("list_pcns", places)
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

sa = ui.query("self_assessment", f.without("places"))
waves = list(dict.fromkeys(sa["wave_code"]))
if waves:
    shown = f.wave if f.wave in waves else waves[-1]
    ranges = compare.peer_ranges(sa, code, shown)
    st.header(f"Self-assessment, {plain.md(shown)}")
    if ranges.empty:
        st.info(f"{plain.md(name)} has no self-assessment for this wave.")
    else:
        ui.chart(
            ui.figure("peer_ranges", ranges, f"{name} against its peers", name),
            key="profile_ranges",
            caption="Diamond: this PCN. Bars: worst to best stage of the other PCNs in its place (blue) "
            "and in the ICS (grey); ticks: their medians.",
            table=ranges,
            file_name=f"profile_{code}_self_assessment.csv",
        )

st.header("Engagement")
events = ui.query("pcn_events", code)
if events.empty:
    st.info(f"No workshops, one-to-ones or roundtables recorded for {plain.md(name)}.")
else:
    st.dataframe(events, hide_index=True, key="profile_events")

st.header("Survey results")
survey = ui.query("pcn_survey", code, f)
if survey.empty or bool(survey["suppressed"].all()):
    st.info(
        f"Survey results are not shown for {plain.md(name)} in this wave. A PCN usually has one Clinical "
        f"Director, so a PCN's answers are shown only where it has {k} or more respondents, and only "
        "where showing it would not let a smaller PCN's answers be worked out by subtraction from its place.",
        icon=":material/lock:",
    )
else:
    wording = ui.query("question_wordings")
    for question, rows in survey.groupby("question_code", sort=False):
        if bool(rows["suppressed"].all()):
            # Some questions are asked of fewer people (the CD role items of Clinical Directors only).
            st.markdown(
                f"**“{plain.md(wording[question])}”** · not shown: fewer than {k} answered it, or hidden to "
                "protect a smaller PCN"
            )
            continue
        st.markdown(f"**“{plain.md(wording[question])}”** · n = {int(rows['n'].iloc[0])}")
        st.dataframe(
            rows[["label", "count", "share", "low", "high"]].assign(
                share=(rows["share"] * 100).round(0),
                low=(rows["low"] * 100).round(0),
                high=(rows["high"] * 100).round(0),
            ),
            hide_index=True,
            key=f"profile_survey_{question}",
            column_config={
                "label": "Answer",
                "count": "Count",
                "share": "% (of those rating)",
                "low": "95% CI low",
                "high": "95% CI high",
            },
        )
