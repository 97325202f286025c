"""Shared by the real-browser tests: skip without Chromium (but never in CI), and pick a
Streamlit selectbox option the way a person does."""

import os

import pytest

from pcn_data.charts import chromium_path


def require_chromium() -> None:
    """Skip the calling test module when Chromium is missing; in CI that is an error."""
    if chromium_path() is None:
        if os.environ.get("CI"):
            raise RuntimeError("Chromium is required in CI: .ci/run installs Debian's chromium package")
        pytest.skip("Chromium is not installed here (apt-get install chromium)", allow_module_level=True)


def choose(page, label, option):
    """Pick option in the Streamlit selectbox labelled label, typing to filter the list first
    (a long list opens late or scrolled, and a click on the bare input does not always open it)."""
    box = page.locator('[data-testid="stSelectbox"]').filter(has_text=label).locator("input")
    box.click()
    box.fill(option)
    page.locator('[role="listbox"] [role="option"]').filter(has_text=option).first.click()
