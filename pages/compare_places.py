"""Compare places: any survey measure for every place against the ICS, with 95% intervals.
Places are listed in a fixed order and labelled, never ranked."""

import streamlit as st

import plain
import ui
from pcn_data.charts import views
from pcn_data.survey import compare

ui.ensure_navigation_mode()

f = ui.filters()
ui.require_one_ics(f)
k = ui.min_group()
total = ui.total_label(f)
st.title("Compare places")
st.markdown(f"#### {plain.md(ui.describe(f))}")

measures = {code: m.label for code, m in compare.MEASURES.items()}
code = ui.url_select("Measure", measures, "measure", default=compare.DEFAULT_MEASURE, container=st)
measure = compare.MEASURES[code]
ui.slide_pack(f, key="compare_pack", measure=code)
rows = ui.query(compare.measure_by_place, measure, f, total)  # every place, always: the choice is marked
if rows.empty:
    st.info("No answers to this question for these filters.")
    st.stop()

ref = rows[rows["is_total"]].iloc[0]
ref_n = "–" if ref["suppressed"] else int(ref["base"])
ui.chart(
    views.compare_places(
        rows,
        measure,
        f,
        k,
        total,
        key="compare_places",
        caption=f"{ui.describe(f)} · every place of the ICS (the place filter only marks yours with ▶) · "
        f"dots with 95% Wilson intervals · grey band: {total}, n = {ref_n} · "
        "places are not ranked: where intervals overlap they are not distinguishable",
        table=lambda: compare.benchmark_table(rows, measure),
        file_name=f"benchmark_{code}_{f.wave}.csv",
    )
)

if st.toggle("Compare with the previous wave", key="compare_places_change"):
    ui.change_section(
        *ui.query(compare.measure_change, measure, f, total),
        key="compare_places_change_chart",
        label_col="grp_label",
        title=f"Change: {measure.label}",
        file_name=f"benchmark_change_{code}.csv",
    )
