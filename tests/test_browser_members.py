"""The members page in Chromium: what a row shows is what the member holds, whatever their access."""

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import expect

from handlers_admin.roles import Role, role_of
from tests.helpers import make_member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_stopped_editor_still_shows_as_an_editor_and_change_keeps_them_one(member_page, live_server) -> None:
    editor = make_member("eddie", Role.EDITOR)
    page = member_page(Role.ADMIN)
    page.goto(f"{live_server.url}/members/")
    page.get_by_role("button", name="Stop signing in eddie").click()
    expect(page.locator("#messages")).to_contain_text("eddie can no longer sign in.")
    expect(page.get_by_role("button", name="Let sign in eddie")).to_be_visible()

    role = page.get_by_label("Role of eddie")
    expect(role).to_have_value("editor")
    expect(role.locator("option:checked")).to_have_text("Editor")

    page.get_by_role("button", name="Change the role of eddie").click()
    expect(page.get_by_label("Role of eddie")).to_have_value("editor")
    editor = User.objects.get(pk=editor.pk)
    assert not editor.is_active and role_of(editor) == Role.EDITOR
