"""The sandbox against the published documents (shared/seeds) and API.md, over real HTTP."""

from datetime import UTC, datetime, timedelta

import pytest
import requests
from django.conf import settings

from handlers_admin.api import RateLimited, Refused, State, api_client
from handlers_admin.handler_types import HANDLER_TYPES
from sandbox.seed import SIZE
from sandbox.server import Quirks
from sandbox.store import Filters, Store

DOCUMENTED_KEYS = {"id", "type", "name", "settings", "is_enabled", "last_datetime", "datetime"}


def call(server, method: str, path: str = "", key: str | None = None, **kwargs) -> requests.Response:
    headers = {} if key == "" else {"Authorization": f"Bearer {key or settings.API_KEY}"}
    return requests.request(method, f"{server.url}/notification-handlers{path}", headers=headers, timeout=5, **kwargs)


def form(**fields: str) -> dict:
    return {"files": {k: (None, v) for k, v in fields.items()}}


def test_a_missing_bearer_header_is_refused_as_documented(sandbox) -> None:
    response = call(sandbox(), "GET", "/", key="")
    assert response.status_code == 401
    assert response.json() == {
        "errors": [{"title": "The request is missing the Bearer Authentication header.", "status": "401"}]
    }


def test_a_wrong_key_is_refused(sandbox) -> None:
    response = call(sandbox(), "GET", "/", key="not-the-key")
    assert response.status_code == 401
    assert response.json()["errors"][0]["title"] == "You do not have access to the API."


def test_the_list_has_the_documented_shape(sandbox) -> None:
    body = call(sandbox(), "GET", "/").json()
    assert set(body) == {"data", "meta", "links"}
    assert body["meta"] == {"page": 1, "results_per_page": 25, "total": SIZE, "total_pages": 6}
    assert set(body["links"]) == {"first", "last", "next", "prev", "self"}
    assert body["links"]["prev"] is None and body["links"]["next"].endswith("page=2")
    assert all(set(item) == DOCUMENTED_KEYS for item in body["data"])
    assert len(body["data"]) == 25


def test_the_seed_is_realistic(sandbox) -> None:
    sandbox()
    handlers = list(api_client().list_all())
    assert len(handlers) == SIZE
    assert {h.type for h in handlers} == set(HANDLER_TYPES)
    never = sum(h.last_activity is None for h in handlers)
    assert 0.1 * SIZE < never < 0.3 * SIZE
    used = [h.last_activity for h in handlers if h.last_activity]
    assert max(used) - min(used) > timedelta(days=365)
    assert {State.ON, State.OFF, State.PENDING} == {h.state for h in handlers}
    assert any(not h.name.isascii() for h in handlers)
    for h in handlers:
        assert set(h.settings) == {f.name for f in HANDLER_TYPES[h.type].fields}


def test_create_answers_201_with_the_id_as_documented(sandbox) -> None:
    server = sandbox(quirks=Quirks.documented())
    response = call(server, "POST", **form(name="Example", type="email", email="hey@example.com"))
    assert response.status_code == 201
    new_id = response.json()["data"]["id"]
    assert response.json() == {"data": {"id": new_id}}
    created = call(server, "GET", f"/{new_id}").json()["data"]
    assert created["name"] == "Example" and created["settings"] == {"email": "hey@example.com"}
    assert created["is_enabled"] == 1 and created["last_datetime"] is None


@pytest.mark.parametrize(
    ("fields", "title"),
    [
        ({"type": "email"}, "You must fill all the required fields."),
        ({"name": "x"}, "You must fill all the required fields."),
        ({"name": "x", "type": "pigeon"}, "Your have exceeded the limits of your current plan."),
    ],
)
def test_create_refuses_like_real_servers(sandbox, fields: dict, title: str) -> None:
    response = call(sandbox(), "POST", **form(**fields))
    assert response.status_code == 401 and response.json()["errors"][0]["title"] == title


def test_real_servers_validate_nothing_so_neither_does_the_sandbox(sandbox) -> None:
    server = sandbox()
    new_id = call(server, "POST", **form(name="Broken", type="telegram", telegram="not a token")).json()["data"]["id"]
    assert call(server, "GET", f"/{new_id}").json()["data"]["settings"] == {
        "telegram": "not a token",
        "telegram_chat_id": "",
    }


def test_update_is_partial_and_reads_is_enabled_as_an_integer(sandbox) -> None:
    server = sandbox(quirks=Quirks.documented())
    before = call(server, "GET", "/1").json()["data"]
    assert call(server, "POST", "/1", **form(name="Example new name", is_enabled="1")).json() == {"data": {"id": 1}}
    after = call(server, "GET", "/1").json()["data"]
    assert after["name"] == "Example new name" and after["is_enabled"] == 1
    assert after["settings"] == before["settings"] and after["type"] == before["type"]
    call(server, "POST", "/1", **form(is_enabled="true"))
    assert call(server, "GET", "/1").json()["data"]["is_enabled"] == 0


def test_sending_one_setting_blanks_the_others_as_real_servers_do(sandbox) -> None:
    server = sandbox()
    new_id = call(server, "POST", **form(name="T", type="telegram", telegram="1:abc", telegram_chat_id="42")).json()[
        "data"
    ]["id"]
    call(server, "POST", f"/{new_id}", **form(telegram_chat_id="43"))
    assert call(server, "GET", f"/{new_id}").json()["data"]["settings"] == {"telegram": "", "telegram_chat_id": "43"}


def test_delete_answers_an_empty_200_then_the_handler_is_gone(sandbox) -> None:
    server = sandbox()
    response = call(server, "DELETE", "/3")
    assert response.status_code == 200 and response.content == b""
    assert call(server, "GET", "/3").status_code == 404
    assert call(server, "DELETE", "/3").status_code == 404


@pytest.mark.parametrize("path", ["/99999", "/abc"])
def test_unknown_or_non_numeric_ids_are_404(sandbox, path: str) -> None:
    response = call(sandbox(), "GET", path)
    assert response.status_code == 404 and "errors" in response.json()


def test_the_full_variant_filters_orders_and_pages(sandbox) -> None:
    sandbox()
    api = api_client()
    slack = api.list({"type": "slack", "results_per_page": "100"})
    assert slack.total > 0 and {h.type for h in slack.items} == {"slack"}
    off = api.list({"is_enabled": "0", "results_per_page": "1000"})
    assert {h.state for h in off.items} == {State.OFF}
    name = api.list({"search": "Ops", "search_by": "name", "results_per_page": "1000"}).items
    assert name and all("ops" in h.name.lower() for h in name)
    by_name = [h.name for h in api.list({"order_by": "name", "order_type": "ASC", "results_per_page": "1000"}).items]
    assert by_name == sorted(by_name)
    recent = api.list({"order_by": "last_datetime", "order_type": "DESC", "results_per_page": "1000"}).items
    used = [h.last_activity for h in recent if h.last_activity]
    assert used == sorted(used, reverse=True) and recent[-1].last_activity is None
    since = datetime.now(UTC) - timedelta(days=30)
    last_month = api.list(
        {
            "datetime_field": "last_datetime",
            "datetime_start": since.strftime("%d-%m-%Y %H:%M:%S"),
            "results_per_page": "1000",
        }
    ).items
    assert last_month and all(h.last_activity and h.last_activity >= since - timedelta(seconds=1) for h in last_month)
    second = api.list({"page": "2", "results_per_page": "10"})
    assert (second.page, second.first_index, second.last_index, second.total_pages) == (2, 11, 20, 15)


def test_the_basic_variant_ignores_filters_and_refuses_twilio(sandbox) -> None:
    server = sandbox("basic")
    page = api_client().list({"type": "slack", "results_per_page": "1000"})
    assert page.total == SIZE and len({h.type for h in page.items}) > 1
    assert "twilio" not in {h.type for h in page.items}
    states = {item["is_enabled"] for item in call(server, "GET", "/").json()["data"]}
    assert states <= {0, 1, 2} and not any(isinstance(state, bool) for state in states)
    with pytest.raises(Refused, match="limits of your current plan"):
        api_client().create({"name": "SMS", "type": "twilio", "twilio": "+14155550123"})


def test_the_rate_limit_answers_429_with_the_documented_headers(sandbox) -> None:
    server = sandbox(rate_limit=3)
    first = call(server, "GET", "/1")
    assert first.headers["X-RateLimit-Limit"] == "3" and first.headers["X-RateLimit-Remaining"] == "2"
    call(server, "GET", "/1")
    call(server, "GET", "/1")
    limited = call(server, "GET", "/1")
    assert limited.status_code == 429
    assert limited.headers["X-RateLimit-Limit"] == "3" and "X-RateLimit-Remaining" not in limited.headers
    assert 1 <= int(limited.headers["X-RateLimit-Reset"]) <= 60
    with pytest.raises(RateLimited):
        api_client().get(2)


def test_data_persists_and_reset_restores_the_seed(sandbox, tmp_path) -> None:
    server = sandbox()
    call(server, "DELETE", "/1")
    reopened = Store(tmp_path / "sandbox-0.sqlite3")
    assert reopened.get(1) is None and reopened.get(2) is not None


def test_the_client_keeps_one_connection_alive_for_sequential_reads(sandbox, settings) -> None:
    server = sandbox()
    settings.API_RATE_LIMIT = 1000  # a hundred reads in a row, more than a minute's budget
    api = api_client()
    before = server.connections
    for number in range(100):
        api.get(number % 50 + 1)
    assert server.connections - before == 1


def test_the_data_persists_between_runs_and_reset_restores_the_seed(tmp_path) -> None:
    from sandbox.management.commands.sandbox_api import open_store

    path = tmp_path / "var" / "sandbox.sqlite3"
    first = open_store(path, "full")
    first.delete(1)
    first.update(2, {"name": "Renamed"})
    again = open_store(path, "full")
    assert again.get(1) is None and again.get(2)["name"] == "Renamed"
    reset = open_store(path, "full", reset=True)
    assert reset.get(1) is not None and reset.get(2)["name"] != "Renamed"
    assert reset.search(Filters(), 1, 1000)[1] == SIZE


def test_like_real_servers_create_and_update_answer_the_full_object(sandbox) -> None:
    server = sandbox()
    created = call(server, "POST", **form(name="Example", type="slack", slack="https://hooks.slack.com/x"))
    assert created.status_code == 201
    data = created.json()["data"]
    assert data["type"] == "slack" and data["last_datetime"] is None and isinstance(data["id"], int)
    updated = call(server, "POST", f"/{data['id']}", **form(name="Renamed")).json()["data"]
    assert updated["id"] == str(data["id"]) and updated["name"] == "Renamed"


def test_like_real_servers_every_update_stamps_the_last_activity(sandbox) -> None:
    server = sandbox()
    created = call(server, "POST", **form(name="Quiet", type="slack", slack="https://hooks.slack.com/x")).json()
    call(server, "POST", f"/{created['data']['id']}", **form(is_enabled="0"))
    assert call(server, "GET", f"/{created['data']['id']}").json()["data"]["last_datetime"] is not None


def test_like_real_servers_an_email_update_without_the_address_asks_for_confirmation_again(sandbox) -> None:
    server = sandbox()
    app = server.app
    new_id = call(server, "POST", **form(name="Ops", type="email", email="ops@example.com")).json()["data"]["id"]
    assert app.confirmations_sent[new_id] == 1
    app.store.update(new_id, {"is_enabled": 1})  # the address was confirmed
    call(server, "POST", f"/{new_id}", **form(name="Ops team", email="ops@example.com"))
    assert call(server, "GET", f"/{new_id}").json()["data"]["is_enabled"] == 1 and app.confirmations_sent[new_id] == 1
    call(server, "POST", f"/{new_id}", **form(name="Ops crew"))
    assert call(server, "GET", f"/{new_id}").json()["data"]["is_enabled"] == 2 and app.confirmations_sent[new_id] == 2


def test_like_real_servers_names_are_cut_at_128(sandbox) -> None:
    server = sandbox()
    new_id = call(server, "POST", **form(name="n" * 200, type="internal_notification")).json()["data"]["id"]
    assert len(call(server, "GET", f"/{new_id}").json()["data"]["name"]) == 128


def test_foreign_types_are_listed_and_cannot_be_changed(sandbox) -> None:
    server = sandbox(foreign_types=True)
    listed = call(server, "GET", "/", params={"results_per_page": "1000"}).json()["data"]
    whatsapp = next(item for item in listed if item["type"] == "whatsapp")
    refused = call(server, "POST", f"/{whatsapp['id']}", **form(name="x"))
    assert refused.status_code == 401 and "limits of your current plan" in refused.json()["errors"][0]["title"]
    assert call(server, "DELETE", f"/{whatsapp['id']}").status_code == 200


# The kinds of real servers (shared/API.md, "Updates on real servers").


def create(server, **fields: str) -> int:
    response = call(server, "POST", **form(**fields))
    assert response.status_code == 201, response.text
    return int(response.json()["data"]["id"])


def test_updates_work_by_default_so_the_panel_can_be_tried_out(sandbox) -> None:
    server = sandbox()
    assert server.app.quirks.update == "works" and Quirks.documented().update == "works"
    new_id = create(server, name="Hook", type="webhook", webhook="https://example.com/hook")
    saved = api_client().update(new_id, {"name": "Hook renamed", "is_enabled": False})
    assert saved.id == new_id
    stored = server.app.store.get(new_id)
    assert stored is not None
    assert (stored["type"], stored["settings"]) == ("webhook", {"webhook": "https://example.com/hook"})
    assert (stored["name"], stored["is_enabled"]) == ("Hook renamed", 0)


def test_an_erasing_server_loses_the_type_and_settings_on_every_update(sandbox) -> None:
    server = sandbox(update="erases")
    new_id = create(server, name="Hook", type="webhook", webhook="https://example.com/hook")
    # Even an update that carries the type and every setting erases them.
    response = call(
        server,
        "POST",
        f"/{new_id}",
        **form(name="Hook renamed", type="webhook", webhook="https://example.com/new", is_enabled="0"),
    )
    assert response.status_code == 200
    answer = response.json()["data"]
    assert answer["id"] == str(new_id)
    assert answer["type"] is None and answer["settings"] == {"": ""}
    assert answer["name"] == "Hook renamed" and answer["is_enabled"] == 0 and answer["last_datetime"] is not None
    stored = server.app.store.get(new_id)
    assert stored is not None
    assert stored["type"] is None and stored["settings"] == {"": ""}
    assert (stored["name"], stored["is_enabled"]) == ("Hook renamed", 0) and stored["last_datetime"] is not None
    # A typeless handler reads back, lists and updates (the same damage again) like any other.
    assert call(server, "GET", f"/{new_id}").json()["data"]["type"] is None
    listed = call(server, "GET", "/", params={"results_per_page": "1000"}).json()["data"]
    assert next(item for item in listed if item["id"] == new_id)["settings"] == {"": ""}
    again = call(server, "POST", f"/{new_id}", **form(is_enabled="1")).json()["data"]
    assert again["type"] is None and again["settings"] == {"": ""} and again["is_enabled"] == 1
    assert server.app.store.get(new_id) == stored | {"is_enabled": 1, "last_datetime": again["last_datetime"]}


def test_an_erasing_server_turns_an_email_handler_typeless_without_asking_for_confirmation(sandbox) -> None:
    server = sandbox(update="erases")
    new_id = create(server, name="Ops", type="email", email="ops@example.com")
    assert server.app.confirmations_sent[new_id] == 1
    call(server, "POST", f"/{new_id}", **form(name="Ops team", type="email", email="other@example.com"))
    stored = server.app.store.get(new_id)
    assert stored is not None
    assert stored["type"] is None and stored["settings"] == {"": ""} and stored["is_enabled"] == 2
    assert server.app.confirmations_sent[new_id] == 1


def test_an_erasing_server_does_not_stamp_when_stamping_is_off(sandbox) -> None:
    quirks = Quirks(stamp_updates=False, full_answers=False)
    server = sandbox(quirks=quirks, update="erases")
    assert server.app.quirks == Quirks(stamp_updates=False, full_answers=False, update="erases")
    new_id = create(server, name="Hook", type="webhook", webhook="https://example.com/hook")
    assert call(server, "POST", f"/{new_id}", **form(name="x")).json() == {"data": {"id": new_id}}
    stored = server.app.store.get(new_id)
    assert stored is not None and stored["type"] is None and stored["last_datetime"] is None


def test_a_form_type_server_blanks_a_handler_updated_without_its_type(sandbox) -> None:
    server = sandbox(update="form_type")
    new_id = create(server, name="Chat", type="telegram", telegram="1:abc", telegram_chat_id="42")
    answer = call(server, "POST", f"/{new_id}", **form(name="Chat renamed")).json()["data"]
    assert answer["type"] == "" and answer["settings"] == {"": ""} and answer["name"] == "Chat renamed"
    stored = server.app.store.get(new_id)
    assert stored is not None and stored["type"] == "" and stored["settings"] == {"": ""}
    # A type this install does not offer is as good as none.
    other_id = create(server, name="Chat 2", type="telegram", telegram="1:abc", telegram_chat_id="42")
    call(server, "POST", f"/{other_id}", **form(type="pigeon", telegram_chat_id="43"))
    other = server.app.store.get(other_id)
    assert other is not None and other["type"] == "" and other["settings"] == {"": ""}


def test_a_form_type_server_keeps_the_settings_not_posted_when_the_type_is(sandbox) -> None:
    server = sandbox(update="form_type")
    new_id = create(server, name="Chat", type="telegram", telegram="1:abc", telegram_chat_id="42")
    answer = call(server, "POST", f"/{new_id}", **form(type="telegram", telegram_chat_id="43", is_enabled="0"))
    assert answer.json()["data"]["settings"] == {"telegram": "1:abc", "telegram_chat_id": "43"}
    stored = server.app.store.get(new_id)
    assert stored is not None
    assert stored["type"] == "telegram" and stored["settings"] == {"telegram": "1:abc", "telegram_chat_id": "43"}
    assert stored["name"] == "Chat" and stored["is_enabled"] == 0 and stored["last_datetime"] is not None
    # A new type takes nothing from the old one's settings.
    call(server, "POST", f"/{new_id}", **form(type="webhook"))
    changed = server.app.store.get(new_id)
    assert changed is not None and changed["type"] == "webhook" and changed["settings"] == {"webhook": ""}


def test_a_form_type_server_asks_to_confirm_an_email_update_without_the_address(sandbox) -> None:
    server = sandbox(update="form_type")
    app = server.app
    new_id = create(server, name="Ops", type="email", email="ops@example.com")
    app.store.update(new_id, {"is_enabled": 1})  # the address was confirmed
    call(server, "POST", f"/{new_id}", **form(name="Ops team", type="email", email="ops@example.com"))
    stored = app.store.get(new_id)
    assert stored is not None and stored["is_enabled"] == 1 and app.confirmations_sent[new_id] == 1
    call(server, "POST", f"/{new_id}", **form(name="Ops crew", type="email"))
    stored = app.store.get(new_id)
    assert stored is not None and stored["is_enabled"] == 2 and app.confirmations_sent[new_id] == 2
    assert stored["settings"] == {"email": "ops@example.com"}  # the stored address, not posted, is kept


def test_an_install_offers_only_its_enabled_types(sandbox) -> None:
    server = sandbox(types=frozenset({"email", "webhook"}))
    assert set(server.app.types) == {"email", "webhook"}
    with pytest.raises(Refused, match="limits of your current plan"):
        api_client().create({"name": "Team", "type": "slack", "slack": "https://hooks.slack.com/x"})
    refused = call(server, "POST", **form(name="Team", type="slack", slack="https://hooks.slack.com/x"))
    assert refused.status_code == 401
    assert refused.json()["errors"][0]["title"] == "Your have exceeded the limits of your current plan."
    new_id = api_client().create({"name": "Hook", "type": "webhook", "webhook": "https://example.com/h"}).id
    stored = server.app.store.get(new_id)
    assert stored is not None and stored["type"] == "webhook"
    # Handlers of other types already there are still listed.
    assert api_client().list({"type": "slack", "results_per_page": "100"}).total > 0


def test_enabled_types_are_only_those_the_variant_has(sandbox) -> None:
    server = sandbox("basic", types=frozenset({"email", "twilio"}))
    assert set(server.app.types) == {"email"}
    refused = call(server, "POST", **form(name="SMS", type="twilio", twilio="+14155550123"))
    assert refused.status_code == 401 and "limits of your current plan" in refused.json()["errors"][0]["title"]


# The fixed-window rate limiter (shared/API.md, "The rate limiter, exactly").


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_rate_limit_counts_down_in_a_fixed_window(sandbox) -> None:
    server = sandbox(rate_limit=3)
    clock = server.app.limiter.clock = Clock()
    first = call(server, "GET", "/1")
    assert first.headers["X-RateLimit-Limit"] == "3" and first.headers["X-RateLimit-Remaining"] == "2"
    clock.now += 50
    assert call(server, "GET", "/1").headers["X-RateLimit-Remaining"] == "1"
    assert call(server, "GET", "/1").headers["X-RateLimit-Remaining"] == "0"
    limited = call(server, "GET", "/1")
    assert limited.status_code == 429
    assert limited.headers["X-RateLimit-Limit"] == "3" and "X-RateLimit-Remaining" not in limited.headers
    assert limited.headers["X-RateLimit-Reset"] == "10"
    clock.now += 9.5
    assert call(server, "GET", "/1").headers["X-RateLimit-Reset"] == "1"
    # The window ends 60 s after its first call, whatever happened in it: a full counter again.
    clock.now += 0.5
    fresh = call(server, "GET", "/1")
    assert fresh.status_code == 200 and fresh.headers["X-RateLimit-Remaining"] == "2"


def test_the_rate_limit_counts_refused_calls_and_429s_but_not_bad_keys(sandbox) -> None:
    server = sandbox(rate_limit=4)
    clock = server.app.limiter.clock = Clock()
    for key in ("", "not-the-key"):
        refused = call(server, "GET", "/1", key=key)
        assert refused.status_code == 401 and not any(h.startswith("X-RateLimit") for h in refused.headers)
    missing = call(server, "GET", "/99999")
    assert missing.status_code == 404 and missing.headers["X-RateLimit-Remaining"] == "3"
    incomplete = call(server, "POST", **form(type="email"))
    assert incomplete.status_code == 401 and incomplete.headers["X-RateLimit-Remaining"] == "2"
    assert server.app.store.get(1) is not None
    deleted = call(server, "DELETE", "/1")
    assert deleted.status_code == 200 and deleted.headers["X-RateLimit-Remaining"] == "1"
    assert call(server, "GET", "/2").headers["X-RateLimit-Remaining"] == "0"
    clock.now += 30
    assert call(server, "GET", "/2").status_code == 429
    assert call(server, "POST", **form(name="x", type="internal_notification")).status_code == 429
    assert server.app.store.search(Filters(), 1, 1000)[1] == SIZE - 1  # a refused create creates nothing
    assert call(server, "GET", "/2").headers["X-RateLimit-Reset"] == "30"
    with pytest.raises(RateLimited):
        api_client().get(2)
    clock.now += 30
    assert call(server, "GET", "/2").headers["X-RateLimit-Remaining"] == "3"


def test_no_rate_limit_means_no_headers(sandbox) -> None:
    server = sandbox(rate_limit=0)
    for _ in range(5):
        response = call(server, "GET", "/1")
        assert response.status_code == 200 and "X-RateLimit-Limit" not in response.headers


# Failure hooks.


def test_failing_deletes_answer_500_and_delete_nothing(sandbox) -> None:
    server = sandbox()
    server.app.failing_deletes = 2
    for _ in range(2):
        failed = call(server, "DELETE", "/3")
        assert failed.status_code == 500 and failed.headers["Content-Type"].startswith("text/html")
        assert b"<html>" in failed.content
        assert server.app.store.get(3) is not None
    assert call(server, "GET", "/3").status_code == 200  # other calls are not affected
    assert server.app.failing_deletes == 0
    assert call(server, "DELETE", "/3").status_code == 200 and server.app.store.get(3) is None


def test_an_api_switched_off_answers_every_request_with_a_404_page(sandbox) -> None:
    server = sandbox(rate_limit=2)
    before = server.app.store.get(1)
    server.app.api_off = True
    answers = [
        call(server, "GET", "/"),
        call(server, "GET", "/1"),
        call(server, "POST", "/1", **form(name="Renamed")),
        call(server, "POST", **form(name="New", type="internal_notification")),
        call(server, "DELETE", "/1"),
        call(server, "GET", "/1", key="not-the-key"),
        call(server, "GET", "/1", key=""),
        requests.get(server.url.replace("/api", "/anything"), timeout=5),
    ]
    for response in answers:
        assert response.status_code == 404
        assert response.headers["Content-Type"] == "text/html"
        assert response.content == b"<html><body><h1>404 Not Found</h1></body></html>"
        assert not any(h.startswith("X-RateLimit") for h in response.headers)
    assert server.app.store.get(1) == before
    assert server.app.store.search(Filters(), 1, 1000)[1] == SIZE
    server.app.api_off = False
    assert call(server, "GET", "/1").headers["X-RateLimit-Remaining"] == "1"  # nothing was counted


# The store and the command line.


def test_the_store_holds_typeless_handlers(tmp_path) -> None:
    store = Store(tmp_path / "typeless.sqlite3")
    new_id = store.create({"type": None, "name": "Lost", "settings": {"": ""}, "is_enabled": 1})
    assert store.get(new_id) == store.search(Filters(), 1, 10)[0][0]
    stored = store.get(new_id)
    assert stored is not None and stored["type"] is None and stored["settings"] == {"": ""}
    assert store.search(Filters(type="webhook"), 1, 10)[1] == 0


def test_an_older_store_file_is_rebuilt_to_hold_typeless_handlers(tmp_path) -> None:
    import sqlite3

    path = tmp_path / "old.sqlite3"
    db = sqlite3.connect(path)
    db.execute(
        "CREATE TABLE handlers (id INTEGER PRIMARY KEY AUTOINCREMENT, type TEXT NOT NULL, name TEXT NOT NULL,"
        " settings TEXT NOT NULL, is_enabled INTEGER NOT NULL, last_datetime TEXT, datetime TEXT NOT NULL)"
    )
    for name in ("one", "two", "three"):
        db.execute(
            "INSERT INTO handlers (type, name, settings, is_enabled, datetime) VALUES (?, ?, ?, 1, ?)",
            ("slack", name, '{"slack": "https://hooks.slack.com/x"}', "2025-01-01 00:00:00"),
        )
    db.execute("DELETE FROM handlers WHERE id = 3")
    db.commit()
    db.close()
    store = Store(path)
    store.update(1, {"type": None, "settings": {"": ""}})
    one, two = store.get(1), store.get(2)
    assert one is not None and one["type"] is None and one["settings"] == {"": ""}
    assert two is not None and two["name"] == "two" and two["settings"] == {"slack": "https://hooks.slack.com/x"}
    assert store.create({"type": "email", "name": "four", "settings": {}, "is_enabled": 1}) == 4
    assert Store(path).get(1) == store.get(1)


def test_the_command_line_chooses_the_kind_of_server(tmp_path) -> None:
    from django.core.management.base import CommandError

    from sandbox.management.commands.sandbox_api import Command, parse_types, update_mode

    parser = Command().create_parser("manage.py", "sandbox_api")
    defaults = parser.parse_args([])
    assert (defaults.update, defaults.types, defaults.rate_limit) == ("works", "", 60)
    chosen = parser.parse_args(["--update", "form-type", "--types", "email,webhook,slack"])
    assert update_mode(chosen.update) == "form_type" and update_mode("erases") == "erases"
    assert parse_types(chosen.types) == frozenset({"email", "webhook", "slack"}) and parse_types("") is None
    with pytest.raises(CommandError, match="pigeon"):
        parse_types("email,pigeon")
    with pytest.raises(CommandError, match="invalid choice"):
        parser.parse_args(["--update", "sometimes"])
