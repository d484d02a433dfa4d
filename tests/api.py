"""Helpers for tests that mock the remote API with `responses`."""

from email.parser import BytesParser
from email.policy import HTTP
from typing import Any

import responses
from django.conf import settings
from responses import matchers

API = settings.API_BASE_URL
LIST_URL = f"{API}/notification-handlers/"
CREATE_URL = f"{API}/notification-handlers"


def one_url(handler_id: int) -> str:
    return f"{API}/notification-handlers/{handler_id}"


def handler_json(**overrides: Any) -> dict[str, Any]:
    return {
        "id": 1,
        "type": "email",
        "name": "Work email",
        "settings": {"email": "hey@example.com"},
        "is_enabled": True,
        "last_datetime": None,
        "datetime": "2025-12-05 15:32:34",
    } | overrides


def page_json(
    items: list[dict[str, Any]], page: int = 1, per_page: int = 25, total: int | None = None
) -> dict[str, Any]:
    total = len(items) if total is None else total
    return {
        "data": items,
        "meta": {
            "page": page,
            "results_per_page": per_page,
            "total": total,
            "total_pages": max(1, -(-total // per_page)),
        },
        "links": {"first": None, "last": None, "next": None, "prev": None, "self": None},
    }


def sent_fields(request: Any) -> dict[str, str]:
    """The multipart form fields of a recorded request, as the server would read them."""
    body = request.body if isinstance(request.body, bytes) else (request.body or "").encode()
    message = BytesParser(policy=HTTP).parsebytes(
        f"Content-Type: {request.headers['Content-Type']}\r\n\r\n".encode() + body
    )
    return {part.get_param("name", header="content-disposition"): part.get_content() for part in message.iter_parts()}


HTMX = {"HX-Request": "true"}

VALID = {
    "email": {"email": "ops@example.com"},
    "webhook": {"webhook": "https://example.com/hooks/alerts"},
    "slack": {"slack": "https://hooks.slack.com/services/T0001/B0001/abcdefgh"},
    "discord": {"discord": "https://discord.com/api/webhooks/123/abcDEF"},
    "telegram": {"telegram": "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw", "telegram_chat_id": "-1001234567890"},
    "microsoft_teams": {"microsoft_teams": "https://contoso.webhook.office.com/webhookb2/abc"},
    "twilio": {"twilio": "+14155550123"},
    "x": {
        "x_consumer_key": "ck-123456",
        "x_consumer_secret": "cs-123456",
        "x_access_token": "at-123456",
        "x_access_token_secret": "ats-123456",
    },
    "google_chat": {"google_chat": "https://chat.googleapis.com/v1/spaces/AAAA/messages?key=k&token=t"},
    "internal_notification": {},
}

SECRETS = {
    "webhook": {"webhook": "https://example.com/hooks/SECRET-webhook-0001"},
    "slack": {"slack": "https://hooks.slack.com/services/T1/B1/SECRETslack0002"},
    "telegram": {"telegram": "987654321:SECRETtelegramtokenvalue0003", "telegram_chat_id": "-100555"},
    "x": {
        "x_consumer_key": "SECRETck0004",
        "x_consumer_secret": "SECRETcs0005",
        "x_access_token": "SECRETat0006",
        "x_access_token_secret": "SECRETats0007",
    },
}


def mock_all(api: responses.RequestsMock, count: int, **settings) -> list[dict]:
    items = [
        handler_json(
            id=i,
            name=f"=cmd{i}" if i == 1 else f"Handler {i}",
            type="slack",
            settings={"slack": f"https://hooks.slack.com/services/T/B/SECRET{i:05d}xyz"},
            last_datetime="2026-11-01 10:00:00" if i % 2 else None,
        )
        for i in range(1, count + 1)
    ]
    pages = -(-count // 1000)
    for number in range(1, pages + 1):
        api.get(
            LIST_URL,
            json=page_json(items[(number - 1) * 1000 : number * 1000], page=number, per_page=1000, total=count),
            match=[matchers.query_param_matcher({"page": str(number), "results_per_page": "1000"} | settings)],
        )
    return items
