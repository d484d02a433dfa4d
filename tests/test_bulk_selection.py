"""Selecting handlers in the table, and starting bulk jobs on the selection, within each role's rights."""

import re

import pytest
from django.test import Client

from handlers_admin.models import Job, JobItem
from tests.api import HTMX, handler_json


@pytest.fixture
def thirty(mirrored) -> None:
    mirrored(
        *[
            handler_json(id=i, name=f"H{i:02d}", type="slack", settings={"slack": "x"}, is_enabled=i % 2)
            for i in range(1, 31)
        ]
    )


def selected_count(text: str) -> int:
    return int(re.search(r"(\d+) channels? selected", text)[1])


def test_the_selection_survives_paging_and_filters(thirty, editor_client: Client) -> None:
    shown = ",".join(str(i) for i in range(30, 5, -1))
    response = editor_client.post("/handlers/selection/", {"action": "page", "shown": shown}, headers=HTMX)
    assert selected_count(response.text) == 25 and response.text.count('hx-swap-oob="true"') == 25
    editor_client.post("/handlers/selection/", {"action": "one", "id": "3", "selected": "1"}, headers=HTMX)
    page_two = editor_client.get("/handlers/?page=2").text
    assert selected_count(page_two) == 26
    assert re.search(r'id="select-3"[^>]* checked', page_two)
    filtered = editor_client.get("/handlers/?is_enabled=0").text
    assert selected_count(filtered) == 26
    response = editor_client.post("/handlers/selection/", {"action": "one", "id": "3"}, headers=HTMX)
    assert selected_count(response.text) == 25


def test_select_all_matching_takes_every_page(thirty, editor_client: Client) -> None:
    response = editor_client.post("/handlers/selection/", {"action": "matching", "is_enabled": "1"}, headers=HTMX)
    assert selected_count(response.text) == 15
    response = editor_client.post("/handlers/selection/", {"action": "clear"}, headers=HTMX)
    assert selected_count(response.text) == 0


def test_a_bulk_action_confirms_the_count_and_first_names_then_starts_a_job(thirty, editor_client: Client) -> None:
    editor_client.post("/handlers/selection/", {"action": "matching", "is_enabled": "1"}, headers=HTMX)
    confirm = editor_client.get("/jobs/new/?kind=disable").text
    assert "Switch off: 15 channels?" in confirm and "and more" in confirm
    # The first ten, in the table's order (newest first).
    assert re.findall(r"<li>(H\d\d)</li>", confirm) == [f"H{i}" for i in range(29, 10, -2)]
    response = editor_client.post("/jobs/new/", {"kind": "disable"})
    job = Job.objects.get()
    assert response["Location"] == f"/jobs/{job.pk}/"
    assert job.kind == "disable" and JobItem.objects.filter(job=job).count() == 15
    page = editor_client.get(f"/jobs/{job.pk}/").text
    assert "Waiting for the worker" in page and 'hx-trigger="every 2s"' in page and "0 done" in page
    assert selected_count(editor_client.get("/handlers/").text) == 0


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        ("viewer_client", set()),
        ("editor_client", {"enable", "disable"}),
        ("admin_client", {"enable", "disable", "delete"}),
    ],
)
def test_each_role_may_start_only_its_own_bulk_actions(request, thirty, who: str, allowed: set[str]) -> None:
    client = request.getfixturevalue(who)
    if not allowed:
        assert client.post("/handlers/selection/", {"action": "clear"}, headers=HTMX).status_code == 403
    for kind in ("enable", "disable", "delete"):
        if allowed:
            client.post("/handlers/selection/", {"action": "one", "id": "1", "selected": "1"}, headers=HTMX)
        status = client.post("/jobs/new/", {"kind": kind}).status_code
        assert (status == 302) == (kind in allowed), (who, kind, status)
    assert sorted(Job.objects.values_list("kind", flat=True)) == sorted(allowed)


def test_every_member_can_follow_jobs_but_only_editors_cancel(
    thirty, editor_client: Client, viewer_client: Client
) -> None:
    editor_client.post("/handlers/selection/", {"action": "one", "id": "1", "selected": "1"}, headers=HTMX)
    editor_client.post("/jobs/new/", {"kind": "disable"})
    job = Job.objects.get()
    assert viewer_client.get("/jobs/").status_code == 200 and viewer_client.get(f"/jobs/{job.pk}/").status_code == 200
    assert viewer_client.post(f"/jobs/{job.pk}/cancel/").status_code == 403
    editor_client.post(f"/jobs/{job.pk}/cancel/")
    job.refresh_from_db()
    assert job.status == "cancelled" and list(job.items.values_list("outcome", flat=True)) == ["cancelled"]
