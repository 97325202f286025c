"""PCN Futures Dashboard: the entry point. Page config, shared sidebar, navigation."""

import streamlit as st

import ui

ui.ensure_navigation_mode()
st.set_page_config(page_title="PCN Futures Dashboard", page_icon=ui.FAVICON, layout="wide")

ui.run(
    {
        "Results": [
            st.Page("pages/overview.py", title="Overview", icon=":material/dashboard:", default=True),
            st.Page("pages/role_clarity.py", title="Role clarity and vision", icon=":material/badge:"),
            st.Page("pages/relationships.py", title="Relationships across the ICS", icon=":material/hub:"),
            st.Page("pages/development_needs.py", title="Development needs", icon=":material/school:"),
            st.Page("pages/voices.py", title="Voices", icon=":material/format_quote:"),
        ],
        "Compare": [
            st.Page("pages/compare_places.py", title="Compare places", icon=":material/compare_arrows:"),
            st.Page("pages/pcn_development.py", title="PCN development", icon=":material/trending_up:"),
            st.Page("pages/pcn_profile.py", title="PCN profile", icon=":material/person_search:"),
        ],
        "Programme": [
            st.Page("pages/engagement.py", title="Engagement", icon=":material/groups:"),
            st.Page("pages/recommendations.py", title="Recommendations tracker", icon=":material/checklist:"),
        ],
        "Workshop": [
            st.Page("pages/workshop.py", title="Live workshop", icon=":material/how_to_vote:"),
            st.Page("pages/present.py", title="Presenter view", icon=":material/slideshow:"),
            st.Page("pages/compare_sessions.py", title="Sessions side by side", icon=":material/compare:"),
        ],
        "Data": [st.Page("pages/data.py", title="Data and method", icon=":material/database:")],
    }
)
