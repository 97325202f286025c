"""PCN Futures Dashboard: the entry point. Page config, shared sidebar, navigation."""

import streamlit as st

import ui
from pcn_data.core import site

ui.ensure_navigation_mode()
st.set_page_config(page_title="PCN Futures Dashboard", page_icon=ui.FAVICON, layout="wide")

# Every file in pages/, listed once in the registry (pcn_data/core/site.py), grouped as navigated.
ui.run(
    {
        group: [st.Page(p.path, title=p.title, icon=p.icon, default=p.default) for p in pages]
        for group, pages in site.groups().items()
    }
)
