"""Exports of handlers as CSV and JSON: secrets masked, times in UTC ISO 8601."""

import csv
import io
import json
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from handlers_admin.client import Handler
from handlers_admin.handler_types import ALL_FIELDS

COLUMNS = ["id", "name", "type", "status", "created_utc", "last_activity_utc", *ALL_FIELDS]


def records(handlers: Iterable[Handler]) -> list[dict[str, Any]]:
    """Each mirrored handler as an export record; the mirror holds its settings already masked."""
    return [
        {
            "id": handler.id,
            "name": handler.name,
            "type": handler.type,
            "status": handler.state.name.lower(),
            "created_utc": _iso(handler.created),
            "last_activity_utc": _iso(handler.last_activity),
            "settings": handler.settings,
        }
        for handler in handlers
    ]


def _iso(moment: datetime | None) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z") if moment else ""


def to_json(exported: list[dict[str, Any]]) -> str:
    return json.dumps({"handlers": exported, "count": len(exported)}, ensure_ascii=False, indent=2)


def to_csv(exported: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    # A type this panel does not know may have settings with names of its own: they have no column.
    writer = csv.DictWriter(out, fieldnames=COLUMNS, extrasaction="ignore")
    writer.writeheader()
    for record in exported:
        row = {key: value for key, value in record.items() if key != "settings"} | record["settings"]
        writer.writerow({key: _cell(value) for key, value in row.items()})
    return out.getvalue()


def _cell(value: object) -> object:
    # A spreadsheet would run a cell starting like a formula; a leading quote keeps it text.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
