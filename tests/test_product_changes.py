"""Changes made in the product, not through the panel, found by each refresh of the mirror against the real sandbox:
recorded once each in the audit trail as made in the product, with the window they were made in; what the panel
did itself never a second time, however its answer came (in full, only an id, late, never)."""

import json
import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
import responses
from django.test import Client
from django.utils import timezone
from responses import matchers

from handlers_admin import audit, mirror
from handlers_admin.models import AuditEntry, MirroredHandler, MirrorRefresh
from sandbox.server import Quirks
from sandbox.store import Filters
from tests.api import HTMX, LIST_URL, SECRETS, mock_all, page_json

TOKEN = "123456:SECRETtokenvalue0000000000"
NEW_TOKEN = "654321:SECRETothertoken1111111111"
SLACK = "https://hooks.slack.com/services/T/B/SECRETslack2222"


def add(server, **row) -> int:
    """A channel put straight into the product's store; `datetime=None` is created now."""
    return server.app.store.create(
        {"is_enabled": 1, "last_datetime": None, "datetime": "2026-01-01 00:00:00", "settings": {}} | row
    )


def found() -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(origin=AuditEntry.Origin.PRODUCT).order_by("id"))


def panel_entries() -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(origin=AuditEntry.Origin.PANEL).exclude(action__in=["sign_in", "sign_out"]))


@pytest.fixture
def account(sandbox, db):
    """The sandbox with a few channels, refreshed once: the copy the next refresh compares with."""

    def start(**options):
        server = sandbox(seed=False, **options)
        ids = {
            "slack": add(server, type="slack", name="Ops Slack", settings={"slack": SLACK}),
            "telegram": add(
                server, type="telegram", name="Night bot", settings={"telegram": TOKEN, "telegram_chat_id": "100"}
            ),
            "webhook": add(server, type="webhook", name="Billing hook", settings={"webhook": "https://example.com/h"}),
            "discord": add(
                server, type="discord", name="Support", settings={"discord": "https://discord.com/api/webhooks/1/x"}
            ),
            "google_chat": add(
                server, type="google_chat", name="Chat room", settings={"google_chat": "https://chat.googleapis.com/x"}
            ),
        }
        mirror.refresh()
        return server, ids

    return start


def test_the_first_refresh_and_one_that_finds_nothing_new_record_nothing(sandbox, db) -> None:
    sandbox()
    mirror.refresh()
    assert MirroredHandler.objects.count() == 150 and found() == []
    mirror.refresh()
    assert found() == []


def test_each_change_made_in_the_product_is_recorded_once_with_its_window(account) -> None:
    server, ids = account()
    previous = MirrorRefresh.objects.get().finished
    store = server.app.store
    created = add(server, type="email", name="New inbox", settings={"email": "new@example.com"}, datetime=None)
    store.delete(ids["webhook"])
    store.update(ids["slack"], {"name": "Ops Slack renamed"})
    store.update(ids["discord"], {"is_enabled": 0})
    store.update(ids["telegram"], {"settings": {"telegram": TOKEN, "telegram_chat_id": "200"}})
    store.update(ids["google_chat"], {"type": None, "settings": {"": ""}})
    mirror.refresh()
    refreshed = MirrorRefresh.objects.get().finished
    mirror.refresh()

    entries = found()
    by_change = {(entry.handler_id, entry.action): entry for entry in entries}
    assert len(entries) == len(by_change) == 6
    for entry in entries:
        assert (entry.actor, entry.actor_name, entry.outcome) == (None, "", "done")
        assert entry.since == previous and previous < entry.created <= refreshed
    made = by_change[(created, "create")]
    assert (made.handler_name, made.handler_type) == ("New inbox", "email")
    assert {"field": "email", "before": None, "after": "new@example.com"} in made.changes
    gone = by_change[(ids["webhook"], "delete")]
    assert (gone.handler_name, gone.handler_type) == ("Billing hook", "webhook")
    assert by_change[(ids["slack"], "edit")].changes == [
        {"field": "name", "before": "Ops Slack", "after": "Ops Slack renamed"}
    ]
    assert by_change[(ids["discord"], "disable")].changes == [{"field": "is_enabled", "before": "on", "after": "off"}]
    assert by_change[(ids["telegram"], "edit")].changes == [
        {"field": "telegram_chat_id", "before": "100", "after": "200"}
    ]
    lost = by_change[(ids["google_chat"], "type_lost")]
    assert lost.handler_type == "google_chat" and lost.changes[0]["before"] == "google_chat"


def test_a_secrets_change_is_only_said_changed(account, viewer_client: Client) -> None:
    server, ids = account()
    server.app.store.update(ids["telegram"], {"settings": {"telegram": NEW_TOKEN, "telegram_chat_id": "100"}})
    server.app.store.update(ids["slack"], {"settings": {"slack": SLACK.replace("2222", "3333")}})
    mirror.refresh()
    assert {entry.handler_id: entry.changes for entry in found()} == {
        ids["telegram"]: [{"field": "telegram", "secret": True}],
        ids["slack"]: [{"field": "slack", "secret": True}],
    }
    stored = json.dumps([entry.changes for entry in found()])
    # Neither value, nor the masked ends the mirror keeps of them.
    assert not any(part in stored for part in ("SECRET", "0000", "1111", "2222", "3333", "••••"))
    page = viewer_client.get("/audit/?origin=product").text
    assert "Bot token: changed" in page and "SECRET" not in page and "1111" not in page


@pytest.mark.parametrize("answer", ["full", "id only", "late", "late and not read back"])
def test_a_switch_made_through_the_panel_is_not_recorded_a_second_time(
    account, editor_client: Client, settings, answer: str
) -> None:
    server, ids = account(quirks=Quirks(full_answers=answer != "id only"))
    if answer.startswith("late"):
        settings.API_TIMEOUT = 0.3
        server.app.write_delay = 1.0
        server.app.failing_reads = answer == "late and not read back"
    editor_client.post(f"/handlers/{ids['discord']}/toggle/", {}, headers=HTMX)
    assert server.app.store.get(ids["discord"])["is_enabled"] == 0
    server.app.failing_reads = False
    mirror.refresh()
    mirror.refresh()
    assert found() == []
    (entry,) = panel_entries()
    assert (entry.action, entry.handler_id, entry.outcome) == ("disable", ids["discord"], "done")


@pytest.mark.parametrize("read_back", [True, False])
def test_a_create_whose_answer_was_lost_is_not_recorded_as_made_in_the_product(
    account, editor_client: Client, settings, read_back: bool
) -> None:
    server, _ids = account()
    settings.API_TIMEOUT = 0.3
    server.app.write_delay = 1.0
    server.app.failing_reads = not read_back
    token = re.search(r'name="submit_token" value="([^"]+)"', editor_client.get("/handlers/new/").text)[1]
    fields = {"name": "Made late", "type": "slack", "slack": SECRETS["slack"]["slack"], "submit_token": token}
    editor_client.post("/handlers/new/", fields)
    server.app.failing_reads = False
    mirror.refresh()
    mirror.refresh()
    made, _total = server.app.store.search(Filters(search="Made late"), 1, 10)
    assert len(made) == 1 and found() == []
    (entry,) = panel_entries()
    assert (entry.action, entry.handler_id, entry.outcome) == ("create", made[0]["id"], "done")


def test_a_change_the_product_shows_before_its_answer_came_is_the_panels(account, editor) -> None:
    """A refresh that reads the list while a write of the panel's is on its way (made, its answer not back yet)."""
    server, ids = account()
    with audit.recorded(editor, audit.Action.DISABLE, handler_id=ids["slack"], name="Ops Slack", handler_type="slack"):
        server.app.store.update(ids["slack"], {"is_enabled": 0})
        mirror.refresh()
    mirror.refresh()
    assert found() == [] and [entry.action for entry in panel_entries()] == ["disable"]


def test_the_scratch_channel_of_a_self_check_is_not_a_change(account) -> None:
    from handlers_admin import server_profile

    server, _ids = account()
    add(server, type="webhook", name=server_profile.SCRATCH_NAME, settings={"webhook": "https://example.invalid/x"})
    mirror.refresh()
    assert found() == []


def test_the_audit_shows_them_as_made_in_the_product_with_their_window_and_filters_by_origin(
    account, editor_client: Client, viewer_client: Client
) -> None:
    server, ids = account()
    # Ten minutes since the previous refresh, so that the window's ends are minutes apart.
    MirrorRefresh.objects.update(finished=timezone.now() - timedelta(minutes=10))
    server.app.store.update(ids["slack"], {"name": "Renamed in the product"})
    editor_client.post(f"/handlers/{ids['discord']}/toggle/", {}, headers=HTMX)
    mirror.refresh()
    (entry,) = found()

    page = viewer_client.get("/audit/?origin=product").text
    rows = page.split("<tbody>")[1].split("</tbody>")[0]
    assert rows.count("<tr>") == 1 and "Renamed in the product" in rows and "Support" not in rows
    assert "In the product" in rows and "between" in rows
    assert '<option value="product" selected>' in page
    # The window in the reader's time zone and language (French writes times as 14:05).
    viewer_client.cookies["tz"] = "Asia/Kolkata"
    french = viewer_client.get("/audit/?origin=product", headers={"Accept-Language": "fr"}).text
    for end in (entry.since, entry.created):
        assert timezone.localtime(end, ZoneInfo("Asia/Kolkata")).strftime("%H:%M") in french.split("<tbody>")[1]

    panel = viewer_client.get("/audit/?origin=panel").text.split("<tbody>")[1]
    assert "Support" in panel and "Renamed in the product" not in panel and "In the product" not in panel

    history = viewer_client.get(f"/handlers/{ids['slack']}/").text
    assert "In the product" in history and "Name: Ops Slack → Renamed in the product" in history


def test_the_compare_costs_no_query_per_channel(api: responses.RequestsMock, db, django_assert_max_num_queries) -> None:
    """Every one of 2000 channels renamed and switched off in the product: the queries grow with the batches the
    database takes at once, never with the channels."""
    items = mock_all(api, 2000)
    mirror.refresh()
    api.reset()
    changed = [item | {"name": f"Renamed {item['id']}", "is_enabled": 0} for item in items]
    for number in (1, 2):
        api.get(
            LIST_URL,
            json=page_json(changed[(number - 1) * 1000 : number * 1000], page=number, per_page=1000, total=2000),
            match=[matchers.query_param_matcher({"page": str(number), "results_per_page": "1000"})],
        )
    with django_assert_max_num_queries(len(items) // 10):
        mirror.refresh()
    assert len(found()) == 2 * len(items)
