"""Sign in through OpenID Connect in a real browser, against a provider the test starts on
localhost: land on the right default (a Clinical Director on their own place), then sign out."""

import shutil

import pytest

from scripts.live_server import browser_page, free_port, serve, wait_for_app
from tests.browser_helpers import require_chromium
from tests.oidc_provider import Provider

pytestmark = pytest.mark.browser

require_chromium()


def test_sign_in_lands_a_clinical_director_on_their_place_and_sign_out_returns(demo_path, tmp_path):
    db = tmp_path / "auth.duckdb"
    shutil.copy(demo_path, db)
    roles = tmp_path / "roles.toml"
    roles.write_text('[users."cd.mb@nhs.net"]\nrole = "clinical_director"\nplace = "MB"\n')
    port = free_port()
    with Provider("pcn-dashboard", "test-secret") as idp:
        secrets = tmp_path / "secrets.toml"
        secrets.write_text(
            "[auth]\n"
            f'redirect_uri = "http://127.0.0.1:{port}/oauth2callback"\n'
            'cookie_secret = "a-long-random-string-for-tests-only"\n'
            'client_id = "pcn-dashboard"\n'
            'client_secret = "test-secret"\n'
            f'server_metadata_url = "{idp.metadata_url}"\n'
        )
        with (
            serve(
                db, port=port, env={"PCN_ROLES_FILE": str(roles)}, args=["--secrets.files", str(secrets)]
            ) as url,
            browser_page(1280, 800) as page,
        ):
            page.goto(url)
            page.wait_for_selector("text=sign in with your NHS account", timeout=30000)
            assert "Demo data" not in page.inner_text("body")  # nothing of the survey before sign-in
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_selector("#email", timeout=30000)
            page.fill("#email", "cd.mb@nhs.net")
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_selector("text=Signed in as cd.mb@nhs.net", timeout=30000)
            wait_for_app(page)
            body = page.inner_text("body")
            assert "PCN Futures: overview" in body and "· Morecambe Bay ·" in body
            assert "Live workshop" not in body and "Presenter view" not in body  # not a CD's pages
            page.screenshot(path=str(tmp_path / "signed_in.png"))
            page.get_by_role("button", name="Sign out").click()
            page.wait_for_selector("text=sign in with your NHS account", timeout=30000)
            assert "Signed in as" not in page.inner_text("body")
