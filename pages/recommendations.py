"""Recommendations tracker: the report's checklist, a status per place, every change kept."""

import datetime as dt

import streamlit as st

import plain
import ui
from pcn_data.charts import views
from pcn_data.core import site
from pcn_data.programme import tracker
from pcn_data.reports import exports
from pcn_data.survey import queries

ui.ensure_navigation_mode()

f = ui.filters()
ui.require_one_ics(f)
st.title("Recommendations tracker")

st.header("Progress")
left, right = st.columns(2)
with left:
    by_place = ui.query(tracker.progress, "place", f.ics)
    ui.chart(
        views.progress(
            by_place,
            "By place",
            key="tracker_by_place",
            caption="The report's 15 recommendations in each place",
            table=by_place,
            file_name="recommendations_by_place.csv",
        )
    )
with right:
    by_theme = ui.query(tracker.progress, "theme", f.ics)
    ui.chart(
        views.progress(
            by_theme,
            "By theme",
            key="tracker_by_theme",
            caption="Recommendations x places, by the report's three themes",
            table=by_theme,
            file_name="recommendations_by_theme.csv",
        )
    )

places = ui.query(queries.list_places, f.ics)
place_names = dict(zip(places["place_code"], places["name"], strict=True))
place = ui.url_select(
    "Place",
    place_names,
    "tracker_place",
    default=f.places[0] if f.places else places["place_code"].iloc[0],
    container=st,
)
recs = ui.query(tracker.recommendations, place)
st.header(f"Status in {plain.md(place_names[place])}")
counts = recs["status"].value_counts()
st.markdown(
    f"**{plain.md(place_names[place])}:** "
    + " · ".join(f"{int(counts.get(status, 0))} {status.lower()}" for status in tracker.STATUSES),
    help="Of the report's 15 recommendations",
)
st.dataframe(
    recs.assign(evidence=recs["evidence_page"].map(lambda p: f"{site.page(p).url}?place={place}"))[
        ["rec_id", "text", "theme", "lead", "tools", "status", "owner", "due_on", "note", "evidence"]
    ],
    hide_index=True,
    key="tracker_table",
    column_config={
        "rec_id": st.column_config.NumberColumn("#", width="small"),
        "text": st.column_config.TextColumn("Recommendation", width="large"),
        "theme": "Theme",
        "lead": "Lead",
        "tools": "Tools and methods",
        "status": "Status",
        "owner": "Owner",
        "due_on": st.column_config.DateColumn("Due", format="DD/MM/YYYY"),
        "note": "Note",
        "evidence": st.column_config.LinkColumn("Evidence", display_text="See the evidence"),
    },
)

if not ui.can("edit_recommendations"):
    st.caption("Changing a status is for facilitators and the oversight group.")
else:
    st.header("Change a status")
    texts = dict(zip(recs["rec_id"], recs["text"], strict=True))
    rec_id = st.selectbox(
        "Recommendation", list(texts), format_func=lambda r: f"{r}. {texts[r]}", key="tracker_rec"
    )
    row = recs.set_index("rec_id").loc[rec_id]
    # Widget keys carry the place and recommendation: with one shared key, a widget would keep the
    # value typed for the previous recommendation instead of showing this one's.
    suffix = f"{place}_{rec_id}"
    with st.form(f"tracker_form_{suffix}"):
        status = st.selectbox(
            "Status",
            tracker.STATUSES,
            index=tracker.STATUSES.index(row["status"]),
            key=f"tracker_status_{suffix}",
        )
        owner = st.text_input("Owner", value=row["owner"] or "", key=f"tracker_owner_{suffix}")
        due = row["due_on"]
        due_on = st.date_input(
            "Due date",
            value=None if due is None or due != due else due,
            format="DD/MM/YYYY",
            key=f"tracker_due_{suffix}",
            min_value=dt.date(2020, 1, 1),
        )
        note = st.text_area("Note", value=row["note"] or "", key=f"tracker_note_{suffix}")
        typed_name = st.text_input(
            "Your name (kept with the change)",
            key="tracker_who",
            value=st.session_state.get("tracker_last_who", ""),
        )
        if st.form_submit_button("Save", type="primary"):
            with ui.guarded(
                "edit_recommendations"
            ) as done:  # checked again here, not only by hiding the form
                n = tracker.update(
                    ui.database(),
                    int(rec_id),
                    place,
                    by=ui.who().email or typed_name,
                    status=status,
                    owner=owner,
                    due_on=due_on,
                    note=note,
                )
            if done:
                st.session_state["tracker_last_who"] = typed_name
                st.session_state["tracker_flash"] = (
                    f"Saved {n} change{'s' if n != 1 else ''}." if n else "Nothing changed."
                )
                st.rerun()
if flash := st.session_state.pop("tracker_flash", None):
    st.success(flash, icon=":material/check:")

st.header(f"History in {plain.md(place_names[place])}")
hist = ui.query(tracker.history, place)
if hist.empty:
    st.info("No changes recorded yet.")
else:
    latest = hist.head(10).assign(changed_at=hist["changed_at"].dt.strftime("%d/%m/%Y %H:%M"))
    st.table(
        ui.plain_table(latest.drop(columns=["place"]))
        .rename(
            columns={
                "changed_at": "When",
                "changed_by": "Who",
                "rec_id": "#",
                "recommendation": "Recommendation",
                "field": "Field",
                "old_value": "Was",
                "new_value": "Now",
            }
        )
        .set_index("When")
    )
    st.download_button(
        "Download the whole history (CSV)",
        lambda: exports.csv_bytes(hist),  # written when clicked
        key="tracker_history_csv",
        file_name=f"recommendation_history_{place}.csv",
        mime="text/csv",
        icon=":material/download:",
    )
