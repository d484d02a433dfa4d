"""Exports of handlers as CSV and JSON: secrets masked, times in UTC ISO 8601. `last_activity_utc` is the product's
own date, which counts every change; `real_activity_utc` leaves out the changes made through this panel. The panel's
own details follow: `labels` (comma-separated in CSV, a list in JSON), `owner` (a username) and `notes`."""

import csv
import io
import json
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from handlers_admin import channel_details
from handlers_admin.api import Handler
from handlers_admin.handler_types import ALL_FIELDS
from handlers_admin.mirror import activity

EXPORT_COLUMNS = [
    "id",
    "name",
    "type",
    "status",
    "created_utc",
    "last_activity_utc",
    "real_activity_utc",
    *channel_details.DETAILS_FIELDS,
    *ALL_FIELDS,
]


def records(handlers: Iterable[Handler]) -> list[dict[str, Any]]:
    """Each mirrored handler as an export record; the mirror holds its settings already masked."""
    handlers = list(handlers)
    details = channel_details.details_for(handler.id for handler in handlers)
    return [
        {
            "id": handler.id,
            "name": handler.name,
            "type": handler.type,
            "status": handler.state.name.lower(),
            "created_utc": _iso(handler.created),
            "last_activity_utc": _iso(handler.last_activity),
            "real_activity_utc": _iso(activity(handler)),
            "labels": list(shown.labels),
            "owner": shown.owner,
            "notes": shown.notes,
            "settings": handler.settings,
        }
        for handler in handlers
        for shown in [details.get(handler.id, channel_details.NO_DETAILS)]
    ]


def _iso(moment: datetime | None) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z") if moment else ""


def to_json(exported: list[dict[str, Any]]) -> str:
    return json.dumps({"handlers": exported, "count": len(exported)}, ensure_ascii=False, indent=2)


def to_csv(exported: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    # A type this panel does not know may have settings with names of its own: they have no column.
    writer = csv.DictWriter(out, fieldnames=EXPORT_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    for record in exported:
        row = {key: value for key, value in record.items() if key != "settings"} | record["settings"]
        # The details after the settings: a type the panel does not know may have settings of the same names.
        row |= {"labels": ", ".join(record["labels"]), "owner": record["owner"], "notes": record["notes"]}
        writer.writerow({key: _cell(value) for key, value in row.items()})
    return out.getvalue()


FORMULA_STARTS = ("=", "+", "-", "@")
CONTROL_CHARACTERS = "".join(chr(code) for code in range(32))


def _cell(value: object) -> object:
    """A spreadsheet runs a cell that starts like a formula, also after control characters it skips
    (a NUL, a tab, a carriage return...); a leading quote keeps it text."""
    if not isinstance(value, str) or not value:
        return value
    if value[0] in ("\t", "\r") or value.lstrip(CONTROL_CHARACTERS)[:1] in FORMULA_STARTS:
        return "'" + value
    return value
