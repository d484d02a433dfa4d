"""The members page in Chromium: what a row shows is what the member holds, whatever their access; a reset
password shown once; a removal confirmed in a dialog that names the channels it leaves without an owner."""

import pytest
from django.contrib.auth.models import User
from django.test import Client
from playwright.sync_api import expect

from handlers_admin.models import ChannelDetails
from handlers_admin.roles import Role, role_of
from tests.api import handler_json
from tests.helpers import make_member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


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


@pytest.fixture(params=list(WIDTHS))
def admin_page(request, member_page):
    page = member_page(Role.ADMIN)
    page.set_viewport_size(WIDTHS[request.param])
    return page


def test_a_reset_shows_the_new_password_once_and_it_signs_in(admin_page, live_server, accessible) -> None:
    make_member("vera", Role.VIEWER)
    admin_page.goto(f"{live_server.url}/members/")
    admin_page.get_by_role("button", name="Reset the password of vera").click()
    expect(admin_page.get_by_role("status").filter(has_text="The password of vera was reset.")).to_be_visible()
    secret = admin_page.locator("code.secret")
    expect(secret).to_have_count(1)
    password = secret.inner_text()
    assert Client().post("/accounts/login/", {"login": "vera", "password": password}).status_code == 302
    accessible(admin_page, "/members/ after a reset")
    admin_page.goto(f"{live_server.url}/members/")
    expect(admin_page.locator("code.secret")).to_have_count(0)
    assert password not in admin_page.content()


def test_a_member_is_removed_once_the_dialog_listing_their_channels_is_confirmed(
    admin_page, live_server, accessible, mirrored
) -> None:
    vera = make_member("vera", Role.VIEWER)
    mirrored(handler_json(id=7, name="Ops pager"))
    ChannelDetails.objects.create(channel_id=7, owner=vera)
    admin_page.goto(f"{live_server.url}/members/")
    opener = admin_page.get_by_role("button", name="Remove vera")

    opener.click()
    dialog = admin_page.get_by_role("dialog", name="Remove vera?")
    expect(dialog).to_contain_text("They own this channel, which will be left without an owner:")
    expect(dialog.get_by_role("link", name="Ops pager")).to_have_attribute("href", "/handlers/7/")
    accessible(admin_page, "remove dialog")
    dialog.get_by_role("link", name="Keep them").click()
    expect(dialog).to_have_count(0)
    expect(opener).to_be_focused()

    opener.click()
    admin_page.get_by_role("dialog").get_by_role("button", name="Remove vera").click()
    expect(admin_page.locator("#messages")).to_contain_text("vera was removed. 1 channel is left without an owner.")
    expect(admin_page.get_by_role("button", name="Remove vera")).to_have_count(0)
    assert not User.objects.filter(username="vera").exists()
    assert ChannelDetails.objects.get(pk=7).owner is None
    accessible(admin_page, "/members/ after a removal")
