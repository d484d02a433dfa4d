import pytest
from playwright.sync_api import expect

from handlers_admin.roles import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_test_from_the_create_form_keeps_everything_typed(member_page, live_server, sandbox, receiver) -> None:
    sandbox()
    page = member_page(Role.EDITOR)
    page.goto(f"{live_server.url}/handlers/new/")
    page.get_by_label("Name", exact=True).fill("Deploys")
    page.get_by_role("radio", name="Discord").check()
    url = "https://discord.com/api/webhooks/123456/abcDEFtoken"
    page.get_by_label("Discord webhook URL").fill(url)
    page.get_by_role("button", name="Send a test").click()
    expect(page.get_by_text("Delivered (Discord answered 200).")).to_be_visible()
    expect(page.get_by_label("Name", exact=True)).to_have_value("Deploys")
    expect(page.get_by_label("Discord webhook URL")).to_have_value(url)
    assert receiver.requests[-1]["path"] == "/api/webhooks/123456/abcDEFtoken"
