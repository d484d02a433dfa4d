"""What the product's answers hold, read whatever variation of them a server sends (see shared/API.md)."""

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy

from handlers_admin.api.errors import BadAnswer


class State(models.IntegerChoices):
    """`is_enabled` as servers send it: a boolean on older ones, 2 for an email address not confirmed yet."""

    OFF = 0, gettext_lazy("Off")
    ON = 1, gettext_lazy("On")
    PENDING = 2, gettext_lazy("Waiting for confirmation")

    def is_switched(self, *, on: bool) -> bool:
        """Whether a channel in this state is switched as wanted: a pending address counts as on."""
        return (self != State.OFF) == on


@dataclass(frozen=True)
class Handler:
    id: int
    type: str
    name: str
    settings: dict[str, str]
    state: State
    created: datetime | None
    last_activity: datetime | None

    @classmethod
    def placeholder(cls, handler_id: int, *, type: str = "", name: str = "") -> "Handler":
        """A handler known only by its id (and what a form posted), for a page that must show something of it."""
        return cls(handler_id, type, name, {}, State.OFF, None, None)


@dataclass(frozen=True)
class ListAnswer:
    """One page of the product's list, as it numbered it."""

    items: list[Handler]
    page: int
    per_page: int
    total: int
    total_pages: int

    @property
    def first_index(self) -> int:
        """Where the page's first item stands in the whole list, counted from 1; 0 for an empty page."""
        return (self.page - 1) * self.per_page + 1 if self.items else 0

    @property
    def last_index(self) -> int:
        return (self.page - 1) * self.per_page + len(self.items)


@dataclass(frozen=True)
class WriteAnswer:
    """What a create or update answered: always the id, and the handler when the server sent it."""

    id: int
    handler: Handler | None = None


def data_of(body: Any) -> Any:
    if not isinstance(body, dict) or "data" not in body:
        raise BadAnswer
    return body["data"]


def list_answer(body: Any, params: Mapping[str, str]) -> ListAnswer:
    items = data_of(body)
    meta: dict[str, Any] = body.get("meta") or {}
    if not isinstance(items, list) or not isinstance(meta, dict):
        raise BadAnswer
    try:
        per_page = int(meta.get("results_per_page") or params.get("results_per_page") or "25")
        total = int(meta.get("total") or meta.get("total_results") or len(items))
        total_pages = int(meta.get("total_pages") or max(1, math.ceil(total / per_page)))
        page = int(meta.get("page") or params.get("page") or "1")
    except (TypeError, ValueError) as e:
        raise BadAnswer from e
    return ListAnswer([handler(item) for item in items], page, per_page, total, total_pages)


def write_answer(body: Any) -> WriteAnswer:
    if body is None:
        return WriteAnswer(0)
    data = data_of(body)
    if not isinstance(data, dict):
        raise BadAnswer
    try:
        handler_id = int(data["id"])
    except (KeyError, TypeError, ValueError) as e:
        raise BadAnswer from e
    return WriteAnswer(handler_id, handler(data) if "type" in data else None)


def handler(data: Any) -> Handler:
    try:
        raw_settings = data.get("settings") or {}
        if isinstance(raw_settings, str):
            raw_settings = json.loads(raw_settings) or {}
        if isinstance(raw_settings, list) and not raw_settings:  # PHP encodes an empty map as []
            raw_settings = {}
        if not isinstance(raw_settings, dict):
            raise TypeError("settings is not an object")
        return Handler(
            id=int(data["id"]),
            # Real servers' update erases the type: null (see shared/API.md).
            type=str(data["type"] or ""),
            name=str(data.get("name") or ""),
            settings={str(k): "" if v is None else str(v) for k, v in raw_settings.items()},
            state=_state(data.get("is_enabled")),
            created=_time(data.get("datetime")),
            last_activity=_time(data.get("last_datetime")),
        )
    except (AttributeError, KeyError, TypeError, ValueError) as e:
        raise BadAnswer from e


def _state(value: Any) -> State:
    if isinstance(value, str):
        value = {"true": 1, "false": 0}.get(value.lower(), value)
    return State(int(value or 0))


def _time(value: Any) -> datetime | None:
    if not value or str(value).startswith("0000-00-00"):
        return None
    parsed = datetime.fromisoformat(str(value))  # reads the API's "Y-m-d H:i:s" too
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
