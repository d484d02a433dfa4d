import html
import json

import pytest
import responses
from django.test import Client

from handlers_admin.models import AuditEntry
from tests.api import CREATE_URL, HTMX, handler_json, one_url
from tests.helpers import PASSWORD

SLACK = "https://hooks.slack.com/services/T1/B1/SECRETslack0002"
NEW_SLACK = "https://hooks.slack.com/services/T1/B1/SECRETnewer0003"


def handler_entries():
    # The fixtures' own sign-ins are recorded too; these tests are about the handler actions.
    return AuditEntry.objects.exclude(action__in=["sign_in", "sign_out", "sign_in_failed"])


def only_entry() -> AuditEntry:
    assert handler_entries().count() == 1
    return handler_entries().get()


def test_a_create_is_recorded_once_with_its_fields(api: responses.RequestsMock, editor, editor_client: Client) -> None:
    api.post(CREATE_URL, json={"data": {"id": 12}}, status=201)
    editor_client.post("/handlers/new/", {"name": "Alerts", "type": "slack", "slack": SLACK, "submit_token": "a"})
    entry = only_entry()
    assert (
        entry.actor,
        entry.actor_name,
        entry.action,
        entry.handler_id,
        entry.handler_name,
        entry.handler_type,
        entry.outcome,
    ) == (editor, "eddie", "create", 12, "Alerts", "slack", "done")
    assert entry.changes == [
        {"field": "name", "before": None, "after": "Alerts"},
        {"field": "type", "before": None, "after": "slack"},
        {"field": "slack", "secret": True},
    ]


def test_an_edit_records_before_and_after_and_only_that_a_secret_changed(
    api: responses.RequestsMock, editor_client: Client
) -> None:
    stored = handler_json(id=4, name="Old", type="slack", settings={"slack": SLACK})
    api.get(one_url(4), json={"data": stored})
    api.post(one_url(4), json={"data": {"id": 4}})
    api.get(one_url(4), json={"data": stored | {"name": "New", "settings": {"slack": NEW_SLACK}}})
    editor_client.post("/handlers/4/edit/", {"name": "New", "type": "slack", "slack": NEW_SLACK})
    entry = only_entry()
    assert (entry.action, entry.handler_id, entry.handler_name) == ("edit", 4, "New")
    assert entry.changes == [{"field": "name", "before": "Old", "after": "New"}, {"field": "slack", "secret": True}]


@pytest.mark.parametrize(
    ("checked", "action", "before", "after"), [(True, "enable", "off", "on"), (False, "disable", "on", "off")]
)
def test_a_toggle_is_recorded_without_an_extra_call(
    api: responses.RequestsMock, editor_client: Client, mirrored, checked: bool, action: str, before: str, after: str
) -> None:
    mirrored(handler_json(id=7, name="Ops", type="webhook", is_enabled=0 if checked else 1))
    api.post(one_url(7), json={"data": {"id": 7}})
    # What a browser posts besides the wanted state is not believed: the mirror says what the handler is.
    data = {"name": "Anything", "type": "slack", "was": "2"} | ({"enabled": "on"} if checked else {})
    editor_client.post("/handlers/7/toggle/", data, headers=HTMX)
    assert len(api.calls) == 1
    entry = only_entry()
    assert (entry.action, entry.handler_id, entry.handler_name, entry.handler_type) == (action, 7, "Ops", "webhook")
    assert entry.changes == [{"field": "is_enabled", "before": before, "after": after}]


def test_a_delete_is_recorded(api: responses.RequestsMock, admin_member, admin_client: Client) -> None:
    api.get(one_url(3), json={"data": handler_json(id=3, name="Night", type="slack", settings={"slack": SLACK})})
    api.delete(one_url(3), body="")
    admin_client.post("/handlers/3/delete/")
    entry = only_entry()
    assert (entry.actor, entry.action, entry.handler_id, entry.handler_name, entry.handler_type) == (
        admin_member,
        "delete",
        3,
        "Night",
        "slack",
    )


def test_a_refused_action_records_the_apis_message(api: responses.RequestsMock, editor_client: Client) -> None:
    api.post(
        CREATE_URL,
        status=401,
        json={"errors": [{"title": "Your have exceeded the limits of your current plan.", "status": 401}]},
    )
    editor_client.post(
        "/handlers/new/", {"name": "More", "type": "email", "email": "a@example.com", "submit_token": "b"}
    )
    entry = only_entry()
    assert entry.outcome == "refused" and "limits of your current plan" in entry.message and entry.handler_id is None


def test_a_refused_toggle_is_recorded_too(api: responses.RequestsMock, editor_client: Client, mirrored) -> None:
    mirrored(handler_json(id=7, name="Gone", type="slack", settings={"slack": "https://hooks.slack.com/x"}))
    api.post(one_url(7), status=404, json={"errors": [{"title": "Not found", "status": 404}]})
    editor_client.post("/handlers/7/toggle/", {}, headers=HTMX)
    entry = only_entry()
    assert (entry.action, entry.outcome) == ("disable", "refused") and "deleted" in entry.message


def test_no_secret_value_appears_in_any_record(api: responses.RequestsMock, editor_client: Client) -> None:
    api.post(CREATE_URL, json={"data": {"id": 12}}, status=201)
    editor_client.post(
        "/handlers/new/",
        {
            "name": "S",
            "type": "telegram",
            "telegram": "123456:SECRETtokenvalue00000000000",
            "telegram_chat_id": "5",
            "submit_token": "c",
        },
    )
    stored = handler_json(
        id=12,
        name="S",
        type="telegram",
        settings={"telegram": "123456:SECRETtokenvalue00000000000", "telegram_chat_id": "5"},
    )
    api.get(one_url(12), json={"data": stored})
    api.post(
        one_url(12),
        status=401,
        json={"errors": [{"title": "Rejected 123456:SECRETtokenvalue00000000000", "status": 401}]},
    )
    editor_client.post(
        "/handlers/12/edit/",
        {"name": "S", "type": "telegram", "telegram": "654321:SECRETothertoken0000000000", "telegram_chat_id": "6"},
    )
    dump = json.dumps(list(AuditEntry.objects.values()), default=str)
    assert handler_entries().count() == 2 and "SECRET" not in dump


def test_sign_in_sign_out_and_failed_sign_ins_are_recorded(viewer, client: Client) -> None:
    client.post("/accounts/login/", {"login": "vera", "password": "wrong"})
    client.post("/accounts/login/", {"login": "vera", "password": PASSWORD})
    client.post("/accounts/logout/")
    entries = list(AuditEntry.objects.order_by("id").values_list("action", "actor_name", "outcome"))
    assert entries == [("sign_in_failed", "vera", "refused"), ("sign_in", "vera", "done"), ("sign_out", "vera", "done")]


def test_every_role_can_read_the_trail_newest_first(viewer_client: Client) -> None:
    AuditEntry.objects.all().delete()
    AuditEntry.objects.create(actor_name="ada", action="delete", handler_id=1, handler_name="First")
    AuditEntry.objects.create(
        actor_name="eddie",
        action="disable",
        handler_id=2,
        handler_name="Second",
        changes=[{"field": "is_enabled", "before": "on", "after": "off"}],
    )
    text = viewer_client.get("/audit/").text
    assert text.index("Second") < text.index("First")
    assert "Enabled: On → Off" in text and "Switched off" in text


def test_anonymous_visitors_cannot_read_the_trail(client: Client, db) -> None:
    assert client.get("/audit/").status_code == 302


def test_the_trail_filters_and_pages_over_htmx(viewer_client: Client) -> None:
    AuditEntry.objects.all().delete()
    for number in range(30):
        AuditEntry.objects.create(
            actor_name="ada" if number % 2 else "eddie",
            action="edit",
            handler_id=number,
            handler_name=f"Handler {number}",
        )
    AuditEntry.objects.create(actor_name="ada", action="delete", handler_id=99, handler_name="Doomed")
    assert "1–25 of 31" in viewer_client.get("/audit/").text
    page = viewer_client.get("/audit/?member=ada&action=edit", headers=HTMX).text
    assert page.lstrip().startswith('<section id="audit-table"') and "1–15 of 15" in page
    assert "Doomed" in viewer_client.get("/audit/?handler=99").text
    assert "1–1 of 1" in viewer_client.get("/audit/?handler=doom").text
    assert "Nothing recorded matches" in viewer_client.get("/audit/?date_to=2000-01-01").text
    assert "Enter a date like 2026-01-31." in viewer_client.get("/audit/?date_from=soon").text
    second = viewer_client.get("/audit/?page=2").text
    assert "26–31 of 31" in second and 'href="?page=1"' in second


def test_a_handlers_page_shows_its_history(api: responses.RequestsMock, viewer_client: Client) -> None:
    AuditEntry.objects.create(actor_name="eddie", action="enable", handler_id=3, handler_name="Mine")
    AuditEntry.objects.create(actor_name="ada", action="delete", handler_id=4, handler_name="Other")
    api.get(one_url(3), json={"data": handler_json(id=3, name="Mine")})
    text = viewer_client.get("/handlers/3/").text
    assert "Switched on" in text and "Other" not in text


def test_admins_can_see_but_not_change_records_in_the_admin(admin_client: Client) -> None:
    entry = AuditEntry.objects.create(actor_name="eddie", action="enable", handler_id=3, handler_name="Mine")
    assert admin_client.get("/admin/handlers_admin/auditentry/").status_code == 200
    assert admin_client.get(f"/admin/handlers_admin/auditentry/{entry.pk}/change/").status_code == 200
    assert admin_client.get("/admin/handlers_admin/auditentry/add/").status_code == 403
    assert (
        admin_client.post(f"/admin/handlers_admin/auditentry/{entry.pk}/change/", {"actor_name": "forged"}).status_code
        == 403
    )
    assert admin_client.post(f"/admin/handlers_admin/auditentry/{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    entry.refresh_from_db()
    assert entry.actor_name == "eddie"


def test_a_test_send_is_recorded_as_what_happened_and_read_in_the_readers_language(
    receiver, editor_client: Client, viewer_client: Client
) -> None:
    receiver.status = 404
    typed = {"name": "Ops", "type": "slack", "slack": "https://hooks.slack.com/services/T1/B1/abc"}
    sent = html.unescape(editor_client.post("/handlers/test/", typed, headers=HTMX | {"Accept-Language": "fr"}).text)
    assert "Slack indique que cette adresse n'existe plus (404)." in sent
    entry = AuditEntry.objects.get(action="test")
    assert entry.message == "" and entry.details == {"code": "answered", "status": 404}
    polish = html.unescape(viewer_client.get("/audit/", headers={"Accept-Language": "pl"}).text)
    assert "Slack zgłasza, że ten adres już nie istnieje (404)." in polish and "indique" not in polish
    assert "Slack says this address no longer exists (404)." in viewer_client.get("/audit/").text


def test_a_test_the_panel_refused_to_send_is_recorded_without_words(receiver, editor_client: Client, settings) -> None:
    settings.TEST_SEND_RESOLVER = {"hooks.slack.com": ["10.0.0.1"]}
    typed = {"name": "Ops", "type": "slack", "slack": "https://hooks.slack.com/services/T1/B1/abc"}
    editor_client.post("/handlers/test/", typed, headers=HTMX | {"Accept-Language": "de"})
    entry = AuditEntry.objects.get(action="test")
    assert entry.message == "" and entry.details == {"code": "internal_address"}
    assert "points inside a private network" in editor_client.get("/audit/").text


def test_an_older_test_entry_that_kept_only_its_words_still_shows_them(viewer_client: Client) -> None:
    AuditEntry.objects.create(
        actor_name="eddie",
        action="test",
        handler_id=4,
        handler_name="Ops",
        handler_type="slack",
        outcome="refused",
        message="Slack indique que cette adresse n'existe plus (404).",
    )
    assert "Slack indique que cette adresse n'existe plus (404)." in html.unescape(viewer_client.get("/audit/").text)
