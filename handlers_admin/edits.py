"""Editing a handler: what to send to turn it into what the member wants, and what the server stored of it."""

import secrets
from dataclasses import dataclass, replace
from datetime import datetime

from django.contrib.auth.models import AnonymousUser, User
from django.core.cache import cache
from django.utils.translation import gettext as _

from handlers_admin import audit, mirror
from handlers_admin.api import ApiError, Handler, OutcomeUnknown, State, UpdateRefused, api_client
from handlers_admin.audit import Action
from handlers_admin.handler_types import HANDLER_TYPES, SECRET_FIELDS
from handlers_admin.outcomes import Change
from handlers_admin.sealed import seal, unseal
from handlers_admin.services import damage_noted, scrubbed, settle_unknown, update_refusal
from handlers_admin.words import field_label

# How long the read an edit form was opened with serves its save.
EDIT_READ_SECONDS = 30 * 60


def keep_edit_read(handler: Handler) -> str:
    """Keeps the read an edit form is opened with (sealed: it holds the secrets) for the form's save, so that the
    save sends the update without reading the handler again; returns the form's key to it."""
    key = secrets.token_urlsafe(16)
    times = {
        name: moment.isoformat() if moment else None
        for name, moment in (("created", handler.created), ("last_activity", handler.last_activity))
    }
    fields = {"id": handler.id, "name": handler.name, "type": handler.type, "state": int(handler.state)}
    cache.set(f"edit-read:{key}", seal(fields | times | {"settings": handler.settings}), EDIT_READ_SECONDS)
    return key


def edit_read(handler_id: int, key: str) -> Handler:
    """The handler as the edit form being saved was opened with; read from the product again when that read is
    gone (expired, or a form of another handler)."""
    kept = unseal(cache.get(f"edit-read:{key}") or "") if key else None
    if isinstance(kept, dict) and kept.get("id") == handler_id:
        return Handler(
            id=handler_id,
            type=str(kept["type"]),
            name=str(kept["name"]),
            settings={str(k): str(v) for k, v in dict(kept["settings"]).items()},
            state=State(int(kept["state"])),
            created=_moment(kept.get("created")),
            last_activity=_moment(kept.get("last_activity")),
        )
    return mirror.fetch(handler_id)


def _moment(text: object) -> datetime | None:
    return datetime.fromisoformat(text) if isinstance(text, str) else None


def update_body(current: Handler, wanted: dict[str, str]) -> dict[str, str]:
    """What to send to turn `current` into `wanted`, or nothing when nothing changed. Always the whole channel
    (name, type, state and every setting of its type), since real servers take the type from the form only and
    store a setting left out as "": a kept secret comes from `current`, read fresh from the product."""
    type_changed = wanted["type"] != current.type
    values = {"name": wanted["name"], "type": wanted["type"]} | {
        spec.name: wanted.get(spec.name, "" if type_changed else current.settings.get(spec.name, ""))
        for spec in HANDLER_TYPES[wanted["type"]].fields
    }
    if not changed(current, values):
        return {}
    return values | {"is_enabled": "0" if current.state == State.OFF else "1"}


def _before(current: Handler) -> dict[str, str]:
    return {"name": current.name, "type": current.type} | current.settings


def changed(current: Handler, body: dict[str, str]) -> dict[str, str]:
    """The fields of a body whose values differ from the handler's, its state aside."""
    before = _before(current)
    return {key: value for key, value in body.items() if key != "is_enabled" and value != before.get(key, "")}


@dataclass(frozen=True, kw_only=True)
class Mismatch:
    """A value the server stored other than the one sent; for a secret, neither is shown."""

    label: str
    sent: str | None
    stored: str | None


@dataclass(frozen=True, kw_only=True)
class EditResult:
    """What an edit came to: sent and then read back, with what the server stored differently."""

    mismatches: list[Mismatch]
    # Why the handler could not be read back after it was saved; empty when it was.
    read_back_failed: str = ""
    # Whether the API answered too late and the read-back showed the changes made.
    late: bool = False
    # Whether the server's answer shows the channel damaged by the change (its type and settings erased).
    damaged: bool = False

    def message(self, name: str) -> tuple[str, str]:
        """The message level ("success" or "warning") and the words that tell the member how the edit went."""
        if self.damaged:
            text = _(
                "The product saved the change, but erased the type and settings of “%(name)s”: it no longer sends "
                "anything. The panel will not change channels on this product again. You can re-create it from the "
                "settings it had, below."
            )
            return "warning", text % {"name": name}
        if self.late and not self.mismatches:
            return "success", _("Done: the product answered late, but your changes to “%(name)s” were saved.") % {
                "name": name
            }
        if self.read_back_failed:
            text = _("Your changes were saved, but could not be read back to check them: %(error)s")
            return "warning", text % {"error": self.read_back_failed}
        if not self.mismatches:
            return "success", _("Your changes to “%(name)s” were saved.") % {"name": name}
        parts = [
            _("%(field)s: a different value was stored") % {"field": m.label}
            if m.sent is None
            else _("%(field)s: sent “%(sent)s”, stored “%(stored)s”")
            % {"field": m.label, "sent": m.sent, "stored": m.stored}
            for m in self.mismatches
        ]
        text = _(
            "Saved, but the server stored something other than what was sent. %(details)s. Please check and edit again."
        )
        return "warning", text % {"details": "; ".join(parts)}


def update(actor: User | AnonymousUser, current: Handler, body: dict[str, str]) -> EditResult:
    """Sends the update, on a server known to keep a channel whole, then compares what the server stored (its
    answer, or a read when the answer does not hold the channel), since some servers store something else."""
    if refusal := update_refusal():
        raise UpdateRefused(refusal)
    before, changes = _before(current), changed(current, body)
    try:
        with audit.recorded(
            actor,
            Action.EDIT,
            handler_id=current.id,
            name=body.get("name", current.name),
            handler_type=body.get("type", current.type),
            changes=[audit.change(key, before.get(key, ""), value) for key, value in changes.items()],
        ) as entry:
            try:
                stored = api_client().update(current.id, body).handler
            except ApiError as e:
                raise scrubbed(e, current) from e
            damaged = damage_noted(entry, current, stored)
    except OutcomeUnknown:
        change = Change(action=Action.EDIT, handler_id=current.id, before={key: before.get(key, "") for key in changes})
        stored = settle_unknown(change, entry).handler
        assert stored is not None
        return replace(_compared(changes, stored), late=True)
    if stored is None:
        try:
            stored = api_client().get(current.id)
        except ApiError as e:
            sent = {key: value for key, value in changes.items() if key not in ("name", "type")}
            mirror.patch(
                replace(
                    current,
                    name=body.get("name", current.name),
                    type=body.get("type", current.type),
                    settings=current.settings | sent,
                )
            )
            return EditResult(mismatches=[], read_back_failed=scrubbed(e, current).message)
        if damaged := damage_noted(entry, current, stored):
            entry.save(update_fields=["message"])
    return replace(_compared(changes, stored), damaged=damaged)


def _compared(body: dict[str, str], stored: Handler) -> EditResult:
    """What the server stored of what was sent; the mirror learns what it stored."""
    mirror.patch(stored)
    stored_values = {"name": stored.name, "type": stored.type} | stored.settings
    return EditResult(
        mismatches=[
            Mismatch(label=field_label(key), sent=None, stored=None)
            if key in SECRET_FIELDS
            else Mismatch(label=field_label(key), sent=value, stored=stored_values.get(key, ""))
            for key, value in body.items()
            if stored_values.get(key, "") != value
        ]
    )
