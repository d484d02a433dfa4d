"""Where ops see what the checks found: the table's Health column and filter, the overview's broken list, a
channel's last check with "Check now", and /healthz."""

import responses
from django.test import Client
from django.utils import timezone

from handlers_admin.models import Health, MirroredHandler
from tests.api import HTMX, handler_json, one_url
from tests.receiver import Receiver, Reply

SLACK_URL = "https://hooks.slack.com/services/T1/B1/SECRET-TOKEN"
DEAD = {"code": "refused", "status": 404, "reason": "no_service", "said": "no_service"}


def _found(handler_id: int, health: Health, details: dict) -> None:
    MirroredHandler.objects.filter(id=handler_id).update(
        health=health, health_details=details, health_checked=timezone.now()
    )


def _account(mirrored) -> None:
    mirrored(
        handler_json(id=1, name="Ops Slack", type="slack", settings={"slack": SLACK_URL}),
        handler_json(id=2, name="Night Discord", type="discord"),
        handler_json(id=3, name="Billing Slack", type="slack", settings={"slack": SLACK_URL}),
    )
    _found(1, Health.BROKEN, DEAD)
    _found(2, Health.BROKEN, {"code": "refused", "status": 404, "reason": "unknown_webhook", "said": "Unknown Webhook"})
    _found(3, Health.WORKING, {"code": "webhook_known"})


def test_the_table_filters_by_health_with_the_other_filters_and_shows_the_column(
    mirrored, viewer_client: Client
) -> None:
    _account(mirrored)
    page = viewer_client.get("/handlers/?health=broken&type=slack").text
    assert "Ops Slack" in page and "Night Discord" not in page and "Billing Slack" not in page
    assert '<span class="badge health-broken">Broken</span>' in page
    everything = viewer_client.get("/handlers/").text
    assert '<span class="badge health-working">Working</span>' in everything and ">Health<" in everything


def test_an_unknown_health_in_the_url_is_said_and_every_channel_shown(mirrored, viewer_client: Client) -> None:
    _account(mirrored)
    page = viewer_client.get("/handlers/?health=sickly").text
    assert "is not a finding of the checks, so every channel is shown" in page
    assert all(name in page for name in ("Ops Slack", "Night Discord", "Billing Slack"))


def test_the_overview_lists_the_broken_channels_with_the_services_words(mirrored, viewer_client: Client) -> None:
    _account(mirrored)
    page = viewer_client.get("/overview/").text
    broken = page[page.index('id="broken-title"') : page.index('id="stale-title"')]
    assert "Ops Slack" in broken and "Night Discord" in broken and "Billing Slack" not in broken
    assert "Unknown Webhook" in broken and "/handlers/?health=broken" in broken
    # A viewer may look, not start a check.
    assert "Check all channels" not in broken


def test_a_channels_page_shows_its_last_check(mirrored, viewer_client: Client) -> None:
    _account(mirrored)
    page = viewer_client.get("/handlers/1/").text
    health = page[page.index('id="health-title"') : page.index('id="history-title"')]
    assert "Broken" in health and "Slack says" in health and "Checked" in health
    assert "Check now" not in health and "SECRET-TOKEN" not in page


def test_check_now_reads_the_channel_once_asks_the_service_and_shows_what_it_found(
    api: responses.RequestsMock, mirrored, editor_client: Client, receiver: Receiver
) -> None:
    _account(mirrored)
    api.get(
        one_url(1), json={"data": handler_json(id=1, name="Ops Slack", type="slack", settings={"slack": SLACK_URL})}
    )
    receiver.routes["/services/T1/B1/SECRET-TOKEN"] = Reply(400, b"no_text")
    answer = editor_client.post("/handlers/1/check/", headers=HTMX)
    assert answer.status_code == 200 and len(api.calls) == 1
    assert '<span class="badge health-working">Working</span>' in answer.text and 'id="health"' in answer.text
    assert [request["body"] for request in receiver.requests] == [b"{}"]
    assert MirroredHandler.objects.get(id=1).health == Health.WORKING
    assert "SECRET-TOKEN" not in answer.text + str(MirroredHandler.objects.get(id=1).health_details)


def test_a_viewer_cannot_check_a_channel(api: responses.RequestsMock, mirrored, viewer_client: Client) -> None:
    _account(mirrored)
    assert viewer_client.post("/handlers/1/check/", headers=HTMX).status_code == 403 and len(api.calls) == 0


def test_healthz_counts_each_finding(mirrored, client: Client) -> None:
    _account(mirrored)
    counted = client.get("/healthz").json()["channel_health"]
    assert counted["broken"] == 2 and counted["working"] == 1 and sum(counted.values()) == 3
