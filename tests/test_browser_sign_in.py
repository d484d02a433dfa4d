import pytest
from playwright.sync_api import Page, expect

from handlers_admin.roles import Role
from tests.helpers import PASSWORD, make_member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page: Page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/handlers/")
    expect(page).to_have_url(f"{base_url}/accounts/login/?next=/handlers/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()


def test_sign_in_see_the_handlers_and_sign_out(page: Page, live_server) -> None:
    make_member("olga", Role.EDITOR)
    sign_in(page, live_server.url, "olga")
    expect(page.get_by_role("heading", name="Notification channels")).to_be_visible()
    expect(page.get_by_text("Editor")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in", exact=True)).to_be_visible()
    page.goto(f"{live_server.url}/handlers/")
    expect(page).to_have_url(f"{live_server.url}/accounts/login/?next=/handlers/")
