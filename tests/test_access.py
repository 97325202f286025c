"""Access control: what each role can and cannot reach, signed in through OpenID Connect (AppTest
with at.user), and the explicit local mode when no sign-in is configured."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest
from streamlit.testing.v1 import AppTest

from pcn_data.core import access as acl
from pcn_data.core.db import close_database, get_database
from pcn_data.core.errors import ConfigError
from pcn_data.workshop import polls
from tests.conftest import ROOT
from tests.hostile import markdown_text

ROLE_MAP = """
[users."fac@nhs.net"]
role = "facilitator"

[users."Oversight@NHS.net"]
role = "oversight"

[users."cd.mb@nhs.net"]
role = "clinical_director"
place = "MB"
"""
AUTH = {
    "redirect_uri": "http://localhost:8501/oauth2callback",
    "cookie_secret": "test-only",
    "client_id": "pcn",
    "client_secret": "test-only",
    "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration",
}


def test_the_role_map_is_validated(tmp_path):
    path = tmp_path / "roles.toml"
    path.write_text(ROLE_MAP)
    roles = acl.load_role_map(path)
    assert acl.access_for("OVERSIGHT@nhs.net", roles).role == "oversight"  # emails ignore case
    assert acl.access_for("cd.mb@nhs.net", roles).place == "MB"
    assert acl.access_for("stranger@nhs.net", roles) is None
    path.write_text('[users."x@nhs.net"]\nrole = "admin"\n')
    with pytest.raises(ConfigError, match="role 'admin'"):
        acl.load_role_map(path)
    path.write_text('[users."x@nhs.net"]\nrole = "clinical_director"\n')
    with pytest.raises(ConfigError, match="no place"):
        acl.load_role_map(path)
    assert acl.load_role_map(tmp_path / "missing.toml") == {}


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        (
            "facilitator",
            {
                "import",
                "undo_import",
                "run_polls",
                "edit_recommendations",
                "code_comments",
                "backup",
                "read_audit",
            },
        ),
        ("oversight", {"edit_recommendations"}),
        ("clinical_director", set()),
        ("participant", set()),
    ],
)
def test_each_role_may_take_only_its_actions(role, allowed):
    who = acl.Access(role, place="MB" if role == "clinical_director" else None)
    assert {a for a in acl.ACTIONS if acl.can(who, a)} == allowed
    for action in set(acl.ACTIONS) - allowed:
        with pytest.raises(acl.AccessDenied):
            acl.require(who, action)
    assert not acl.can(None, "import") and not acl.can(who, "drop_everything")


@pytest.fixture
def signed_in(demo_path, tmp_path, monkeypatch):
    """Return a function making an AppTest signed in as an email (None: signed out)."""
    path = tmp_path / "access.duckdb"
    shutil.copy(demo_path, path)
    roles = tmp_path / "roles.toml"
    roles.write_text(ROLE_MAP)
    monkeypatch.setenv("PCN_DB", str(path))
    monkeypatch.setenv("PCN_ROLES_FILE", str(roles))
    db = get_database(path)

    def make(email: str | None, page: str = "dashboard.py") -> AppTest:
        at = AppTest.from_file(str(ROOT / page), default_timeout=60)
        at.secrets["auth"] = AUTH
        at.user = {"is_logged_in": email is not None, **({"email": email} if email else {})}
        return at

    make.db = db
    yield make
    close_database(path)


def nav_pages(at) -> set[str]:
    """Return the page titles the sidebar navigation offers."""
    return {link.label for link in at.get("page_link")} | {
        n.proto.app_page.page_name for n in at.get("navigation") if hasattr(n, "proto")
    }


def page_files(at) -> set[str]:
    return (
        {p.page_script_hash for p in at._tree._get_page_list()}
        if hasattr(at._tree, "_get_page_list")
        else set()
    )


def test_signed_out_only_the_sign_in_page(signed_in):
    at = signed_in(None)
    at.run()
    assert not at.exception
    assert at.title[0].value == "PCN Futures Dashboard"
    assert at.button(key="sign_in")
    assert not [s for s in at.selectbox if s.key == "wave"]  # no filters, no results
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("pages/overview.py")  # the results pages are not registered at all
    # A participant needs no sign-in to answer a poll: that is the participant's page at /join,
    # outside the dashboard (tests/test_participant.py), not a dashboard page.
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("pages/present.py")


def test_a_signed_in_account_without_a_role_sees_nothing(signed_in):
    at = signed_in("stranger@nhs.net")
    at.run()
    assert not at.exception
    assert any("has no role here" in e.value for e in at.error)
    assert not at.metric


def test_a_facilitator_reaches_import_polls_and_the_tracker(signed_in):
    at = signed_in("fac@nhs.net")
    at.run()
    assert not at.exception
    assert any("fac@nhs.net (Facilitator)" in markdown_text(c.value) for c in at.sidebar.caption)
    at.switch_page("pages/data.py").run()
    assert at.get("file_uploader")
    at.switch_page("pages/workshop.py").run()
    assert not at.exception and at.title[0].value == "Live workshop"
    at.switch_page("pages/recommendations.py").run()
    assert [b for b in at.get("form_submit_button")]


def test_oversight_edits_recommendations_but_cannot_import_or_run_polls(signed_in):
    at = signed_in("oversight@nhs.net")
    at.run()
    at.switch_page("pages/data.py").run()
    assert not at.exception
    assert not at.get("file_uploader")
    assert any("for facilitators" in c.value for c in at.caption)
    at.switch_page("pages/recommendations.py").run()
    assert [b for b in at.get("form_submit_button")]
    # The workshop and presenter pages are not in an oversight member's navigation at all.
    for page in ("pages/workshop.py", "pages/present.py"):
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(page)


def test_a_clinical_director_starts_on_their_place_and_cannot_change_anything(signed_in):
    at = signed_in("cd.mb@nhs.net")
    at.run()
    assert not at.exception
    assert at.selectbox(key="place").value == "MB"
    assert "Morecambe Bay" in at.markdown[0].value or any("Morecambe Bay" in m.value for m in at.markdown)
    at.switch_page("pages/recommendations.py").run()
    assert not at.exception
    assert not at.get("form_submit_button")
    at.switch_page("pages/voices.py").run()
    assert not [b for b in at.button if b.key == "voices_save"]
    at.switch_page("pages/data.py").run()
    assert not at.get("file_uploader")


def test_a_direct_attempt_at_a_forbidden_page_or_action_is_refused_on_the_server(signed_in):
    made = polls.create_session(
        signed_in.db, title="W", place_code="MB", held_on=dt.date(2026, 11, 24),
        questions=[polls.bank_question(signed_in.db, "rel_ics")],
    )  # fmt: skip
    # The presenter page's script run directly, bypassing the navigation: it refuses a CD.
    at = signed_in("cd.mb@nhs.net", page="pages/present.py")
    at.run()
    assert any("may not open this page" in e.value for e in at.error)
    assert not [b for b in at.button if b.key == "present_open"]
    # A facilitator's page, then the same session acting as a CD clicks "Open answers": the
    # action checks the role again on the server and refuses; nothing changes.
    at = signed_in("fac@nhs.net")
    at.run()
    at.switch_page("pages/present.py").run()
    assert at.button(key="present_open").label == "Open answers"
    at.user = {"is_logged_in": True, "email": "cd.mb@nhs.net"}
    at.button(key="present_open").click().run()
    assert polls.open_question(signed_in.db, made["session_id"]) is None
    assert at.session_state["_refusal"].startswith("A clinical director account may not do this (run polls)")
    # The same click as the facilitator opens the question.
    at.user = {"is_logged_in": True, "email": "fac@nhs.net"}
    at.run()
    at.button(key="present_open").click().run()
    assert polls.open_question(signed_in.db, made["session_id"]) is not None


def test_with_no_sign_in_configured_the_app_says_it_is_in_local_mode(app):
    app.run()
    assert not app.exception
    assert any("Local mode" in w.value for w in app.sidebar.warning)


@pytest.fixture
def visitor(monkeypatch):
    """Return a function making the browser's connection come from an address (and headers)."""
    from streamlit.runtime.context import ContextProxy, StreamlitHeaders

    def connect(ip: str | None, headers: dict[str, str] | None = None) -> None:
        monkeypatch.setattr(ContextProxy, "ip_address", property(lambda self: ip))
        monkeypatch.setattr(
            ContextProxy, "headers", property(lambda self: StreamlitHeaders(list((headers or {}).items())))
        )

    return connect


@pytest.mark.parametrize(
    ("ip", "headers"),
    [
        ("192.168.1.20", None),  # a phone on the workshop's wifi
        ("fe80::1", None),
        (None, {"X-Forwarded-For": "203.0.113.9"}),  # through a proxy on this machine
    ],
)
def test_in_local_mode_another_device_is_a_participant_and_can_open_only_join(app, visitor, ip, headers):
    visitor(ip, headers)
    app.run()
    assert not app.exception
    assert app.title[0].value == "Join a poll"  # the only page, so the one it lands on
    assert app.get("link_button")[0].proto.url == "/join"  # the way to the participant's page
    assert not [s for s in app.selectbox if s.key == "wave"]
    for page in ("pages/data.py", "pages/workshop.py", "pages/present.py", "pages/overview.py"):
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            app.switch_page(page)
    assert any("Local mode" in c.value for c in app.caption)
    assert not acl.can(None, "run_polls")


def test_in_local_mode_this_computer_is_the_facilitator_and_bare_pages_say_local_mode(app, visitor):
    visitor(None)  # Streamlit reports no address for 127.0.0.1 and ::1
    app.run()
    app.switch_page("pages/data.py").run()
    assert not app.exception and app.get("file_uploader")
    app.switch_page("pages/present.py").run()
    assert not app.exception
    assert any("Local mode" in c.value for c in app.caption)


CLAIM_MAP = """
[users."0b5e3a1c-7d2f-4c59-9e1a-2f6d8c4b7a10"]  # an Entra object id (oid)
role = "oversight"

[users."sub-Ab3xYz"]  # a subject (sub), matched exactly
role = "facilitator"

[users."cd.mb@nhs.net"]  # an email: the fallback
role = "clinical_director"
place = "MB"
"""


@pytest.mark.parametrize(
    ("claims", "expected"),
    [
        # The app-role claim wins over the role map, whatever the map says of this person.
        ({"roles": ["Facilitator"], "email": "cd.mb@nhs.net"}, ("facilitator", None)),
        ({"roles": ["oversight", "clinical_director"]}, ("oversight", None)),
        ({"roles": ["clinical_director.FC"], "email": "x@nhs.net"}, ("clinical_director", "FC")),
        # An app role this dashboard does not know: the role map decides.
        ({"roles": ["Reader"], "email": "cd.mb@nhs.net"}, ("clinical_director", "MB")),
        # No roles claim: the immutable oid (any case), then sub, then the email.
        ({"oid": "0B5E3A1C-7D2F-4C59-9E1A-2F6D8C4B7A10", "email": "cd.mb@nhs.net"}, ("oversight", None)),
        ({"sub": "sub-Ab3xYz", "email": "nobody@nhs.net"}, ("facilitator", None)),
        ({"sub": "SUB-AB3XYZ"}, None),  # a sub is matched exactly
        (
            {"oid": "ffffffff-0000-0000-0000-000000000000", "email": "CD.MB@nhs.net"},
            ("clinical_director", "MB"),
        ),
        ({"email": "stranger@nhs.net"}, None),
        ({}, None),
    ],
)
def test_roles_come_from_the_app_role_claim_then_oid_or_sub_then_email(tmp_path, claims, expected):
    path = tmp_path / "roles.toml"
    path.write_text(CLAIM_MAP)
    got = acl.access_from_claims(claims, acl.load_role_map(path))
    assert (got and (got.role, got.place)) == expected


def test_a_signed_in_app_role_reaches_its_pages(signed_in):
    at = signed_in("someone.new@nhs.net")
    at.user = {"is_logged_in": True, "email": "someone.new@nhs.net", "roles": ["facilitator"]}
    at.run()
    assert not at.exception
    at.switch_page("pages/workshop.py").run()
    assert not at.exception and at.title[0].value == "Live workshop"


def test_the_database_path_and_import_history_are_for_facilitators_only(signed_in):
    for email in ("oversight@nhs.net", "cd.mb@nhs.net"):
        at = signed_in(email)
        at.run()
        at.switch_page("pages/data.py").run()
        assert not at.exception
        text = " ".join(m.value for m in at.markdown)
        assert str(signed_in.db.path) not in text and "access.duckdb" not in text
        assert not [d for d in at.dataframe if "source_name" in d.value.columns]  # who imported what
        assert not [s for s in at.subheader if s.value == "Import history"]
    at = signed_in("fac@nhs.net")
    at.run()
    at.switch_page("pages/data.py").run()
    assert "access.duckdb" in " ".join(m.value for m in at.markdown)
    assert [d for d in at.dataframe if "source_name" in d.value.columns]
    assert [s for s in at.subheader if s.value == "Import history"]
