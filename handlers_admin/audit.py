"""The audit trail: every action attempted through the panel, who did it, and how it went."""

import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.http import HttpRequest

from handlers_admin.client import ApiError, NotSent, OutcomeUnknown
from handlers_admin.handler_types import NAME_MAX_LENGTH, SECRET_FIELDS
from handlers_admin.models import AuditEntry, Job, MirroredHandler

Action = AuditEntry.Action
log = logging.getLogger(__name__)

# The job whose items are being done, so that each item's entry links to it.
_job: ContextVar[Job | None] = ContextVar("audit_job", default=None)


@contextmanager
def for_job(job: Job) -> Iterator[None]:
    token = _job.set(job)
    try:
        yield
    finally:
        _job.reset(token)


def change(field: str, before: str | None, after: str | None) -> dict[str, Any]:
    """One field's change; a secret's values are never written down, only that it changed."""
    if field in SECRET_FIELDS:
        return {"field": field, "secret": True}
    return {"field": field, "before": before, "after": after}


@contextmanager
def recorded(
    actor: User | AnonymousUser,
    action: str,
    *,
    handler_id: int | None = None,
    name: str = "",
    handler_type: str = "",
    changes: Iterable[dict[str, Any]] = (),
) -> Iterator[AuditEntry]:
    """Records the action in the block as done, or as refused with the API's message (then re-raised)."""
    entry = AuditEntry(
        actor=actor if actor.is_authenticated else None,
        actor_name=actor.get_username()[:150] if actor.is_authenticated else "",
        action=action,
        handler_id=handler_id,
        handler_name=name[:512],
        handler_type=handler_type[:40],
        changes=list(changes),
        job=_job.get(),
    )
    try:
        yield entry
    except OutcomeUnknown as e:
        _keep(entry, AuditEntry.Outcome.UNKNOWN, e.message)
        raise
    except NotSent as e:
        _keep(entry, AuditEntry.Outcome.NOT_DONE, e.message)
        raise
    except ApiError as e:
        _keep(entry, AuditEntry.Outcome.REFUSED, e.message)
        raise
    _keep(entry, AuditEntry.Outcome.DONE)


def _keep(entry: AuditEntry, outcome: str, message: str = "") -> None:
    entry.outcome, entry.message = outcome, message
    entry.save()
    log.info("action=%s handler=%s outcome=%s", entry.action, entry.handler_id or "-", outcome)


def settle(entry: AuditEntry, *, done: bool, handler_id: int | None = None) -> None:
    """Records what a check found of an action whose answer never came."""
    entry.outcome = AuditEntry.Outcome.DONE if done else AuditEntry.Outcome.NOT_DONE
    entry.handler_id = handler_id or entry.handler_id
    entry.save(update_fields=["outcome", "handler_id"])


def signed_in(sender: Any, request: HttpRequest, user: User, **kwargs: Any) -> None:
    AuditEntry.objects.create(actor=user, actor_name=user.get_username()[:150], action=Action.SIGN_IN)


def signed_out(sender: Any, request: HttpRequest, user: User | None, **kwargs: Any) -> None:
    if user is not None:
        AuditEntry.objects.create(actor=user, actor_name=user.get_username()[:150], action=Action.SIGN_OUT)


def sign_in_failed(sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any) -> None:
    AuditEntry.objects.create(
        actor_name=str(credentials.get("username", ""))[:150],
        action=Action.SIGN_IN_FAILED,
        outcome=AuditEntry.Outcome.REFUSED,
    )


# Changes through the panel that real servers stamp as the handler's last activity.
CHANGES = (Action.CREATE, Action.EDIT, Action.ENABLE, Action.DISABLE)


def panel_change_at(handler_id: int, moment: datetime | None) -> AuditEntry | None:
    """The change made through this panel that a server's "last activity" time most likely records:
    one within a minute of it, as servers stamp every update."""
    if moment is None:
        return None
    window = timedelta(minutes=1)
    return (
        AuditEntry.objects.filter(
            handler_id=handler_id,
            outcome=AuditEntry.Outcome.DONE,
            action__in=CHANGES,
            created__range=(moment - window, moment + window),
        )
        .order_by("-created")
        .first()
    )


# How far a server's clock and the panel's may disagree when a create is looked for by its time.
CLOCK_MARGIN = timedelta(minutes=2)


def created_by(entry: AuditEntry) -> "MirroredHandler | None":
    """The handler a create whose answer never came made, if the mirror shows one: same name and type,
    created since the request was sent."""
    return (
        MirroredHandler.objects.filter(
            name=entry.handler_name[:NAME_MAX_LENGTH],
            type=entry.handler_type,
            created__gte=entry.created - CLOCK_MARGIN,
        )
        .order_by("id")
        .first()
    )


def _done_by_the_mirror(entry: AuditEntry) -> tuple[bool | None, int | None]:
    """Whether the mirror shows the action done, not done, or cannot tell (None); and the handler's id."""
    if entry.action == Action.CREATE:
        found = created_by(entry)
        return found is not None, found.id if found else None
    if entry.handler_id is None:
        return None, None
    row = MirroredHandler.objects.filter(id=entry.handler_id).first()
    if entry.action == Action.DELETE:
        return row is None, None
    if row is None:
        return None, None
    if entry.action in (Action.ENABLE, Action.DISABLE):
        return (row.state != 0) == (entry.action == Action.ENABLE), None
    values = {"name": row.name, "type": row.type} | row.shown_settings
    visible = [change for change in entry.changes if not change.get("secret")]
    if not visible:
        return None, None
    return all(values.get(change["field"], "") == change.get("after") for change in visible), None


def settle_from_mirror() -> None:
    """Settles the actions whose answer never came, where the freshly refreshed mirror tells."""
    for entry in AuditEntry.objects.filter(outcome=AuditEntry.Outcome.UNKNOWN):
        done, handler_id = _done_by_the_mirror(entry)
        if done is not None:
            settle(entry, done=done, handler_id=handler_id)


def tested(
    actor: User | AnonymousUser, *, handler_id: int | None, name: str, handler_type: str, result: str, delivered: bool
) -> None:
    """A test message, recorded with its outcome in words: never the address or the token."""
    AuditEntry.objects.create(
        actor=actor if actor.is_authenticated else None,
        actor_name=actor.get_username()[:150] if actor.is_authenticated else "",
        action=Action.TEST,
        handler_id=handler_id,
        handler_name=name[:512],
        handler_type=handler_type[:40],
        outcome=AuditEntry.Outcome.DONE if delivered else AuditEntry.Outcome.REFUSED,
        message=result,
    )


def member_changed(
    actor: User, action: str, *, member: str, changes: dict[str, tuple[str | None, str | None]] | None = None
) -> None:
    """A change to a member's account; the member's name is kept with it, like a handler's."""
    AuditEntry.objects.create(
        actor=actor,
        actor_name=actor.get_username()[:150],
        action=action,
        handler_name=member[:512],
        changes=[
            {"field": field, "before": before, "after": after} for field, (before, after) in (changes or {}).items()
        ],
    )
