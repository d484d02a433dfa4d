"""When the API answers after the panel's timeout, or not at all: the panel says what the server really did."""

import re
import socket

import pytest
import requests
import responses
from django.test import Client

from handlers_admin import mirror
from handlers_admin.models import AuditEntry
from sandbox.store import Filters
from tests.api import HTMX, SECRETS, handler_json, one_url
from tests.helpers import known_server, run_queued_tasks

LATE = "Done: the product answered late"
UNCONFIRMED = "We could not confirm whether this was saved"


@pytest.fixture
def late_api(sandbox, settings, db):
    """The sandbox, whose writes are made but answered after the panel stopped waiting."""
    server = sandbox()
    settings.API_TIMEOUT = 0.3
    mirror.refresh()
    server.app.write_delay = 1.0
    return server


def only_entry() -> AuditEntry:
    (entry,) = AuditEntry.objects.exclude(action__in=["sign_in", "sign_out"])
    return entry


def slack_id(server) -> int:
    rows, _total = server.app.store.search(Filters(type="slack"), 1, 1)
    return rows[0]["id"]


@pytest.mark.parametrize("with_htmx", [True, False])
def test_a_late_toggle_shows_what_the_server_did(late_api, editor_client: Client, with_htmx: bool) -> None:
    handler_id = slack_id(late_api)
    was_on = late_api.app.store.get(handler_id)["is_enabled"] != 0
    data = {} if was_on else {"enabled": "on"}
    response = editor_client.post(
        f"/handlers/{handler_id}/toggle/", data, headers=HTMX if with_htmx else {}, follow=not with_htmx
    )
    now_on = late_api.app.store.get(handler_id)["is_enabled"] != 0
    assert now_on is not was_on
    assert LATE in response.text
    if with_htmx:
        assert ("checked" in response.text.split("</form>")[0]) is now_on
    assert only_entry().outcome == "done"


def test_a_late_edit_is_reported_done(late_api, editor_client: Client) -> None:
    handler_id = slack_id(late_api)
    response = editor_client.post(
        f"/handlers/{handler_id}/edit/", {"name": "Renamed late", "type": "slack", "slack": ""}, follow=True
    )
    assert late_api.app.store.get(handler_id)["name"] == "Renamed late"
    assert LATE in response.text and only_entry().outcome == "done"


def test_a_late_create_is_found_and_never_made_twice(late_api, editor_client: Client) -> None:
    token = re.search(r'name="submit_token" value="([^"]+)"', editor_client.get("/handlers/new/").text)[1]
    fields = {"name": "Made late", "type": "slack", "slack": SECRETS["slack"]["slack"], "submit_token": token}
    response = editor_client.post("/handlers/new/", fields, follow=True)
    assert LATE in response.text and "Made late" in response.text
    entry = only_entry()
    assert entry.outcome == "done" and entry.handler_id
    again = editor_client.post("/handlers/new/", fields, follow=True)
    assert "already sent once" in again.text
    made, _total = late_api.app.store.search(Filters(search="Made late"), 1, 10)
    assert len(made) == 1 and made[0]["id"] == entry.handler_id


def test_a_late_delete_is_reported_done(late_api, admin_client: Client) -> None:
    handler_id = slack_id(late_api)
    response = admin_client.post(f"/handlers/{handler_id}/delete/", follow=True)
    assert late_api.app.store.get(handler_id) is None
    assert LATE in response.text and only_entry().outcome == "done"


def test_when_the_check_fails_too_nothing_false_is_said_and_the_next_refresh_settles_it(
    late_api, editor_client: Client
) -> None:
    handler_id = slack_id(late_api)
    late_api.app.failing_reads = True
    response = editor_client.post(f"/handlers/{handler_id}/toggle/", {}, headers=HTMX)
    assert UNCONFIRMED in response.text and "Not confirmed" in response.text
    assert only_entry().outcome == "unknown"
    late_api.app.failing_reads = False
    # The mirror was marked old: this page shows its copy at once and has the worker refresh it.
    editor_client.get("/handlers/")
    assert run_queued_tasks() == ["refresh_mirror"]
    assert only_entry().outcome == "done"


def test_a_create_whose_check_fails_keeps_its_token_claimed(late_api, editor_client: Client) -> None:
    token = re.search(r'name="submit_token" value="([^"]+)"', editor_client.get("/handlers/new/").text)[1]
    fields = {"name": "Unsure", "type": "slack", "slack": SECRETS["slack"]["slack"], "submit_token": token}
    late_api.app.failing_reads = True
    response = editor_client.post("/handlers/new/", fields)
    assert response.status_code == 200 and UNCONFIRMED in response.text
    assert SECRETS["slack"]["slack"] not in response.text and 'value="Unsure"' in response.text
    assert only_entry().outcome == "unknown"
    late_api.app.failing_reads = False
    late_api.app.write_delay = 0
    again = editor_client.post("/handlers/new/", fields, follow=True)
    made, _total = late_api.app.store.search(Filters(search="Unsure"), 1, 10)
    assert len(made) == 1 and "Unsure" in again.text and only_entry().outcome == "done"


FAILURES = {
    "500": {"status": 500, "body": "<h1>Fatal</h1>", "content_type": "text/html"},
    "502": {"status": 502, "body": "Bad gateway"},
    "504": {"status": 504, "body": "Gateway timeout"},
    "timeout": {"body": requests.ReadTimeout("slow")},
    "reset": {"body": requests.ConnectionError("Connection reset by peer")},
    "malformed": {"body": b'{"data": {', "content_type": "application/json"},
    "html 404": {"status": 404, "body": "<html>Not Found</html>", "content_type": "text/html"},
    "401": {"status": 401, "json": {"errors": [{"title": "You do not have access to the API.", "status": 401}]}},
    "429": {
        "status": 429,
        "json": {"errors": [{"title": "Too many", "status": 429}]},
        "headers": {"X-RateLimit-Reset": "9"},
    },
}


@pytest.mark.parametrize("failure", list(FAILURES))
def test_a_failed_read_during_a_save_keeps_what_was_typed(
    api: responses.RequestsMock, editor_client: Client, monkeypatch: pytest.MonkeyPatch, failure: str
) -> None:
    monkeypatch.setattr("urllib3.util.retry.Retry.sleep", lambda self, response=None: None)
    api.get(one_url(4), **FAILURES[failure])
    typed_secret = "https://hooks.slack.com/services/T9/B9/TYPED-SECRET-9999"
    response = editor_client.post("/handlers/4/edit/", {"name": "What I typed", "type": "slack", "slack": typed_secret})
    assert response.status_code == 200
    assert 'value="What I typed"' in response.text
    assert re.search(r'<input type="radio" name="type" value="slack"[^>]* checked', response.text)
    assert typed_secret not in response.text and "Type this again" in response.text
    assert 'class="alert error"' in response.text


def test_a_refused_save_keeps_what_was_typed_but_the_secrets(
    api: responses.RequestsMock, editor_client: Client
) -> None:
    api.get(one_url(4), json={"data": handler_json(id=4, type="slack", settings=SECRETS["slack"])})
    api.post(one_url(4), status=401, json={"errors": [{"title": "Your have exceeded the limits.", "status": 401}]})
    typed_secret = "https://hooks.slack.com/services/T9/B9/TYPED-SECRET-8888"
    response = editor_client.post("/handlers/4/edit/", {"name": "Kept", "type": "slack", "slack": typed_secret})
    assert response.status_code == 200 and "exceeded the limits" in response.text
    assert 'value="Kept"' in response.text and typed_secret not in response.text and "Type this again" in response.text


def test_a_change_that_never_reached_the_server_is_recorded_as_not_done(
    mirrored, editor_client: Client, settings
) -> None:
    mirrored(handler_json(id=5, name="Ops", type="slack", settings={"slack": "https://hooks.slack.com/x"}))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.API_BASE_URL = f"http://127.0.0.1:{port}/api"
    known_server()
    response = editor_client.post("/handlers/5/toggle/", {}, headers=HTMX)
    assert "nothing was changed" in response.text and "checked" in response.text.split("</form>")[0]
    entry = only_entry()
    assert entry.outcome == "not_done" and entry.handler_name == "Ops"
