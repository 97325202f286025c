"""The page registry is the one list of pages: navigation, access, the tracker's evidence links
and the projector's bare pages all read it, and it lists exactly the files in pages/."""

import ui
from pcn_data.core import access, site
from pcn_data.programme import tracker
from tests.conftest import ROOT


def test_the_registry_lists_every_file_in_pages_once():
    files = sorted(p.stem for p in (ROOT / "pages").glob("*.py"))
    assert sorted(p.stem for p in site.PAGES) == files
    assert all((ROOT / p.path).is_file() for p in site.PAGES)
    assert [p.stem for p in site.PAGES if p.default] == ["overview"]


def test_access_and_bare_pages_come_from_the_registry():
    assert access.PAGES["facilitator"] == {p.stem for p in site.PAGES}
    assert access.PAGES["participant"] == set()
    # The workshop's own pages are the facilitator's alone.
    for role in ("oversight", "clinical_director"):
        assert not access.PAGES[role] & {"workshop", "present", "compare_sessions"}
        assert "overview" in access.PAGES[role]
    assert ui.BARE_PAGES == {"present"}


def test_every_evidence_link_of_the_tracker_is_a_registered_page():
    for stem in tracker.EVIDENCE_PAGE.values():
        assert site.page(stem).url == f"/{stem}"
