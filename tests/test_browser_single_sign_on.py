"""Single sign-on in Chromium: from the panel's sign-in page through the real provider's own sign-in and consent pages
(tests/oidc_provider), and back to the panel, signed in with the role the provider's groups give."""

import re

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Page, expect

from handlers_admin.models import AuditEntry
from handlers_admin.roles import Role, role_of
from tests.oidc import PROVIDER_PASSWORD, Provider

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def csp_violations(page: Page) -> list[str]:
    violations: list[str] = []
    page.on(
        "console",
        lambda message: violations.append(message.text) if "Content Security Policy" in message.text else None,
    )
    return violations


def sign_in_at_the_provider(page: Page, provider: Provider, username: str) -> None:
    expect(page).to_have_url(re.compile(rf"^{re.escape(provider.issuer)}/interaction/"))
    expect(page.get_by_role("heading", name="Sign in to the test identity provider")).to_be_visible()
    page.get_by_label("Account name").fill(username)
    page.get_by_label("Secret word").fill(PROVIDER_PASSWORD)
    page.get_by_role("button", name="Continue to the panel").click()
    expect(page.get_by_role("heading", name="Share your details?")).to_be_visible()
    page.get_by_role("button", name="Allow").click()


def test_signing_in_through_the_provider_pages(
    page: Page, live_server, sso: Provider, mirrored, csp_violations: list[str]
) -> None:
    mirrored()
    sso.set_accounts({"olga": ["ops", "staff"]})
    page.goto(f"{live_server.url}/handlers/")
    expect(page).to_have_url(f"{live_server.url}/accounts/login/?next=/handlers/")

    page.get_by_role("button", name="Acme SSO").click()
    sign_in_at_the_provider(page, sso, "olga")

    expect(page).to_have_url(f"{live_server.url}/handlers/")
    header = page.get_by_role("banner")
    expect(header).to_contain_text("olga")
    expect(header.get_by_text("Editor", exact=True)).to_be_visible()
    olga = User.objects.get(username="olga")
    assert role_of(olga) == Role.EDITOR
    entry = AuditEntry.objects.get(action=AuditEntry.Action.SIGN_IN, actor=olga)
    assert entry.details == {"method": "single_sign_on"}
    assert csp_violations == []


def test_a_link_to_the_provider_asks_before_leaving(
    page: Page, live_server, sso: Provider, mirrored, csp_violations: list[str]
) -> None:
    mirrored()
    sso.set_accounts({"vic": ["staff"]})
    page.goto(f"{live_server.url}/accounts/oidc/sso/login/?next=/overview/")
    expect(page).to_have_url(f"{live_server.url}/accounts/oidc/sso/login/?next=/overview/")

    page.get_by_role("button", name="Continue").click()
    sign_in_at_the_provider(page, sso, "vic")

    expect(page).to_have_url(f"{live_server.url}/overview/")
    expect(page.get_by_role("banner").get_by_text("Viewer", exact=True)).to_be_visible()
    assert csp_violations == []


def test_someone_in_no_mapped_group_sees_why_at_the_panel(page: Page, live_server, sso: Provider) -> None:
    sso.set_accounts({"mallory": ["marketing"]})
    page.goto(f"{live_server.url}/accounts/login/")

    page.get_by_role("button", name="Acme SSO").click()
    sign_in_at_the_provider(page, sso, "mallory")

    expect(page.get_by_role("alert")).to_contain_text(
        "Acme SSO knows you, but none of your groups there gives access to this panel."
    )
    expect(page.get_by_role("link", name="Back to sign in")).to_be_visible()
    assert not User.objects.exists()
