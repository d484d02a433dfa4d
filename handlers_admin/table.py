"""The handlers table's query: one description from which the filter form, the panel's URL and the API's
parameters are derived, plus the table's columns and pager links."""

from dataclasses import dataclass, fields, replace
from datetime import UTC, datetime, time
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise

PER_PAGE_CHOICES = (10, 25, 50, 100, 250, 500, 1000)
DEFAULT_PER_PAGE = 25
ORDER_FIELDS = ("notification_handler_id", "datetime", "last_datetime", "name")
# What a server of the basic variant honours; it ignores every other parameter.
BASIC_PARAMETERS = frozenset({"page", "results_per_page"})


@dataclass(frozen=True, kw_only=True)
class ListQuery:
    """A view of the table. Field names are the API's parameter names, which the panel's URL uses too."""

    page: int = 1
    results_per_page: int = DEFAULT_PER_PAGE
    search: str = ""
    is_enabled: bool | None = None
    type: str = ""
    datetime_field: str = ""
    datetime_start: datetime | None = None
    datetime_end: datetime | None = None
    order_by: str = ""
    order_type: str = ""

    @property
    def is_filtered(self) -> bool:
        return any((self.search, self.type, self.is_enabled is not None, self.datetime_start, self.datetime_end))

    def _values(self) -> dict[str, Any]:
        """Every parameter, those that only mean something with another left out without it: the date field
        without a date, the direction without an order."""
        values = {field.name: getattr(self, field.name) for field in fields(self)}
        if not (self.datetime_start or self.datetime_end):
            values["datetime_field"] = ""
        elif not self.datetime_field:
            values["datetime_field"] = "datetime"
        if not self.order_by:
            values["order_type"] = ""
        return values

    def url_params(self) -> dict[str, str]:
        """The panel's own query string parameters: ISO dates in the member's time zone, defaults left out."""
        defaults = ListQuery()._values()
        return {
            name: _url_value(value)
            for name, value in self._values().items()
            if value not in ("", None) and value != defaults[name]
        }

    def api_params(self, datetime_format: str) -> dict[str, str]:
        """The API's list parameters: dates in UTC in the documents' format, searches by name."""
        params = {}
        for name, value in self._values().items():
            if value in ("", None):
                continue
            if isinstance(value, datetime):
                params[name] = value.astimezone(UTC).strftime(datetime_format)
            else:
                params[name] = _url_value(value)
        if self.search:
            params["search_by"] = "name"
        if self.order_by:
            params["order_type"] = self.order_type or "ASC"
        return params


def _url_value(value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
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


COLUMNS = (
    Column(title=_("#"), order_by="notification_handler_id", optional=True),
    Column(title=_("Name"), order_by="name"),
    Column(title=_("Type")),
    Column(title=_("Status")),
    Column(title=_("Last used"), order_by="last_datetime"),
    Column(title=_("Created"), order_by="datetime", optional=True),
)
NEWEST_FIRST = frozenset({"datetime", "last_datetime"})


@dataclass(frozen=True, kw_only=True)
class HeaderCell:
    title: "StrPromise"
    optional: bool
    url: str = ""
    aria_sort: str = ""
    ascending: bool = False


def header_cells(query: ListQuery, *, sortable: bool) -> list[HeaderCell]:
    """The table's header cells; a sortable one links to the view sorted by it, flipping the current direction."""
    cells = []
    for column in COLUMNS:
        if not (column.order_by and sortable):
            cells.append(HeaderCell(title=column.title, optional=column.optional))
            continue
        if query.order_by == column.order_by:
            ascending = query.order_type == "ASC"
            direction = "DESC" if ascending else "ASC"
            aria_sort = "ascending" if ascending else "descending"
        else:
            ascending, aria_sort = False, ""
            direction = "DESC" if column.order_by in NEWEST_FIRST else "ASC"
        url = querystring(query, order_by=column.order_by, order_type=direction, page="")
        cells.append(
            HeaderCell(title=column.title, optional=column.optional, url=url, aria_sort=aria_sort, ascending=ascending)
        )
    return cells


def pager_links(query: ListQuery, total_pages: int) -> list[tuple["StrPromise", str | None]]:
    """First, previous, next and last: each a link, or None where it would lead nowhere."""

    def link(number: int) -> str | None:
        if not 1 <= number <= total_pages or number == query.page:
            return None
        return querystring(query, page=number if number > 1 else "")

    return [
        (_("First"), link(1)),
        (_("Previous"), link(query.page - 1)),
        (_("Next"), link(query.page + 1)),
        (_("Last"), link(total_pages)),
    ]


def export_query(query: ListQuery) -> str:
    """The filters and order of a view, without its paging: an export holds every matching handler."""
    return querystring(replace(query, page=1, results_per_page=DEFAULT_PER_PAGE))
