"""What the views call: every action goes through the API client here, and is recorded in the audit trail."""

import copy
import math
import secrets
import time
from dataclasses import dataclass, replace

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext as _

from handlers_admin import audit, mirror
from handlers_admin import send_test as send_test_module
from handlers_admin.audit import Action
from handlers_admin.client import (
    ApiError,
    Handler,
    HandlerPage,
    NotFound,
    OutcomeUnknown,
    State,
    WriteAnswer,
    client,
)
from handlers_admin.handler_types import HANDLER_TYPES, SECRET_FIELDS, HandlerType
from handlers_admin.models import AuditEntry
from handlers_admin.presenters import activity_cause as activity_cause_words
from handlers_admin.presenters import field_label, mask
from handlers_admin.table import ListQuery

Actor = User | AnonymousUser


@dataclass(frozen=True, kw_only=True)
class TablePage:
    query: ListQuery
    page: HandlerPage
    freshness: mirror.Freshness


def list_page(query: ListQuery) -> TablePage:
    """A page of the table, from the mirror, brought up to date first if it is old."""
    freshness = mirror.ensure_fresh()
    query, page = read_page(query)
    return TablePage(query=query, page=page, freshness=freshness)


def read_page(query: ListQuery) -> tuple[ListQuery, HandlerPage]:
    """A page of the table as the mirror has it now; a page past the end (after deletions, or an old link)
    shows the last one instead."""
    rows = query.handlers(timezone.now())
    total = rows.count()
    total_pages = max(1, math.ceil(total / query.results_per_page))
    if query.page > total_pages:
        query = replace(query, page=total_pages, shift=0)
    start = max(0, (query.page - 1) * query.results_per_page - query.shift)
    items = [mirror.as_handler(row) for row in rows[start : start + query.results_per_page]]
    page = HandlerPage(items, query.page, query.results_per_page, total, total_pages, start=start)
    return query, page


def rows_left(query: ListQuery, shown: list[int]) -> int:
    """How many of the rows a page shows no longer match its filters (after switches made on it)."""
    if not query.is_filtered or not shown:
        return 0
    still = query.handlers(timezone.now()).filter(id__in=shown).count()
    return len(shown) - still


def all_handlers(query: ListQuery | None = None) -> tuple[list[Handler], mirror.Freshness]:
    """Every handler matching the query, from the mirror (secrets masked), and how fresh that copy is."""
    freshness = mirror.ensure_fresh()
    rows = (query or ListQuery()).handlers(timezone.now())
    return [mirror.as_handler(row) for row in rows], freshness


def refresh_mirror() -> mirror.Freshness:
    return mirror.ensure_fresh(force=True)


def get_handler(handler_id: int) -> Handler:
    """The handler as the API has it now (one call); the mirror learns it too."""
    try:
        handler = client().get(handler_id)
    except NotFound:
        mirror.remove(handler_id)
        raise
    mirror.patch(handler)
    return handler


def activity_cause(handler: Handler) -> str:
    """Words for what made the handler's last activity, when it was a change made through this panel."""
    entry = audit.panel_change_at(handler.id, handler.last_activity)
    return activity_cause_words(entry) if entry else ""


class CannotChange(ApiError):
    """A change the panel refuses before any call, because the product's API would refuse it."""


class NotDone(ApiError):
    """The API's answer never came, and a check found that the change was not made."""


class Unconfirmed(ApiError):
    """The API's answer never came, and the check failed too: whether the change was made is not known."""


def _read_back(handler_id: int) -> Handler | None:
    """After an answer that never came: the handler as the server has it now, None if it is gone. When the
    read fails too, the mirror is refreshed before the next page shows it, and Unconfirmed is raised."""
    try:
        return get_handler(handler_id)
    except NotFound:
        return None
    except ApiError as e:
        mirror.mark_stale()
        raise Unconfirmed(_("We could not confirm whether this was saved: check again in a minute.")) from e


@dataclass(frozen=True, kw_only=True)
class Toggled:
    # The handler as now known, secrets masked.
    handler: Handler | None
    # Whether the API answered too late and a read confirmed the change.
    late: bool = False


def change_refusal(handler_type: str) -> str:
    """Why the panel cannot change a handler of this type, or "" when it can."""
    if handler_type in HANDLER_TYPES:
        return ""
    return _(
        "This panel cannot change channels of type “%(type)s”: the product does not allow it. "
        "Change it in the product itself. You can still delete it here."
    ) % {"type": handler_type}


def toggle(actor: Actor, handler_id: int, *, enabled: bool) -> Toggled:
    """Switches a handler on or off with one call (two when the mirror does not know it yet). The audit
    trail takes its name, type and previous state from the mirror or the server's answer, never from the
    browser. Returns the handler as now known."""
    known = mirror.get(handler_id)
    if known is None:
        get_handler(handler_id)
        known = mirror.get(handler_id)
    if known and (refusal := change_refusal(known.type)):
        raise CannotChange(refusal)
    body: dict[str, str | bool] = {"is_enabled": enabled}
    if known and known.type == "email":
        # Real servers take an update without the address as a new address: unconfirmed, and emailed again.
        body["email"] = known.shown_settings.get("email", "")
    after = State(int(enabled))
    before = State(known.state).name.lower() if known else None
    try:
        with audit.recorded(
            actor,
            Action.ENABLE if enabled else Action.DISABLE,
            handler_id=handler_id,
            name=known.name if known else "",
            handler_type=known.type if known else "",
            changes=[audit.change("is_enabled", before, after.name.lower())],
        ) as entry:
            answer = client().update(handler_id, body)
            if answer.handler:
                entry.handler_name, entry.handler_type = answer.handler.name[:512], answer.handler.type[:40]
    except OutcomeUnknown:
        now = _read_back(handler_id)
        done = now is not None and (now.state != State.OFF) == enabled
        audit.settle(entry, done=done)
        if not done:
            raise NotDone(_("The product answered late, and the switch was not changed. Try again.")) from None
        return Toggled(handler=known_handler(handler_id), late=True)
    if answer.handler:
        mirror.patch(answer.handler)
    else:
        mirror.patch_state(handler_id, after)
    return Toggled(handler=known_handler(handler_id))


def known_handler(handler_id: int) -> Handler | None:
    """The handler as the mirror has it, secrets masked."""
    row = mirror.get(handler_id)
    return mirror.as_handler(row) if row else None


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
    the entry then says "not confirmed" until a look at the list settles it (see created_since)."""
    try:
        with audit.recorded(
            actor,
            Action.CREATE,
            name=fields["name"],
            handler_type=fields["type"],
            changes=[audit.change(key, None, value) for key, value in fields.items()],
        ) as entry:
            saved = client().create(fields)
            entry.handler_id = saved.id
    except OutcomeUnknown:
        return None, entry
    _patch_created(saved, fields)
    return saved, entry


def settled_create(entry: AuditEntry) -> int | None:
    """Refreshes the mirror (which settles the entry from the list) and returns the handler a create whose
    answer never came made, or None when it made none. Unconfirmed when the list cannot be read either."""
    try:
        mirror.refresh()
    except ApiError as e:
        raise Unconfirmed(_("We could not confirm whether this was saved: check again in a minute.")) from e
    entry.refresh_from_db()
    return entry.handler_id if entry.outcome == AuditEntry.Outcome.DONE else None


def _find_created(key: str, entry: AuditEntry) -> Submission:
    """Looks in the list for the handler a create whose answer never came may have made."""
    if (handler_id := settled_create(entry)) is not None:
        cache.set(key, handler_id, SUBMISSION_SECONDS)
        return Submission(handler_id=handler_id, repeated=False, late=True)
    cache.delete(key)
    raise NotDone(
        _(
            "The product answered late, and no new channel has appeared: nothing was created. "
            "You can send the form again."
        )
    )


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


def update(actor: Actor, current: Handler, body: dict[str, str]) -> EditResult:
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
                client().update(current.id, body)
            except ApiError as e:
                raise scrubbed(e, current) from e
    except OutcomeUnknown:
        stored = _read_back(current.id)
        if stored is None:
            audit.settle(entry, done=False)
            raise NotFound(_("This channel was deleted meanwhile, so your changes were not saved.")) from None
        values = {"name": stored.name, "type": stored.type} | stored.settings
        if all(values.get(key, "") == before.get(key, "") for key in body):
            audit.settle(entry, done=False)
            raise NotDone(_("The product answered late, and your changes were not saved. Try again.")) from None
        audit.settle(entry, done=True)
        return replace(_compared(body, stored), late=True)
    try:
        stored = client().get(current.id)
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


def delete(actor: Actor, handler: Handler) -> bool:
    """Deletes the handler. Returns whether the API answered too late and a read confirmed the deletion."""
    try:
        with audit.recorded(
            actor, Action.DELETE, handler_id=handler.id, name=handler.name, handler_type=handler.type
        ) as entry:
            client().delete(handler.id)
    except OutcomeUnknown:
        still_there = _read_back(handler.id) is not None
        audit.settle(entry, done=not still_there)
        if still_there:
            raise NotDone(_("The product answered late, and the channel was not deleted. Try again.")) from None
        return True
    mirror.remove(handler.id)
    return False


def send_test(
    actor: Actor, *, handler_type: HandlerType, name: str, values: dict[str, str], handler_id: int | None = None
) -> send_test_module.TestResult:
    """Sends a test message to a channel, within the member's hourly allowance, and records it."""
    if not handler_type.test_format:
        return send_test_module.TestResult(delivered=False, text=send_test_module.untestable_reason())
    hour_key = f"test-sends:{actor.pk}:{int(time.time() // 3600)}"
    cache.add(hour_key, 0, 3600)
    if cache.incr(hour_key) > settings.TEST_SEND_PER_HOUR:
        text = _("You have sent %(count)s tests this hour, the most allowed. Try again later.")
        return send_test_module.TestResult(delivered=False, text=text % {"count": settings.TEST_SEND_PER_HOUR})
    member = actor.get_username()
    text = send_test_module.message(handler_name=name, member=member)
    url, body = send_test_module.request_for(handler_type, values, text=text, member=member)
    result = send_test_module.send(handler_type, url, body)
    audit.tested(
        actor,
        handler_id=handler_id,
        name=name,
        handler_type=handler_type.slug,
        result=result.text,
        delivered=result.delivered,
    )
    return result


def scrubbed(error: ApiError, handler: Handler) -> ApiError:
    """The same error, with any of the handler's secrets that a server echoed back masked."""
    message = error.message
    for name, value in handler.settings.items():
        if name in SECRET_FIELDS and len(value) > 4:
            message = message.replace(value, mask(value))
    if message == error.message:
        return error
    clean = copy.copy(error)
    clean.message, clean.args = message, (message,)
    return clean
