"""What each page and action costs in calls to the product: looking costs none while the mirror is fresh."""

import time
from datetime import timedelta

import responses
from django.test import Client
from django.utils import timezone

from handlers_admin.models import MirroredHandler, MirrorRefresh
from tests.api import HTMX, LIST_URL, SECRETS, handler_json, one_url, page_json, sent_fields
from tests.helpers import run_queued_tasks

SLACK = handler_json(id=4, name="Ops Slack", type="slack", settings=SECRETS["slack"])


def test_a_channels_page_its_delete_dialog_and_its_duplicate_cost_no_call(
    api: responses.RequestsMock, mirrored, admin_client: Client
) -> None:
    mirrored(SLACK)
    page = admin_client.get("/handlers/4/")
    assert page.status_code == 200 and "Ops Slack" in page.text and "Last read from the product" in page.text
    assert SECRETS["slack"]["slack"] not in page.text
    assert admin_client.get("/handlers/4/delete/", headers=HTMX).status_code == 200
    assert admin_client.get("/handlers/4/duplicate/").status_code == 200
    assert len(api.calls) == 0 and run_queued_tasks() == []


def test_an_old_copy_is_shown_at_once_and_the_worker_refreshes_the_whole_copy_in_one_call(
    api: responses.RequestsMock, mirrored, viewer_client: Client
) -> None:
    mirrored(SLACK, handler_json(id=5, name="Night shift"))
    MirroredHandler.objects.update(fetched=timezone.now() - timedelta(minutes=10))
    assert "Ops Slack" in viewer_client.get("/handlers/4/").text
    viewer_client.get("/handlers/5/")
    assert len(api.calls) == 0
    api.get(LIST_URL, json=page_json([SLACK | {"name": "Ops Slack (renamed)"}, handler_json(id=5, name="Day shift")]))
    # Both pages asked; one refresh of the whole copy answers them both.
    assert run_queued_tasks() == ["refresh_mirror"]
    assert len(api.calls) == 1
    assert sorted(MirroredHandler.objects.values_list("name", flat=True)) == ["Day shift", "Ops Slack (renamed)"]


def test_in_an_account_of_more_than_a_thousand_channels_the_worker_refreshes_that_channel_alone(
    api: responses.RequestsMock, mirrored, viewer_client: Client
) -> None:
    mirrored(SLACK)
    MirrorRefresh.objects.update(calls=3)
    MirroredHandler.objects.update(fetched=timezone.now() - timedelta(minutes=10))
    assert "Ops Slack" in viewer_client.get("/handlers/4/").text
    api.get(one_url(4), json={"data": SLACK | {"name": "Ops Slack (renamed)"}})
    assert run_queued_tasks() == ["refresh_mirror"]
    assert len(api.calls) == 1 and MirroredHandler.objects.get(id=4).name == "Ops Slack (renamed)"


def test_an_edit_costs_one_call_to_open_and_one_to_save_when_the_answer_is_the_channel(
    api: responses.RequestsMock, mirrored, editor_client: Client
) -> None:
    mirrored(SLACK)
    api.get(one_url(4), json={"data": SLACK})
    opened = editor_client.get("/handlers/4/edit/").text
    assert len(api.calls) == 1 and SECRETS["slack"]["slack"] not in opened
    kept = opened.split('name="edit_read" value="')[1].split('"')[0]
    api.post(one_url(4), json={"data": SLACK | {"id": "4", "name": "Ops"}})
    saved = editor_client.post("/handlers/4/edit/", {"name": "Ops", "type": "slack", "slack": "", "edit_read": kept})
    assert saved.status_code == 302 and [c.request.method for c in api.calls] == ["GET", "POST"]
    # The kept secret came from the read the form was opened with.
    assert sent_fields(api.calls[1].request)["slack"] == SECRETS["slack"]["slack"]


def test_an_edit_save_costs_two_calls_when_the_answer_is_only_the_id(
    api: responses.RequestsMock, mirrored, editor_client: Client
) -> None:
    mirrored(SLACK)
    api.get(one_url(4), json={"data": SLACK})
    kept = editor_client.get("/handlers/4/edit/").text.split('name="edit_read" value="')[1].split('"')[0]
    api.post(one_url(4), json={"data": {"id": 4}})
    api.get(one_url(4), json={"data": SLACK | {"name": "Ops"}})
    editor_client.post("/handlers/4/edit/", {"name": "Ops", "type": "slack", "slack": "", "edit_read": kept})
    assert [c.request.method for c in api.calls] == ["GET", "POST", "GET"]


def test_a_delete_costs_one_call(api: responses.RequestsMock, mirrored, admin_client: Client) -> None:
    mirrored(SLACK)
    api.delete(one_url(4), body="")
    assert admin_client.post("/handlers/4/delete/").status_code == 302
    assert [c.request.method for c in api.calls] == ["DELETE"]


def test_a_table_page_with_a_copy_never_waits_on_a_slow_product(
    api: responses.RequestsMock, mirrored, viewer_client: Client, settings
) -> None:
    settings.API_TIMEOUT = 1.0

    def slow(request):
        time.sleep(3)
        return 200, {}, "{}"

    api.add_callback(responses.GET, LIST_URL, callback=slow)
    mirrored(SLACK)
    MirrorRefresh.objects.update(finished=timezone.now() - timedelta(minutes=10))
    started = time.monotonic()
    page = viewer_client.get("/handlers/")
    assert time.monotonic() - started < settings.API_TIMEOUT + 0.5
    assert "Ops Slack" in page.text and "10 minutes ago" in page.text and len(api.calls) == 0
    # The worker does the refresh the page asked for, however long it takes.
    api.remove(responses.GET, LIST_URL)
    api.get(LIST_URL, json=page_json([SLACK | {"name": "Ops Slack, refreshed"}]))
    assert run_queued_tasks() == ["refresh_mirror"]
    assert MirroredHandler.objects.get(id=4).name == "Ops Slack, refreshed"
