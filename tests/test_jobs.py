"""Bulk jobs run by the worker: pacing, skipping, waiting on a 429, resuming, cancelling, retrying."""

import pytest
import responses
from django.contrib.auth.models import User
from django.core.management import call_command

from handlers_admin import budget, jobs, mirror
from handlers_admin.models import AuditEntry, Job, JobItem
from sandbox.store import Filters
from tests.api import handler_json, one_url


def on_ids(server, count: int) -> list[int]:
    rows, _total = server.app.store.search(Filters(is_enabled=1), page=1, per_page=count)
    return [row["id"] for row in rows]


def posts(server) -> list[str]:
    return [request for request in server.app.requests if request.startswith("POST")]


@pytest.fixture
def worker_sandbox(sandbox, db):
    server = sandbox()
    mirror.refresh()
    return server


def test_switching_off_skips_what_is_already_off_without_a_call(worker_sandbox, editor: User) -> None:
    on = on_ids(worker_sandbox, 3)
    rows, _total = worker_sandbox.app.store.search(Filters(is_enabled=0), page=1, per_page=1)
    job = jobs.start_bulk(editor, Job.Kind.DISABLE, [*on, rows[0]["id"]])
    jobs.process(job.pk)
    job.refresh_from_db()
    assert job.status == "done"
    assert jobs.counts(job) | {"total": 4} == {
        "pending": 0,
        "sending": 0,
        "done": 3,
        "skipped": 1,
        "failed": 0,
        "cancelled": 0,
        "total": 4,
    }
    assert sorted(posts(worker_sandbox)) == sorted(f"POST /api/notification-handlers/{i}" for i in on)
    assert all(worker_sandbox.app.store.get(i)["is_enabled"] == 0 for i in on)
    entries = AuditEntry.objects.filter(job=job)
    assert entries.count() == 3 and {e.action for e in entries} == {"disable"}


def test_a_job_that_meets_a_429_waits_and_goes_on(api: responses.RequestsMock, mirrored, editor: User) -> None:
    mirrored(handler_json(id=1, type="slack", settings={"slack": "x"}))
    api.post(
        one_url(1),
        status=429,
        json={"errors": [{"title": "Too many", "status": 429}]},
        headers={"X-RateLimit-Reset": "1"},
    )
    api.post(one_url(1), json={"data": {"id": 1}})
    job = jobs.start_bulk(editor, Job.Kind.DISABLE, [1])
    jobs.process(job.pk)
    assert [call.response.status_code for call in api.calls] == [429, 200]
    assert JobItem.objects.get(job=job).outcome == "done"


def test_a_job_taken_up_after_its_worker_stopped_acts_on_every_item_once(
    worker_sandbox, editor: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    on = on_ids(worker_sandbox, 5)
    job = jobs.start_bulk(editor, Job.Kind.DISABLE, on)
    finished = []
    real_finish = jobs._finish

    def stopped_on_the_third(item, outcome, message=""):
        if len(finished) == 2:
            raise SystemExit("the worker was stopped")  # after the third call went, before its outcome was kept
        finished.append(item.pk)
        real_finish(item, outcome, message)

    monkeypatch.setattr(jobs, "_finish", stopped_on_the_third)
    with pytest.raises(SystemExit):
        jobs.process(job.pk)
    monkeypatch.setattr(jobs, "_finish", real_finish)
    assert list(JobItem.objects.filter(job=job).values_list("outcome", flat=True)) == [
        "done",
        "done",
        "sending",
        "pending",
        "pending",
    ]

    Job.objects.filter(pk=job.pk).update(heartbeat=None)  # as after a while with no word from the worker
    assert jobs.take_up_abandoned() == 1
    jobs.process(job.pk)
    assert Job.objects.get(pk=job.pk).status == "done"
    assert sorted(posts(worker_sandbox)) == sorted(f"POST /api/notification-handlers/{i}" for i in on)
    assert JobItem.objects.get(job=job, position=2).message.startswith("Confirmed by a read")


def test_a_cancelled_job_stops_and_leaves_the_rest_undone(worker_sandbox, editor: User, monkeypatch) -> None:
    on = on_ids(worker_sandbox, 4)
    job = jobs.start_bulk(editor, Job.Kind.DISABLE, on)
    real_do = jobs._do

    def cancel_after_the_first(job_, item, actor):
        real_do(job_, item, actor)
        jobs.cancel(job_)

    monkeypatch.setattr(jobs, "_do", cancel_after_the_first)
    jobs.process(job.pk)
    job.refresh_from_db()
    assert job.status == "cancelled"
    assert list(job.items.values_list("outcome", flat=True)) == ["done", "cancelled", "cancelled", "cancelled"]
    assert len(posts(worker_sandbox)) == 1


def test_retrying_runs_the_failed_items_again(api: responses.RequestsMock, mirrored, editor: User, settings) -> None:
    mirrored(
        handler_json(id=1, type="slack", settings={"slack": "x"}),
        handler_json(id=2, type="slack", settings={"slack": "y"}),
    )
    api.post(one_url(1), json={"data": {"id": 1}})
    api.post(one_url(2), status=401, json={"errors": [{"title": "Your have exceeded the limits.", "status": 401}]})
    job = jobs.start_bulk(editor, Job.Kind.DISABLE, [1, 2])
    jobs.process(job.pk)
    assert list(job.items.values_list("outcome", "message")) == [
        ("done", ""),
        ("failed", "The product refused this: “Your have exceeded the limits.”"),
    ]
    api.replace(responses.POST, one_url(2), json={"data": {"id": 2}})
    assert jobs.retry_failed(job) == 1
    jobs.process(job.pk)
    assert list(job.items.values_list("outcome", flat=True)) == ["done", "done"]


def test_a_job_never_takes_the_peoples_reserve(
    api: responses.RequestsMock, mirrored, editor: User, settings, monkeypatch
) -> None:
    # A job leaves the people's reserve of 10, and 2 calls for the mirror's refreshes: 2 of 14 are its own.
    settings.API_RATE_LIMIT, settings.API_BUDGET_RESERVE = 14, 10
    clock = [1_000_000.0]
    monkeypatch.setattr(budget.time, "time", lambda: clock[0])
    monkeypatch.setattr(jobs.time, "monotonic", lambda: clock[0])
    monkeypatch.setattr(jobs.time, "sleep", lambda seconds: clock.__setitem__(0, clock[0] + seconds))
    sent_at: list[float] = []

    def answer(request):
        sent_at.append(clock[0])
        return 200, {}, '{"data": {"id": 1}}'

    handlers = [handler_json(id=i, type="slack", settings={"slack": "x"}) for i in range(1, 7)]
    mirrored(*handlers)
    for i in range(1, 7):
        api.add_callback(responses.POST, one_url(i), callback=answer)
    job = jobs.start_bulk(editor, Job.Kind.DISABLE, range(1, 7))
    jobs.process(job.pk)
    assert len(sent_at) == 6
    # In any minute, the job spent at most the 2 calls above the people's reserve of 10.
    assert max(sum(1 for t in sent_at if start <= t < start + 60) for start in sent_at) == 2


@pytest.mark.django_db(transaction=True)
def test_the_worker_command_runs_queued_jobs(sandbox, editor: User) -> None:
    server = sandbox()
    mirror.refresh()
    on = on_ids(server, 2)
    job = jobs.start_bulk(editor, Job.Kind.DISABLE, on)
    call_command("run_worker", batch=True, verbosity=0)
    job.refresh_from_db()
    assert job.status == "done" and all(server.app.store.get(i)["is_enabled"] == 0 for i in on)


def running_job(editor: User, items: int) -> Job:
    job = Job.objects.create(
        kind=Job.Kind.ENABLE, status=Job.Status.RUNNING, created_by=editor, created_by_name="eddie"
    )
    JobItem.objects.bulk_create(JobItem(job=job, position=i, handler_id=i, name=f"H{i}") for i in range(items))
    return job


def test_under_a_minute_left_is_said_as_less_than_a_minute(editor: User, editor_client, settings) -> None:
    settings.API_RATE_LIMIT, settings.API_BUDGET_RESERVE = 60, 10
    job = running_job(editor, 3)
    assert jobs.progress(job).left_words == "Less than a minute left."
    page = editor_client.get(f"/jobs/{job.pk}/").text
    assert "Less than a minute left." in page and "About 0 min" not in page


def test_a_minute_or_more_left_is_said_in_whole_minutes(editor: User, editor_client, settings) -> None:
    settings.API_RATE_LIMIT, settings.API_BUDGET_RESERVE = 60, 10
    assert jobs.progress(running_job(editor, 50)).left_words == "About 1 min left."
    job = running_job(editor, 130)
    assert jobs.progress(job).left_words == "About 3 min left."
    assert "About 3 min left." in editor_client.get(f"/jobs/{job.pk}/").text
    job.status = Job.Status.CANCELLED
    job.save()
    assert jobs.progress(job).left_words == ""
