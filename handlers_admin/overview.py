"""The ops overview: totals, counts by type, last-used buckets, stale handlers, exports."""

import csv
import io
import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from handlers_admin.client import Handler, ListQuery, State
from handlers_admin.forms import querystring
from handlers_admin.services import STATE_LABELS
from handlers_admin.types import ALL_FIELDS, HANDLER_TYPES, SECRET_FIELDS, mask, type_label

# (key, label, newest age, oldest age): a bucket holds handlers last used within [newest, oldest).
BUCKETS: list[tuple[str, Promise, timedelta, timedelta | None]] = [
    ("day", _("Last 24 hours"), timedelta(0), timedelta(days=1)),
    ("week", _("1–7 days"), timedelta(days=1), timedelta(days=7)),
    ("month", _("7–30 days"), timedelta(days=7), timedelta(days=30)),
    ("quarter", _("30–90 days"), timedelta(days=30), timedelta(days=90)),
    ("older", _("Over 90 days"), timedelta(days=90), None),
]


@dataclass(frozen=True)
class Count:
    key: str
    label: str
    count: int
    url: str


@dataclass(frozen=True)
class Overview:
    total: int
    states: list[Count]
    types: list[Count]
    buckets: list[Count]
    stale: list[Handler]
    stale_after_days: int

    @property
    def most_in_a_bucket(self) -> int:
        return max((b.count for b in self.buckets), default=0)


def table_url(query: ListQuery) -> str:
    return reverse("handler_list") + querystring(query)


def build(handlers: list[Handler], now: datetime, stale_after_days: int) -> Overview:
    states = Counter(h.state for h in handlers)
    types = Counter(h.type for h in handlers)
    buckets = []
    for key, label, newest, oldest in BUCKETS:
        count = sum(1 for h in handlers if h.last_used and newest <= now - h.last_used and (oldest is None or now - h.last_used < oldest))
        query = ListQuery(datetime_field="last_datetime", datetime_start=now - oldest if oldest else None,
                          datetime_end=now - newest, order_by="last_datetime", order_type="DESC")
        buckets.append(Count(key, str(label), count, table_url(query)))
    # The API cannot filter on "never"; sorted oldest first, never-used handlers lead the table.
    never = sum(1 for h in handlers if h.last_used is None)
    buckets.append(Count("never", str(_("Never used")), never, table_url(ListQuery(order_by="last_datetime", order_type="ASC"))))
    stale_before = now - timedelta(days=stale_after_days)
    stale = sorted(
        (h for h in handlers if h.state == State.ON and (h.last_used is None or h.last_used < stale_before)),
        key=lambda h: (h.last_used is not None, h.last_used or h.created or now),
    )
    return Overview(
        total=len(handlers),
        states=[
            Count("on", str(STATE_LABELS[State.ON]), states[State.ON], table_url(ListQuery(is_enabled=True))),
            Count("off", str(STATE_LABELS[State.OFF]), states[State.OFF], table_url(ListQuery(is_enabled=False))),
            Count("pending", str(STATE_LABELS[State.PENDING]), states[State.PENDING], ""),
        ],
        types=[Count(slug, type_label(slug), n, table_url(ListQuery(type=slug))) for slug, n in types.most_common()],
        buckets=buckets,
        stale=stale,
        stale_after_days=stale_after_days,
    )


EXPORT_COLUMNS = ["id", "name", "type", "status", "created_utc", "last_used_utc", *ALL_FIELDS]


def export_records(handlers: Iterable[Handler]) -> list[dict[str, object]]:
    """One record a handler, secrets masked, times in UTC ISO 8601."""
    return [
        {
            "id": h.id,
            "name": h.name,
            "type": h.type,
            "status": h.state.name.lower(),
            "created_utc": _iso(h.created),
            "last_used_utc": _iso(h.last_used),
            "settings": {
                name: mask(value) if value and name in SECRET_FIELDS else value
                for name, value in h.settings.items()
                if h.type in HANDLER_TYPES and name in ALL_FIELDS  # an unknown type's settings may hold anything
            },
        }
        for h in handlers
    ]


def _iso(moment: datetime | None) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z") if moment else ""


def to_json(records: list[dict[str, object]]) -> str:
    return json.dumps({"handlers": records, "count": len(records)}, ensure_ascii=False, indent=2)


def to_csv(records: list[dict[str, object]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=EXPORT_COLUMNS)
    writer.writeheader()
    for record in records:
        row = {k: v for k, v in record.items() if k != "settings"} | record["settings"]  # type: ignore[operator]
        writer.writerow({k: _cell(v) for k, v in row.items()})
    return out.getvalue()


def _cell(value: object) -> object:
    # A spreadsheet would run a cell starting like a formula; a leading quote keeps it text.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
