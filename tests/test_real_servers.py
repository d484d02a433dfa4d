"""The panel against a sandbox that behaves like real servers (shared/API.md: "Other behaviour seen on real
servers")."""

import csv
import io
import json

import pytest
from django.test import Client

from handlers_admin import mirror
from handlers_admin.models import AuditEntry
from sandbox.store import Filters
from tests.api import HTMX


@pytest.fixture
def confirmed_email(sandbox, db):
    server = sandbox(foreign_types=True)
    store = server.app.store
    handler_id = store.create(
        {
            "type": "email",
            "name": "Ops inbox",
            "settings": {"email": "ops@example.com"},
            "is_enabled": 1,
            "last_datetime": "2025-01-01 00:00:00",
            "datetime": "2024-06-01 00:00:00",
        }
    )
    mirror.refresh()
    return server, handler_id


def test_renaming_and_switching_an_email_handler_keep_it_confirmed(confirmed_email, editor_client: Client) -> None:
    server, handler_id = confirmed_email
    editor_client.post(
        f"/handlers/{handler_id}/edit/", {"name": "Ops team", "type": "email", "email": "ops@example.com"}
    )
    editor_client.post(f"/handlers/{handler_id}/toggle/", {}, headers=HTMX)
    assert server.app.store.get(handler_id)["is_enabled"] == 0
    editor_client.post(f"/handlers/{handler_id}/toggle/", {"enabled": "on"}, headers=HTMX)
    stored = server.app.store.get(handler_id)
    assert stored["name"] == "Ops team" and stored["is_enabled"] == 1
    assert server.app.confirmations_sent[handler_id] == 0


def test_a_pending_address_explains_itself(sandbox, editor_client: Client) -> None:
    server = sandbox()
    token = editor_client.get("/handlers/new/").text.split('name="submit_token" value="')[1].split('"')[0]
    response = editor_client.post(
        "/handlers/new/",
        {"name": "New inbox", "type": "email", "email": "new@example.com", "submit_token": token},
        follow=True,
    )
    assert "Waiting for the address to be confirmed: the product emailed a link to it." in response.text
    assert sum(server.app.confirmations_sent.values()) == 1


def test_a_switch_of_a_stale_handler_is_shown_as_done_in_this_panel(confirmed_email, editor_client: Client) -> None:
    _server, handler_id = confirmed_email
    editor_client.post(f"/handlers/{handler_id}/toggle/", {}, headers=HTMX)
    page = editor_client.get(f"/handlers/{handler_id}/").text
    assert "switched off by eddie in this panel" in page


@pytest.fixture
def foreign_id(confirmed_email) -> int:
    server, _handler_id = confirmed_email
    rows, _total = server.app.store.search(Filters(type="whatsapp"), page=1, per_page=10)
    return rows[0]["id"]


def test_foreign_types_render_everywhere(foreign_id: int, admin_client: Client) -> None:
    table = admin_client.get("/handlers/?type=whatsapp")
    assert table.status_code == 200 and "WhatsApp support line" in table.text and "#type-unknown" in table.text
    assert f'hx-post="/handlers/{foreign_id}/toggle/"' not in table.text
    detail = admin_client.get(f"/handlers/{foreign_id}/")
    assert detail.status_code == 200 and "whatsapp" in detail.text and "+14155550199" not in detail.text
    assert "cannot change channels of type “whatsapp”" in detail.text
    assert admin_client.get("/overview/").status_code == 200
    rows = list(csv.DictReader(io.StringIO(admin_client.get("/handlers/export.csv?type=whatsapp").text)))
    assert [row["type"] for row in rows] == ["whatsapp"]
    exported = json.loads(admin_client.get("/handlers/export.json?type=whatsapp").text)["handlers"]
    assert exported[0]["settings"] == {"whatsapp": "••••0199"}


def test_changing_a_foreign_type_is_refused_before_any_call(
    foreign_id: int, confirmed_email, editor_client: Client, admin_client: Client
) -> None:
    server, _handler_id = confirmed_email
    requests_before = len(server.app.requests)
    for url in (f"/handlers/{foreign_id}/edit/", f"/handlers/{foreign_id}/duplicate/"):
        response = editor_client.get(url)
        assert response.status_code == 409 and "cannot change channels of type “whatsapp”" in response.text
    response = editor_client.post(f"/handlers/{foreign_id}/toggle/", {"enabled": "on"}, headers=HTMX)
    assert "cannot change channels of type “whatsapp”" in response.text
    assert len(server.app.requests) == requests_before
    assert AuditEntry.objects.filter(handler_id=foreign_id).count() == 0
    admin_client.post(f"/handlers/{foreign_id}/delete/")
    assert server.app.store.get(foreign_id) is None


def test_a_129_character_name_is_refused_by_the_form(editor_client: Client) -> None:
    response = editor_client.post("/handlers/new/", {"name": "n" * 129, "type": "internal_notification"})
    assert response.status_code == 200
    assert "This can have at most 128 characters (it has 129)." in response.text
