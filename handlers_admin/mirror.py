"""The panel's copy of the account's handlers (without secret values), so that tables, filters, the
overview and exports cost no API calls and work alike on both published variants.

One process at a time refreshes it, with ⌈N/1000⌉ list calls; every write through the panel patches it
at once from the server's answer; a handler removed upstream disappears at the next refresh. Each refresh and
each read of one handler records what was changed in the product meanwhile, and keeps each channel's real
activity apart from the product's stamps of the panel's own changes (see product_changes)."""

import logging
import math
import time
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from handlers_admin import budget, outcomes, product_changes, server_profile
from handlers_admin.api import LARGEST_PAGE, ApiError, Handler, NotFound, State, api_client
from handlers_admin.handler_types import is_damaged, shown_settings
from handlers_admin.models import AuditEntry, Health, MirroredHandler, MirrorRefresh, in_chunks

log = logging.getLogger(__name__)

LOCK_KEY = "mirror:refreshing"
# When the last refresh really finished, while mark_stale has it look older.
FINISHED_KEY = "mirror:finished"
QUEUED_KEY = "mirror:refresh-queued"
LOCK_SECONDS = 300
# Refreshes may spend at most this share of the minute's budget, on average.
REFRESH_SHARE = 5
# How long a page with nothing to show waits for another process's first refresh.
FIRST_REFRESH_WAIT_SECONDS = 30


# Letters that Unicode does not decompose into a base letter and an accent.
_UNACCENTED = str.maketrans({"ł": "l", "Ł": "l", "ø": "o", "Ø": "o", "đ": "d", "Đ": "d", "æ": "ae", "œ": "oe"})


def fold(text: str) -> str:
    """Text for a search that ignores case and accents: "Équipe" and "equipe", "płatności" and "platnosci"."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_UNACCENTED))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _row(handler: Handler) -> MirroredHandler:
    return MirroredHandler(
        id=handler.id,
        type=handler.type,
        name=handler.name,
        folded_name=fold(handler.name),
        state=int(handler.state),
        created=handler.created,
        last_activity=handler.last_activity,
        shown_settings=shown_settings(handler),
        damaged=is_damaged(handler),
        fetched=timezone.now(),
    )


# A write's answer: the channel's real activity stays what it was.
UPDATED_FIELDS = [
    "type",
    "name",
    "folded_name",
    "state",
    "created",
    "last_activity",
    "shown_settings",
    "damaged",
    "fetched",
]
# A read of the product.
LEARNED_FIELDS = [*UPDATED_FIELDS, "real_activity"]


@dataclass(frozen=True)
class Copied(Handler):
    """A handler as the mirror has it (secrets masked), with its real activity: the last that was not a change
    made through this panel (see product_changes.real_activity); `last_activity` is the product's own date."""

    real_activity: datetime | None = None
    # What the last silent check found (see channel_health).
    health: str = Health.UNCHECKED


def copied(row: MirroredHandler) -> Copied:
    return Copied(**vars(row.as_handler()), real_activity=row.real_activity, health=row.health)


def activity(handler: Handler) -> datetime | None:
    """The activity the table, its filters, the overview and exports go by: a copy's real activity; the product's
    own date of a handler read from it."""
    return handler.real_activity if isinstance(handler, Copied) else handler.last_activity


def patch(handler: Handler) -> None:
    """Writes what the server answered to a change made through the panel into the copy. The channel's real
    activity stays what it was (a new channel's: none): the product's stamp of the panel's change is not activity."""
    _store([_row(handler)], fields=UPDATED_FIELDS)


def patch_state(handler_id: int, state: State) -> None:
    MirroredHandler.objects.filter(id=handler_id).update(state=int(state))


def remove(handler_id: int) -> None:
    MirroredHandler.objects.filter(id=handler_id).delete()


def learn(handler: Handler) -> None:
    """Writes what a read of the product says of one handler into the copy: its real activity follows what the
    product says, and a change made in the product since the last refresh is recorded."""
    _learn(product_changes.known([handler.id]), handler)


def _learn(before: dict[int, product_changes.Known], handler: Handler) -> None:
    row = _row(handler)
    found = product_changes.compare(before, [row], gone=set(), last_refresh=_last_finished())
    with transaction.atomic():
        _store([row], fields=LEARNED_FIELDS)
        AuditEntry.objects.bulk_create(found)


def _store(rows: list[MirroredHandler], *, fields: list[str]) -> None:
    MirroredHandler.objects.bulk_create(
        rows, update_conflicts=True, unique_fields=["id"], update_fields=fields, batch_size=500
    )


def get(handler_id: int) -> MirroredHandler | None:
    return MirroredHandler.objects.filter(id=handler_id).first()


def fetch(handler_id: int) -> Handler:
    """The handler as the product has it now (one call); the copy learns it, or forgets it when it is gone."""
    # The copy as it was before the read: a write of the panel's patched in meanwhile is one its entry explains.
    before = product_changes.known([handler_id])
    try:
        handler = api_client().get(handler_id)
    except NotFound:
        found = product_changes.compare(before, [], gone=set(before), last_refresh=_last_finished())
        with transaction.atomic():
            remove(handler_id)
            AuditEntry.objects.bulk_create(found)
        raise
    _learn(before, handler)
    return handler


@dataclass(frozen=True, kw_only=True)
class Freshness:
    """How old the copy a page shows is, and why it could not be brought up to date if it could not."""

    updated: datetime | None
    problem: str = ""


def last_refresh() -> MirrorRefresh | None:
    return MirrorRefresh.objects.first()


def _last_finished() -> datetime | None:
    """When the last whole refresh finished, as the product's changes since are looked for (see mark_stale)."""
    last = last_refresh()
    if last is None:
        return None
    kept = cache.get(FINISHED_KEY)
    return max(datetime.fromisoformat(kept), last.finished) if isinstance(kept, str) else last.finished


def refresh_interval(last: MirrorRefresh) -> float:
    """Seconds between refreshes: MIRROR_MAX_AGE, or longer for an account so large that refreshing
    that often would spend more than a fifth of the minute's budget."""
    calls_a_minute = budget.limit() / REFRESH_SHARE
    return max(float(settings.MIRROR_MAX_AGE), last.calls * 60 / max(calls_a_minute, 1))


def ensure_fresh(*, force: bool = False) -> Freshness:
    """The copy's age, after a refresh when there is no copy at all (the page waits) or when forced (the Refresh
    button). A copy that is only old is refreshed by the worker: the page shows it at once, with its age, however
    slow or failing the product is. One process refreshes at a time; another's page keeps serving its copy."""
    last = last_refresh()
    if last and not force:
        if (timezone.now() - last.finished).total_seconds() >= refresh_interval(last):
            refresh_later()
        return Freshness(updated=last.finished)
    if not cache.add(LOCK_KEY, 1, LOCK_SECONDS):
        if last:
            return Freshness(updated=last.finished)
        return _wait_for_first_refresh()
    try:
        refresh()
    except ApiError as e:
        log.warning("mirror refresh failed: %s", type(e).__name__)
        return Freshness(updated=last.finished if last else None, problem=e.message)
    finally:
        cache.delete(LOCK_KEY)
    return Freshness(updated=timezone.now())


def refresh_later(handler_id: int | None = None) -> None:
    """Has the worker refresh the copy (or one handler's), once however many pages ask meanwhile."""
    if cache.add(f"{QUEUED_KEY}:{handler_id or 'all'}", 1, LOCK_SECONDS):
        # Imported here: the tasks module imports the jobs, which read this one.
        from handlers_admin.tasks import refresh_mirror

        refresh_mirror.enqueue(handler_id)


def refresh_in_background(handler_id: int | None = None) -> None:
    """The worker's refresh of an old copy (or of one handler), leaving the people's reserve alone; the whole
    copy in one process at a time."""
    cache.delete(f"{QUEUED_KEY}:{handler_id or 'all'}")
    if handler_id is None and not cache.add(LOCK_KEY, 1, LOCK_SECONDS):
        return
    try:
        with budget.background():
            if handler_id:
                fetch(handler_id)
            else:
                refresh()
    except NotFound:
        pass
    except ApiError as e:
        log.warning("mirror refresh failed: %s", type(e).__name__)
    finally:
        if handler_id is None:
            cache.delete(LOCK_KEY)


def _wait_for_first_refresh() -> Freshness:
    deadline = time.monotonic() + FIRST_REFRESH_WAIT_SECONDS
    while time.monotonic() < deadline:
        time.sleep(0.1)
        if last := last_refresh():
            return Freshness(updated=last.finished)
    return Freshness(updated=None, problem=_("The list of channels is still being loaded. Reload in a moment."))


def read_account() -> tuple[list[Handler], int]:
    """Every handler the product lists, with real settings, 1000 a call; and the calls that took."""
    listed = list(api_client().list_all())
    return listed, max(1, math.ceil(len(listed) / LARGEST_PAGE))


def refresh() -> int:
    """Reads every handler, 1000 a call, and makes the copy match; a scratch channel a self-check left behind
    is deleted, never copied. Records what was changed in the product since the previous refresh (none on the
    first). Returns the calls made."""
    since = _last_finished()
    # The copy as it was before the list is read: a write of the panel's patched in meanwhile is one its entry
    # explains, never a change of the product's.
    before = product_changes.known()
    listed, calls = read_account()
    handlers = [handler for handler in listed if not server_profile.is_scratch(handler.name)]
    for leftover in listed:
        if server_profile.leftover_scratch(leftover.name, leftover.created):
            calls += _delete_leftover(leftover.id)
    # A handler a page shift listed twice is copied once.
    rows = list({row.id: row for row in map(_row, handlers)}.values())
    seen = {row.id for row in rows}
    found = product_changes.compare(before, rows, gone=set(before) - seen, last_refresh=since)
    with transaction.atomic():
        _store(rows, fields=LEARNED_FIELDS)
        gone = set(MirroredHandler.objects.values_list("id", flat=True)) - seen
        for chunk in in_chunks(sorted(gone)):
            MirroredHandler.objects.filter(id__in=chunk).delete()
        AuditEntry.objects.bulk_create(found)
        # After the entries: the next refresh's window starts where theirs ended.
        MirrorRefresh.objects.update_or_create(
            pk=1, defaults={"finished": timezone.now(), "calls": calls, "count": len(rows)}
        )
    cache.delete(FINISHED_KEY)
    log.info(
        "mirror refreshed: %s handlers in %s calls, %s change(s) found made in the product",
        len(rows),
        calls,
        len(found),
    )
    was_damaged = {handler_id for handler_id, was in before.items() if was.damaged}
    if newly_damaged := [row.id for row in rows if row.damaged and row.id not in was_damaged]:
        log.warning("mirror refresh: %s channel(s) newly damaged in the product: %s", len(newly_damaged), newly_damaged)
        server_profile.damage_seen(by_this_panel=False)
    outcomes.settle_from_mirror()
    return calls


def _delete_leftover(handler_id: int) -> int:
    try:
        api_client().delete(handler_id)
    except NotFound:
        pass
    except ApiError as e:
        log.warning("mirror refresh: a self-check's scratch channel %s could not be deleted: %s", handler_id, e)
    return 1


def mark_stale() -> None:
    """After a change whose outcome could not be checked: the next page refreshes the copy first. When the last
    refresh really finished is kept aside, for the window of the changes the next one finds made in the product."""
    if last := last_refresh():
        cache.add(FINISHED_KEY, last.finished.isoformat(), None)
    MirrorRefresh.objects.update(finished=timezone.now() - timedelta(days=1))
