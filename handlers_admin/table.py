"""The handlers table: its query (one description from which the filter form's fields, the panel's URL and the
mirror's query are derived), a page of it read from the mirror, its columns and pager links, and the
selection a member makes in it."""

import math
from collections.abc import Iterable
from dataclasses import dataclass, fields, replace
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import F, Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from handlers_admin import channel_details
from handlers_admin.api import Handler
from handlers_admin.handler_types import HANDLER_TYPES, types_for
from handlers_admin.mirror import copied, fold
from handlers_admin.models import Health, MirroredHandler

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise

PER_PAGE_CHOICES = (10, 25, 50, 100, 250, 500, 1000)
DEFAULT_PER_PAGE = 25
# The sort keys of the URL (the API's names where it has one) and the mirror's columns they sort by. Activity is
# the real one, without the product's stamps of changes made through the panel (see product_changes).
ORDER_FIELDS = {
    "notification_handler_id": "id",
    "name": "folded_name",
    "type": "type",
    "is_enabled": "state",
    "datetime": "created",
    "last_datetime": "real_activity",
}


@dataclass(frozen=True, kw_only=True)
class Activity:
    key: str
    label: "StrPromise | str"
    days: int
    # Active within the last `days`, or idle for longer: no activity for `days`, and in existence as long (a
    # channel never active counts once it is that old).
    idle: bool


ACTIVITY_PRESETS = (
    Activity(key="24h", label=_("Active in the last 24 hours"), days=1, idle=False),
    Activity(key="7d", label=_("Active in the last 7 days"), days=7, idle=False),
    Activity(key="30d", label=_("Active in the last 30 days"), days=30, idle=False),
    Activity(key="idle30d", label=_("Inactive for 30+ days"), days=30, idle=True),
    Activity(key="idle90d", label=_("Inactive for 90+ days"), days=90, idle=True),
    Activity(key="idle365d", label=_("Inactive for a year or more"), days=365, idle=True),
)
NEVER_ACTIVE = "never"
# Inactive for STALE_AFTER_DAYS or more: the overview's stale list.
STALE = "stale"
ACTIVITY = {preset.key: preset for preset in ACTIVITY_PRESETS}
# The product holds the channel without its type or its settings.
DAMAGED = "damaged"
CONDITIONS = ((DAMAGED, _("Damaged")),)


def activity_preset(key: str) -> Activity | None:
    if key == STALE:
        days = settings.STALE_AFTER_DAYS
        label = ngettext_lazy("Inactive for %(days)s+ day (stale)", "Inactive for %(days)s+ days (stale)", days) % {
            "days": days
        }
        return Activity(key=STALE, label=label, days=days, idle=True)
    return ACTIVITY.get(key)


def activity_choices() -> list[tuple[str, "StrPromise | str"]]:
    """The activity filter's choices: every preset, "stale", then "never"."""
    stale = activity_preset(STALE)
    assert stale is not None
    return [
        *((preset.key, preset.label) for preset in ACTIVITY_PRESETS),
        (STALE, stale.label),
        (NEVER_ACTIVE, _("Never active")),
    ]


@dataclass(frozen=True, kw_only=True)
class ListQuery:
    """A view of the table, read from the mirror. Field names are the URL's parameter names."""

    page: int = 1
    results_per_page: int = DEFAULT_PER_PAGE
    search: str = ""
    type: str = ""
    # A State's value: 0 off, 1 on, 2 pending.
    is_enabled: int | None = None
    # A creation date range.
    datetime_start: datetime | None = None
    datetime_end: datetime | None = None
    activity: str = ""
    # What is wrong with the channels shown: "damaged" (see CONDITIONS), or "" for any.
    condition: str = ""
    # What the last silent check found (a Health value), or "" for any.
    health: str = ""
    # One of the labels the panel keeps for a channel, case ignored, and the username of its owner.
    label: str = ""
    owner: str = ""
    order_by: str = ""
    order_type: str = ""
    # How many rows the pages from this one on start earlier than their number says: rows switched on an
    # earlier page that no longer match the filters left the results, and would otherwise be skipped over.
    shift: int = 0

    @property
    def filter_count(self) -> int:
        """How many filters are set."""
        return sum(
            1
            for value in (
                self.search,
                self.type,
                self.is_enabled,
                self.datetime_start,
                self.datetime_end,
                self.activity,
                self.condition,
                self.health,
                self.label,
                self.owner,
            )
            if value not in ("", None)
        )

    @property
    def is_filtered(self) -> bool:
        return self.filter_count > 0

    def url_params(self) -> dict[str, str]:
        """The panel's own query string parameters: ISO dates in the member's time zone, defaults left out."""
        defaults = ListQuery()
        params = {}
        for field in fields(self):
            value = getattr(self, field.name)
            if value in ("", None) or value == getattr(defaults, field.name):
                continue
            if field.name == "order_type" and not self.order_by:
                continue
            params[field.name] = _url_value(value)
        return params

    def handlers(self, now: datetime) -> QuerySet[MirroredHandler]:
        """The mirrored handlers this view shows, in its order (the newest id breaks ties)."""
        rows = MirroredHandler.objects.all()
        if self.search:
            rows = rows.filter(folded_name__contains=fold(self.search))
        if self.type:
            rows = rows.filter(type=self.type)
        if self.is_enabled is not None:
            rows = rows.filter(state=self.is_enabled)
        if self.datetime_start:
            rows = rows.filter(created__gte=self.datetime_start)
        if self.datetime_end:
            rows = rows.filter(created__lte=self.datetime_end)
        if self.activity == NEVER_ACTIVE:
            rows = rows.filter(real_activity__isnull=True)
        elif preset := activity_preset(self.activity):
            since = now - timedelta(days=preset.days)
            if preset.idle:
                rows = rows.filter(Q(real_activity__lt=since) | Q(real_activity__isnull=True, created__lt=since))
            else:
                rows = rows.filter(real_activity__gte=since)
        if self.condition == DAMAGED:
            rows = rows.filter(damaged=True)
        if self.health in Health.values:
            rows = rows.filter(health=self.health)
        if self.label:
            rows = rows.filter(id__in=channel_details.labelled(self.label))
        if self.owner:
            rows = rows.filter(details__owner__username=self.owner)
        column = ORDER_FIELDS.get(self.order_by)
        if column is None:
            return rows.order_by("-id")
        if self.order_type == "ASC":
            return rows.order_by(F(column).asc(nulls_first=True), "id")
        return rows.order_by(F(column).desc(nulls_last=True), "-id")


def type_choices(variant: str) -> list[tuple[str, str]]:
    """The type filter's choices: the variant's types, then those of the product's that this panel does not know
    but the mirror holds, by their own names."""
    known = [(t.slug, str(t.label)) for t in types_for(variant)]
    others = MirroredHandler.objects.exclude(type__in=[*HANDLER_TYPES, ""]).values_list("type", flat=True)
    return [*known, *((slug, slug) for slug in sorted(set(others)))]


@dataclass(frozen=True, kw_only=True)
class TablePage:
    """The rows of one page of the table, from the mirror (secrets masked)."""

    items: list[Handler]
    total: int
    total_pages: int
    # Where the page starts among all matching rows (see ListQuery.shift).
    start: int

    @property
    def first_index(self) -> int:
        return self.start + 1 if self.items else 0

    @property
    def last_index(self) -> int:
        return self.start + len(self.items)


def read_page(query: ListQuery) -> tuple[ListQuery, TablePage]:
    """A page of the table as the mirror has it now; a page past the end (after deletions, or an old link)
    shows the last one instead, and the query returned says so."""
    rows = query.handlers(timezone.now())
    total = rows.count()
    total_pages = max(1, math.ceil(total / query.results_per_page))
    if query.page > total_pages:
        query = replace(query, page=total_pages, shift=0)
    start = max(0, (query.page - 1) * query.results_per_page - query.shift)
    items: list[Handler] = [copied(row) for row in rows[start : start + query.results_per_page]]
    return query, TablePage(items=items, total=total, total_pages=total_pages, start=start)


def rows_left(query: ListQuery, shown: list[int]) -> int:
    """How many of the rows a page shows no longer match its filters (after switches made on it)."""
    if not query.is_filtered or not shown:
        return 0
    still = query.handlers(timezone.now()).filter(id__in=shown).count()
    return len(shown) - still


def shifted(query: ListQuery, shown: list[int]) -> ListQuery:
    """The view whose next pages start earlier by the rows of this page that left its results, so paging skips none."""
    return replace(query, shift=rows_left(query, shown))


def _url_value(value: Any) -> str:
    if isinstance(value, datetime):
        local = timezone.localtime(value)
        if local.time() in (time.min, time.max.replace(microsecond=0)):
            return local.date().isoformat()
        return local.replace(microsecond=0).isoformat()
    return str(value)


def querystring(query: ListQuery, **changes: Any) -> str:
    """The query string of a view of the table, with some parameters changed ("" removes one)."""
    params = query.url_params() | {name: str(value) for name, value in changes.items()}
    return "?" + urlencode({name: value for name, value in params.items() if value != ""})


@dataclass(frozen=True, kw_only=True)
class Column:
    title: "StrPromise"
    # The API's ordering this column sorts by, if any.
    order_by: str = ""
    # Columns that phones hide.
    optional: bool = False
    # A short explanation, shown on hover.
    help: "StrPromise | str" = ""


TABLE_COLUMNS = (
    Column(title=_("#"), order_by="notification_handler_id", optional=True),
    Column(title=_("Name"), order_by="name"),
    Column(title=_("Type"), order_by="type", optional=True),
    Column(title=_("Status"), order_by="is_enabled"),
    Column(
        title=_("Health"),
        optional=True,
        help=_("What the last check found, asking the service without sending anything."),
    ),
    Column(
        title=_("Last activity"),
        order_by="last_datetime",
        # On phones it shows under the name instead.
        optional=True,
        help=_("The last activity on this channel, not counting changes made through this panel."),
    ),
    Column(title=_("Created"), order_by="datetime", optional=True),
)
NEWEST_FIRST = frozenset({"datetime", "last_datetime"})


@dataclass(frozen=True, kw_only=True)
class HeaderCell:
    title: "StrPromise"
    optional: bool
    help: "StrPromise | str" = ""
    url: str = ""
    aria_sort: str = ""
    ascending: bool = False


def header_cells(query: ListQuery, *, sortable: bool) -> list[HeaderCell]:
    """The table's header cells; a sortable one links to the view sorted by it, flipping the current direction."""
    cells = []
    for column in TABLE_COLUMNS:
        if not (column.order_by and sortable):
            cells.append(HeaderCell(title=column.title, optional=column.optional, help=column.help))
            continue
        if query.order_by == column.order_by:
            ascending = query.order_type == "ASC"
            direction = "DESC" if ascending else "ASC"
            aria_sort = "ascending" if ascending else "descending"
        else:
            ascending, aria_sort = False, ""
            direction = "DESC" if column.order_by in NEWEST_FIRST else "ASC"
        url = querystring(query, order_by=column.order_by, order_type=direction, page="", shift="")
        cells.append(
            HeaderCell(
                title=column.title,
                optional=column.optional,
                help=column.help,
                url=url,
                aria_sort=aria_sort,
                ascending=ascending,
            )
        )
    return cells


def pager_links(query: ListQuery, total_pages: int) -> list[tuple["StrPromise", str | None]]:
    """First, previous, next and last: each a link, or None where it would lead nowhere."""

    def link(number: int) -> str | None:
        if not 1 <= number <= total_pages or number == query.page:
            return None
        shift = query.shift if number > 1 and query.shift else ""
        return querystring(query, page=number if number > 1 else "", shift=shift)

    return [
        (_("First"), link(1)),
        (_("Previous"), link(query.page - 1)),
        (_("Next"), link(query.page + 1)),
        (_("Last"), link(total_pages)),
    ]


def export_query(query: ListQuery) -> str:
    """The filters and order of a view, without its paging: an export holds every matching handler."""
    return querystring(replace(query, page=1, shift=0, results_per_page=DEFAULT_PER_PAGE))


# The selection: the handlers a member has picked for a bulk action. Kept in their session until they clear it,
# so that it survives paging and filter changes.
SELECTION_KEY = "selected_handlers"
# More than an account of this panel's size has; a guard against a session growing without bound.
SELECTION_MOST = 20_000


def selected_ids(request: HttpRequest) -> list[int]:
    return list(request.session.get(SELECTION_KEY, []))


def _keep_selection(request: HttpRequest, chosen: Iterable[int]) -> None:
    request.session[SELECTION_KEY] = list(dict.fromkeys(chosen))[:SELECTION_MOST]


def select(request: HttpRequest, chosen: Iterable[int]) -> None:
    _keep_selection(request, [*selected_ids(request), *chosen])


def unselect(request: HttpRequest, unchosen: Iterable[int]) -> None:
    gone = set(unchosen)
    _keep_selection(request, [handler_id for handler_id in selected_ids(request) if handler_id not in gone])


def select_matching(request: HttpRequest, query: ListQuery) -> None:
    """Adds every handler the filters match, from the mirror: across all pages, not only the one shown."""
    select(request, query.handlers(timezone.now()).values_list("id", flat=True))


def clear_selection(request: HttpRequest) -> None:
    request.session.pop(SELECTION_KEY, None)
