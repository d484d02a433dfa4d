"""Bulk actions and imports as jobs: started by people, run by the worker process one item at a time,
paced by the call budget's background share (the people's reserve stays theirs). Each item's outcome is
recorded before the next begins, so a job taken up again after its worker stopped acts on no item twice."""

import time
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from handlers_admin import audit, budget, channel_details, channel_health, creates, health, log_lines, mirror, services
from handlers_admin.api import ApiError, NotDone, NotFound, RateLimited, State
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
    job = Job.objects.select_related("created_by", "undoes").get(pk=job_id)
    if first_run := job.started is None:
        Job.objects.filter(pk=job.pk).update(started=timezone.now())
    actor: User | AnonymousUser = job.created_by or AnonymousUser()
    with log_lines.for_member(job.created_by_name), audit.for_job(job), budget.job():
        if job.kind in (Kind.ENABLE, Kind.DISABLE) and (refusal := services.update_refusal()):
            # No switch is sent to a server whose update would erase the channels, or that could not be checked.
            job.items.filter(outcome__in=[Outcome.PENDING, Outcome.SENDING]).update(
                outcome=Outcome.FAILED, message=refusal, finished=timezone.now()
            )
        elif first_run and job.undoes_id is not None:
            # Changes made in the product are found only by a refresh: one just before an undo's first switch
            # keeps it from switching back a channel someone has changed there meanwhile.
            mirror.refresh_in_background()
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
        _finish(item, Outcome.DONE, found.said)

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
    if skipped := _changed_since_undone(job, item) or _already_done(job, item):
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
    channel_details.keep_imported(handler_id, fields, actor=actor)
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


def _changed_since_undone(job: Job, item: JobItem) -> str:
    """For an item of an undo, why it is left alone after all: looked at again as it comes, since people go on
    working while the undo waits for its turn."""
    if job.undoes is None or item.handler_id is None:
        return ""
    undone = list(job.undoes.items.filter(handler_id=item.handler_id, outcome=Outcome.DONE))
    return changed_since(job.undoes, undone, undo=job).get(item.handler_id, "")


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


# What undoing a switch does.
OPPOSITE = {Kind.ENABLE: Kind.DISABLE, Kind.DISABLE: Kind.ENABLE}
# The recorded changes that may have reached the product; labels, owner and notes stay in the panel.
LATER_CHANGES = (
    AuditEntry.Action.EDIT,
    AuditEntry.Action.ENABLE,
    AuditEntry.Action.DISABLE,
    AuditEntry.Action.DELETE,
    AuditEntry.Action.TYPE_LOST,
)
# A change whose answer never came may have been made.
MAYBE_MADE = (AuditEntry.Outcome.DONE, AuditEntry.Outcome.UNKNOWN)


def undo_of(job: Job) -> Job | None:
    """The job that undoes this one, when one was started."""
    return job.undone_by.order_by("created", "id").first()


def undo_refusal(job: Job) -> str:
    """Why this job cannot be undone, or "" when it can (whether it was undone already is undo_of's to say)."""
    if job.kind not in OPPOSITE:
        return _("Only switching channels on or off can be undone.")
    if job.status not in (Job.Status.DONE, Job.Status.CANCELLED):
        return _("A job can be undone once it has finished or was cancelled.")
    if not job.items.filter(outcome=Outcome.DONE).exists():
        return _("This job switched no channel, so there is nothing to undo.")
    return ""


@dataclass(frozen=True, kw_only=True)
class Skip:
    item: JobItem
    reason: str


@dataclass(frozen=True, kw_only=True)
class UndoPlan:
    """What an undo of a job would do now: its kind, the items it switches back, and those it leaves alone."""

    kind: Job.Kind
    switched_back: list[JobItem]
    skipped: list[Skip]


def undo_plan(job: Job) -> UndoPlan:
    """An undo of the channels the job switched (its done items; not those it skipped, nor the failed or
    cancelled ones), leaving alone those changed since (see changed_since)."""
    done = list(job.items.filter(outcome=Outcome.DONE, handler_id__isnull=False))
    changed = changed_since(job, done)
    return UndoPlan(
        kind=OPPOSITE[Kind(job.kind)],
        switched_back=[item for item in done if item.handler_id not in changed],
        skipped=[Skip(item=item, reason=changed[item.handler_id]) for item in done if item.handler_id in changed],
    )


def start_undo(actor: User, job: Job) -> Job | None:
    """A switch job of the opposite kind, linked to the job it undoes: the channels to switch back wait for the
    worker, those changed since are skipped at once with why. The undo already started when there is one (two
    members confirming at once start one); None when every channel the job switched was changed since."""
    try:
        return _start_undo(actor, job)
    except IntegrityError:
        # Another member's confirmation won, on a database that does not lock rows: theirs is the undo.
        return undo_of(job)


def _start_undo(actor: User, job: Job) -> Job | None:
    with transaction.atomic():
        # The job's row is locked where the database locks rows, so that two confirmations at once start one undo.
        Job.objects.select_for_update().filter(pk=job.pk).first()
        if earlier := undo_of(job):
            return earlier
        plan = undo_plan(job)
        if not plan.switched_back:
            return None
        undo = Job.objects.create(
            kind=plan.kind, undoes=job, created_by=actor, created_by_name=actor.get_username()[:150]
        )
        reasons = {skip.item.pk: skip.reason for skip in plan.skipped}
        now = timezone.now()
        items = sorted([*plan.switched_back, *(skip.item for skip in plan.skipped)], key=lambda item: item.position)
        JobItem.objects.bulk_create(
            JobItem(
                job=undo,
                position=position,
                handler_id=item.handler_id,
                name=item.name,
                handler_type=item.handler_type,
                outcome=Outcome.SKIPPED if item.pk in reasons else Outcome.PENDING,
                message=reasons.get(item.pk, ""),
                finished=now if item.pk in reasons else None,
            )
            for position, item in enumerate(items)
        )
        enqueue(undo)
    return undo


def changed_since(job: Job, items: Collection[JobItem], *, undo: Job | None = None) -> dict[int, str]:
    """Which channels of a switch job's done items were changed since the job switched them, by id, each with
    words naming who or what changed it: an undo leaves those alone. Either of two signals counts:

    - the audit trail has a change of the channel after the job's own entry for it that may have reached the
      product (an edit, a switch, a delete, the loss of its type; done, or not confirmed), whoever made it: another
      member, the job's own member outside the job, another job, or the product itself (found by a refresh of
      the mirror, origin "product"). The earliest is named. The job's and the undo's own entries do not count;
    - the mirror no longer has the channel (deleted since), or has it in another state than the job left it in:
      this catches what no entry records, such as a change in the product that no refresh has found yet.

    The trail is looked at first, so that the words name who whenever they can."""
    since: dict[int, datetime] = {}
    for item in items:
        if item.handler_id is not None:
            since[item.handler_id] = item.sent or item.finished or job.created
    if not since:
        return {}
    own = AuditEntry.objects.filter(
        job=job, handler_id__in=since, action=ACTIONS[Kind(job.kind)], outcome__in=MAYBE_MADE
    ).order_by("created", "id")
    for handler_id, created in own.values_list("handler_id", "created"):
        if handler_id is not None:
            since[handler_id] = created
    later = (
        AuditEntry.objects.filter(
            handler_id__in=since, created__gt=min(since.values()), action__in=LATER_CHANGES, outcome__in=MAYBE_MADE
        )
        .exclude(job__in=[job.pk, *([undo.pk] if undo else [])])
        .order_by("created", "id")
    )
    reasons: dict[int, str] = {}
    for entry in later:
        if entry.handler_id is not None and entry.handler_id not in reasons and entry.created > since[entry.handler_id]:
            reasons[entry.handler_id] = _changed_by(entry, job=job)
    left_on = job.kind == Kind.ENABLE
    states = dict(MirroredHandler.objects.filter(id__in=since).values_list("id", "state"))
    for handler_id in since.keys() - reasons.keys():
        if handler_id not in states:
            reasons[handler_id] = _("It was deleted since.")
        elif not State(states[handler_id]).is_switched(on=left_on):
            reasons[handler_id] = (
                _("It is off now, not as this job left it.") if left_on else _("It is on now, not as this job left it.")
            )
    return reasons


def _changed_by(entry: AuditEntry, *, job: Job) -> str:
    """Who or what made a later change, in words: "Switched on again by alice at 10:42."; "Changed in the product
    (found at 10:42).", when a refresh of the mirror found it."""
    values = {"time": _short_time(entry.created)}
    if entry.origin == AuditEntry.Origin.PRODUCT:
        if entry.action == AuditEntry.Action.DELETE:
            return _("Deleted in the product (found at %(time)s).") % values
        return _("Changed in the product (found at %(time)s).") % values
    member = entry.actor_name or _("someone")
    if entry.job_id is not None:
        member = _("%(member)s (job #%(number)s)") % {"member": member, "number": entry.job_id}
    values["member"] = member
    # A switch back to where the channel was before the job is said as "again".
    again = entry.action != ACTIONS[Kind(job.kind)]
    match entry.action:
        case AuditEntry.Action.ENABLE if again:
            phrase = _("Switched on again by %(member)s at %(time)s.")
        case AuditEntry.Action.ENABLE:
            phrase = _("Switched on by %(member)s at %(time)s.")
        case AuditEntry.Action.DISABLE if again:
            phrase = _("Switched off again by %(member)s at %(time)s.")
        case AuditEntry.Action.DISABLE:
            phrase = _("Switched off by %(member)s at %(time)s.")
        case AuditEntry.Action.EDIT:
            phrase = _("Edited by %(member)s at %(time)s.")
        case AuditEntry.Action.DELETE:
            phrase = _("Deleted by %(member)s at %(time)s.")
        case _:
            phrase = _("Changed by %(member)s at %(time)s.")
    return phrase % values


def _short_time(moment: datetime) -> str:
    """A time as the words of a skip say it, in the current time zone: the time of day, with the date when not today."""
    local = timezone.localtime(moment)
    style = "TIME_FORMAT" if local.date() == timezone.localdate() else "SHORT_DATETIME_FORMAT"
    return formats.date_format(local, style)
