"""Voices: what people said, grouped by the report's themes. Place level or above only, only
from places with K or more respondents, always redacted."""

import streamlit as st

import plain
import ui
from pcn_data.survey import voices

ui.ensure_navigation_mode()

f = ui.filters()
ui.require_one_ics(f)
k = ui.min_group()
st.title("Voices")
st.markdown(f"#### {plain.md(ui.describe(f))}")

subs = ui.query(voices.sub_themes)
labels = dict(zip(subs["theme_code"], subs["label"], strict=True))
left, right = st.columns([2, 1])
search = left.text_input("Search the comments", key="voices_search", placeholder="for example: ICS")
chosen = right.multiselect(
    "Sub-themes", list(labels), format_func=labels.get, key="voices_themes", placeholder="All sub-themes"
)
data = ui.query(voices.comments, f, tuple(chosen), search)
unique = data.drop_duplicates("comment_key").reset_index(drop=True)
st.caption(
    f"Comments appear only at place level or above, only from places with {k} or more respondents "
    "in the wave, with names, emails, phone numbers, practice and PCN names removed."
)
ignored = data.attrs.get("role_ignored", [])
if ignored:
    st.info(
        f"The role filter does not apply to the comments of {', '.join(ignored)}: there, the other roles "
        f"together are fewer than {k}, so a list by role would single them out. Their comments are shown "
        "for every role.",
        icon=":material/lock:",
    )
if unique.empty:
    st.info(
        f"No comments to show for these filters. A place's comments appear once it has {k} or more "
        "respondents in the wave.",
        icon=":material/lock:",
    )
    st.stop()

if st.toggle("Quote wall: one large quote at a time, for presenting", key="voices_wall"):
    wall = unique.drop_duplicates("text").reset_index(drop=True)  # the same words said twice show once
    i = st.session_state.get("voices_wall_i", 0) % len(wall)
    quote = wall.iloc[i]
    # The words are escaped: a comment is shown as what was written, never as markup.
    st.html(
        "<div style='font-size:2.6rem;line-height:1.35;margin:2rem 0;padding:2rem;border-left:12px solid "
        "#005EB8;background:#F0F4F5;overflow-wrap:anywhere;white-space:pre-wrap'>"
        f"“{plain.html(quote['text'])}”</div>"
    )
    st.markdown(
        f"**{plain.md(quote['sub_theme'])}** · {plain.md(quote['place'])} · {plain.md(quote['question'])} · "
        f"{i + 1} of {len(unique)}"
    )
    back, forward = st.columns(2)
    if back.button("Previous", key="voices_prev", icon=":material/arrow_back:", width="stretch"):
        st.session_state["voices_wall_i"] = i - 1
        st.rerun()
    if forward.button("Next", key="voices_next", icon=":material/arrow_forward:", width="stretch"):
        st.session_state["voices_wall_i"] = i + 1
        st.rerun()
    st.stop()

counts = (
    data.groupby(["theme", "sub_theme"], sort=False)["comment_key"].nunique().reset_index(name="comments")
)
st.caption(f"{len(unique)} comments · {len(counts)} sub-themes")
comments_by = {key: part.to_dict("records") for key, part in data.groupby(["theme", "sub_theme"], sort=False)}
for theme, rows in counts.groupby("theme", sort=False):
    st.header(plain.md(theme))
    for sub_theme, n in zip(rows["sub_theme"], rows["comments"], strict=True):
        with st.expander(f"{plain.md(sub_theme)} ({n})"):
            for c in comments_by[(theme, sub_theme)]:
                st.markdown("\n".join(f"> {plain.md(line)}" for line in c["text"].splitlines()))
                st.caption(" · ".join(plain.md(c[col]) for col in ("place", "wave_code", "question")))

if ui.can("code_comments"):
    st.header("Correct a comment's theme codes")
    options = dict(zip(unique["comment_key"], unique["text"], strict=True))
    if st.session_state.get("voices_edit_comment") not in options:
        # The filters changed and the chosen comment is no longer listed: start from the first.
        st.session_state.pop("voices_edit_comment", None)
    key = st.selectbox(
        "Comment", list(options), format_func=lambda c: options[c][:110], key="voices_edit_comment"
    )
    db = ui.database()
    current = voices.comment_codes(db, key)
    suggested = voices.suggest_codes(options[key])
    st.caption(
        "Rules suggest: " + (", ".join(plain.md(labels[s]) for s in suggested) if suggested else "nothing")
    )
    new = st.multiselect(
        "Sub-themes", list(labels), default=current, format_func=labels.get, key=f"voices_codes_{key}"
    )
    if st.button("Save theme codes", key="voices_save", type="primary"):
        with ui.guarded("code_comments") as done:  # checked again here, not only by hiding the section
            voices.set_codes(db, key, new)
        if done:
            st.toast("Theme codes saved.")
            st.rerun()
