import json
import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from handlers_admin.models import Job
from handlers_admin.roles import Role
from tests.receiver import Receiver, Reply

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROWS = [
    ("Ops Slack", "slack", {"slack": "https://hooks.slack.com/services/T1/B1/alive"}),
    ("Archived Slack", "slack", {"slack": "https://hooks.slack.com/services/T2/B2/dead"}),
    ("Night Discord", "discord", {"discord": "https://discord.com/api/webhooks/3/gone"}),
    ("CEO's phone", "twilio", {"twilio": "+14155552671"}),
    ("In the product", "internal_notification", {}),
]


def test_check_all_channels_then_find_the_broken_ones_and_read_why(
    member_page, live_server, sandbox, receiver: Receiver, accessible
) -> None:
    server = sandbox(seed=False)
    server.app.store.replace_all(
        {"type": kind, "name": name, "settings": values, "is_enabled": 1, "datetime": "2026-01-01 00:00:00"}
        for name, kind, values in ROWS
    )
    receiver.status, receiver.body = 400, b"no_text"
    receiver.routes["/services/T2/B2/dead"] = Reply(410, b"channel_is_archived")
    receiver.routes["/api/webhooks/3/gone"] = Reply(404, json.dumps({"message": "Unknown Webhook"}).encode())

    page = member_page(Role.EDITOR, username="ops")
    page.goto(f"{live_server.url}/handlers/")
    page.get_by_role("button", name="Check all channels").click()
    expect(page).to_have_url(re.compile(r"/jobs/\d+/$"))
    # The worker runs here (it must have the main thread); the page polls its progress meanwhile.
    call_command("run_worker", batch=True, verbosity=0)
    expect(page.locator("#job-progress progress")).to_have_attribute("value", str(len(ROWS)), timeout=10_000)
    expect(page.locator("#progress-title")).to_have_text("Finished")
    assert Job.objects.get().kind == Job.Kind.CHECK
    accessible(page, "a finished check of every channel")

    page.goto(f"{live_server.url}/handlers/")
    page.get_by_label("Health").select_option("broken")
    expect(page).to_have_url(re.compile(r"health=broken"))
    rows = page.locator("#handler-table tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.filter(has_text="Archived Slack")).to_have_count(1)
    expect(rows.filter(has_text="Night Discord")).to_have_count(1)

    page.get_by_role("link", name="Archived Slack").click()
    health = page.locator("#health")
    expect(health).to_contain_text("Broken")
    expect(health).to_contain_text("Slack says the channel was archived.")
    accessible(page, "a broken channel's page")
    # Nothing reached anyone: Slack was only posted empty objects, Discord only read.
    assert {request["body"] for request in receiver.requests if request["method"] == "POST"} == {b"{}"}
