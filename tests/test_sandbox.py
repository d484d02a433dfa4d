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
