import re

import pytest
from playwright.sync_api import expect

from handlers_admin.roles import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_chart_renders_and_a_bucket_opens_the_filtered_table(member_page, live_server, sandbox) -> None:
    sandbox()
    page = member_page(Role.VIEWER)
    page.goto(f"{live_server.url}/overview/")
    chart = page.get_by_role("figure", name="When handlers were last used")
    expect(chart).to_be_visible()
    bars = page.locator("svg.chart rect.bar")
    expect(bars).to_have_count(6)
    widths = bars.evaluate_all("els => els.map(e => e.getBBox().width)")
    assert max(widths) == pytest.approx(360) and any(w > 0 for w in widths)

    week = page.locator("svg.chart a", has_text="1–7 days")
    count = int(week.locator("text").nth(1).text_content())
    week.get_by_text("1–7 days").click()
    expect(page).to_have_url(re.compile(r"/handlers/\?datetime_field=last_datetime&datetime_start=.+&datetime_end=.+"))
    if count:
        expect(page.get_by_text(re.compile(rf"^1–{min(count, 25)} of {count}"))).to_be_visible()
    else:
        expect(page.get_by_text("No handler matches these filters.")).to_be_visible()
    expect(page.get_by_label("Dates of")).to_have_value("last_datetime")
