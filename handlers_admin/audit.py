"""The audit trail: every action attempted through the panel, who did it, and how it went."""

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.http import HttpRequest

from handlers_admin.client import ApiError
from handlers_admin.handler_types import SECRET_FIELDS
from handlers_admin.models import AuditEntry

Action = AuditEntry.Action


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
    )
    try:
        yield entry
    except ApiError as e:
        entry.outcome, entry.message = AuditEntry.Outcome.REFUSED, e.message
        entry.save()
        raise
    entry.save()


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
