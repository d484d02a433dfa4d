"""What a check finds of a change whose answer never came: whether the handler as now known shows it made.
The one flow that looks and settles is services.settle_unknown; this module holds the rules it goes by, which
also settle, after each refresh of the mirror, the audit entries still unknown."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from handlers_admin import audit
from handlers_admin.api import Handler, State
from handlers_admin.audit import CLOCK_MARGIN
from handlers_admin.handler_types import NAME_MAX_LENGTH
from handlers_admin.models import AuditEntry, MirroredHandler

Action = AuditEntry.Action


@dataclass(frozen=True, kw_only=True)
class Change:
    """A change sent to the product, with what a check of it needs."""

    action: str
    handler_id: int | None = None
    # An edit's fields as they were before it, under the API's names (real values: only the API's read has them).
    before: Mapping[str, str] = field(default_factory=dict)
    # A create's name and type, and when it was sent.
    name: str = ""
    handler_type: str = ""
    sent: datetime | None = None

    @classmethod
    def recorded(cls, entry: AuditEntry) -> "Change":
        """The change an audit entry records; a secret's earlier value is never written down, so not checked."""
        before = {c["field"]: c.get("before") or "" for c in entry.changes if not c.get("secret")}
        return cls(
            action=entry.action,
            handler_id=entry.handler_id,
            before=before,
            name=entry.handler_name,
            handler_type=entry.handler_type,
            sent=entry.created,
        )


def made(change: Change, handler: Handler | None) -> bool | None:
    """Whether the handler as now known (None: it is gone) shows the change made; None when it cannot tell."""
    if change.action == Action.DELETE:
        return handler is None
    if handler is None:
        return None
    if change.action in (Action.ENABLE, Action.DISABLE):
        return State(handler.state).is_switched(on=change.action == Action.ENABLE)
    if change.action == Action.EDIT and change.before:
        values = {"name": handler.name, "type": handler.type} | handler.settings
        return any(values.get(name, "") != value for name, value in change.before.items())
    return None


def created_row(change: Change) -> MirroredHandler | None:
    """The handler a create whose answer never came made, if the mirror shows one: same name and type,
    created since the request was sent."""
    if change.sent is None:
        return None
    return (
        MirroredHandler.objects.filter(
            name=change.name[:NAME_MAX_LENGTH], type=change.handler_type, created__gte=change.sent - CLOCK_MARGIN
        )
        .order_by("id")
        .first()
    )


def settle_from_mirror() -> None:
    """Settles the actions whose answer never came, where the freshly refreshed mirror tells."""
    for entry in AuditEntry.objects.filter(outcome=AuditEntry.Outcome.UNKNOWN):
        change = Change.recorded(entry)
        if change.action == Action.CREATE:
            found = created_row(change)
            audit.settle(entry, done=found is not None, handler_id=found.id if found else None)
            continue
        if change.handler_id is None:
            continue
        row = MirroredHandler.objects.filter(id=change.handler_id).first()
        done = made(change, row.as_handler() if row else None)
        if done is not None:
            audit.settle(entry, done=done)
