"""Bulk actions and imports as jobs: started by people, run by the worker process one item at a time,
paced by the call budget's background share (the people's reserve stays theirs). Each item's outcome is
recorded before the next begins, so a job taken up again after its worker stopped acts on no item twice."""

import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from handlers_admin import audit, budget, channel_health, creates, health, log_lines, services
from handlers_admin.api import ApiError, NotDone, NotFound, RateLimited
from handlers_admin.models import AuditEntry, Job, JobItem, MirroredHandler
from handlers_admin.outcomes import Change
from handlers_admin.roles import CHANGE, DELETE
from handlers_admin.sealed import unseal

Kind, Outcome = Job.Kind, JobItem.Outcome
# The audit's name for what each bulk job does to a handler.
ACTIONS = {
    Kind.ENABLE: AuditEntry.Action.ENABLE,
    Kind.DISABLE: AuditEntry.Action.DISABLE,
    Kind.DELETE: AuditEntry.Action.DELETE,
}
# A running job whose worker has not said anything for this long is taken up by the next worker.
ABANDONED_AFTER = timedelta(minutes=2)


def start_bulk(actor: User, kind: str, handler_ids: Iterable[int]) -> Job:
    """A job doing one action to each handler, in the order given."""
    ids = list(dict.fromkeys(handler_ids))
    known = {handler.id: handler for handler in services.handlers_from_mirror(ids)}
    with transaction.atomic():
        job = Job.objects.create(kind=kind, created_by=actor, created_by_name=actor.get_username()[:150])
        JobItem.objects.bulk_create(
            JobItem(
                job=job,
                position=position,
                handler_id=handler_id,
                name=known[handler_id].name if handler_id in known else "",
                handler_type=known[handler_id].type if handler_id in known else "",
            )
            for position, handler_id in enumerate(ids)
        )
        enqueue(job)
    return job


def start_check(actor: User) -> Job:
    """A job checking every channel without sending anything: one item for each channel the copy knows."""
    return start_bulk(actor, Kind.CHECK, MirroredHandler.objects.order_by("name", "id").values_list("id", flat=True))


def enqueue(job: Job) -> None:
    from handlers_admin.tasks import run_job

    transaction.on_commit(lambda: run_job.enqueue(job.pk))


def cancel(job: Job) -> None:
    """Asks the worker to stop after the item it is on; items not begun are marked cancelled."""
    Job.objects.filter(pk=job.pk).update(cancel_requested=True)
    if job.status == Job.Status.QUEUED:
        _close(job)


def retry_failed(job: Job) -> int:
    """Runs the failed items again; returns how many."""
    with transaction.atomic():
        count = job.items.filter(outcome=Outcome.FAILED).update(outcome=Outcome.PENDING, message="", finished=None)
        if count:
            Job.objects.filter(pk=job.pk).update(status=Job.Status.QUEUED, cancel_requested=False, finished=None)
            enqueue(job)
    return count


def counts(job: Job) -> dict[str, int]:
    """How many items have each outcome, and in all."""
    found = dict(job.items.values_list("outcome").annotate(n=Count("id")).values_list("outcome", "n"))
    return {outcome: found.get(outcome, 0) for outcome in Outcome.values} | {"total": sum(found.values())}


def take_up_abandoned() -> int:
    """Enqueues again the jobs whose worker stopped midway; returns how many."""
    stale = timezone.now() - ABANDONED_AFTER
    abandoned = Job.objects.filter(status=Job.Status.RUNNING).filter(Q(heartbeat__lt=stale) | Q(heartbeat=None))
    for job in abandoned:
        enqueue(job)
    return len(abandoned)


def beat(job: Job | None = None) -> None:
    """Tells that the worker is alive, and working on this job."""
    cache.set(health.WORKER_HEARTBEAT_KEY, time.time(), None)
    if job is not None:
        Job.objects.filter(pk=job.pk).update(heartbeat=timezone.now())


def process(job_id: int) -> None:
    """Does the job's items that are not done yet. Claims the job first, so that two workers never share one."""
    stale = timezone.now() - ABANDONED_AFTER
    claimable = Q(status=Job.Status.QUEUED) | Q(status=Job.Status.RUNNING) & (
        Q(heartbeat__lt=stale) | Q(heartbeat=None)
    )
    if not Job.objects.filter(claimable, pk=job_id).update(status=Job.Status.RUNNING, heartbeat=timezone.now()):
        return
    job = Job.objects.select_related("created_by").get(pk=job_id)
    if job.started is None:
        Job.objects.filter(pk=job.pk).update(started=timezone.now())
    actor: User | AnonymousUser = job.created_by or AnonymousUser()
    with log_lines.for_member(job.created_by_name), audit.for_job(job), budget.job():
        if job.kind in (Kind.ENABLE, Kind.DISABLE) and (refusal := services.update_refusal()):
            # No switch is sent to a server whose update would erase the channels, or that could not be checked.
            job.items.filter(outcome__in=[Outcome.PENDING, Outcome.SENDING]).update(
                outcome=Outcome.FAILED, message=refusal, finished=timezone.now()
            )
        if job.kind == Kind.CHECK:
            _check_every_channel(job)
        for item in job.items.filter(outcome__in=[Outcome.PENDING, Outcome.SENDING]):
            if _cancel_requested(job):
                break
            beat(job)
            _do(job, item, actor)
    _close(job)


class _Cancelled(Exception):
    """Raised from a check's progress to stop the checks still to come."""


# A check of every channel says it is alive, and looks whether it was cancelled, after this many channels.
CANCEL_LOOK_EVERY = 20


def _check_every_channel(job: Job) -> None:
    """Checks the account's channels as they are in the product now: an item is done with its finding in words,
    skipped when its channel is gone; a channel created since the job started gets an item of its own."""
    items = {item.handler_id: item for item in job.items.filter(outcome__in=[Outcome.PENDING, Outcome.SENDING])}
    done = set(job.items.exclude(outcome__in=[Outcome.PENDING, Outcome.SENDING]).values_list("handler_id", flat=True))
    last = job.items.order_by("-position").values_list("position", flat=True).first() or 0
    seen = 0

    def checked(found: channel_health.Checked) -> None:
        nonlocal last, seen
        seen += 1
        if seen % CANCEL_LOOK_EVERY == 0:
            beat(job)
            if _cancel_requested(job):
                raise _Cancelled
        item = items.pop(found.id, None)
        if item is None and found.id in done:
            return  # a retry of the failed items: this one was checked already
        if item is None:
            last += 1
            item = JobItem.objects.create(
                job=job, position=last, handler_id=found.id, name=found.name, handler_type=found.type
            )
        _finish(item, Outcome.DONE, f"{found.finding.health.label}: {found.words}")

    try:
        channel_health.check_everything(on_checked=checked)
    except _Cancelled:
        return  # the items left are marked cancelled when the job closes
    except ApiError as e:
        for item in items.values():
            _finish(item, Outcome.FAILED, e.message)
        return
    for item in items.values():
        _finish(item, Outcome.SKIPPED, _("It does not exist any more."))


def _close(job: Job) -> None:
    job.refresh_from_db()
    if job.cancel_requested:
        job.items.filter(outcome=Outcome.PENDING).update(outcome=Outcome.CANCELLED, finished=timezone.now())
        job.status = Job.Status.CANCELLED
    elif job.items.filter(outcome__in=[Outcome.PENDING, Outcome.SENDING]).exists():
        return  # stopped on the way: the next worker takes it up
    else:
        job.status = Job.Status.DONE
    job.finished = timezone.now()
    job.save(update_fields=["status", "finished"])


def _cancel_requested(job: Job) -> bool:
    return Job.objects.filter(pk=job.pk, cancel_requested=True).exists()


def _finish(item: JobItem, outcome: str, message: str = "") -> None:
    item.outcome, item.message, item.finished = outcome, message, timezone.now()
    item.sealed_fields = ""
    item.save(update_fields=["outcome", "message", "finished", "sealed_fields"])


def _do(job: Job, item: JobItem, actor: User | AnonymousUser) -> None:
    if item.outcome == Outcome.SENDING and _confirmed_after_restart(job, item):
        return
    if skipped := _already_done(job, item):
        _finish(item, Outcome.SKIPPED, skipped)
        return
    while True:
        item.outcome, item.sent = Outcome.SENDING, timezone.now()
        item.save(update_fields=["outcome", "sent"])  # recorded before the call goes
        try:
            _act(job, item, actor)
        except RateLimited as wait:
            # Nothing was done: the budget or the server refused before acting. Wait, then try again.
            item.outcome = Outcome.PENDING
            item.save(update_fields=["outcome"])
            if not _wait(job, wait.retry_after):
                return
            continue
        except NotFound:
            _finish(item, Outcome.SKIPPED, _("It does not exist any more."))
        except ApiError as e:
            _finish(item, Outcome.FAILED, e.message)
        else:
            _finish(item, Outcome.DONE)
        return


def _act(job: Job, item: JobItem, actor: User | AnonymousUser) -> None:
    if job.kind == Kind.IMPORT:
        _create(item, actor)
        return
    assert item.handler_id is not None
    if job.kind in (Kind.ENABLE, Kind.DISABLE):
        services.toggle(actor, item.handler_id, enabled=job.kind == Kind.ENABLE)
    elif job.kind == Kind.DELETE:
        handler = services.handler_from_mirror(item.handler_id) or services.handler_from_api(item.handler_id)
        services.delete(actor, handler)


def _create(item: JobItem, actor: User | AnonymousUser) -> None:
    fields = unseal(item.sealed_fields)
    if not isinstance(fields, dict):
        raise NotDone(_("This row could not be read any more; import it again."))
    answer, entry = creates.create_recorded(actor, fields)
    handler_id = answer.id if answer else _created(Change.recorded(entry), entry)
    item.handler_id = handler_id
    item.save(update_fields=["handler_id"])


def _created(change: Change, entry: AuditEntry | None = None) -> int | None:
    """The handler a create whose answer never came made, looked for in the list; NotDone when it made none."""
    not_done = _("The product answered late, and no new channel has appeared: it was not created.")
    return services.settle_unknown(change, entry, not_done=not_done).handler_id


def _already_done(job: Job, item: JobItem) -> str:
    """Why the item needs no call, from the mirror; "" when it does."""
    if job.kind not in (Kind.ENABLE, Kind.DISABLE) or item.handler_id is None:
        return ""
    on = job.kind == Kind.ENABLE
    if services.is_switched(item.handler_id, on=on):
        return _("It was already on.") if on else _("It was already off.")
    return ""


def _confirmed_after_restart(job: Job, item: JobItem) -> bool:
    """An item whose call was sent when the worker stopped: a look at the product says whether it was done."""
    if job.kind == Kind.IMPORT:
        change = Change(
            action=AuditEntry.Action.CREATE,
            name=item.name,
            handler_type=item.handler_type,
            sent=item.sent or timezone.now(),
        )
    else:
        change = Change(action=ACTIONS[Kind(job.kind)], handler_id=item.handler_id)
    try:
        handler_id = services.settle_unknown(change).handler_id
    except (NotDone, ApiError):
        return False
    if job.kind == Kind.IMPORT:
        item.handler_id = handler_id
        item.save(update_fields=["handler_id"])
    _finish(item, Outcome.DONE, _("Confirmed by a read after the worker was restarted."))
    return True


def _wait(job: Job, seconds: float) -> bool:
    """Waits for the budget, a second at a time, staying alive; False when the job was cancelled meanwhile."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if _cancel_requested(job):
            return False
        beat(job)
        time.sleep(min(1.0, max(0.0, deadline - time.monotonic())))
    return True


@dataclass(frozen=True, kw_only=True)
class Progress:
    counts: dict[str, int]
    # Minutes the rest is expected to take, paced by the budget's background share; None when nothing is left.
    minutes_left: float | None

    @property
    def finished_items(self) -> int:
        return self.counts["total"] - self.counts["pending"] - self.counts["sending"]

    @property
    def left_words(self) -> str:
        """The time left in words: "About 3 min left.", "Less than a minute left."; "" when nothing is left."""
        if not self.minutes_left:
            return ""
        if self.minutes_left < 1:
            return _("Less than a minute left.")
        minutes = int(self.minutes_left + 0.5)  # rounded half up, as the page always did
        return ngettext("About %(minutes)s min left.", "About %(minutes)s min left.", minutes) % {"minutes": minutes}


def progress(job: Job) -> Progress:
    counted = counts(job)
    left = counted["pending"] + counted["sending"]
    per_minute = max(1, budget.limit() - settings.API_BUDGET_RESERVE)
    # A check's pace is the services', not the budget's: no time is foretold.
    paced = job.kind != Kind.CHECK and job.status != Job.Status.CANCELLED
    return Progress(counts=counted, minutes_left=left / per_minute if left and paced else None)


def allowed_kinds(user: User | AnonymousUser) -> list[Job.Kind]:
    """The bulk actions a member's role allows."""
    kinds = [Kind.ENABLE, Kind.DISABLE] if user.has_perm(CHANGE) else []
    return kinds + ([Kind.DELETE] if user.has_perm(DELETE) else [])
