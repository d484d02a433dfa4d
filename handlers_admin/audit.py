"""The audit trail: every action attempted through the panel, who did it, and how it went; and the changes a
refresh of the mirror found made in the product (see product_changes)."""

import hashlib
import logging
from collections.abc import Iterable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar
from datetime import datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.core.cache import cache
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from handlers_admin.api import ApiError, NotSent, OutcomeUnknown
from handlers_admin.budget import whole_number
from handlers_admin.handler_types import NAME_MAX_LENGTH, SECRET_FIELDS
from handlers_admin.models import AuditEntry, Job
from handlers_admin.scoped import scoped

Action = AuditEntry.Action
Origin = AuditEntry.Origin
log = logging.getLogger(__name__)

# How far a server's clock and the panel's may disagree.
CLOCK_MARGIN = timedelta(minutes=2)
# Changes through the panel that real servers stamp as the handler's last activity.
CHANGES = (Action.CREATE, Action.EDIT, Action.ENABLE, Action.DISABLE)
# Marks of the changes being sent: the product may show one before its entry is written, and a refresh meanwhile
# must not take it for a change made in the product.
SENDING_KEY = "audit:sending"

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
    """Records the action in the block as done, or as refused with the API's message (then re-raised). While
    the block runs, the change is marked as being sent (see being_sent)."""
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
    sends = action in (*CHANGES, Action.DELETE)
    mark = _sending_key(handler_id, name=name, handler_type=handler_type) if sends else ""
    if mark:
        cache.set(mark, 1, int(settings.API_TIMEOUT) + 60)
    try:
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
    finally:
        # Only once the entry is written: a refresh that finds no mark then finds the entry.
        if mark:
            cache.delete(mark)


def _sending_key(handler_id: int | None, *, name: str, handler_type: str) -> str:
    """The mark of a change being sent: by the handler's id, or for a create by its type and name (as stored)."""
    if handler_id is not None:
        return f"{SENDING_KEY}:{handler_id}"
    digest = hashlib.sha256(f"{handler_type}\0{name[:NAME_MAX_LENGTH]}".encode()).hexdigest()[:32]
    return f"{SENDING_KEY}:new:{digest}"


def being_sent(*, handler_ids: Iterable[int], new: Iterable[tuple[int, str, str]] = ()) -> set[int]:
    """Which of these handlers have a change of the panel's being sent now, with one look at the cache: of
    `handler_ids` by their id, of `new` ones (id, type, name) by a create of their type and name."""
    keys: dict[str, set[int]] = {}
    for handler_id in handler_ids:
        keys.setdefault(_sending_key(handler_id, name="", handler_type=""), set()).add(handler_id)
    for handler_id, handler_type, name in new:
        keys.setdefault(_sending_key(None, name=name, handler_type=handler_type), set()).add(handler_id)
    if not keys:
        return set()
    return {handler_id for key in cache.get_many(list(keys)) for handler_id in keys[key]}


def _keep(entry: AuditEntry, outcome: str, message: str = "") -> None:
    entry.outcome, entry.message = outcome, message
    entry.save()
    log.info("action=%s handler=%s outcome=%s", entry.action, entry.handler_id or "-", outcome)


def settle(entry: AuditEntry, *, done: bool, handler_id: int | None = None) -> None:
    """Records what a check found of an action whose answer never came."""
    entry.outcome = AuditEntry.Outcome.DONE if done else AuditEntry.Outcome.NOT_DONE
    entry.handler_id = handler_id or entry.handler_id
    entry.save(update_fields=["outcome", "handler_id"])


class SignInMethod:
    """How a sign-in was made, as kept in an entry's details ({"method": …}) and put into words on the audit page."""

    PASSWORD = "password"
    PASSWORD_AND_CODE = "password_and_code"
    PASSWORD_AND_RECOVERY_CODE = "password_and_recovery_code"
    PASSWORD_AND_SECURITY_KEY = "password_and_security_key"
    PASSKEY = "passkey"
    SINGLE_SIGN_ON = "single_sign_on"


def sign_in_method(records: list[dict[str, Any]]) -> str:
    """The method of a sign-in, from the steps allauth recorded in its session (get_authentication_records); empty
    when none was recorded (a session opened by code, as the tests do)."""
    methods = {record.get("method") for record in records}
    second = next((record for record in reversed(records) if record.get("method") == "mfa"), None)
    if "socialaccount" in methods:
        return SignInMethod.SINGLE_SIGN_ON
    if second and second.get("passwordless"):
        return SignInMethod.PASSKEY
    if second:
        return {
            "totp": SignInMethod.PASSWORD_AND_CODE,
            "recovery_codes": SignInMethod.PASSWORD_AND_RECOVERY_CODE,
        }.get(second.get("type", ""), SignInMethod.PASSWORD_AND_SECURITY_KEY)
    return SignInMethod.PASSWORD if "password" in methods else ""


def signed_in(sender: Any, request: HttpRequest, user: User, **kwargs: Any) -> None:
    from allauth.account.internal.flows.login import get_authentication_records

    method = sign_in_method(get_authentication_records(request, user)) if hasattr(request, "session") else ""
    AuditEntry.objects.create(
        actor=user,
        actor_name=user.get_username()[:150],
        action=Action.SIGN_IN,
        details={"method": method} if method else {},
    )


def factor_changed(action: str) -> Any:
    """A receiver of one of allauth's mfa signals: a member's own second factor added, removed or renewed."""

    def receive(sender: Any, request: HttpRequest, user: User, authenticator: Any, **kwargs: Any) -> None:
        member_changed(user, action, member=user.get_username(), details={"factor": authenticator.type})

    return receive


def factor_failed(sender: Any, request: HttpRequest, user: User, authenticator: Any, **kwargs: Any) -> None:
    AuditEntry.objects.create(
        actor=user,
        actor_name=user.get_username()[:150],
        action=Action.FACTOR_FAILED,
        outcome=AuditEntry.Outcome.REFUSED,
        details={"factor": authenticator.type},
    )


def signed_out(sender: Any, request: HttpRequest, user: User | None, **kwargs: Any) -> None:
    if user is not None:
        AuditEntry.objects.create(actor=user, actor_name=user.get_username()[:150], action=Action.SIGN_OUT)


def sign_in_failed(sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any) -> None:
    AuditEntry.objects.create(
        actor_name=str(credentials.get("username", ""))[:150],
        action=Action.SIGN_IN_FAILED,
        outcome=AuditEntry.Outcome.REFUSED,
    )


def panel_change_at(handler_id: int, moment: datetime | None) -> AuditEntry | None:
    """The change made through this panel that a server's "last activity" time most likely records:
    one within CLOCK_MARGIN of it, as servers stamp every update."""
    if moment is None:
        return None
    return (
        AuditEntry.objects.filter(
            handler_id=handler_id,
            origin=Origin.PANEL,
            outcome=AuditEntry.Outcome.DONE,
            action__in=CHANGES,
            created__range=(moment - CLOCK_MARGIN, moment + CLOCK_MARGIN),
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
    actor: User,
    action: str,
    *,
    member: str,
    changes: dict[str, tuple[str | None, str | None]] | None = None,
    details: dict[str, str] | None = None,
) -> None:
    """A change to a member's account; the member's name is kept with it, like a handler's. `details` says what
    made it when it was not the actor's own hand, e.g. {"source": "single_sign_on"}."""
    AuditEntry.objects.create(
        actor=actor,
        actor_name=actor.get_username()[:150],
        action=action,
        handler_name=member[:512],
        details=details or {},
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
    if filters.get("origin"):
        found = found.filter(origin=filters["origin"])
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
