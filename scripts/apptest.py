"""AppTest set-up shared by the tests and the benchmark."""

from __future__ import annotations

from streamlit.runtime.pages_manager import PagesManager

_original_init = PagesManager.__init__


def _init_like_a_running_server(self, *args, **kwargs):
    if PagesManager.uses_pages_directory is None:
        PagesManager.uses_pages_directory = False
    _original_init(self, *args, **kwargs)


def behave_like_a_running_server() -> None:
    """Make AppTest keep st.navigation mode between runs, as a running server does.

    AppTest resets PagesManager.uses_pages_directory before every run, so an app that keeps its
    pages in pages/ starts every AppTest run in Streamlit's legacy pages mode. The app then
    reruns once through st.navigation (ui.ensure_navigation_mode), and a rerun drops the click of
    a button, so form submissions would never arrive (and every timed run would run twice). A
    real server keeps the flag False after the first st.navigation call; this makes AppTest do
    the same. The production path, a fresh server, is covered by the browser tests.
    """
    PagesManager.__init__ = _init_like_a_running_server
