import re

import pytest
from playwright.sync_api import Page, expect

from handlers_admin.roles import Role
from sandbox.store import Filters

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def open_table(member_page, live_server, role: Role = Role.EDITOR) -> Page:
    page = member_page(role)
    page.goto(f"{live_server.url}/handlers/")
    page.evaluate("window.stillTheSamePage = true")
    return page


def rows(page: Page):
    return page.locator("#handler-table tbody tr")


def test_page_search_filter_and_sort_without_reloads(member_page, live_server, sandbox) -> None:
    sandbox()
    page = open_table(member_page, live_server)
    expect(page.locator("#table-caption")).to_have_text("Channels 1–25 of 150")

    page.get_by_role("link", name="Next").click()
    expect(page.locator("#table-caption")).to_have_text("Channels 26–50 of 150")
    expect(page).to_have_url(re.compile(r"/handlers/\?page=2$"))

    page.get_by_label("Search by name").fill("Ops")
    expect(page).to_have_url(re.compile(r"search=Ops"))
    expect(page.locator("#table-caption")).not_to_have_text("Channels 26–50 of 150")
    names = rows(page).locator("td.name").all_inner_texts()
    assert names and all("ops" in name.lower() for name in names)

    page.get_by_label("Search by name").fill("")
    page.get_by_label("Type").select_option("slack")
    expect(page).to_have_url(re.compile(r"type=slack"))
    expect(rows(page).first).to_contain_text("Slack")
    assert set(rows(page).locator("td.type").all_inner_texts()) == {"S Slack"} or all(
        t.strip().endswith("Slack") for t in rows(page).locator("td.type").all_inner_texts()
    )

    page.get_by_label("Type").select_option("")
    expect(page.locator("#table-caption")).to_have_text("Channels 1–25 of 150")
    page.get_by_role("link", name="Last activity").click()
    expect(page).to_have_url(re.compile(r"order_by=last_datetime&order_type=DESC"))
    expect(page.locator("th[aria-sort=descending]")).to_contain_text("Last activity")
    times = rows(page).locator("td.activity time").evaluate_all("els => els.map(e => e.getAttribute('datetime'))")
    assert len(times) > 5 and times == sorted(times, reverse=True)

    assert page.evaluate("window.stillTheSamePage") is True


def test_a_switch_changes_the_sandbox_in_place(member_page, live_server, sandbox) -> None:
    server = sandbox()
    page = open_table(member_page, live_server)
    store = server.app.store
    first = rows(page).first
    handler_id = int(first.locator("td.id").inner_text())
    switch = first.get_by_role("switch")
    was_on = switch.is_checked()
    name = store.get(handler_id)["name"]
    expect(switch).to_have_accessible_name(f"Enabled: {name}")

    switch.click()
    expect(first.get_by_role("switch")).to_be_checked(checked=not was_on)
    expect(first.locator(".badge")).to_have_text("Off" if was_on else "On")
    assert store.get(handler_id)["is_enabled"] == (0 if was_on else 1)
    assert page.evaluate("window.stillTheSamePage") is True


def test_viewers_have_no_switches(member_page, live_server, sandbox) -> None:
    sandbox()
    page = open_table(member_page, live_server, Role.VIEWER)
    expect(rows(page).first).to_be_visible()
    expect(page.get_by_role("switch")).to_have_count(0)


@pytest.mark.browser_context_args(timezone_id="Europe/Berlin")
def test_times_follow_the_browsers_time_zone(member_page, live_server, sandbox) -> None:
    sandbox()
    page = open_table(member_page, live_server, Role.VIEWER)
    page.reload()
    title = rows(page).locator("td.created time").first.get_attribute("title")
    assert re.search(r" CES?T · .* UTC$", title), title


def test_the_basic_variant_searches_filters_sorts_and_pages(member_page, live_server, sandbox) -> None:
    server = sandbox(variant="basic")
    page = open_table(member_page, live_server, Role.VIEWER)
    expect(page.locator("#table-caption")).to_have_text("Channels 1–25 of 150")

    page.get_by_label("Search by name").fill("equipe")
    expect(page).to_have_url(re.compile(r"search=equipe"))
    names = rows(page).locator("td.name").all_inner_texts()
    assert names and all("équipe" in name.lower() or "equipe" in name.lower() for name in names)

    page.get_by_label("Search by name").fill("")
    page.get_by_label("Type").select_option("email")
    page.get_by_label("Status").select_option("2")
    expect(page).to_have_url(re.compile(r"type=email.*is_enabled=2|is_enabled=2.*type=email"))
    everything, _total = server.app.store.search(Filters(), page=1, per_page=1000)
    pending = [row for row in everything if row["type"] == "email" and row["is_enabled"] == 2]
    expect(rows(page)).to_have_count(min(len(pending), 25))
    assert set(rows(page).locator("td.status").all_inner_texts()) == {"Waiting for confirmation"}

    page.get_by_label("Type").select_option("")
    page.get_by_label("Status").select_option("")
    expect(page.locator("#table-caption")).to_have_text("Channels 1–25 of 150")
    page.get_by_role("link", name="Last activity").click()
    expect(page).to_have_url(re.compile(r"order_by=last_datetime&order_type=DESC"))
    times = rows(page).locator("td.activity time").evaluate_all("els => els.map(e => e.getAttribute('datetime'))")
    assert len(times) > 5 and times == sorted(times, reverse=True)

    page.get_by_role("link", name="Next").click()
    expect(page.locator("#table-caption")).to_have_text("Channels 26–50 of 150")
    assert page.evaluate("window.stillTheSamePage") is True


def test_on_an_erasing_server_the_switch_explains_why_and_links_to_the_product(
    member_page, live_server, sandbox
) -> None:
    from handlers_admin import server_profile

    server = sandbox(update="erases", checked=False)
    assert server_profile.self_check().update_check == "erases"
    page = open_table(member_page, live_server)
    expect(page.locator("#updates-refused")).to_contain_text("erases the channel")
    expect(page.get_by_role("switch")).to_have_count(0)
    first = rows(page).first
    name = first.locator("td.name a").inner_text()
    handler_id = first.locator("td.id").inner_text()
    link = first.get_by_role("link", name=re.compile(f"^Change in the product.*{re.escape(name)}$"))
    expect(link).to_have_attribute(
        "href", f"{server.url.removesuffix('/api')}/notification-handler-update/{handler_id}"
    )
    expect(link).to_have_attribute("aria-describedby", "updates-refused")


@pytest.mark.parametrize(
    ("label", "value", "in_url", "filters_set", "shown"),
    [
        ("Status", "0", "is_enabled=0", 1, re.compile(r"^Channels 1–\d+ of (?!150)\d+$")),
        ("Last activity", "never", "activity=never", 1, re.compile(r"^Channels 1–\d+ of (?!150)\d+$")),
        ("Per page", "10", "results_per_page=10", 0, re.compile(r"^Channels 1–10 of 150$")),
        ("Type", "slack", "type=slack", 1, re.compile(r"^Channels 1–\d+ of (?!150)\d+$")),
        ("Condition", "damaged", "condition=damaged", 1, None),
    ],
)
def test_each_dropdown_filter_applies_on_its_own(
    member_page, live_server, sandbox, label, value, in_url, filters_set, shown
) -> None:
    sandbox()
    page = open_table(member_page, live_server)
    page.get_by_label(label, exact=True).select_option(value)
    expect(page).to_have_url(re.compile(in_url))
    expect(page.locator("#filter-count")).to_have_text(f"Filters ({filters_set} set)")
    if shown:
        expect(page.locator("#table-caption")).to_have_text(shown)
    else:
        expect(page.locator("#handler-table")).to_contain_text("No channel matches these filters.")
    assert page.evaluate("window.stillTheSamePage") is True


@pytest.mark.parametrize(
    ("label", "typed", "in_url"),
    [
        ("Created from", "2026-06-01", "datetime_start=2026-06-01"),
        ("Created until", "2026-03-01", "datetime_end=2026-03-01"),
    ],
)
def test_each_date_filter_applies_on_its_own(member_page, live_server, sandbox, label, typed, in_url) -> None:
    sandbox()
    page = open_table(member_page, live_server)
    page.get_by_label(label).press_sequentially(typed)
    expect(page).to_have_url(re.compile(in_url))
    expect(page.locator("#filter-count")).to_have_text("Filters (1 set)")
    expect(page.locator("#table-caption")).not_to_have_text("Channels 1–25 of 150")


def test_select_all_matching_selects_exactly_the_count_it_names(member_page, live_server, sandbox) -> None:
    sandbox()
    page = open_table(member_page, live_server)
    page.get_by_label("Status", exact=True).select_option("1")
    expect(page).to_have_url(re.compile("is_enabled=1"))
    button = page.get_by_role("button", name=re.compile(r"^Select (all|the) \d+"))
    named = int(re.search(r"\d+", button.inner_text()).group())
    button.click()
    expect(page.locator("#selection-bar strong")).to_have_text(re.compile(rf"^{named} channels? selected$"))
