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
    bars = page.locator("svg.chart rect.bar")
    expect(bars).to_have_count(7)
    widths = bars.evaluate_all("els => els.map(e => e.getBBox().width)")
    assert max(widths) == pytest.approx(270) and any(w > 0 for w in widths)

    idle = page.locator("svg.chart a", has_text="Inactive for 90+ days")
    count = int(idle.locator("text").nth(1).text_content())
    idle.get_by_text("Inactive for 90+ days").click()
    expect(page).to_have_url(re.compile(r"/handlers/\?activity=idle90d$"))
    expect(page.get_by_label("Last activity")).to_have_value("idle90d")
    expect(page.locator("#table-caption")).to_have_text(f"Handlers 1–{min(count, 25)} of {count}")
