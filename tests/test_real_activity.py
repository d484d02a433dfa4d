"""A channel's real activity leaves out the product's stamps of changes made through the panel: a stale channel
switched off here stays as idle as it was, while a change made in the product counts. Against the real sandbox,
whose every update stamps `last_datetime` as real servers do."""

import csv
import html
import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from handlers_admin import mirror
from handlers_admin.models import MirroredHandler
from sandbox.server import Quirks
from sandbox.store import TIME_FORMAT
from tests.api import HTMX, SECRETS


def ago(**delta: float) -> str:
    return (datetime.now(UTC) - timedelta(**delta)).strftime(TIME_FORMAT)


def add(server, **row) -> int:
    return server.app.store.create({"is_enabled": 1, "datetime": ago(days=200)} | row)


def listed(client: Client, query: str) -> list[int]:
    text = client.get(f"/handlers/{query}", headers=HTMX).text
    return [int(found) for found in re.findall(r'<td class="opt muted id">(\d+)</td>', text)]


def stale_listed(client: Client) -> list[str]:
    page = client.get("/overview/").text
    stale = page.split('id="stale-title"')[1]
    return re.findall(r'<td class="name"><a href="/handlers/(\d+)/"', stale)


@pytest.fixture
def idle_account(sandbox, db):
    """Two Slack channels and a webhook, each on and inactive for 100 days, refreshed once."""

    def start(**options):
        server = sandbox(seed=False, **options)
        ids = [
            add(server, type="slack", name=name, settings=SECRETS["slack"], last_datetime=ago(days=100))
            for name in ("Old Slack", "Older Slack")
        ]
        ids.append(
            add(server, type="webhook", name="Old hook", settings=SECRETS["webhook"], last_datetime=ago(days=100))
        )
        mirror.refresh()
        return server, ids

    return start


@pytest.mark.parametrize("answers", ["full", "id only"])
def test_a_channel_switched_off_through_the_panel_stays_inactive(
    idle_account, editor_client: Client, viewer_client: Client, answers: str
) -> None:
    server, (switched, flipped, hook) = idle_account(quirks=Quirks(full_answers=answers == "full"))
    assert set(listed(viewer_client, "?activity=idle90d")) == {switched, flipped, hook}
    editor_client.post(f"/handlers/{switched}/toggle/", {}, headers=HTMX)
    # Switched off and on again: still on, so still stale.
    editor_client.post(f"/handlers/{flipped}/toggle/", {}, headers=HTMX)
    editor_client.post(f"/handlers/{flipped}/toggle/", {"enabled": "on"}, headers=HTMX)
    mirror.refresh()

    today = datetime.now(UTC).date()
    for handler_id in (switched, flipped):
        stamped = datetime.strptime(server.app.store.get(handler_id)["last_datetime"], TIME_FORMAT)
        assert stamped.date() == today
        assert MirroredHandler.objects.get(id=handler_id).last_activity.date() == today
    assert server.app.store.get(switched)["is_enabled"] == 0
    assert set(listed(viewer_client, "?activity=idle90d")) == {switched, flipped, hook}
    assert listed(viewer_client, "?activity=7d") == []
    assert str(flipped) in stale_listed(viewer_client)


def test_a_change_made_in_the_product_counts_as_activity(idle_account, viewer_client: Client) -> None:
    server, (renamed, untouched, _hook) = idle_account()
    server.app.store.update(renamed, {"name": "Renamed in the product", "last_datetime": ago(seconds=0)})
    mirror.refresh()
    assert listed(viewer_client, "?activity=24h") == [renamed]
    assert renamed not in listed(viewer_client, "?activity=idle90d")
    assert untouched in listed(viewer_client, "?activity=idle90d")
    assert str(renamed) not in stale_listed(viewer_client) and str(untouched) in stale_listed(viewer_client)


def test_a_product_clock_a_little_off_still_tells_the_panels_change(
    idle_account, editor_client: Client, viewer_client: Client
) -> None:
    server, (switched, _other, _hook) = idle_account(quirks=Quirks(full_answers=False))
    editor_client.post(f"/handlers/{switched}/toggle/", {}, headers=HTMX)
    # The product's clock 90 seconds ahead of the panel's.
    server.app.store.update(
        switched, {"last_datetime": (datetime.now(UTC) + timedelta(seconds=90)).strftime(TIME_FORMAT)}
    )
    mirror.refresh()
    assert switched in listed(viewer_client, "?activity=idle90d")


def test_the_table_sorts_and_exports_by_the_real_activity(
    idle_account, editor_client: Client, viewer_client: Client
) -> None:
    server, (switched, other, hook) = idle_account()
    server.app.store.update(other, {"last_datetime": ago(days=10)})
    server.app.store.update(hook, {"last_datetime": ago(days=50)})
    editor_client.post(f"/handlers/{switched}/toggle/", {}, headers=HTMX)
    mirror.refresh()
    assert listed(viewer_client, "?order_by=last_datetime&order_type=DESC") == [other, hook, switched]
    rows = {
        int(row["id"]): row
        for row in csv.DictReader(io.StringIO(viewer_client.get("/handlers/export.csv").content.decode()))
    }
    today = datetime.now(UTC).date().isoformat()
    assert rows[switched]["last_activity_utc"].startswith(today)
    assert rows[switched]["real_activity_utc"].startswith(ago(days=100)[:10])
    assert rows[other]["real_activity_utc"] == rows[other]["last_activity_utc"] != ""


def test_a_channel_created_and_edited_through_the_panel_is_never_active(
    sandbox, db, editor_client: Client, viewer_client: Client
) -> None:
    sandbox(seed=False)
    mirror.refresh()
    token = re.search(r'name="submit_token" value="([^"]+)"', editor_client.get("/handlers/new/").text)[1]
    fields = {"name": "Fresh", "type": "slack", "slack": SECRETS["slack"]["slack"], "submit_token": token}
    editor_client.post("/handlers/new/", fields)
    created = MirroredHandler.objects.get(name="Fresh").id
    editor_client.get(f"/handlers/{created}/edit/")
    editor_client.post(f"/handlers/{created}/edit/", {"name": "Fresh renamed", "type": "slack", "slack": ""})
    mirror.refresh()
    row = MirroredHandler.objects.get(id=created)
    assert row.name == "Fresh renamed" and row.last_activity is not None and row.real_activity is None
    assert listed(viewer_client, "?activity=never") == [created]


def test_a_channels_page_shows_both_dates(idle_account, editor_client: Client, viewer_client: Client) -> None:
    _server, (switched, _other, _hook) = idle_account()
    editor_client.post(f"/handlers/{switched}/toggle/", {}, headers=HTMX)
    page = html.unescape(viewer_client.get(f"/handlers/{switched}/").text)
    activity = page.split(">Last activity</dt>")[1].split("</dd>")[0]
    assert "3 months ago" in activity and "changes made through this panel are not counted" in activity
    product = page.split(">The product's own date</dt>")[1].split("</dd>")[0]
    assert "just now" in product or "minute ago" in product
    assert "switched off by eddie in this panel" in product and "it counts every change" in product
