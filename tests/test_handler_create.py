import re

import pytest
import responses
from django.test import Client

from tests.api import CREATE_URL, SECRETS, VALID, sent_fields


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
