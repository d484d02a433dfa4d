"""Helpers for tests that mock the remote API with `responses`."""

from email.parser import BytesParser
from email.policy import HTTP
from typing import Any

from django.conf import settings

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


def page_json(items: list[dict[str, Any]], page: int = 1, per_page: int = 25, total: int | None = None) -> dict[str, Any]:
    total = len(items) if total is None else total
    return {
        "data": items,
        "meta": {"page": page, "results_per_page": per_page, "total": total, "total_pages": max(1, -(-total // per_page))},
        "links": {"first": None, "last": None, "next": None, "prev": None, "self": None},
    }


def sent_fields(request: Any) -> dict[str, str]:
    """The multipart form fields of a recorded request, as the server would read them."""
    body = request.body if isinstance(request.body, bytes) else (request.body or "").encode()
    message = BytesParser(policy=HTTP).parsebytes(f"Content-Type: {request.headers['Content-Type']}\r\n\r\n".encode() + body)
    return {part.get_param("name", header="content-disposition"): part.get_content() for part in message.iter_parts()}
