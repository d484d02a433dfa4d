"""Undoing a bulk switch: exactly the channels the job switched are switched back, as a job linked to it, leaving
alone (and naming) those changed since, whoever or whatever changed them."""

import pytest
from django.contrib.auth.models import User
from django.test import Client

from handlers_admin import jobs, mirror, services
from handlers_admin.models import AuditEntry, Job, JobItem, MirroredHandler
from handlers_admin.roles import Role
from sandbox.store import Filters
from tests.helpers import known_server, make_member


def ids_in_state(server, enabled: int, count: int) -> list[int]:
    rows, _total = server.app.store.search(Filters(is_enabled=enabled), page=1, per_page=count)
    return [row["id"] for row in rows]


def posts(server) -> list[str]:
    return sorted(request for request in server.app.requests if request.startswith("POST"))


def posted_to(ids: list[int]) -> list[str]:
    return sorted(f"POST /api/notification-handlers/{i}" for i in ids)


@pytest.fixture
def worker_sandbox(sandbox, db):
    server = sandbox()
    mirror.refresh()
    return server


@pytest.fixture
def switched_off(worker_sandbox, editor: User) -> tuple[Job, list[int], int]:
    """A finished job that switched 20 channels off, and skipped one that was already off."""
    on = ids_in_state(worker_sandbox, 1, 20)
    already_off = ids_in_state(worker_sandbox, 0, 1)[0]
    job = jobs.start_bulk(editor, Job.Kind.DISABLE, [*on, already_off])
    jobs.process(job.pk)
    job.refresh_from_db()
    assert job.status == "done" and jobs.counts(job)["done"] == 20 and jobs.counts(job)["skipped"] == 1
    worker_sandbox.app.requests.clear()
    return job, on, already_off


@pytest.fixture
def alice(db) -> User:
    return make_member("alice", Role.EDITOR)


def test_an_undo_switches_back_exactly_what_the_job_switched_but_what_another_member_changed(
    worker_sandbox, switched_off, editor: User, alice: User
) -> None:
    job, on, already_off = switched_off
    services.toggle(alice, on[3], enabled=True)
    worker_sandbox.app.requests.clear()

    undo = jobs.start_undo(editor, job)
    assert undo is not None and undo.undoes == job and undo.kind == Job.Kind.ENABLE
    jobs.process(undo.pk)

    back = [i for i in on if i != on[3]]
    assert posts(worker_sandbox) == posted_to(back)
    store = worker_sandbox.app.store
    assert all(store.get(i)["is_enabled"] == 1 for i in back)
    assert store.get(already_off)["is_enabled"] == 0
    counted = jobs.counts(undo)
    assert (counted["done"], counted["skipped"], counted["total"]) == (19, 1, 20)
    skipped = JobItem.objects.get(job=undo, outcome="skipped")
    assert skipped.handler_id == on[3] and skipped.message.startswith("Switched on again by alice at ")
    assert not JobItem.objects.filter(job=undo, handler_id=already_off).exists()
    entries = AuditEntry.objects.filter(job=undo)
    assert sorted(entries.values_list("handler_id", flat=True)) == sorted(back)
    assert set(entries.values_list("action", flat=True)) == {"enable"}


def test_the_pages_offer_the_undo_name_its_count_and_what_it_skips_and_link_both_jobs(
    worker_sandbox, switched_off, editor_client: Client, alice: User
) -> None:
    job, on, _already_off = switched_off
    services.toggle(alice, on[3], enabled=True)
    page = editor_client.get(f"/jobs/{job.pk}/").text
    assert f'href="/jobs/{job.pk}/undo/"' in page and ">Undo</a>" in page

    confirmation = editor_client.get(f"/jobs/{job.pk}/undo/").text
    assert "Switch 19 channels back on?" in confirmation
    assert "1 channel is left as it is, changed since:" in confirmation
    assert MirroredHandler.objects.get(id=on[3]).name in confirmation
    assert "Switched on again by alice at " in confirmation
    assert not Job.objects.filter(undoes=job).exists()  # looking starts nothing

    response = editor_client.post(f"/jobs/{job.pk}/undo/")
    undo = Job.objects.get(undoes=job)
    assert response.status_code == 302 and response["Location"] == f"/jobs/{undo.pk}/"
    undo_page = editor_client.get(f"/jobs/{undo.pk}/").text
    assert "This job undoes:" in undo_page and f'href="/jobs/{job.pk}/"' in undo_page
    assert "Switched on again by alice at " in undo_page  # its skipped item
    first_page = editor_client.get(f"/jobs/{job.pk}/").text
    assert "This job was undone by:" in first_page and f'href="/jobs/{undo.pk}/"' in first_page
    assert f'href="/jobs/{job.pk}/undo/"' not in first_page
    listed = editor_client.get("/jobs/").text
    assert f"(undone by #{undo.pk})" in listed and f"(undoes #{job.pk})" in listed


def test_a_second_undo_is_refused_and_points_to_the_first(
    worker_sandbox, switched_off, editor_client: Client, admin_client: Client
) -> None:
    job, _on, _already_off = switched_off
    editor_client.post(f"/jobs/{job.pk}/undo/")
    undo = Job.objects.get(undoes=job)
    for client in (editor_client, admin_client):
        for response in (client.get(f"/jobs/{job.pk}/undo/"), client.post(f"/jobs/{job.pk}/undo/")):
            assert response.status_code == 302 and response["Location"] == f"/jobs/{undo.pk}/"
    assert Job.objects.filter(undoes=job).count() == 1
    assert "This job was undone already; here is its undo." in admin_client.get(f"/jobs/{undo.pk}/").text
    assert jobs.start_undo(make_member("otto", Role.EDITOR), job) == undo


def test_an_undo_of_a_cancelled_job_undoes_only_what_it_did(
    worker_sandbox, editor: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    on = ids_in_state(worker_sandbox, 1, 4)
    job = jobs.start_bulk(editor, Job.Kind.DISABLE, on)
    real_do = jobs._do

    def cancel_after_the_first(job_, item, actor):
        real_do(job_, item, actor)
        jobs.cancel(job_)

    monkeypatch.setattr(jobs, "_do", cancel_after_the_first)
    jobs.process(job.pk)
    monkeypatch.setattr(jobs, "_do", real_do)
    job.refresh_from_db()
    assert job.status == "cancelled"
    worker_sandbox.app.requests.clear()

    undo = jobs.start_undo(editor, job)
    assert undo is not None and list(undo.items.values_list("handler_id", flat=True)) == [on[0]]
    jobs.process(undo.pk)
    assert posts(worker_sandbox) == posted_to([on[0]])
    assert [worker_sandbox.app.store.get(i)["is_enabled"] for i in on] == [1, 1, 1, 1]


def test_a_change_made_in_the_product_meanwhile_is_found_before_the_first_switch_and_left_alone(
    worker_sandbox, switched_off, editor: User
) -> None:
    job, on, _already_off = switched_off
    undo = jobs.start_undo(editor, job)
    assert undo is not None and jobs.counts(undo)["pending"] == 20
    worker_sandbox.app.store.update(on[0], {"is_enabled": 1})  # someone switched it on in the product
    worker_sandbox.app.store.delete(on[1])

    jobs.process(undo.pk)
    assert posts(worker_sandbox) == posted_to(on[2:])
    reasons = dict(JobItem.objects.filter(job=undo, outcome="skipped").values_list("handler_id", "message"))
    assert reasons.keys() == {on[0], on[1]}
    assert reasons[on[0]].startswith("Changed in the product (found at ")
    assert reasons[on[1]].startswith("Deleted in the product (found at ")


def test_a_switch_made_while_the_undo_waits_is_left_alone(
    worker_sandbox, switched_off, editor: User, alice: User
) -> None:
    job, on, _already_off = switched_off
    undo = jobs.start_undo(editor, job)
    assert undo is not None
    other = jobs.start_bulk(alice, Job.Kind.ENABLE, [on[5]])
    jobs.process(other.pk)
    services.delete(alice, services.handler_from_api(on[6]))
    worker_sandbox.app.requests.clear()

    jobs.process(undo.pk)
    assert posts(worker_sandbox) == posted_to([i for i in on if i not in (on[5], on[6])])
    reasons = dict(JobItem.objects.filter(job=undo, outcome="skipped").values_list("handler_id", "message"))
    assert reasons[on[5]].startswith(f"Switched on again by alice (job #{other.pk}) at ")
    assert reasons[on[6]].startswith("Deleted by alice at ")


def test_the_copy_counts_too_when_no_entry_names_a_change(worker_sandbox, switched_off) -> None:
    job, on, _already_off = switched_off
    MirroredHandler.objects.filter(id=on[0]).update(state=1)
    MirroredHandler.objects.filter(id=on[1]).delete()
    plan = jobs.undo_plan(job)
    assert len(plan.switched_back) == 18
    assert {skip.item.handler_id: skip.reason for skip in plan.skipped} == {
        on[0]: "It is on now, not as this job left it.",
        on[1]: "It was deleted since.",
    }
    assert worker_sandbox.app.requests == []  # a confirmation costs no call


def test_an_undo_can_itself_be_undone(worker_sandbox, switched_off, editor: User, settings) -> None:
    settings.API_RATE_LIMIT = 1000  # the pace is tested elsewhere: three jobs of 20 would wait for the next minute
    job, on, _already_off = switched_off
    undo = jobs.start_undo(editor, job)
    assert undo is not None
    jobs.process(undo.pk)
    undo.refresh_from_db()
    worker_sandbox.app.requests.clear()
    again = jobs.start_undo(editor, undo)
    assert again is not None and again.kind == Job.Kind.DISABLE and again.undoes == undo
    jobs.process(again.pk)
    assert posts(worker_sandbox) == posted_to(on)
    assert all(worker_sandbox.app.store.get(i)["is_enabled"] == 0 for i in on)
    assert jobs.undo_of(job) == undo


def test_viewers_may_not_undo(worker_sandbox, switched_off, viewer_client: Client) -> None:
    job, _on, _already_off = switched_off
    assert f"/jobs/{job.pk}/undo/" not in viewer_client.get(f"/jobs/{job.pk}/").text
    assert viewer_client.get(f"/jobs/{job.pk}/undo/").status_code == 403
    assert viewer_client.post(f"/jobs/{job.pk}/undo/").status_code == 403
    assert not Job.objects.filter(undoes=job).exists()


def test_a_server_whose_update_erases_channels_refuses_the_undo_before_any_call(
    worker_sandbox, switched_off, editor: User, editor_client: Client
) -> None:
    job, _on, _already_off = switched_off
    known_server("erases")
    for response in (editor_client.get(f"/jobs/{job.pk}/undo/"), editor_client.post(f"/jobs/{job.pk}/undo/")):
        assert response.status_code == 302 and response["Location"] == f"/jobs/{job.pk}/"
    assert "erase" in editor_client.get(f"/jobs/{job.pk}/").text
    assert not Job.objects.filter(undoes=job).exists()

    # An undo started before the server was found so is refused by the worker, also before any call.
    known_server("keeps")
    undo = jobs.start_undo(editor, job)
    assert undo is not None
    known_server("erases")
    jobs.process(undo.pk)
    assert worker_sandbox.app.requests == []
    assert jobs.counts(undo)["failed"] == 20


def test_a_job_still_running_or_that_switched_nothing_offers_no_undo(
    worker_sandbox, editor: User, editor_client: Client
) -> None:
    running = jobs.start_bulk(editor, Job.Kind.DISABLE, ids_in_state(worker_sandbox, 1, 2))
    assert f"/jobs/{running.pk}/undo/" not in editor_client.get(f"/jobs/{running.pk}/").text
    assert editor_client.post(f"/jobs/{running.pk}/undo/")["Location"] == f"/jobs/{running.pk}/"
    nothing = jobs.start_bulk(editor, Job.Kind.DISABLE, ids_in_state(worker_sandbox, 0, 2))
    jobs.process(nothing.pk)
    assert f"/jobs/{nothing.pk}/undo/" not in editor_client.get(f"/jobs/{nothing.pk}/").text
    editor_client.post(f"/jobs/{nothing.pk}/undo/")
    assert not Job.objects.filter(undoes__isnull=False).exists()


def test_two_confirmations_at_once_start_one_undo(switched_off, editor: User, monkeypatch) -> None:
    job, _on, _already_off = switched_off
    first = jobs.start_undo(editor, job)
    # As when another member's confirmation got past the look for an earlier undo before this one was saved.
    answers = iter([None])
    monkeypatch.setattr(jobs, "undo_of", lambda _job: next(answers, first))
    assert jobs.start_undo(editor, job) == first
    assert Job.objects.filter(undoes=job).count() == 1
