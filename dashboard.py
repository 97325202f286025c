"""PCN Futures Dashboard: the entry point. Page config, shared sidebar, navigation."""

import streamlit as st

import ui

ui.ensure_navigation_mode()
st.set_page_config(page_title="PCN Futures Dashboard", page_icon=":material/hub:", layout="wide")

db = ui.database()
pg = st.navigation(
    {
        "Results": [
            st.Page("pages/overview.py", title="Overview", icon=":material/dashboard:", default=True)
        ],
        "Data": [st.Page("pages/data.py", title="Data and method", icon=":material/database:")],
    }
)
st.session_state["_filters"] = ui.sidebar_filters()
ui.banner(db)
pg.run()
