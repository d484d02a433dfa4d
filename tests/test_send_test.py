"""Sending a test message: each service's request, the guard against the panel's own network, limits."""

import json

import pytest
import responses
from django.core.checks.registry import registry
from django.test import Client

from handlers_admin.checks import check_test_send_settings
from handlers_admin.handler_types import HANDLER_TYPES
from handlers_admin.models import AuditEntry
from handlers_admin.send_test import request_for, send
from handlers_admin.words import describe_test
from tests.api import HTMX, VALID, handler_json, one_url
from tests.receiver import Receiver


def sent_json(receiver: Receiver) -> dict:
    return json.loads(receiver.requests[-1]["body"])


URLS = {
    "slack": ("https://hooks.slack.com/services/T1/B1/abc", "/services/T1/B1/abc", "text"),
    "discord": ("https://discord.com/api/webhooks/1/abc", "/api/webhooks/1/abc", "content"),
    "microsoft_teams": ("https://contoso.webhook.office.com/webhookb2/abc", "/webhookb2/abc", "text"),
    "google_chat": (
        "https://chat.googleapis.com/v1/spaces/A/messages?key=k&token=t", "/v1/spaces/A/messages?key=k&token=t", "text"
    ),
    "webhook": ("https://example.com/hooks/alerts", "/hooks/alerts", "text"),
}  # fmt: skip


@pytest.mark.parametrize("slug", list(URLS))
def test_each_service_gets_its_own_message_format(receiver: Receiver, slug: str) -> None:
    url, path, key = URLS[slug]
    handler_type = HANDLER_TYPES[slug]
    address, body = request_for(handler_type, {slug: url}, text="A test", member="eddie")
    result = send(handler_type, address, body)
    assert result.delivered and "Delivered" in result.text and "answered 200" in result.text
    sent = receiver.requests[-1]
    assert sent["path"] == path and sent["headers"]["Host"] == url.split("/")[2]
    assert sent["headers"]["Content-Type"] == "application/json"
    assert sent_json(receiver)[key] == "A test"


def test_telegram_gets_send_message_with_the_token_in_its_path(receiver: Receiver) -> None:
    token = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
    handler_type = HANDLER_TYPES["telegram"]
    address, body = request_for(handler_type, {"telegram": token, "telegram_chat_id": "-100123"}, text="Hi", member="m")
    assert send(handler_type, address, body).delivered
    assert receiver.requests[-1]["path"] == f"/bot{token}/sendMessage"
    assert receiver.requests[-1]["headers"]["Host"] == "api.telegram.org"
    assert sent_json(receiver) == {"chat_id": "-100123", "text": "Hi"}


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1", "10.0.0.1", "169.254.169.254", "100.64.0.1", "::1", "::ffff:127.0.0.1", "64:ff9b::7f00:1",
        "192.168.1.10", "172.16.0.5", "0.0.0.0", "224.0.0.1", "fd00::1", "fe80::1", "2002:7f00:1::1",
    ],
)  # fmt: skip
def test_the_guard_refuses_every_internal_address(receiver: Receiver, settings, address: str) -> None:
    settings.TEST_SEND_RESOLVER = {"inside.example": [address]}
    result = send(HANDLER_TYPES["webhook"], "https://inside.example/hook", {"text": "x"})
    assert not result.delivered and "private network" in result.text
    host = f"[{address}]" if ":" in address else address
    literal = send(HANDLER_TYPES["webhook"], f"https://{host}/hook", {"text": "x"})
    assert not literal.delivered and "private network" in literal.text
    assert receiver.requests == []


def test_one_internal_address_among_public_ones_is_enough_to_refuse(receiver: Receiver, settings) -> None:
    settings.TEST_SEND_RESOLVER = {"mixed.example": ["93.184.216.34", "10.1.2.3"]}
    assert "private network" in send(HANDLER_TYPES["webhook"], "https://mixed.example/", {}).text
    assert receiver.requests == []


def test_a_redirect_is_not_followed(receiver: Receiver) -> None:
    receiver.status, receiver.headers = 302, {"Location": "http://10.0.0.1/metadata"}
    result = send(HANDLER_TYPES["webhook"], "https://example.com/hook", {"text": "x"})
    assert not result.delivered and "does not follow redirects" in result.text and len(receiver.requests) == 1


@pytest.mark.parametrize(
    ("slug", "url", "words"),
    [
        ("slack", "http://hooks.slack.com/services/T/B/x", "Only https://"),
        ("slack", "https://hooks.slack.com.evil.example/services/x", "not a Slack address"),
        ("discord", "https://example.com/api/webhooks/1/x", "not a Discord address"),
        ("webhook", "http://example.com/hook", "Only https://"),
    ],
)
def test_the_scheme_and_the_host_must_fit_the_type(receiver: Receiver, slug: str, url: str, words: str) -> None:
    result = send(HANDLER_TYPES[slug], url, {})
    assert not result.delivered and words in result.text and receiver.requests == []


def test_a_webhook_may_use_http_when_allowed(receiver: Receiver, settings) -> None:
    settings.TEST_SEND_ALLOW_HTTP = True
    assert send(HANDLER_TYPES["webhook"], "http://example.com/hook", {}).delivered
    assert not send(HANDLER_TYPES["slack"], "http://hooks.slack.com/services/x", {}).delivered


def test_an_unknown_name_is_said_plainly(receiver: Receiver) -> None:
    result = send(HANDLER_TYPES["webhook"], "https://nowhere.example/hook", {})
    assert not result.delivered and "could not be found" in result.text


def test_a_slow_service_times_out(receiver: Receiver, settings) -> None:
    settings.TEST_SEND_TIMEOUT = 0.3
    receiver.delay = 1.0
    result = send(HANDLER_TYPES["webhook"], "https://example.com/hook", {})
    assert not result.delivered and "Timed out after 0.3 s" in result.text


def test_at_most_64_kb_of_an_answer_is_read(receiver: Receiver) -> None:
    receiver.body = b"x" * (1024 * 1024)
    result = send(HANDLER_TYPES["webhook"], "https://example.com/hook", {})
    assert result.delivered and result.answer_bytes == 64 * 1024


@pytest.mark.parametrize(
    ("status", "words"),
    [(404, "no longer exists (404)"), (401, "not valid (401)"), (500, "problem on its side (500)"), (400, "(400)")],
)
def test_failures_are_said_in_plain_words_without_the_body(receiver: Receiver, status: int, words: str) -> None:
    receiver.status, receiver.body = status, b"SECRET-BODY"
    result = send(HANDLER_TYPES["slack"], URLS["slack"][0], {})
    assert not result.delivered and words in result.text and "Slack" in result.text and "SECRET" not in result.text


def test_from_a_handlers_page_the_stored_settings_are_used(
    receiver: Receiver, api: responses.RequestsMock, editor_client: Client
) -> None:
    slack = "https://hooks.slack.com/services/T1/B1/STORED-SECRET"
    api.get(one_url(4), json={"data": handler_json(id=4, name="Ops", type="slack", settings={"slack": slack})})
    response = editor_client.post("/handlers/4/test/", headers=HTMX)
    assert "Delivered" in response.text and "STORED-SECRET" not in response.text
    assert receiver.requests[-1]["path"] == "/services/T1/B1/STORED-SECRET"
    assert "Ops" in sent_json(receiver)["text"] and "eddie" in sent_json(receiver)["text"]
    entry = AuditEntry.objects.get(action="test")
    assert entry.outcome == "done" and entry.handler_id == 4
    assert "STORED-SECRET" not in entry.message + json.dumps(entry.changes)


def test_from_a_form_the_typed_values_are_used_and_a_blank_secret_on_edit_is_the_stored_one(
    receiver: Receiver, api: responses.RequestsMock, editor_client: Client
) -> None:
    typed = {"name": "New", "type": "discord", "discord": "https://discord.com/api/webhooks/9/TYPED"}
    assert "Delivered" in editor_client.post("/handlers/test/", typed, headers=HTMX).text
    assert receiver.requests[-1]["path"] == "/api/webhooks/9/TYPED"
    stored = "https://hooks.slack.com/services/T1/B1/KEPT"
    api.get(one_url(4), json={"data": handler_json(id=4, type="slack", settings={"slack": stored})})
    editing = {"handler": "4", "name": "Ops", "type": "slack", "slack": ""}
    assert "Delivered" in editor_client.post("/handlers/test/", editing, headers=HTMX).text
    assert receiver.requests[-1]["path"] == "/services/T1/B1/KEPT"


def test_types_the_product_sends_itself_say_why(editor_client: Client, receiver: Receiver) -> None:
    response = editor_client.post("/handlers/test/", {"name": "Mail", "type": "email"} | VALID["email"], headers=HTMX)
    assert "The product sends these itself" in response.text and receiver.requests == []


def test_each_member_has_an_hourly_limit(receiver: Receiver, editor_client: Client, settings) -> None:
    settings.TEST_SEND_PER_HOUR = 2
    typed = {"name": "New", "type": "discord", "discord": "https://discord.com/api/webhooks/9/x"}
    texts = [editor_client.post("/handlers/test/", typed, headers=HTMX).text for _ in range(3)]
    assert "Delivered" in texts[0] and "Delivered" in texts[1]
    assert "2 tests this hour" in texts[2] and len(receiver.requests) == 2


def test_viewers_cannot_send_tests(viewer_client: Client, receiver: Receiver) -> None:
    assert viewer_client.post("/handlers/test/", {"type": "webhook"}, headers=HTMX).status_code == 403
    assert viewer_client.post("/handlers/4/test/", headers=HTMX).status_code == 403
    assert receiver.requests == []


def test_check_deploy_warns_when_tests_go_to_a_local_receiver(settings) -> None:
    assert check_test_send_settings in registry.get_checks(include_deployment_checks=True)
    assert check_test_send_settings() == []
    settings.TEST_SEND_RECEIVER = "http://127.0.0.1:9"
    assert [warning.id for warning in check_test_send_settings()] == ["handlers_admin.W001"]


@pytest.mark.parametrize(
    ("url", "details"),
    [
        ("https://example.com/hook", {"code": "answered", "status": 500}),
        ("http://example.com/hook", {"code": "https_only"}),
        ("https://nowhere.example/hook", {"code": "name_not_found"}),
        ("https://127.0.0.1/hook", {"code": "internal_address"}),
    ],
)
def test_a_result_keeps_what_happened_and_says_it_in_words(receiver: Receiver, url: str, details: dict) -> None:
    receiver.status = 500
    result = send(HANDLER_TYPES["webhook"], url, {})
    assert result.details == details
    assert result.text == describe_test(details, "webhook")
    assert describe_test({"code": "answered", "status": 500}, "webhook") == (
        "Your server had a problem on its side (500). Try again later."
    )
    assert describe_test({"code": "answered", "status": 404}, "slack") == (
        "Slack says this address no longer exists (404)."
    )
