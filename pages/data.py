"""Data and method: what file is loaded, what it holds, and the rules every chart follows."""

import streamlit as st

import ui
from pcn_data.config import min_group_size
from pcn_data.db import SCHEMA_VERSION

ui.ensure_navigation_mode()

db = ui.database()
meta = db.meta()
st.title("Data and method")

st.subheader("The database file")
c1, c2, c3 = st.columns(3)
c1.metric("Dataset", "Demo" if meta.get("dataset") == "demo" else "Real data")
c2.metric("Schema version", meta.get("schema_version", SCHEMA_VERSION))
c3.metric("Data version", meta.get("data_version", "0"), help="Changes on every write; caches follow it.")
st.markdown(f"File: `{db.path}`")
LABELS = {
    "ics": "ICSs",
    "places": "Places",
    "pcns": "PCNs",
    "waves": "Survey waves",
    "respondents": "Respondents",
    "answers": "Answers",
    "engagement_events": "Engagement events",
    "recommendations": "Recommendations",
}
counts = ui.query("count_rows")
st.dataframe(
    [{"What": LABELS.get(k, k), "Rows": v} for k, v in counts.items()],
    hide_index=True,
    key="data_counts",
)

st.subheader("Method and confidentiality")
st.markdown(
    f"""
- **Suppression.** A group with fewer than **{min_group_size()}** respondents is shown as a
  placeholder that looks the same whatever its true size. Where a hidden group could be
  recovered by subtracting the shown groups from a shown total, the next-smallest group is
  hidden too.
- **Intervals.** Every percentage carries its base (n) and a 95% Wilson interval. Net
  agreement (% agree minus % disagree) carries a 95% MOVER-Wilson interval.
- **Comparisons.** A place is "better" or "worse" than the ICS only where the two 95% intervals
  do not overlap; otherwise it is "not distinguishable", and places are never ranked. A change
  between waves carries Newcombe's interval and compares like with like (2021 asked Clinical
  Directors only).
- **Comments** appear at place level or above, only from places with {min_group_size()} or more
  respondents, with names, emails, phone numbers, practice and PCN names removed.
- **Don't know** answers are shown separately and not counted as negative.
- **No respondent-level rows** of survey answers are ever shown or exported.
- The schema is documented in `docs/schema.md`; analysts can open the file read-only with the
  DuckDB CLI while the dashboard is stopped.
"""
)
