"""PCN Futures Dashboard: the entry point. Page config, shared sidebar, navigation."""

import streamlit as st

import ui

ui.ensure_navigation_mode()
st.set_page_config(page_title="PCN Futures Dashboard", page_icon=":material/hub:", layout="wide")

db = ui.database()
access = ui.who()
PAGES = {
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
        st.Page("pages/join.py", title="Join a poll", icon=":material/smartphone:"),
    ],
    "Data": [st.Page("pages/data.py", title="Data and method", icon=":material/database:")],
}
if access is None:
    # Not signed in (or no role): the sign-in page, and the poll join page that needs no login.
    join = st.Page("pages/join.py", title="Join a poll", icon=":material/smartphone:")
    sign_in = st.Page(ui.sign_in_page, title="Sign in", icon=":material/login:", default=True)
    pg = st.navigation([sign_in, join])
else:
    # Pages the role may not open are not in the navigation at all: a link to one lands on the default.
    pg = st.navigation(
        {
            group: allowed
            for group, pages in PAGES.items()
            if (allowed := [p for p in pages if ui.acl.may_open(access, p.url_path or "overview")])
        }
    )
if pg.url_path in ui.BARE_PAGES or access is None:
    ui.bare_page()
else:
    ui.account_panel(access)
    st.session_state["_filters"] = ui.sidebar_filters(default_place=access.place)
    ui.banner(db)
pg.run()
