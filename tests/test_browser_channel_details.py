"""Labels, owner and notes in a real browser: the channel page's form swapped in by htmx, the table's filter and
the selection's changes, each page accessible."""

import pytest
from playwright.sync_api import expect

from handlers_admin.roles import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_channels_details_are_saved_in_place_and_found_in_the_table(
    member_page, live_server, sandbox, accessible
) -> None:
    sandbox()
    page = member_page(Role.EDITOR)
    page.goto(live_server.url + "/handlers/3/")
    page.get_by_text("Change the labels, owner or notes").click()
    page.get_by_label("Labels", exact=True).fill("Billing, eu")
    page.get_by_label("Owner", exact=True).fill("nobody")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("#channel-details .errorlist")).to_contain_text("No member is called “nobody”.")
    expect(page.get_by_label("Owner", exact=True)).to_have_value("nobody")
    accessible(page, "the details form with an error")
    page.get_by_label("Owner", exact=True).fill("pat")
    page.get_by_label("Notes", exact=True).fill("Runbook: https://wiki.example.com/ops\n<b>not bold</b>")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("#messages")).to_contain_text("The labels, owner and notes were saved.")
    expect(page.get_by_role("link", name="Billing", exact=True)).to_be_visible()
    expect(page.locator("#history")).to_contain_text("Labels: — → Billing, eu")
    link = page.get_by_role("link", name="https://wiki.example.com/ops")
    expect(link).to_have_attribute("rel", "noopener nofollow")
    expect(page.locator("#channel-details dd.notes")).to_contain_text("<b>not bold</b>")
    expect(page.locator("#details-save")).to_be_focused()
    accessible(page, "the channel page with its details")

    page.goto(live_server.url + "/handlers/?label=BILLING")
    rows = page.locator("#handler-table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first.locator(".row-details")).to_contain_text("Billing")
    expect(rows.first.locator(".row-details")).to_contain_text("Owner: pat")
    page.get_by_role("link", name="My channels").click()
    expect(page).to_have_url(live_server.url + "/handlers/?owner=pat")
    expect(page.get_by_label("Owner", exact=True)).to_have_value("pat")
    expect(rows).to_have_count(1)


def test_a_selection_gets_a_label_and_an_owner_at_once(member_page, live_server, sandbox, accessible) -> None:
    sandbox()
    page = member_page(Role.EDITOR)
    page.goto(live_server.url + "/handlers/?type=slack")
    boxes = page.locator("#handler-table tbody input.select")
    for index in range(3):
        boxes.nth(index).check()
    expect(page.locator("#selection-bar strong")).to_contain_text("3 channels selected")
    page.get_by_text("Labels and owner of the selected").click()
    accessible(page, "the selection's labels and owner")
    page.get_by_label("Add the label").fill("team-chat")
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.locator("#messages")).to_contain_text("The label “team-chat” was added to 3 channels.")
    expect(page).to_have_url(live_server.url + "/handlers/?type=slack")
    expect(page.locator("#handler-table .tag", has_text="team-chat")).to_have_count(3)
    page.get_by_text("Labels and owner of the selected").click()
    page.get_by_label("New owner").fill("pat")
    page.get_by_role("button", name="Set the owner").click()
    expect(page.locator("#messages")).to_contain_text("The owner of 3 channels is now pat.")
    page.goto(live_server.url + "/handlers/?owner=pat&label=TEAM-CHAT")
    expect(page.locator("#handler-table tbody tr")).to_have_count(3)
