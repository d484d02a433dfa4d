"""Editing a handler: what to send to turn it into what the member wants, and what the server stored of it."""

from dataclasses import dataclass, replace

from django.contrib.auth.models import AnonymousUser, User
from django.utils.translation import gettext as _

from handlers_admin import audit, mirror
from handlers_admin.api import ApiError, Handler, OutcomeUnknown, api_client
from handlers_admin.audit import Action
from handlers_admin.handler_types import HANDLER_TYPES, SECRET_FIELDS
from handlers_admin.outcomes import Change
from handlers_admin.services import scrubbed, settle_unknown
from handlers_admin.words import field_label


def update_body(current: Handler, wanted: dict[str, str]) -> dict[str, str]:
    """What to send to turn `current` into `wanted`: only what changed, except that a type's settings
    travel together, since real servers store a setting left out as "" (kept secrets come from `current`)."""
    body = {key: wanted[key] for key in ("name", "type") if wanted[key] != getattr(current, key)}
    type_changed = "type" in body
    wanted_settings = {
        spec.name: wanted.get(spec.name, "" if type_changed else current.settings.get(spec.name, ""))
        for spec in HANDLER_TYPES[wanted["type"]].fields
    }
    if type_changed or any(value != current.settings.get(name, "") for name, value in wanted_settings.items()):
        body |= wanted_settings
    if body and wanted["type"] == "email":
        # Real servers take an update without the address as a new address: unconfirmed, and emailed again.
        body["email"] = wanted_settings["email"]
    return body


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

    def message(self, name: str) -> tuple[str, str]:
        """The message level ("success" or "warning") and the words that tell the member how the edit went."""
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
    """Sends the update, then reads the handler back, since some servers store something else."""
    before = {"name": current.name, "type": current.type} | current.settings
    try:
        with audit.recorded(
            actor,
            Action.EDIT,
            handler_id=current.id,
            name=body.get("name", current.name),
            handler_type=body.get("type", current.type),
            changes=[audit.change(key, before.get(key, ""), value) for key, value in body.items()],
        ) as entry:
            try:
                api_client().update(current.id, body)
            except ApiError as e:
                raise scrubbed(e, current) from e
    except OutcomeUnknown:
        change = Change(action=Action.EDIT, handler_id=current.id, before={key: before.get(key, "") for key in body})
        stored = settle_unknown(change, entry).handler
        assert stored is not None
        return replace(_compared(body, stored), late=True)
    try:
        stored = api_client().get(current.id)
    except ApiError as e:
        sent = {key: value for key, value in body.items() if key not in ("name", "type")}
        mirror.patch(
            replace(
                current,
                name=body.get("name", current.name),
                type=body.get("type", current.type),
                settings=current.settings | sent,
            )
        )
        return EditResult(mismatches=[], read_back_failed=scrubbed(e, current).message)
    return _compared(body, stored)


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
