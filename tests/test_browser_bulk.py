import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from handlers_admin import jobs
from handlers_admin.models import Job
from handlers_admin.roles import Role
from sandbox.store import Filters

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_select_all_inactive_switch_them_off_and_follow_the_job(member_page, live_server, sandbox, settings) -> None:
    server = sandbox()
    settings.API_RATE_LIMIT = 1000  # the job's pace is tested elsewhere; here it should finish quickly
    page = member_page(Role.EDITOR, username="ops")
    page.goto(f"{live_server.url}/handlers/?activity=idle90d")
    caption = page.locator("#table-caption").inner_text()
    total = int(re.search(r"of (\d+)", caption)[1])
    page.get_by_role("button", name=re.compile(r"Select all \d+ matching these filters")).click()
    expect(page.locator("#selection-bar strong")).to_have_text(f"{total} channels selected")
    page.get_by_role("link", name="Switch off the selected").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Switch off: {total} channels?")
    page.get_by_role("button", name=f"Switch off {total} channels").click()
    expect(page).to_have_url(re.compile(r"/jobs/\d+/$"))

    progress = page.locator("#job-progress progress")
    expect(progress).to_have_attribute("value", "0")
    # The worker runs here (it must have the main thread); the page, served by the live server's thread,
    # polls its progress meanwhile.
    call_command("run_worker", batch=True, verbosity=0)
    expect(progress).to_have_attribute("value", str(total), timeout=10_000)
    expect(page.locator("#progress-title")).to_have_text("Finished")
    job = Job.objects.get()
    assert jobs.counts(job)["failed"] == 0 and jobs.counts(job)["done"] > 0
    rows, _total = server.app.store.search(Filters(is_enabled=1), page=1, per_page=1000)
    assert not {row["id"] for row in rows} & set(job.items.values_list("handler_id", flat=True))

    page.get_by_role("link", name="Audit", exact=True).click()
    page.get_by_label("Action").select_option("disable")
    expect(page.locator("#audit-table")).to_contain_text(f"(job #{job.pk})")
    expect(page.locator("#audit-table tbody tr").first).to_contain_text("ops")
