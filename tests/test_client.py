import logging
import socket
from datetime import UTC, datetime

import pytest
import requests
import responses
from django.conf import settings
from django.core.cache import cache
from django.test import override_settings
from responses import matchers

from handlers_admin import budget
from handlers_admin.api import (
    ApiClient,
    ApiError,
    BadAnswer,
    Handler,
    NotAnApi,
    NotConfigured,
    NotFound,
    NotSent,
    OutcomeUnknown,
    RateLimited,
    Refused,
    ServerFault,
    State,
    Unreachable,
    api_client,
)
from handlers_admin.api import client as client_module
from tests.api import CREATE_URL, LIST_URL, handler_json, one_url, page_json, sent_fields

KEY = settings.API_KEY
DOC_EXAMPLE = b"""{
    "data": [
        {
            "id": 1,
            "type": "email",
            "name": "Work email",
            "settings": {
                "email": "hey@example.com"
            },
            "is_enabled": true,
            "last_datetime": null,
            "datetime": "2025-12-05 15:32:34"
        }
    ],
    "meta": {"page": 1, "results_per_page": 25, "total": 1, "total_pages": 1},
    "links": {"first": "https://x/api/notification-handlers?page=1", "last": "https://x/api/notification-handlers?page=1",
              "next": null, "prev": null, "self": "https://x/api/notification-handlers?page=1"}
}"""


def test_list_reads_the_documented_answer(api: responses.RequestsMock) -> None:
    api.get(
        LIST_URL,
        body=DOC_EXAMPLE,
        content_type="application/json",
        match=[
            matchers.query_param_matcher({"page": "1", "results_per_page": "25"}),
            matchers.header_matcher({"Authorization": f"Bearer {KEY}"}),
        ],
    )
    page = api_client().list({"page": "1", "results_per_page": "25"})
    assert page.items == [
        Handler(
            1,
            "email",
            "Work email",
            {"email": "hey@example.com"},
            State.ON,
            datetime(2025, 12, 5, 15, 32, 34, tzinfo=UTC),
            None,
        )
    ]
    assert (page.page, page.per_page, page.total, page.total_pages) == (1, 25, 1, 1)
    assert (page.first_index, page.last_index) == (1, 1)


@pytest.mark.parametrize(
    ("raw", "state"),
    [(True, State.ON), (False, State.OFF), (0, State.OFF), (1, State.ON), (2, State.PENDING), ("1", State.ON)],
)
def test_is_enabled_is_read_as_bool_or_integer(api: responses.RequestsMock, raw: object, state: State) -> None:
    api.get(one_url(7), json={"data": handler_json(id=7, is_enabled=raw)})
    assert api_client().get(7).state == state


def test_server_variations_are_tolerated(api: responses.RequestsMock) -> None:
    api.get(
        one_url(7),
        json={
            "data": handler_json(
                id="7",
                type="telegram",
                settings='{"telegram": "123:abc", "telegram_chat_id": -100}',
                last_datetime="2026-01-02 03:04:05",
            )
        },
    )
    handler = api_client().get(7)
    assert handler.id == 7
    assert handler.settings == {"telegram": "123:abc", "telegram_chat_id": "-100"}
    assert handler.last_activity == datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def test_an_empty_settings_array_is_an_empty_object(api: responses.RequestsMock) -> None:
    api.get(one_url(3), json={"data": handler_json(id=3, type="internal_notification", settings=[])})
    assert api_client().get(3).settings == {}


def test_total_results_and_missing_total_pages_are_understood(api: responses.RequestsMock) -> None:
    api.get(LIST_URL, json={"data": [handler_json()], "meta": {"page": 2, "results_per_page": 10, "total_results": 31}})
    page = api_client().list({"page": "2", "results_per_page": "10"})
    assert (page.total, page.total_pages, page.first_index, page.last_index) == (31, 4, 11, 11)


def test_create_sends_the_documented_multipart_fields(api: responses.RequestsMock) -> None:
    api.post(CREATE_URL, json={"data": {"id": 42}}, status=201)
    saved = api_client().create({"name": "Example", "type": "email", "email": "hey@example.com"})
    assert saved.id == 42 and saved.handler is None
    request = api.calls[0].request
    assert request.headers["Content-Type"].startswith("multipart/form-data")
    assert sent_fields(request) == {"name": "Example", "type": "email", "email": "hey@example.com"}


def test_create_accepts_the_full_object_in_answer(api: responses.RequestsMock) -> None:
    api.post(CREATE_URL, json={"data": handler_json(id="43", is_enabled=2)}, status=201)
    saved = api_client().create({"name": "Work email", "type": "email", "email": "hey@example.com"})
    assert saved.id == 43 and saved.handler is not None and saved.handler.state == State.PENDING


@pytest.mark.parametrize(("enabled", "sent"), [(True, "1"), (False, "0")])
def test_update_sends_only_the_given_fields_and_is_enabled_as_an_integer(
    api: responses.RequestsMock, enabled: bool, sent: str
) -> None:
    api.post(one_url(5), json={"data": {"id": "5"}})
    saved = api_client().update(5, {"name": "New name", "is_enabled": enabled})
    assert saved.id == 5
    assert sent_fields(api.calls[0].request) == {"name": "New name", "is_enabled": sent}


def test_update_survives_an_empty_answer(api: responses.RequestsMock) -> None:
    api.post(one_url(5), body="")
    assert api_client().update(5, {"name": "x"}).id == 5


def test_delete_accepts_an_empty_body(api: responses.RequestsMock) -> None:
    api.delete(one_url(9), body="", status=200)
    assert api_client().delete(9) is None
    assert api.calls[0].request.method == "DELETE"


def test_every_call_has_the_timeout_and_bearer_header(api: responses.RequestsMock) -> None:
    api.get(one_url(1), json={"data": handler_json()})
    with override_settings(API_TIMEOUT=4.5):
        api_client().get(1)
    request = api.calls[0].request
    assert request.req_kwargs["timeout"] == (4.5, 4.5)
    assert request.headers["Authorization"] == f"Bearer {KEY}"


@pytest.mark.parametrize(
    ("status", "body", "content_type", "error", "text"),
    [
        (
            401,
            {"errors": [{"title": "You do not have access to the API.", "status": 401}]},
            "application/json",
            Refused,
            "You do not have access to the API.",
        ),
        (
            401,
            {"errors": [{"title": "The request is missing the Bearer Authentication header.", "status": "401"}]},
            "application/json",
            Refused,
            "missing the Bearer",
        ),
        (
            401,
            {"errors": [{"title": "You must fill all the required fields.", "status": 401}]},
            "application/json",
            Refused,
            "You must fill all the required fields.",
        ),
        (
            401,
            {"errors": [{"title": "Your have exceeded the limits of your current plan.", "status": 401}]},
            "application/json",
            Refused,
            "limits of your current plan",
        ),
        (
            404,
            {"errors": [{"title": "Not found", "status": 404}]},
            "application/json",
            NotFound,
            "may have been deleted",
        ),
        (404, "<html><body>404 Not Found</body></html>", "text/html", NotAnApi, "switched off"),
        (500, "<html><h1>Whoops</h1></html>", "text/html", ServerFault, "error 500"),
        (400, "", "text/plain", Refused, "no reason given"),
    ],
)
def test_errors_become_messages_a_person_can_act_on(
    api: responses.RequestsMock, status: int, body: object, content_type: str, error: type, text: str
) -> None:
    kwargs = {"json": body} if isinstance(body, dict) else {"body": body, "content_type": content_type}
    api.get(one_url(1), status=status, **kwargs)
    with pytest.raises(error) as caught:
        api_client().get(1)
    assert text in caught.value.message and caught.value.status == status


@pytest.mark.parametrize(
    "body",
    [
        b'{"data": {"id": 1, "type": "email", "datetime": "2026-01-01 00:00:00",}}',  # the documents' trailing comma
        b"<html>oops</html>",
        b'{"nothing": []}',
        b'{"data": {"id": "x", "type": "email"}}',
        b'{"data": {"id": 1, "type": "email", "is_enabled": 7}}',
        b'{"data": {"id": 1, "type": "email", "settings": "{broken"}}',
        b'{"data": {"id": 1, "type": "email", "datetime": "yesterday"}}',
    ],
)
def test_unreadable_answers_are_reported_as_upstream_faults(api: responses.RequestsMock, body: bytes) -> None:
    api.get(one_url(1), body=body, content_type="application/json")
    with pytest.raises(BadAnswer, match="cannot read"):
        api_client().get(1)


def test_a_list_that_is_not_a_list_is_an_upstream_fault(api: responses.RequestsMock) -> None:
    api.get(LIST_URL, json={"data": {"id": 1}, "meta": {}})
    with pytest.raises(BadAnswer):
        api_client().list({"page": "1", "results_per_page": "25"})


def test_unreachable_and_timeouts_say_so(api: responses.RequestsMock) -> None:
    api.get(one_url(1), body=requests.ConnectionError("refused"))
    api.get(one_url(2), body=requests.ReadTimeout("slow"))
    with pytest.raises(Unreachable, match="could not be reached"):
        api_client().get(1)
    with pytest.raises(Unreachable, match="did not answer within 10 seconds"):
        api_client().get(2)


def test_a_call_without_answer_is_one_log_line_with_the_host_and_what_to_check(
    api: responses.RequestsMock, caplog: pytest.LogCaptureFixture
) -> None:
    api.get(one_url(1), body=requests.ConnectionError("refused"))
    api.get(one_url(2), body=requests.ReadTimeout("slow"))
    with caplog.at_level(logging.WARNING, logger="handlers_admin.api.client"), pytest.raises(Unreachable):
        api_client().get(1)
    assert [record.getMessage() for record in caplog.records] == [
        "API GET /notification-handlers/1 at panel-tests.example got no answer: ConnectionError; "
        "check that it is up and that API_BASE_URL is right"
    ]
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="handlers_admin.api.client"), pytest.raises(Unreachable):
        api_client().get(2)
    assert [record.getMessage() for record in caplog.records] == [
        "API GET /notification-handlers/2 at panel-tests.example got no answer: ReadTimeout"
    ]


@override_settings(API_BASE_URL="", API_KEY="")
def test_a_missing_configuration_is_a_plain_error_and_a_log_line_with_directions(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with pytest.raises(NotConfigured, match="Ask an admin of the panel") as raised:
        api_client().list({"page": "1", "results_per_page": "25"})
    assert "API_BASE_URL" not in raised.value.message
    assert "API_BASE_URL or API_KEY is not set" in caplog.text


def test_reads_are_retried_on_gateway_errors(api: responses.RequestsMock, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("urllib3.util.retry.Retry.sleep", lambda self, response=None: None)
    api.get(one_url(1), status=503)
    api.get(one_url(1), status=502)
    api.get(one_url(1), json={"data": handler_json()})
    assert api_client().get(1).id == 1
    assert len(api.calls) == 3


@pytest.mark.parametrize("method", ["POST", "DELETE"])
def test_writes_are_never_retried(api: responses.RequestsMock, method: str) -> None:
    api.add(method, one_url(1), status=503)
    with pytest.raises(ServerFault):
        if method == "POST":
            api_client().update(1, {"name": "x"})
        else:
            api_client().delete(1)
    assert len(api.calls) == 1


def test_after_a_429_no_call_is_made_until_the_reset(
    api: responses.RequestsMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    moment = [1_000_000.0]
    monkeypatch.setattr(client_module.time, "time", lambda: moment[0])
    monkeypatch.setattr(budget.time, "time", lambda: moment[0])
    api.get(
        one_url(1),
        status=429,
        json={"errors": [{"title": "Too many", "status": 429}]},
        headers={"X-RateLimit-Limit": "60", "X-RateLimit-Reset": "37"},
    )
    with pytest.raises(RateLimited, match="37 seconds") as caught:
        api_client().get(1)
    assert caught.value.retry_after == 37

    moment[0] += 30
    with pytest.raises(RateLimited, match="7 seconds"):
        api_client().get(2)
    assert len(api.calls) == 1

    moment[0] += 8
    api.get(one_url(2), json={"data": handler_json(id=2)})
    assert api_client().get(2).id == 2
    assert len(api.calls) == 2


def test_list_all_fetches_every_page_at_1000(api: responses.RequestsMock) -> None:
    for number in (1, 2, 3):
        api.get(
            LIST_URL,
            json=page_json([handler_json(id=number)], page=number, per_page=1000, total=2500),
            match=[matchers.query_param_matcher({"page": str(number), "results_per_page": "1000"})],
        )
    assert [h.id for h in api_client().list_all()] == [1, 2, 3]
    assert len(api.calls) == 3


def test_one_session_serves_every_client() -> None:
    assert client_module.session() is client_module.session()
    assert ApiClient("https://a/api", "k").base_url == "https://a/api"


@pytest.mark.parametrize("status", [401, 404, 429, 500, 502])
def test_the_key_never_appears_in_errors_or_logs(
    api: responses.RequestsMock, status: int, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("urllib3.util.retry.Retry.sleep", lambda self, response=None: None)
    caplog.set_level(logging.DEBUG)
    # A hostile or careless server that echoes the key back must not get it onto the page.
    api.get(
        one_url(1),
        status=status,
        json={"errors": [{"title": f"Bad key {KEY}", "status": status}]},
        headers={"X-RateLimit-Reset": "5"},
    )
    api.get(one_url(2), body=requests.ConnectionError(f"failed with {KEY}"))
    for handler_id in (1, 2):
        with pytest.raises(ApiError) as caught:
            api_client().get(handler_id)
        assert KEY not in str(caught.value) and KEY not in caught.value.message
        cache.delete(budget.BLOCKED_KEY)
    assert KEY not in caplog.text


def test_the_list_sends_the_parameters_it_is_given(api: responses.RequestsMock) -> None:
    api.get(
        LIST_URL,
        json=page_json([]),
        match=[matchers.query_param_matcher({"page": "3", "results_per_page": "1000"})],
    )
    assert api_client().list({"page": "3", "results_per_page": "1000"}).items == []


def test_no_read_is_kept_so_no_secret_rests_in_the_cache(api: responses.RequestsMock) -> None:
    secret = "https://hooks.slack.com/services/T1/B1/NOT-IN-THE-CACHE"
    api.get(one_url(7), json={"data": handler_json(id=7, type="slack", settings={"slack": secret})})
    api_client().get(7)
    api_client().get(7)
    assert len(api.calls) == 2


@pytest.mark.parametrize(
    ("answer", "state", "settings"),
    [
        # 2025 servers: is_enabled a boolean, settings a JSON string, the id only.
        ({"is_enabled": True, "settings": '{"email": "a@example.com"}'}, State.ON, {"email": "a@example.com"}),
        # 2026 servers: is_enabled an integer (2 pending), the full object with user_id and a string id.
        (
            {"id": "7", "user_id": 3, "is_enabled": 2, "settings": {"email": "a@example.com", "email_is_confirmed": 0}},
            State.PENDING,
            {"email": "a@example.com", "email_is_confirmed": "0"},
        ),
        ({"is_enabled": 0, "settings": []}, State.OFF, {}),
    ],
)
def test_every_answer_shape_of_an_update_is_read(
    api: responses.RequestsMock, answer: dict, state: State, settings: dict
) -> None:
    api.post(one_url(7), json={"data": handler_json(id=7) | answer})
    saved = api_client().update(7, {"name": "x"})
    assert saved.id == 7 and saved.handler is not None
    assert saved.handler.state == state and saved.handler.settings == settings


def test_a_create_answering_only_the_id_is_read(api: responses.RequestsMock) -> None:
    api.post(CREATE_URL, json={"data": {"id": 44}}, status=201)
    saved = api_client().create({"name": "Work email", "type": "email", "email": "hey@example.com"})
    assert saved.id == 44 and saved.handler is None


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_refused_connection_is_not_sent(db) -> None:
    api = ApiClient(f"http://127.0.0.1:{closed_port()}/api", KEY, timeout=2)
    with pytest.raises(NotSent, match="nothing was changed"):
        api.update(1, {"name": "x"})


@pytest.mark.parametrize(
    "answer",
    [
        {"body": requests.ReadTimeout("slow")},
        {"body": requests.ConnectionError("Connection reset by peer")},
        {"status": 502, "body": "Bad gateway"},
        {"status": 504, "body": "Gateway timeout"},
    ],
)
@pytest.mark.parametrize("method", ["POST", "DELETE"])
def test_a_write_whose_answer_never_came_has_an_unknown_outcome(
    api: responses.RequestsMock, answer: dict, method: str
) -> None:
    api.add(method, one_url(1), **answer)
    with pytest.raises(OutcomeUnknown):
        api_client().update(1, {"name": "x"}) if method == "POST" else api_client().delete(1)
    assert len(api.calls) == 1


def test_a_server_error_on_a_write_is_a_refusal_not_an_unknown(api: responses.RequestsMock) -> None:
    api.post(one_url(1), status=500, body="<h1>Fatal</h1>")
    with pytest.raises(ServerFault):
        api_client().update(1, {"name": "x"})


def test_a_read_that_timed_out_is_unreachable_not_unknown(
    api: responses.RequestsMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("urllib3.util.retry.Retry.sleep", lambda self, response=None: None)
    api.get(one_url(1), body=requests.ReadTimeout("slow"))
    with pytest.raises(Unreachable) as caught:
        api_client().get(1)
    assert not isinstance(caught.value, OutcomeUnknown)
