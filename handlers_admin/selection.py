"""The handlers a member has selected in the table. Kept in their session until they clear it, so that a
selection survives paging and filter changes."""

from collections.abc import Iterable

from django.http import HttpRequest
from django.utils import timezone

from handlers_admin.table import ListQuery

KEY = "selected_handlers"
# More than an account of this panel's size has; a guard against a session growing without bound.
MOST = 20_000


def ids(request: HttpRequest) -> list[int]:
    return list(request.session.get(KEY, []))


def _keep(request: HttpRequest, chosen: Iterable[int]) -> None:
    request.session[KEY] = list(dict.fromkeys(chosen))[:MOST]


def add(request: HttpRequest, chosen: Iterable[int]) -> None:
    _keep(request, [*ids(request), *chosen])


def remove(request: HttpRequest, unchosen: Iterable[int]) -> None:
    gone = set(unchosen)
    _keep(request, [handler_id for handler_id in ids(request) if handler_id not in gone])


def add_matching(request: HttpRequest, query: ListQuery) -> None:
    """Adds every handler the filters match, from the mirror: across all pages, not only the one shown."""
    add(request, query.handlers(timezone.now()).values_list("id", flat=True))


def clear(request: HttpRequest) -> None:
    request.session.pop(KEY, None)
