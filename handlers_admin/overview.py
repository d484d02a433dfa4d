"""The ops overview: totals, counts by state and type, when handlers were last used, and the stale ones."""

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from handlers_admin.client import Handler, State
from handlers_admin.presenters import type_label
from handlers_admin.table import ListQuery, querystring

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise


@dataclass(frozen=True, kw_only=True)
class Bucket:
    key: str
    label: "StrPromise"
    # A bucket holds the handlers last used within [newest, oldest) ago.
    newest: timedelta
    oldest: timedelta | None


BUCKETS = (
    Bucket(key="day", label=_("Last 24 hours"), newest=timedelta(0), oldest=timedelta(days=1)),
    Bucket(key="week", label=_("1–7 days"), newest=timedelta(days=1), oldest=timedelta(days=7)),
    Bucket(key="month", label=_("7–30 days"), newest=timedelta(days=7), oldest=timedelta(days=30)),
    Bucket(key="quarter", label=_("30–90 days"), newest=timedelta(days=30), oldest=timedelta(days=90)),
    Bucket(key="older", label=_("Over 90 days"), newest=timedelta(days=90), oldest=None),
)


@dataclass(frozen=True, kw_only=True)
class Tally:
    """How many handlers are in a group, and the table's URL that lists them (empty if it cannot)."""

    key: str
    label: str
    count: int
    url: str


@dataclass(frozen=True, kw_only=True)
class Overview:
    total: int
    states: list[Tally]
    types: list[Tally]
    buckets: list[Tally]
    stale: list[Handler]
    stale_after_days: int

    @property
    def most_in_a_bucket(self) -> int:
        return max((bucket.count for bucket in self.buckets), default=0)


def table_url(query: ListQuery) -> str:
    return reverse("handler_list") + querystring(query)


def summarize(handlers: list[Handler], *, now: datetime, stale_after_days: int) -> Overview:
    states = Counter(handler.state for handler in handlers)
    types = Counter(handler.type for handler in handlers)
    buckets = []
    for bucket in BUCKETS:
        count = sum(
            1
            for handler in handlers
            if handler.last_used
            and bucket.newest <= now - handler.last_used
            and (bucket.oldest is None or now - handler.last_used < bucket.oldest)
        )
        query = ListQuery(
            datetime_field="last_datetime",
            datetime_start=now - bucket.oldest if bucket.oldest else None,
            datetime_end=now - bucket.newest,
            order_by="last_datetime",
            order_type="DESC",
        )
        buckets.append(Tally(key=bucket.key, label=str(bucket.label), count=count, url=table_url(query)))
    # The API cannot filter on "never"; sorted oldest first, never-used handlers lead the table.
    never = sum(1 for handler in handlers if handler.last_used is None)
    never_url = table_url(ListQuery(order_by="last_datetime", order_type="ASC"))
    buckets.append(Tally(key="never", label=str(_("Never used")), count=never, url=never_url))
    stale_before = now - timedelta(days=stale_after_days)
    stale = sorted(
        (h for h in handlers if h.state == State.ON and (h.last_used is None or h.last_used < stale_before)),
        key=lambda h: (h.last_used is not None, h.last_used or h.created or now),
    )
    return Overview(
        total=len(handlers),
        states=[
            Tally(
                key="on", label=str(State.ON.label), count=states[State.ON], url=table_url(ListQuery(is_enabled=True))
            ),
            Tally(
                key="off",
                label=str(State.OFF.label),
                count=states[State.OFF],
                url=table_url(ListQuery(is_enabled=False)),
            ),
            Tally(key="pending", label=str(State.PENDING.label), count=states[State.PENDING], url=""),
        ],
        types=[
            Tally(key=slug, label=type_label(slug), count=count, url=table_url(ListQuery(type=slug)))
            for slug, count in types.most_common()
        ],
        buckets=buckets,
        stale=stale,
        stale_after_days=stale_after_days,
    )
