import pytest
from playwright.sync_api import expect

from handlers_admin.roles import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_switch_turned_off_is_at_the_top_of_the_audit_trail(member_page, live_server, sandbox) -> None:
    store = sandbox().app.store
    page = member_page(Role.EDITOR, username="marie")
    page.goto(f"{live_server.url}/handlers/?is_enabled=1")
    row = page.locator("#handler-table tbody tr").first
    name = row.locator("td.name").inner_text()
    handler_id = int(row.locator("td.id").inner_text())
    switch = row.get_by_role("switch")
    expect(switch).to_be_checked()
    switch.click()
    # The box unticks at once in the browser; the badge changes only once the server has answered.
    expect(row.locator(".badge")).to_have_text("Off")
    expect(row.get_by_role("switch")).not_to_be_checked()
    assert store.get(handler_id)["is_enabled"] == 0

    page.get_by_role("link", name="Audit", exact=True).click()
    top = page.locator("#audit-table tbody tr").first
    expect(top).to_contain_text("marie")
    expect(top).to_contain_text("Switched off")
    expect(top).to_contain_text(name)
    expect(top).to_contain_text("Enabled: On → Off")
    expect(top).to_contain_text("Done")
