import re

import pytest
from playwright.sync_api import expect

from handlers_admin.roles import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_chart_bar_opens_the_table_with_its_filter_shown(member_page, live_server, sandbox) -> None:
    sandbox(variant="basic")
    page = member_page(Role.VIEWER)
    page.goto(f"{live_server.url}/overview/")
    chart = page.get_by_role("figure", name="Last activity")
    expect(chart).to_be_visible()
    bars = page.locator(".bars meter")
    expect(bars).to_have_count(7)
    values = bars.evaluate_all("els => els.map(e => [e.value, e.max])")
    assert max(value for value, _most in values) == values[0][1] and any(value > 0 for value, _most in values)
    sizes = page.locator(".bar-label").evaluate_all("els => els.map(e => parseFloat(getComputedStyle(e).fontSize))")
    assert min(sizes) >= 12

    idle = page.locator(".bars a", has_text="Inactive for 90+ days")
    count = int(idle.locator(".bar-count").text_content())
    idle.click()
    expect(page).to_have_url(re.compile(r"/handlers/\?activity=idle90d$"))
    expect(page.get_by_label("Last activity")).to_have_value("idle90d")
    expect(page.locator("#table-caption")).to_have_text(f"Channels 1–{min(count, 25)} of {count}")
