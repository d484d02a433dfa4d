import re

import pytest
import responses
from django.test import Client

from tests.api import CREATE_URL, HTMX, SECRETS, VALID, handler_json, one_url, sent_fields


@pytest.mark.parametrize("slug", list(VALID))
def test_create_every_type_sends_exactly_its_fields(
    api: responses.RequestsMock, editor_client: Client, slug: str
) -> None:
    api.post(CREATE_URL, json={"data": {"id": 77}}, status=201)
    other = {"email": "stray@example.com"} if slug != "email" else {"webhook": "https://stray.example.com"}
    response = editor_client.post(
        "/handlers/new/", {"name": f"My {slug}", "type": slug, "submit_token": f"t-{slug}"} | VALID[slug] | other
    )
    assert response.status_code == 302 and response["Location"] == "/handlers/77/"
    assert sent_fields(api.calls[0].request) == {"name": f"My {slug}", "type": slug} | VALID[slug]


def test_a_rejected_form_keeps_everything_typed(editor_client: Client) -> None:
    response = editor_client.post(
        "/handlers/new/",
        {"name": "Café “ops”", "type": "telegram", "telegram": "bad", "telegram_chat_id": "-42", "submit_token": "t"},
    )
    assert response.status_code == 200
    text = response.text
    assert 'value="Café “ops”"' in text and 'value="bad"' in text and 'value="-42"' in text
    assert re.search(r'value="telegram"[^>]*checked', text)
    assert "A bot token looks like" in text


def test_an_api_refusal_is_a_form_error_not_a_sign_out(api: responses.RequestsMock, editor_client: Client) -> None:
    api.post(
        CREATE_URL, status=401, json={"errors": [{"title": "You must fill all the required fields.", "status": 401}]}
    )
    response = editor_client.post(
        "/handlers/new/", {"name": "Ops", "type": "email", "email": "ops@example.com", "submit_token": "t1"}
    )
    assert response.status_code == 200
    assert "You must fill all the required fields." in response.text and 'value="ops@example.com"' in response.text
    assert editor_client.get("/handlers/new/").status_code == 200
    api.post(CREATE_URL, json={"data": {"id": 5}}, status=201)
    assert (
        editor_client.post(
            "/handlers/new/", {"name": "Ops", "type": "email", "email": "ops@example.com", "submit_token": "t1"}
        ).status_code
        == 302
    )


def test_a_double_submit_creates_once(api: responses.RequestsMock, editor_client: Client) -> None:
    api.post(CREATE_URL, json={"data": {"id": 31}}, status=201)
    data = {"name": "Ops", "type": "email", "email": "ops@example.com", "submit_token": "same-token"}
    first = editor_client.post("/handlers/new/", data)
    second = editor_client.post("/handlers/new/", data)
    assert len(api.calls) == 1
    assert first["Location"] == second["Location"] == "/handlers/31/"
    messages = [str(m) for m in second.wsgi_request._messages]
    assert any("already sent once" in m for m in messages)


def test_error_reports_hide_the_secrets_a_form_posts(editor_client: Client) -> None:
    response = editor_client.post(
        "/handlers/new/", {"name": "", "type": "slack", "slack": SECRETS["slack"]["slack"], "submit_token": "z"}
    )
    assert set(response.wsgi_request.sensitive_post_parameters) >= {"slack", "webhook", "telegram", "x_consumer_secret"}


TAKEN = "Another channel is already called “Ops alerts” (Slack)."


@pytest.fixture
def ops_alerts(mirrored) -> None:
    mirrored(handler_json(id=8, name="Ops alerts", type="slack", settings={"slack": "https://hooks.slack.com/x"}))


def test_a_name_already_used_is_warned_of_and_sent_again_it_is_created(
    api: responses.RequestsMock, editor_client: Client, ops_alerts
) -> None:
    data = {"name": "OPS Alerts", "type": "email", "email": "ops@example.com", "submit_token": "t-dup"}
    first = editor_client.post("/handlers/new/", data)
    assert first.status_code == 200 and len(api.calls) == 0
    assert TAKEN in first.text and "send the form again" in first.text
    assert 'value="OPS Alerts"' in first.text and 'value="ops@example.com"' in first.text
    assert "error-summary" not in first.text
    confirm = re.search(r'<input type="hidden" name="confirm_name" value="([^"]*)">', first.text)
    assert confirm and confirm.group(1) == "OPS Alerts"
    api.post(CREATE_URL, json={"data": {"id": 9}}, status=201)
    second = editor_client.post("/handlers/new/", data | {"confirm_name": confirm.group(1)})
    assert second.status_code == 302 and second["Location"] == "/handlers/9/"
    assert sent_fields(api.calls[0].request)["name"] == "OPS Alerts"


def test_a_name_changed_after_the_warning_is_checked_again(
    api: responses.RequestsMock, editor_client: Client, mirrored
) -> None:
    mirrored(
        handler_json(id=8, name="Ops alerts", type="slack", settings={"slack": "https://hooks.slack.com/x"}),
        handler_json(id=10, name="Billing"),
    )
    data = {"name": "billing", "type": "email", "email": "ops@example.com", "submit_token": "t-dup"}
    response = editor_client.post("/handlers/new/", data | {"confirm_name": "OPS Alerts"})
    assert response.status_code == 200 and "Another channel is already called “Billing” (Email)." in response.text
    assert len(api.calls) == 0


def test_a_name_nobody_uses_is_created_at_once(api: responses.RequestsMock, editor_client: Client, ops_alerts) -> None:
    api.post(CREATE_URL, json={"data": {"id": 9}}, status=201)
    data = {"name": "Ops alerts 2", "type": "email", "email": "ops@example.com", "submit_token": "t-new"}
    assert editor_client.post("/handlers/new/", data).status_code == 302


def test_the_type_fields_refresh_warns_of_a_name_in_use(editor_client: Client, ops_alerts) -> None:
    text = editor_client.get("/handlers/new/fields/?type=email&name=ops%20alerts", headers=HTMX).text
    note = text.split('<div id="name-note"', 1)[1]
    assert note.startswith(' aria-live="polite" hx-swap-oob="true">') and TAKEN in note
    assert '<input type="hidden" name="confirm_name" value="ops alerts">' in note
    free = editor_client.get("/handlers/new/fields/?type=email&name=Fresh", headers=HTMX).text
    assert '<div id="name-note" aria-live="polite" hx-swap-oob="true"></div>' in free


def test_the_edit_forms_refresh_has_no_name_note(api: responses.RequestsMock, editor_client: Client) -> None:
    api.get(one_url(4), json={"data": handler_json(id=4)})
    text = editor_client.get("/handlers/new/fields/?type=email&name=x&handler=4", headers=HTMX).text
    assert "name-note" not in text


def test_a_name_confirmed_stays_confirmed_after_the_product_refused_the_create(
    api: responses.RequestsMock, editor_client: Client, ops_alerts
) -> None:
    api.post(CREATE_URL, status=422, json={"errors": [{"title": "Try later.", "status": 422}]})
    data = {"name": "Ops alerts", "type": "email", "email": "ops@example.com", "submit_token": "t-c"}
    refused = editor_client.post("/handlers/new/", data | {"confirm_name": "Ops alerts"}).text
    assert "Try later." in refused and TAKEN not in refused
    assert '<input type="hidden" name="confirm_name" value="Ops alerts">' in refused
