"""What the views and jobs call: every action goes through the API client here, and is recorded in the audit
trail; every read of a handler says whether it is the mirror's copy or the product's own."""

import copy
import time
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from handlers_admin import audit, budget, mirror, outcomes, server_profile
from handlers_admin import send_test as send_test_module
from handlers_admin.api import (
    ApiError,
    CannotChange,
    Handler,
    NotDone,
    NotFound,
    OutcomeUnknown,
    State,
    Unconfirmed,
    UpdateRefused,
    api_client,
)
from handlers_admin.audit import Action
from handlers_admin.handler_types import SECRET_FIELDS, HandlerType, changeable_types, is_damaged, mask
from handlers_admin.models import AuditEntry, MirroredHandler
from handlers_admin.outcomes import Change
from handlers_admin.table import ListQuery, TablePage, read_page
from handlers_admin.words import NOT_DONE, type_label
from handlers_admin.words import activity_cause as activity_cause_words

Actor = User | AnonymousUser


def list_page(query: ListQuery) -> tuple[ListQuery, TablePage, mirror.Freshness]:
    """A page of the table, from the mirror, brought up to date first if it is old; the query as shown (a page
    past the end shows the last one)."""
    freshness = mirror.ensure_fresh()
    return *read_page(query), freshness


def all_handlers(query: ListQuery | None = None) -> tuple[list[Handler], mirror.Freshness]:
    """Every handler matching the query, from the mirror (secrets masked), and how fresh that copy is."""
    freshness = mirror.ensure_fresh()
    rows = (query or ListQuery()).handlers(timezone.now())
    return [mirror.copied(row) for row in rows], freshness


def refresh_mirror() -> mirror.Freshness:
    return mirror.ensure_fresh(force=True)


def handler_from_api(handler_id: int) -> Handler:
    """The handler as the product has it now (one call); the mirror learns it, or forgets it when it is gone."""
    return mirror.fetch(handler_id)


@dataclass(frozen=True, kw_only=True)
class Shown:
    """A handler for a page that only shows it: the mirror's copy, secrets masked, and when the product last said so."""

    handler: Handler
    as_of: datetime | None


def handler_to_show(handler_id: int) -> Shown:
    """The mirror's copy of a handler, costing no call (one read when the mirror does not know it). A copy older
    than MIRROR_MAX_AGE is refreshed by the worker, without holding the page, when the budget has room beyond the
    people's reserve: with the whole copy when that is one call (up to 1,000 channels), which brings every other
    old row up to date as well, and alone in a larger account."""
    row = _mirror_row(handler_id)
    if _is_old(row.fetched) and budget.limit() - budget.used() > settings.API_BUDGET_RESERVE:
        last = mirror.last_refresh()
        mirror.refresh_later(handler_id if last and last.calls > 1 else None)
    return Shown(handler=mirror.copied(row), as_of=row.fetched)


def _mirror_row(handler_id: int) -> MirroredHandler:
    """The mirror's row of a handler, read from the product first (one call) when the mirror does not know it."""
    if (row := mirror.get(handler_id)) is None:
        mirror.fetch(handler_id)
        if (row := mirror.get(handler_id)) is None:
            raise NotFound
    return row


def _is_old(moment: datetime | None) -> bool:
    return moment is None or (timezone.now() - moment).total_seconds() > settings.MIRROR_MAX_AGE


def handler_from_mirror(handler_id: int) -> Handler | None:
    """The handler as the mirror has it, secrets masked; None when the mirror does not know it."""
    row = mirror.get(handler_id)
    return mirror.copied(row) if row else None


def handlers_from_mirror(handler_ids: list[int]) -> list[Handler]:
    """The handlers of these ids that the mirror knows, secrets masked, in the order of the ids."""
    rows = {row.id: row for row in MirroredHandler.objects.filter(id__in=handler_ids)}
    return [rows[handler_id].as_handler() for handler_id in handler_ids if handler_id in rows]


def name_in_use(name: str) -> Handler | None:
    """A channel the mirror knows by this name, case ignored, or None: the create form warns of it, without refusing
    (names need not be unique)."""
    wanted = name.strip().casefold()
    if not wanted:
        return None
    # The folded name ignores accents too: the few it finds are compared without them.
    rows = MirroredHandler.objects.filter(folded_name=mirror.fold(name.strip())).order_by("id")
    return next((row.as_handler() for row in rows if row.name.strip().casefold() == wanted), None)


def is_switched(handler_id: int, *, on: bool) -> bool:
    """Whether the mirror shows the handler switched on (or off) already."""
    row = mirror.get(handler_id)
    return row is not None and State(row.state).is_switched(on=on)


def activity_cause(handler: Handler) -> str:
    """Words for what made the handler's last activity, when it was a change made through this panel."""
    entry = audit.panel_change_at(handler.id, handler.last_activity)
    return activity_cause_words(entry) if entry else ""


def change_refusal(handler_type: str, *, damaged: bool = False) -> str:
    """Why the panel cannot change a handler of this type (or a damaged one), or "" when it can: its type is
    one of this variant's (the basic one has no Twilio; other products have types of their own)."""
    if damaged:
        return damaged_words()
    return (
        ""
        if handler_type in changeable_types(settings.API_VARIANT)
        else CannotChange(type=type_label(handler_type)).message
    )


def damaged_words() -> str:
    return _(
        "The product holds this channel without its type or its settings, so it no longer sends anything. It was "
        "probably damaged by a change made through the product's API. Set it up again on the product's own page, "
        "or create it again here."
    )


def update_refusal() -> str:
    """Why the panel will not send an update to this server, or "" when it may: this server's self-check runs
    first when it was never checked. Before any call of the change itself."""
    safety = server_profile.update_safety()
    return "" if safety.allowed else safety.reason


def known_update_refusal() -> str:
    """The same as update_refusal from what is known already, costing no call: for pages that show switches."""
    safety = server_profile.known_safety()
    return safety.reason if safety and not safety.allowed else ""


def damage_noted(entry: AuditEntry, before: Handler | None, after: Handler | None) -> bool:
    """Whether the server's answer to a change shows the channel damaged by it: the entry says so, and the server
    is known to erase. Returns whether it did."""
    if after is None or not is_damaged(after) or (before is not None and is_damaged(before)):
        return False
    entry.message = _("The product erased this channel's type and settings when it made this change.")
    server_profile.damage_seen(by_this_panel=True)
    return True


@dataclass(frozen=True, kw_only=True)
class Settled:
    """A change whose answer never came, found made: the handler as the product has it now (None after a delete
    or a create), and its id."""

    handler: Handler | None
    handler_id: int | None


def settle_unknown(change: Change, entry: AuditEntry | None = None, *, not_done: str = "") -> Settled:
    """After a change whose answer never came: looks at the product (reads the handler back; for a create, the
    whole list), settles the audit entry by what it finds, and says what is true. Returns what it found when the
    change was made; raises NotDone when it was not (NotFound for an edit of a handler since gone), and
    Unconfirmed when the look failed too, after which the next page refreshes the mirror first."""
    try:
        if change.action == Action.CREATE:
            mirror.refresh()
            row = outcomes.created_row(change)
            handler, handler_id, done = None, row.id if row else None, row is not None
        else:
            try:
                handler = mirror.fetch(change.handler_id or 0)
            except NotFound:
                handler = None
            handler_id, done = change.handler_id, bool(outcomes.made(change, handler))
    except ApiError as e:
        mirror.mark_stale()
        raise Unconfirmed from e
    if entry is not None:
        audit.settle(entry, done=done, handler_id=handler_id)
    if done:
        return Settled(handler=handler, handler_id=handler_id)
    if handler is None and change.action == Action.EDIT:
        raise NotFound(_("This channel was deleted meanwhile, so your changes were not saved."))
    raise NotDone(not_done or NOT_DONE[change.action])


@dataclass(frozen=True, kw_only=True)
class Toggled:
    # The handler as now known, secrets masked.
    handler: Handler | None
    # Whether the API answered too late and a read confirmed the change.
    late: bool = False


def toggle(actor: Actor, handler_id: int, *, enabled: bool) -> Toggled:
    """Switches a handler on or off with one call (two when the mirror does not know it yet). The audit
    trail takes its name, type and previous state from the mirror or the server's answer, never from the
    browser. Returns the handler as now known."""
    known = _mirror_row(handler_id)
    if refusal := change_refusal(known.type, damaged=known.damaged):
        raise CannotChange(refusal)
    if refusal := update_refusal():
        raise UpdateRefused(refusal)
    # The type always: real servers take it from the form only, and blank the channel without it.
    body: dict[str, str | bool] = {"type": known.type, "is_enabled": enabled}
    if known.type == "email":
        # Real servers take an update without the address as a new address: unconfirmed, and emailed again.
        body["email"] = known.shown_settings.get("email", "")
    action = Action.ENABLE if enabled else Action.DISABLE
    after = State(int(enabled))
    before = State(known.state).name.lower()
    try:
        with audit.recorded(
            actor,
            action,
            handler_id=handler_id,
            name=known.name,
            handler_type=known.type,
            changes=[audit.change("is_enabled", before, after.name.lower())],
        ) as entry:
            answer = api_client().update(handler_id, body)
            if answer.handler:
                entry.handler_name = answer.handler.name[:512]
                damage_noted(entry, known.as_handler(), answer.handler)
    except OutcomeUnknown:
        settle_unknown(Change(action=action, handler_id=handler_id), entry)
        return Toggled(handler=handler_from_mirror(handler_id), late=True)
    if answer.handler:
        mirror.patch(answer.handler)
    else:
        mirror.patch_state(handler_id, after)
    return Toggled(handler=handler_from_mirror(handler_id))


def delete(actor: Actor, handler: Handler) -> bool:
    """Deletes the handler. Returns whether the API answered too late and a read confirmed the deletion."""
    try:
        with audit.recorded(
            actor, Action.DELETE, handler_id=handler.id, name=handler.name, handler_type=handler.type
        ) as entry:
            api_client().delete(handler.id)
    except OutcomeUnknown:
        settle_unknown(Change(action=Action.DELETE, handler_id=handler.id), entry)
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
        most = settings.TEST_SEND_PER_HOUR
        text = ngettext(
            "You have sent %(count)s test this hour, the most allowed. Try again later.",
            "You have sent %(count)s tests this hour, the most allowed. Try again later.",
            most,
        )
        return send_test_module.TestResult(delivered=False, text=text % {"count": most})
    member = actor.get_username()
    text = send_test_module.message(handler_name=name, member=member)
    url, body = send_test_module.request_for(handler_type, values, text=text, member=member)
    result = send_test_module.send(handler_type, url, body)
    audit.tested(
        actor,
        handler_id=handler_id,
        name=name,
        handler_type=handler_type.slug,
        details=result.details,
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
