"""What a keyboard user does, and where focus goes."""

import re

import pytest
from playwright.sync_api import Page, expect

from handlers_admin.roles import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def table(member_page, live_server, sandbox) -> Page:
    sandbox()
    page = member_page(Role.ADMIN)
    page.goto(f"{live_server.url}/handlers/")
    return page


def test_a_switch_keeps_focus_and_is_announced(table: Page) -> None:
    switch = table.locator("#handler-table input[role=switch]").first
    switch.focus()
    was_on = switch.is_checked()
    name = switch.get_attribute("aria-label").removeprefix("Enabled: ")
    table.keyboard.press("Space")
    expect(table.locator("#announcer")).to_have_text(f"“{name}” is now {'off' if was_on else 'on'}.")
    focused = table.locator("#handler-table input[role=switch]").first
    expect(focused).to_be_focused()
    assert focused.is_checked() is not was_on


def test_paging_and_sorting_take_focus_to_the_tables_caption(table: Page) -> None:
    table.get_by_role("link", name="Next").focus()
    table.keyboard.press("Enter")
    expect(table.locator("#table-caption")).to_have_text("Channels 26–50 of 150")
    expect(table.locator("#table-caption")).to_be_focused()
    table.get_by_role("link", name="Name").focus()
    table.keyboard.press("Enter")
    expect(table).to_have_url(re.compile("order_by=name"))
    expect(table.locator("#table-caption")).to_be_focused()


def test_the_delete_dialog_traps_focus_closes_on_escape_and_gives_focus_back(table: Page, live_server) -> None:
    table.goto(f"{live_server.url}/handlers/3/")
    opener = table.get_by_role("link", name="Delete")
    opener.focus()
    table.keyboard.press("Enter")
    dialog = table.get_by_role("dialog")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("link", name="Keep it")).to_be_focused()
    for _ in range(6):
        table.keyboard.press("Tab")
        assert table.evaluate("document.querySelector('dialog').contains(document.activeElement)")
    table.keyboard.press("Escape")
    expect(dialog).to_have_count(0)
    expect(opener).to_be_focused()


def test_a_half_typed_date_is_an_error_while_the_other_filters_apply(table: Page) -> None:
    table.get_by_label("Type").select_option("slack")
    table.get_by_label("Created from").fill("2026-0")
    expect(table.locator("#id_datetime_start_error")).to_contain_text("Enter a date like 2026-01-31.")
    types = table.locator("#handler-table tbody td.type").all_inner_texts()
    assert types and all(text.strip().endswith("Slack") for text in types)
    expect(table).to_have_url(re.compile("type=slack"))


def test_switching_off_a_whole_page_of_on_handlers_then_paging_skips_nothing(member_page, live_server, sandbox) -> None:
    sandbox()
    page = member_page(Role.EDITOR)
    page.goto(f"{live_server.url}/handlers/?is_enabled=1&results_per_page=10&order_by=name&order_type=ASC")
    ids = page.locator("#handler-table tbody td.id")
    first_page = ids.all_inner_texts()
    page.get_by_role("link", name="Next").click()
    expect(page.locator("#table-caption")).to_contain_text("Channels 11–20")
    second_page = ids.all_inner_texts()
    page.get_by_role("link", name="Previous").click()
    expect(page.locator("#table-caption")).to_contain_text("Channels 1–10")

    switches = page.locator("#handler-table input[role=switch]")
    for number in range(10):
        switches.nth(number).click()
        expect(page.locator("#handler-table tbody tr").nth(number)).to_contain_text("No longer matches the filters")
    assert ids.all_inner_texts() == first_page  # the switched rows stay where they were

    page.get_by_role("link", name="Next").click()
    expect(page).to_have_url(re.compile(r"page=2&.*shift=10"))
    expect(ids.first).to_have_text(second_page[0])
    assert ids.all_inner_texts() == second_page
