"""What the views call: each action goes through the API client."""

from dataclasses import dataclass, replace

from django.contrib.auth.models import AbstractBaseUser
from django.utils.translation import gettext_lazy as _

from handlers_admin.client import Handler, HandlerPage, ListQuery, State, client
from handlers_admin.types import HANDLER_TYPES, mask

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


def get_handler(handler_id: int) -> Handler:
    return client().get(handler_id)


def set_enabled(actor: AbstractBaseUser, ref: HandlerRef, enabled: bool) -> HandlerRef:
    saved = client().update(ref.id, {"is_enabled": enabled})
    return replace(ref, state=saved.handler.state if saved.handler else State(int(enabled)))


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
