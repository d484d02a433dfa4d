"""What the views call: each action goes through the API client."""

import copy
import secrets
from dataclasses import dataclass, replace

from django.contrib.auth.models import AbstractBaseUser
from django.core.cache import cache
from django.utils.translation import gettext_lazy as _

from handlers_admin import audit
from handlers_admin.audit import Action
from handlers_admin.client import ApiError, Handler, HandlerPage, ListQuery, Saved, State, client
from handlers_admin.types import ALL_FIELDS, HANDLER_TYPES, SECRET_FIELDS, mask

STATE_LABELS = {State.ON: _("On"), State.OFF: _("Off"), State.PENDING: _("Pending verification")}


@dataclass(frozen=True)
class HandlerRef:
    """What a table row knows of a handler: enough to act on it and to say what was acted on."""

    id: int
    name: str
    type: str
    state: State


def list_handlers(query: ListQuery) -> HandlerPage:
    return client().list(query)


def all_handlers(query: ListQuery | None = None) -> list[Handler]:
    """Every handler matching the query, fetched 1000 a call."""
    return list(client().list_all(query or ListQuery()))


def get_handler(handler_id: int) -> Handler:
    return client().get(handler_id)


def set_enabled(actor: AbstractBaseUser, ref: HandlerRef, enabled: bool) -> HandlerRef:
    after = State(int(enabled))
    with audit.recorded(actor, Action.ENABLE if enabled else Action.DISABLE, handler_id=ref.id, name=ref.name,
                        handler_type=ref.type, changes=[audit.change("is_enabled", ref.state.name.lower(), after.name.lower())]):
        saved = client().update(ref.id, {"is_enabled": enabled})
    return replace(ref, state=saved.handler.state if saved.handler else after)


def shown_settings(handler: Handler) -> list[tuple[str, str, bool]]:
    """(label, value, is_secret) for each of the handler's fields, secrets masked."""
    handler_type = HANDLER_TYPES.get(handler.type)
    labelled = [(f.name, str(f.label), f.secret) for f in handler_type.fields] if handler_type else [
        (name, name, True) for name in handler.settings  # an unknown type: show nothing of its values
    ]
    shown = []
    for name, label, secret in labelled:
        value = handler.settings.get(name, "")
        shown.append((label, mask(value) if secret and value else value, secret))
    return shown


@dataclass(frozen=True)
class Mismatch:
    """A value the server stored other than the one sent; secrets show neither."""

    label: str
    sent: str | None
    stored: str | None


@dataclass(frozen=True)
class ReadBack:
    """What reading a handler back after an update found; `failed` says why it could not be read."""

    mismatches: list[Mismatch]
    failed: str = ""


def submit_token() -> str:
    """A one-time token for a create form, so that sending it twice creates once."""
    return secrets.token_urlsafe(16)


def claim_submission(token: str) -> bool:
    # The cache's add is atomic: of two identical submissions, one wins.
    return bool(token) and cache.add(f"submission:{token}", 0, 24 * 3600)


def release_submission(token: str) -> None:
    cache.delete(f"submission:{token}")


def record_submission(token: str, handler_id: int) -> None:
    cache.set(f"submission:{token}", handler_id, 24 * 3600)


def submitted_handler(token: str) -> int | None:
    """The handler a token's first submission created, if it got that far."""
    return cache.get(f"submission:{token}") or None


def create_handler(actor: AbstractBaseUser, fields: dict[str, str]) -> Saved:
    with audit.recorded(actor, Action.CREATE, name=fields["name"], handler_type=fields["type"],
                        changes=[audit.change(key, None, value) for key, value in fields.items()]) as entry:
        saved = client().create(fields)
        entry.handler_id = saved.id
    return saved


def update_body(current: Handler, wanted: dict[str, str]) -> dict[str, str]:
    """What to send to turn `current` into `wanted`: only what changed, except that a type's settings
    travel together, since real servers store a setting left out as "" (kept secrets come from `current`)."""
    body = {key: wanted[key] for key in ("name", "type") if wanted[key] != getattr(current, key)}
    type_changed = "type" in body
    settings = {
        f.name: wanted.get(f.name, "" if type_changed else current.settings.get(f.name, ""))
        for f in HANDLER_TYPES[wanted["type"]].fields
    }
    if type_changed or any(value != current.settings.get(name, "") for name, value in settings.items()):
        body |= settings
    return body


def update_handler(actor: AbstractBaseUser, current: Handler, body: dict[str, str]) -> ReadBack:
    """Sends the update, then reads the handler back, since some servers store something else."""
    before = {"name": current.name, "type": current.type} | current.settings
    with audit.recorded(actor, Action.EDIT, handler_id=current.id, name=body.get("name", current.name),
                        handler_type=body.get("type", current.type),
                        changes=[audit.change(key, before.get(key, ""), value) for key, value in body.items()]):
        try:
            client().update(current.id, body)
        except ApiError as e:
            raise scrubbed(e, current) from e
    try:
        stored = client().get(current.id, fresh=True)
    except ApiError as e:
        return ReadBack([], failed=scrubbed(e, current).message)
    stored_values = {"name": stored.name, "type": stored.type} | stored.settings
    return ReadBack([
        Mismatch(label(key), None, None) if key in SECRET_FIELDS else Mismatch(label(key), value, stored_values.get(key, ""))
        for key, value in body.items()
        if stored_values.get(key, "") != value
    ])


def delete_handler(actor: AbstractBaseUser, handler: Handler) -> None:
    with audit.recorded(actor, Action.DELETE, handler_id=handler.id, name=handler.name, handler_type=handler.type):
        client().delete(handler.id)


def public_settings(handler: Handler) -> dict[str, str]:
    return {name: value for name, value in handler.settings.items() if name not in SECRET_FIELDS}


def label(key: str) -> str:
    names = {"name": _("Name"), "type": _("Type"), "is_enabled": _("Enabled")}
    return str(names[key] if key in names else ALL_FIELDS[key].label if key in ALL_FIELDS else key)


def scrubbed(error: ApiError, handler: Handler) -> ApiError:
    """The same error, with any of the handler's secrets a server echoed back masked."""
    message = error.message
    for name, value in handler.settings.items():
        if name in SECRET_FIELDS and len(value) > 4:
            message = message.replace(value, mask(value))
    if message == error.message:
        return error
    clean = copy.copy(error)
    clean.message, clean.args = message, (message,)
    return clean
