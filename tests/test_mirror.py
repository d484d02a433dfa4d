import pickle
import threading
from datetime import timedelta

import pytest
import responses
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.utils import timezone

from handlers_admin import budget, mirror
from handlers_admin.models import AuditEntry, MirroredHandler, MirrorRefresh
from tests.api import LIST_URL, SECRETS, handler_json, mock_all, one_url, page_json
from tests.helpers import run_queued_tasks


def test_a_refresh_reads_2500_handlers_in_3_calls_and_keeps_no_secret(api: responses.RequestsMock, db) -> None:
    mock_all(api, 2500)
    assert mirror.refresh() == 3
    assert MirroredHandler.objects.count() == 2500
    assert not MirroredHandler.objects.filter(shown_settings__icontains="SECRET").exists()
    assert MirroredHandler.objects.get(id=7).shown_settings == {"slack": "••••7xyz"}


def test_handlers_removed_upstream_leave_at_the_next_refresh(api: responses.RequestsMock, db) -> None:
    api.get(LIST_URL, json=page_json([handler_json(id=1), handler_json(id=2)], per_page=1000))
    mirror.refresh()
    api.replace(responses.GET, LIST_URL, json=page_json([handler_json(id=2)], per_page=1000))
    mirror.refresh()
    assert list(MirroredHandler.objects.values_list("id", flat=True)) == [2]


def test_one_process_refreshes_while_the_others_serve_their_copy(api: responses.RequestsMock, mirrored) -> None:
    mirrored(handler_json(id=1))
    cache.add(mirror.LOCK_KEY, 1, 60)  # another process is refreshing
    freshness = mirror.ensure_fresh(force=True)
    assert freshness.updated is not None and len(api.calls) == 0


def test_a_fresh_copy_costs_no_call_and_an_old_one_one(api: responses.RequestsMock, mirrored) -> None:
    mirrored(handler_json(id=1))
    api.get(LIST_URL, json=page_json([handler_json(id=1), handler_json(id=2)], per_page=1000))
    mirror.ensure_fresh()
    assert len(api.calls) == 0
    MirrorRefresh.objects.update(finished=timezone.now() - timedelta(seconds=31))
    mirror.ensure_fresh()
    mirror.ensure_fresh()
    # The page did not wait: the worker refreshes the old copy, once for both pages.
    assert len(api.calls) == 0 and run_queued_tasks() == ["refresh_mirror"]
    assert len(api.calls) == 1 and MirroredHandler.objects.count() == 2


def test_large_accounts_are_refreshed_less_often(mirrored, settings) -> None:
    mirrored(handler_json(id=1))
    last = mirror.last_refresh()
    assert last is not None
    last.calls = 10  # 10,000 handlers: ten calls a refresh, at most twelve calls a minute for refreshes
    assert mirror.refresh_interval(last) == 50


def test_writes_patch_the_mirror_at_once(api: responses.RequestsMock, mirrored, editor_client: Client) -> None:
    mirrored(handler_json(id=3, name="Night", type="slack", settings=SECRETS["slack"], is_enabled=1))
    api.post(one_url(3), json={"data": {"id": 3}})
    editor_client.post("/handlers/3/toggle/", {}, headers={"HX-Request": "true"})
    assert MirroredHandler.objects.get(id=3).state == 0


def test_a_deleted_handler_leaves_the_mirror(api: responses.RequestsMock, mirrored, admin_client: Client) -> None:
    mirrored(handler_json(id=3))
    api.delete(one_url(3), body="")
    admin_client.post("/handlers/3/delete/")
    assert not MirroredHandler.objects.filter(id=3).exists()
    # The delete was its only call: the handler's name and type for the audit trail came from the mirror.
    assert [call.request.method for call in api.calls] == ["DELETE"]


def test_no_secret_value_rests_in_the_database_or_the_cache(api: responses.RequestsMock, editor_client: Client) -> None:
    secret = SECRETS["telegram"]["telegram"]
    api.post(LIST_URL.rstrip("/"), json={"data": {"id": 9}}, status=201)
    editor_client.get("/handlers/new/")
    token_page = editor_client.get("/handlers/new/").text
    token = token_page.split('name="submit_token" value="')[1].split('"')[0]
    editor_client.post(
        "/handlers/new/",
        {"name": "Bot", "type": "telegram", "submit_token": token} | SECRETS["telegram"],
    )
    api.get(one_url(9), json={"data": handler_json(id=9, type="telegram", settings=SECRETS["telegram"])})
    editor_client.get("/handlers/9/edit/")
    stored = [str(row.shown_settings) for row in MirroredHandler.objects.all()]
    stored += [str(entry.changes) + entry.message for entry in AuditEntry.objects.all()]
    assert stored and not any(secret in text for text in stored)
    cached = pickle.dumps(dict(cache._cache))  # type: ignore[attr-defined]
    assert secret.encode() not in cached


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("variant", ["full", "basic"])
def test_concurrent_pages_refresh_the_mirror_once(sandbox, variant: str) -> None:
    sandbox(variant=variant)
    start = threading.Barrier(4)
    results: list[mirror.Freshness] = []

    def page_view() -> None:
        start.wait()
        try:
            results.append(mirror.ensure_fresh())
        finally:
            connection.close()

    threads = [threading.Thread(target=page_view) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(results) == 4 and all(result.updated and not result.problem for result in results)
    assert budget.used() == 1
    assert MirroredHandler.objects.count() == 150


def test_a_create_and_an_edit_patch_the_mirror(api: responses.RequestsMock, editor_client: Client) -> None:
    api.post(LIST_URL.rstrip("/"), json={"data": handler_json(id=5, name="Fresh", type="slack")}, status=201)
    token = editor_client.get("/handlers/new/").text.split('name="submit_token" value="')[1].split('"')[0]
    fields = {"name": "Fresh", "type": "slack", "slack": SECRETS["slack"]["slack"], "submit_token": token}
    editor_client.post("/handlers/new/", fields)
    assert MirroredHandler.objects.get(id=5).name == "Fresh"

    stored = handler_json(id=5, name="Fresh", type="slack", settings=SECRETS["slack"])
    api.get(one_url(5), json={"data": stored})
    api.post(one_url(5), json={"data": {"id": 5}})
    api.get(one_url(5), json={"data": stored | {"name": "Renamed"}})
    editor_client.post("/handlers/5/edit/", {"name": "Renamed", "type": "slack", "slack": ""})
    row = MirroredHandler.objects.get(id=5)
    assert row.name == "Renamed" and row.shown_settings == {"slack": "••••0002"}
