import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from handlers_admin.models import ChannelDetails, Job
from handlers_admin.roles import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_label_five_channels_filter_by_it_switch_them_off_and_undo_it(
    member_page, live_server, sandbox, settings, accessible
) -> None:
    server = sandbox()
    settings.API_RATE_LIMIT = 1000  # the job's pace is tested elsewhere; here it should finish quickly
    page = member_page(Role.EDITOR, username="ops")
    page.goto(f"{live_server.url}/handlers/?is_enabled=1")
    boxes = page.locator("#handler-table tbody input.select")
    for index in range(5):
        boxes.nth(index).check()
    expect(page.locator("#selection-bar strong")).to_have_text("5 channels selected")
    page.get_by_text("Labels and owner of the selected").click()
    page.get_by_label("Add the label").fill("Night-Cleanup")
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.locator("#messages")).to_contain_text("was added to 5 channels")

    # Found again by its label, in another case.
    page.goto(f"{live_server.url}/handlers/?label=night-cleanup")
    rows = page.locator("#handler-table tbody tr")
    expect(rows).to_have_count(5)
    labelled = set(
        ChannelDetails.objects.filter(labels__name__iexact="night-cleanup").values_list("channel", flat=True)
    )
    page.get_by_role("button", name=re.compile(r"Select all 5 matching these filters")).click()
    page.get_by_role("link", name="Switch off the selected").click()
    page.get_by_role("button", name="Switch off 5 channels").click()
    expect(page).to_have_url(re.compile(r"/jobs/\d+/$"))
    call_command("run_worker", batch=True, verbosity=0)
    expect(page.locator("#progress-title")).to_have_text("Finished", timeout=10_000)
    switch_off = Job.objects.get()
    switched = set(switch_off.items.values_list("handler_id", flat=True))
    assert len(switched) == 5 and switched <= labelled
    assert all(server.app.store.get(handler_id)["is_enabled"] == 0 for handler_id in switched)

    page.reload()
    page.get_by_role("link", name="Undo", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Switch 5 channels back on?")
    accessible(page, "the undo's confirmation")
    page.get_by_role("button", name="Switch 5 channels back on").click()
    expect(page).to_have_url(re.compile(r"/jobs/\d+/$"))
    call_command("run_worker", batch=True, verbosity=0)
    expect(page.locator("#progress-title")).to_have_text("Finished", timeout=10_000)
    undo = Job.objects.get(undoes=switch_off)
    assert undo.kind == Job.Kind.ENABLE
    assert all(server.app.store.get(handler_id)["is_enabled"] == 1 for handler_id in switched)
    expect(page.locator("main")).to_contain_text(f"#{switch_off.pk}")
