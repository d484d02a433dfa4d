"""The audit trail: every action attempted through the panel, who did it, and how it went."""

import logging
from collections.abc import Iterable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar
from datetime import datetime, time, timedelta
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from handlers_admin.api import ApiError, NotSent, OutcomeUnknown
from handlers_admin.budget import whole_number
from handlers_admin.handler_types import SECRET_FIELDS
from handlers_admin.models import AuditEntry, Job
from handlers_admin.scoped import scoped

Action = AuditEntry.Action
log = logging.getLogger(__name__)

# The job whose items are being done, so that each item's entry links to it.
_job: ContextVar[Job | None] = ContextVar("audit_job", default=None)


def for_job(job: Job) -> AbstractContextManager[None]:
    """Entries recorded in this block link to the job."""
    return scoped(_job, job)


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
        _keep(entry, AuditEntry.Outcome.UNKNOWN, e.recorded)
        raise
    except NotSent as e:
        _keep(entry, AuditEntry.Outcome.NOT_DONE, e.recorded)
        raise
    except ApiError as e:
        _keep(entry, AuditEntry.Outcome.REFUSED, e.recorded)
        raise
    _keep(entry, AuditEntry.Outcome.DONE, entry.message)


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


def tested(
    actor: User | AnonymousUser,
    *,
    handler_id: int | None,
    name: str,
    handler_type: str,
    details: Mapping[str, str | int],
    delivered: bool,
) -> None:
    """A test message, recorded with what happened as a code and its values (send_test.TestResult.details), put into
    words in each reader's language when the trail is shown: never the address or the token."""
    AuditEntry.objects.create(
        actor=actor if actor.is_authenticated else None,
        actor_name=actor.get_username()[:150] if actor.is_authenticated else "",
        action=Action.TEST,
        handler_id=handler_id,
        handler_name=name[:512],
        handler_type=handler_type[:40],
        outcome=AuditEntry.Outcome.DONE if delivered else AuditEntry.Outcome.REFUSED,
        details=dict(details),
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


def member_names() -> list[str]:
    """The names entries were recorded under: members since removed and failed sign-ins' usernames stay findable."""
    names = AuditEntry.objects.exclude(actor_name="").order_by("actor_name").values_list("actor_name", flat=True)
    return list(names.distinct())


def entries(filters: Mapping[str, Any]) -> QuerySet[AuditEntry]:
    """The entries an audit filter form's valid values ask for, newest first."""
    found = AuditEntry.objects.all()
    if filters.get("member"):
        found = found.filter(actor_name=filters["member"])
    if filters.get("action"):
        found = found.filter(action=filters["action"])
    if handler := filters.get("handler", "").strip():
        number = whole_number(handler)
        found = found.filter(handler_id=number) if number is not None else found.filter(handler_name__icontains=handler)
    if filters.get("date_from"):
        found = found.filter(created__gte=timezone.make_aware(datetime.combine(filters["date_from"], time.min)))
    if filters.get("date_to"):
        found = found.filter(created__lte=timezone.make_aware(datetime.combine(filters["date_to"], time.max)))
    return found
