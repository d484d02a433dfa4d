import pytest
import responses
from django.test import Client

from handlers_admin.models import AuditEntry
from tests.api import SECRETS, VALID, handler_json, one_url, sent_fields

CHANGED = {
    "email": {"email": "night@example.com"},
    "webhook": {"webhook": "https://example.com/hooks/night"},
    "slack": {"slack": "https://hooks.slack.com/services/T0002/B0002/zyxwvuts"},
    "discord": {"discord": "https://discord.com/api/webhooks/456/ghiJKL"},
    "telegram": {"telegram": "", "telegram_chat_id": "@night_alerts"},
    "microsoft_teams": {"microsoft_teams": "https://contoso.webhook.office.com/webhookb2/night"},
    "twilio": {"twilio": "+14155550999"},
    "x": {"x_consumer_key": "", "x_consumer_secret": "", "x_access_token": "at-999999", "x_access_token_secret": ""},
    "google_chat": {"google_chat": "https://chat.googleapis.com/v1/spaces/BBBB/messages?key=k&token=u"},
    "internal_notification": {},
}


def test_a_blank_secret_on_edit_keeps_the_stored_value(api: responses.RequestsMock, editor_client: Client) -> None:
    stored = handler_json(id=4, type="telegram", name="Bot", settings=SECRETS["telegram"])
    api.get(one_url(4), json={"data": stored})
    page = editor_client.get("/handlers/4/edit/").text
    assert SECRETS["telegram"]["telegram"] not in page and "Leave blank to keep the current value (••••0003)" in page
    api.get(one_url(4), json={"data": stored})  # the save's own read of the handler
    api.post(one_url(4), json={"data": {"id": 4}})
    api.get(one_url(4), json={"data": stored | {"settings": {**SECRETS["telegram"], "telegram_chat_id": "-100777"}}})
    response = editor_client.post(
        "/handlers/4/edit/", {"name": "Bot", "type": "telegram", "telegram": "", "telegram_chat_id": "-100777"}
    )
    assert response.status_code == 302
    post = next(c for c in api.calls if c.request.method == "POST")
    # Real servers blank a setting left out, so the kept token travels with the changed chat id.
    assert sent_fields(post.request) == {
        "name": "Bot",
        "type": "telegram",
        "is_enabled": "1",
        "telegram": SECRETS["telegram"]["telegram"],
        "telegram_chat_id": "-100777",
    }


def test_an_edit_sends_the_whole_channel_and_records_only_what_changed(
    api: responses.RequestsMock, editor_client: Client
) -> None:
    stored = handler_json(id=4, type="slack", name="Old", settings=SECRETS["slack"], is_enabled=0)
    api.get(one_url(4), json={"data": stored})
    api.post(one_url(4), json={"data": {"id": 4}})
    api.get(one_url(4), json={"data": stored | {"name": "New"}})
    editor_client.post("/handlers/4/edit/", {"name": "New", "type": "slack", "slack": ""})
    post = next(c for c in api.calls if c.request.method == "POST")
    # Real servers take the type from the form only and blank a setting left out: the channel travels whole.
    assert sent_fields(post.request) == {"name": "New", "type": "slack", "is_enabled": "0"} | SECRETS["slack"]
    assert AuditEntry.objects.get(action="edit").changes == [{"field": "name", "before": "Old", "after": "New"}]


def test_an_edit_changing_nothing_calls_nothing(api: responses.RequestsMock, editor_client: Client) -> None:
    api.get(one_url(4), json={"data": handler_json(id=4)})
    response = editor_client.post(
        "/handlers/4/edit/", {"name": "Work email", "type": "email", "email": "hey@example.com"}, follow=True
    )
    assert "Nothing was changed." in response.text
    assert all(c.request.method == "GET" for c in api.calls)


def test_a_changed_type_asks_for_the_new_types_fields(api: responses.RequestsMock, editor_client: Client) -> None:
    api.get(one_url(4), json={"data": handler_json(id=4, type="slack", settings=SECRETS["slack"])})
    response = editor_client.post("/handlers/4/edit/", {"name": "Ops", "type": "discord", "discord": ""})
    assert response.status_code == 200 and "Discord needs this." in response.text
    assert "The type changes to Discord" in response.text
    api.get(one_url(4), json={"data": handler_json(id=4, type="slack", settings=SECRETS["slack"])})
    api.post(one_url(4), json={"data": {"id": 4}})
    api.get(one_url(4), json={"data": handler_json(id=4, name="Ops", type="discord", settings=VALID["discord"])})
    editor_client.post("/handlers/4/edit/", {"name": "Ops", "type": "discord"} | VALID["discord"])
    post = next(c for c in api.calls if c.request.method == "POST")
    assert sent_fields(post.request) == {"name": "Ops", "type": "discord", "is_enabled": "1"} | VALID["discord"]


def test_the_read_back_says_exactly_what_differs(api: responses.RequestsMock, editor_client: Client) -> None:
    stored = handler_json(id=4, type="slack", name="Old", settings=SECRETS["slack"])
    api.get(one_url(4), json={"data": stored})
    api.post(one_url(4), json={"data": {"id": 4}})
    changed = {"name": "Mangled", "type": "webhook", "settings": {"webhook": "https://elsewhere.example/SECRETz"}}
    api.get(one_url(4), json={"data": stored | changed})
    response = editor_client.post(
        "/handlers/4/edit/",
        {"name": "New", "type": "slack", "slack": "https://hooks.slack.com/services/T9/B9/newSECRET999"},
        follow=True,
    )
    text = response.text
    assert "the server stored something other than what was sent" in text
    assert "Name: sent “New”, stored “Mangled”" in text
    assert "Slack webhook URL: a different value was stored" in text
    assert "newSECRET999" not in text and "SECRETz" not in text


def test_an_edit_of_a_deleted_handler_says_so_and_keeps_the_form(
    api: responses.RequestsMock, editor_client: Client
) -> None:
    api.get(one_url(4), json={"data": handler_json(id=4)})
    api.post(one_url(4), status=404, json={"errors": [{"title": "Not found", "status": 404}]})
    response = editor_client.post("/handlers/4/edit/", {"name": "Renamed", "type": "email", "email": "hey@example.com"})
    assert response.status_code == 200
    assert "deleted while you were editing it" in response.text and 'value="Renamed"' in response.text


def test_a_failed_read_back_still_says_the_changes_were_saved(
    api: responses.RequestsMock, editor_client: Client
) -> None:
    api.get(one_url(4), json={"data": handler_json(id=4)})
    api.post(one_url(4), json={"data": {"id": 4}})
    api.get(
        one_url(4),
        status=429,
        json={"errors": [{"title": "Too many", "status": 429}]},
        headers={"X-RateLimit-Reset": "30"},
    )
    response = editor_client.post("/handlers/4/edit/", {"name": "Renamed", "type": "email", "email": "hey@example.com"})
    assert response.status_code == 302 and response["Location"] == "/handlers/4/"
    assert any("were saved, but could not be read back" in str(m) for m in response.wsgi_request._messages)


@pytest.mark.parametrize("slug", list(VALID))
def test_edit_every_type_sends_exactly_the_changed_fields(
    api: responses.RequestsMock, editor_client: Client, slug: str
) -> None:
    stored = handler_json(id=8, name="Before", type=slug, settings=VALID[slug])
    api.get(one_url(8), json={"data": stored})
    api.post(one_url(8), json={"data": {"id": 8}})
    api.get(one_url(8), json={"data": stored})
    editor_client.post("/handlers/8/edit/", {"name": "After", "type": slug} | CHANGED[slug])
    post = next(c for c in api.calls if c.request.method == "POST")
    # A blank secret keeps its stored value; every setting of the type travels, with its type and state.
    expected_settings = VALID[slug] | {name: value or VALID[slug][name] for name, value in CHANGED[slug].items()}
    assert sent_fields(post.request) == {"name": "After", "type": slug, "is_enabled": "1"} | expected_settings


def test_opening_then_saving_an_edit_costs_four_calls_in_all(
    api: responses.RequestsMock, editor_client: Client
) -> None:
    stored = handler_json(id=4, name="Old")
    api.get(one_url(4), json={"data": stored})
    editor_client.get("/handlers/4/edit/")
    api.post(one_url(4), json={"data": {"id": 4}})
    editor_client.post("/handlers/4/edit/", {"name": "New", "type": "email", "email": "hey@example.com"})
    # No read is kept (it would hold secrets), so the save reads the handler fresh, updates it, and reads it back.
    assert [c.request.method for c in api.calls] == ["GET", "GET", "POST", "GET"]
