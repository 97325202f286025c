"""The floor for benchmarks/run.py: the dashboard's shell (sidebar filters, banner, navigation)
around a page that draws only its title. Every page pays at least this on every run."""

import streamlit as st

import ui

st.set_page_config(page_title="Empty page", layout="wide")
# ui.run takes the navigation grouped, as dashboard.py passes it.
ui.run({"": [st.Page(lambda: st.title("Empty page"), title="Empty page", url_path="empty")]})
