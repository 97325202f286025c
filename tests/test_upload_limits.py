"""Every upload box states the limit the code behind it keeps: a box saying "200MB per file" (Streamlit's
default) over a check at 50 MB sends a hurried user off to wait for an upload that is then refused."""

import pytest

from pcn_data.importing import mapping_file
from pcn_data.importing.mapping_file import MappingFileError
from pcn_data.importing.reading import max_upload_mb
from pcn_data.reports.pack_template import MAX_TEMPLATE_BYTES


def stated_mb(at, key: str) -> int:
    """Return the limit in MB that the upload box of key tells its user."""
    (box,) = [u for u in at.get("file_uploader") if u.proto.id.endswith(key)]
    return box.proto.max_upload_size_mb


@pytest.mark.parametrize(
    "page, key",
    [("pages/overview.py", "overview_pack_template"), ("pages/compare_places.py", "compare_pack_template")],
)
def test_the_template_box_states_the_template_limit(app, page, key):
    app.run()
    app.switch_page(page).run()
    assert not app.exception
    assert stated_mb(app, key) * 1024 * 1024 >= MAX_TEMPLATE_BYTES  # a template the check takes gets in
    assert stated_mb(app, key) == 50


def test_the_import_box_states_the_import_limit(app, monkeypatch):
    monkeypatch.setenv("PCN_MAX_UPLOAD_MB", "7")
    app.run()
    app.switch_page("pages/data.py").run()
    assert not app.exception
    assert stated_mb(app, "import_file") == max_upload_mb() == 7


def test_a_mapping_file_over_its_limit_is_refused_with_why():
    with pytest.raises(MappingFileError, match="big.toml is larger than 1 MB"):
        mapping_file.loads("# padding\n" * 200_000, "big.toml")


def test_the_mapping_file_limit_counts_bytes_as_the_upload_box_does():
    # 600,000 characters of two bytes each: under 1 MB of characters, 1.2 MB of bytes.
    with pytest.raises(MappingFileError, match="wide.toml is larger than 1 MB"):
        mapping_file.loads("# " + "é" * 600_000, "wide.toml")
