"""Creating a handler: once per form however often it is sent, recorded in the audit trail and the mirror, and
looked for in the list when the product's answer never came."""

import secrets
from dataclasses import dataclass, replace

from django.core.cache import cache
from django.utils import timezone

from handlers_admin import audit, channel_details, mirror, server_profile
from handlers_admin.api import ApiError, Handler, NotDone, OutcomeUnknown, Refused, State, WriteAnswer, api_client
from handlers_admin.audit import Action
from handlers_admin.models import AuditEntry
from handlers_admin.outcomes import Change
from handlers_admin.services import Actor, settle_unknown

# How long a create form's one-time token is remembered.
SUBMISSION_SECONDS = 24 * 3600


def submit_token() -> str:
    """A one-time token for a create form, so that sending it twice creates once."""
    return secrets.token_urlsafe(16)


class FormExpired(Exception):
    """A create form posted without its one-time token: an old page, or one not made by the panel."""


@dataclass(frozen=True, kw_only=True)
class Submission:
    # The handler this form created; None when an earlier sending of it has not finished yet.
    handler_id: int | None
    # Whether this form was sent before, so this sending created nothing.
    repeated: bool
    # Whether the API answered too late and a look at the list found the new handler.
    late: bool = False


# A token whose create got no answer holds this and the audit entry's id, until a check settles it.
UNKNOWN_PREFIX = "unknown:"


def already_sent(token: str) -> bool:
    """Whether a create form with this token was sent before (see create_once)."""
    return bool(token) and cache.get(f"submission:{token}") is not None


def create_once(actor: Actor, fields: dict[str, str], *, token: str) -> Submission:
    """Creates a handler, unless the same form was sent before: of two identical submissions, one creates.
    While the outcome of the first is unknown, sending the form again looks for its handler instead."""
    if not token:
        raise FormExpired
    key = f"submission:{token}"
    # The cache's add is atomic, so only one of two concurrent submissions claims the token.
    if not cache.add(key, 0, SUBMISSION_SECONDS):
        claimed = cache.get(key)
        if isinstance(claimed, str) and claimed.startswith(UNKNOWN_PREFIX):
            entry = AuditEntry.objects.get(pk=int(claimed.removeprefix(UNKNOWN_PREFIX)))
            return replace(_find_created(key, entry), repeated=True)
        return Submission(handler_id=claimed or None, repeated=True)
    try:
        saved, entry = create_recorded(actor, fields)
    except ApiError:
        cache.delete(key)
        raise
    if saved is None:
        # The token stays claimed: sending the form again must not make a second handler.
        cache.set(key, f"{UNKNOWN_PREFIX}{entry.pk}", SUBMISSION_SECONDS)
        return _find_created(key, entry)
    cache.set(key, saved.id, SUBMISSION_SECONDS)
    return Submission(handler_id=saved.id, repeated=False)


def create_recorded(actor: Actor, fields: dict[str, str]) -> tuple[WriteAnswer | None, AuditEntry]:
    """Creates a handler, recorded in the audit trail and the mirror. The answer is None when it never came:
    the entry then says "not confirmed" until a look at the list settles it (see created_since). The panel's own
    details of the channel (an import row's labels, owner and notes) are never sent: see channel_details."""
    fields = channel_details.product_fields(fields)
    try:
        with audit.recorded(
            actor,
            Action.CREATE,
            name=fields["name"],
            handler_type=fields["type"],
            changes=[audit.change(key, None, value) for key, value in fields.items()],
        ) as entry:
            saved = api_client().create(fields)
            entry.handler_id = saved.id
    except OutcomeUnknown:
        return None, entry
    except Refused as e:
        if server_profile.is_plan_limit(e):
            server_profile.type_refused(fields["type"], e)
        raise
    server_profile.type_created(fields["type"])
    _patch_created(saved, fields)
    return saved, entry


def _find_created(key: str, entry: AuditEntry) -> Submission:
    """Looks in the list for the handler a create whose answer never came may have made."""
    try:
        settled = settle_unknown(Change.recorded(entry), entry)
    except NotDone:
        cache.delete(key)
        raise
    cache.set(key, settled.handler_id, SUBMISSION_SECONDS)
    return Submission(handler_id=settled.handler_id, repeated=False, late=True)


def _patch_created(saved: WriteAnswer, fields: dict[str, str]) -> None:
    settings = {key: value for key, value in fields.items() if key not in ("name", "type")}
    mirror.patch(
        saved.handler
        or Handler(
            id=saved.id,
            type=fields["type"],
            name=fields["name"],
            settings=settings,
            state=State.ON,
            created=timezone.now(),
            last_activity=None,
        )
    )
