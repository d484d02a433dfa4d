"""axe-core finds nothing on any page, at desktop width and at 390 px, and no page scrolls sideways."""

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Page, expect

from handlers_admin import jobs
from handlers_admin.handler_types import HANDLER_TYPES
from handlers_admin.models import Job
from handlers_admin.roles import Role
from tests.helpers import make_member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.fixture(params=list(WIDTHS))
def screen(request, member_page, live_server, sandbox) -> tuple[Page, str, object]:
    server = sandbox()
    page = member_page(Role.ADMIN)
    page.set_viewport_size(WIDTHS[request.param])
    return page, live_server.url, server


def test_every_page_is_accessible(screen, accessible) -> None:
    page, base, _server = screen
    job = jobs.start_bulk(User.objects.get(username="pat"), Job.Kind.DISABLE, [3, 4])
    for path in (
        "/jobs/",
        "/handlers/import/",
        f"/jobs/{job.pk}/",
        "/handlers/",
        "/handlers/?type=slack&is_enabled=1&activity=idle30d&order_by=name&order_type=ASC",
        "/handlers/?results_per_page=1000",
        "/handlers/?datetime_start=2026-0",
        "/handlers/3/",
        "/handlers/3/edit/",
        "/handlers/3/delete/",
        "/overview/",
        "/audit/",
        "/members/",
        "/connection/",
        "/accounts/password_change/",
        "/handlers/999999/",
        "/no-such-page/",
    ):
        page.goto(base + path)
        accessible(page, path)
        assert page.evaluate("document.querySelector('.topbar').getBoundingClientRect().height") <= 80


def test_the_create_form_with_each_type_is_accessible(screen, accessible) -> None:
    page, base, _server = screen
    page.goto(base + "/handlers/new/")
    for handler_type in HANDLER_TYPES.values():
        page.get_by_role("radio", name=str(handler_type.label), exact=True).check()
        expect(page.locator("#type-fields legend")).to_have_count(1)
        expect(page.locator("#type-fields legend")).to_contain_text(str(handler_type.label))
        accessible(page, f"new {handler_type.slug}")
    page.get_by_role("button", name="Create channel").click()
    expect(page.locator("#error-summary")).to_be_focused()
    accessible(page, "new, with errors")


def test_the_delete_dialog_is_accessible(screen, accessible) -> None:
    page, base, _server = screen
    page.goto(base + "/handlers/3/")
    page.get_by_role("link", name="Delete").click()
    expect(page.get_by_role("dialog")).to_be_visible()
    accessible(page, "delete dialog")


def test_the_members_page_with_several_members_is_accessible(screen, accessible) -> None:
    page, base, _server = screen
    make_member("vera", Role.VIEWER)
    make_member("eddie", Role.EDITOR)
    stopped = make_member("stopped-member", Role.VIEWER)
    stopped.is_active = False
    stopped.save(update_fields=["is_active"])
    make_member("a.very.long.username.without.spaces@example-organisation.com", Role.EDITOR)
    page.goto(base + "/members/")
    expect(page.get_by_role("button", name="Let sign in stopped-member")).to_be_visible()
    expect(page.get_by_label("Role of eddie")).to_be_visible()
    accessible(page, "/members/ with several members")


@pytest.mark.parametrize("width", list(WIDTHS))
def test_an_erasing_server_and_a_damaged_channel_are_accessible(
    member_page, live_server, sandbox, accessible, width: str
) -> None:
    from handlers_admin import server_profile

    server = sandbox(update="erases", checked=False)
    server.app.store.update(3, {"type": None, "settings": {"": ""}})
    server_profile.self_check()
    page = member_page(Role.ADMIN)
    page.set_viewport_size(WIDTHS[width])
    for path in ("/handlers/", "/handlers/?condition=damaged", "/handlers/3/", "/overview/", "/connection/"):
        page.goto(live_server.url + path)
        accessible(page, path)
