"""The one module that speaks HTTP to the remote API and reads its JSON (see shared/API.md)."""

import json
import logging
import math
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from requests.adapters import HTTPAdapter
from urllib3.exceptions import NewConnectionError
from urllib3.util.retry import Retry

from handlers_admin import budget, health

log = logging.getLogger(__name__)

LARGEST_PAGE = 1000


class State(models.IntegerChoices):
    """`is_enabled` as servers send it: a boolean on older ones, 2 for an email address not confirmed yet."""

    OFF = 0, gettext_lazy("Off")
    ON = 1, gettext_lazy("On")
    PENDING = 2, gettext_lazy("Waiting for confirmation")


@dataclass(frozen=True)
class Handler:
    id: int
    type: str
    name: str
    settings: dict[str, str]
    state: State
    created: datetime | None
    last_activity: datetime | None


@dataclass(frozen=True)
class HandlerPage:
    items: list[Handler]
    page: int
    per_page: int
    total: int
    total_pages: int
    # Where the page starts among all items, when not where its number says (see ListQuery.shift).
    start: int | None = None

    @property
    def first_index(self) -> int:
        return self.offset + 1 if self.items else 0

    @property
    def last_index(self) -> int:
        return self.offset + len(self.items)

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page if self.start is None else self.start


@dataclass(frozen=True)
class WriteAnswer:
    """What a create or update answered: always the id, and the handler when the server sent it."""

    id: int
    handler: Handler | None = None


class ApiError(Exception):
    status: int | None = None

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


class NotConfigured(ApiError):
    pass


class Unreachable(ApiError):
    """A read that got no answer, or a call that never reached the server."""


class NotSent(Unreachable):
    """Nothing reached the server (the connection was refused, or the name did not resolve): nothing changed."""


class OutcomeUnknown(ApiError):
    """A write whose answer never came (a timeout, a connection lost after sending, a proxy's 502 or 504):
    the server may or may not have made the change."""


class Refused(ApiError):
    """401 and other 4xx: a bad key, but also a missing field or a plan limit; the server's title says which."""


class NotFound(ApiError):
    pass


class RateLimited(ApiError):
    def __init__(self, retry_after: int) -> None:
        super().__init__(
            _("The team has used all the requests the product allows this minute. Try again in %(seconds)s seconds.")
            % {"seconds": retry_after},
            status=429,
        )
        self.retry_after = retry_after


class ServerFault(ApiError):
    pass


class BadAnswer(ApiError):
    pass


class _GetOnlyRetry(Retry):
    """Retries reads only: a POST or DELETE that failed midway may have been carried out."""

    def increment(  # type: ignore[override]
        self, method: str | None = None, url: str | None = None, *args: Any, **kwargs: Any
    ) -> Retry:
        if method and method.upper() not in (self.allowed_methods or ()):
            return Retry(0, raise_on_status=False).increment(method, url, *args, **kwargs)
        return super().increment(method, url, *args, **kwargs)


class ApiSession(requests.Session):
    def __init__(self) -> None:
        super().__init__()
        retry = _GetOnlyRetry(
            total=2,
            connect=2,
            read=2,
            status=2,
            backoff_factor=0.3,
            status_forcelist=(502, 503, 504),
            allowed_methods=frozenset({"GET"}),
            raise_on_status=False,
            respect_retry_after_header=False,
        )
        adapter = HTTPAdapter(max_retries=retry, pool_connections=2, pool_maxsize=8)
        self.mount("http://", adapter)
        self.mount("https://", adapter)


_session: ApiSession | None = None


def session() -> ApiSession:
    # One session per process, so connections are kept alive between calls.
    global _session
    if _session is None:
        _session = ApiSession()
    return _session


class ApiClient:
    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout: float = 10.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.timeout = timeout
        self.host = urlsplit(self.base_url).netloc

    @classmethod
    def from_settings(cls) -> "ApiClient":
        return cls(
            settings.API_BASE_URL,
            settings.API_KEY,
            timeout=settings.API_TIMEOUT,
        )

    # The five calls.

    def list(self, params: Mapping[str, str]) -> HandlerPage:
        """One page of the list; `params` are the API's, `page` and `results_per_page` among them."""
        return self._page(self._get("notification-handlers/", params), params)

    def list_all(self, params: Mapping[str, str] | None = None) -> Iterator[Handler]:
        """Every handler matching `params`, in pages of the most the API gives at once."""
        params = {**(params or {}), "page": "1", "results_per_page": str(LARGEST_PAGE)}
        page = self.list(params)
        yield from page.items
        for number in range(2, page.total_pages + 1):
            yield from self.list({**params, "page": str(number)}).items

    def get(self, handler_id: int) -> Handler:
        return self._handler(self._data(self._get(f"notification-handlers/{int(handler_id)}")))

    def create(self, fields: Mapping[str, str]) -> WriteAnswer:
        return self._write_answer(self._write("POST", "notification-handlers", fields))

    def update(self, handler_id: int, fields: Mapping[str, str | bool]) -> WriteAnswer:
        body = {k: ("1" if v else "0") if isinstance(v, bool) else v for k, v in fields.items()}
        saved = self._write_answer(self._write("POST", f"notification-handlers/{int(handler_id)}", body))
        return saved if saved.id else replace(saved, id=int(handler_id))

    def delete(self, handler_id: int) -> None:
        self._write("DELETE", f"notification-handlers/{int(handler_id)}", None)

    def _close_gate(self, response: requests.Response) -> int:
        raw = response.headers.get("X-RateLimit-Reset", "")
        seconds = budget.whole_number(raw) or 60
        if seconds > 1_000_000_000:  # an epoch timestamp rather than a delay
            seconds = int(seconds - time.time())
        seconds = min(max(seconds, 1), 3600)
        budget.close_gate(seconds)
        return seconds

    # Transport.

    def _get(self, path: str, params: Mapping[str, str] | None = None) -> Any:
        return self._json(self._request("GET", path, params=params))

    def _write(self, method: str, path: str, fields: Mapping[str, str] | None) -> Any:
        response = self._request(method, path, files={k: (None, str(v)) for k, v in (fields or {}).items()} or None)
        return self._json(response) if response.content.strip() else None

    def _request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        if not (self.base_url and self.api_key):
            log.error("API_BASE_URL or API_KEY is not set: the panel cannot call the API")
            raise NotConfigured(
                _("The panel is not connected to the product yet. Ask an admin of the panel to finish setting it up.")
            )
        if wait := budget.take():
            raise RateLimited(wait)
        url = f"{self.base_url}/{path}"
        started = time.monotonic()
        try:
            response = session().request(
                method,
                url,
                timeout=(self.timeout, self.timeout),
                headers={"Authorization": f"Bearer {self.api_key}", "Accept": "application/json"},
                **kwargs,
            )
        except requests.RequestException as e:
            raise self._no_answer(method, path, e) from e
        log.info("API %s /%s -> %s in %.0f ms", method, path, response.status_code, (time.monotonic() - started) * 1000)
        health.record_api_answer(response.status_code < 500)
        budget.heard(
            limit_header=response.headers.get("X-RateLimit-Limit", ""),
            remaining_header=response.headers.get("X-RateLimit-Remaining", ""),
        )
        if response.status_code in (502, 504) and method != "GET":
            # A proxy's answer: the server behind it may have made the change.
            log.warning("API %s /%s -> %s from a gateway: outcome unknown", method, path, response.status_code)
            raise self._unknown_outcome()
        if response.status_code >= 400:
            raise self._error(response)
        return response

    def _no_answer(self, method: str, path: str, error: requests.RequestException) -> ApiError:
        never_sent = isinstance(error, requests.ConnectTimeout) or _never_connected(error)
        log.warning(
            "API %s /%s at %s got no answer: %s%s",
            method,
            path,
            self.host,
            type(error).__name__,
            "" if isinstance(error, requests.ReadTimeout) else "; check that it is up and that API_BASE_URL is right",
        )
        if never_sent:
            return NotSent(
                _(
                    "The product could not be reached, so nothing was changed. Try again in a moment; "
                    "if it keeps happening, tell an admin of the panel."
                )
            )
        if method != "GET":
            return self._unknown_outcome()
        if isinstance(error, requests.Timeout):
            return Unreachable(
                _("The product did not answer within %(seconds)s seconds. Try again in a moment.")
                % {"seconds": f"{self.timeout:g}"}
            )
        return Unreachable(
            _(
                "The product could not be reached. Try again in a moment; "
                "if it keeps happening, tell an admin of the panel."
            )
        )

    def _unknown_outcome(self) -> OutcomeUnknown:
        return OutcomeUnknown(
            _(
                "The product did not answer in time, so it is not known yet whether this was done. "
                "The panel is checking."
            )
        )

    def _error(self, response: requests.Response) -> ApiError:
        status = response.status_code
        title = self._title(response)
        if status == 429:
            return RateLimited(self._close_gate(response))
        if status == 404:
            if title is None and not self._is_json(response):
                log.warning(
                    "API at %s answered 404 with a web page: its API may be off, or API_BASE_URL wrong", self.host
                )
                return NotFound(
                    _(
                        "The product answered with a web page instead of data: its API may be switched off, or the "
                        "panel may be set up wrongly. Tell an admin of the panel."
                    ),
                    status=404,
                )
            return NotFound(_("That channel does not exist any more: it may have been deleted."), status=404)
        if status >= 500:
            return ServerFault(
                _("The product had a problem on its side (error %(status)s). Try again in a moment.")
                % {"status": status},
                status=status,
            )
        return Refused(
            _("The product refused this: “%(title)s”") % {"title": title or _("no reason given")},
            status=status,
        )

    def _title(self, response: requests.Response) -> str | None:
        try:
            errors = response.json().get("errors")
            title = str(errors[0]["title"]).strip()
        except (ValueError, AttributeError, LookupError, TypeError):
            return None
        return title.replace(self.api_key, "•••")[:300] if title else None

    @staticmethod
    def _is_json(response: requests.Response) -> bool:
        return "json" in response.headers.get("Content-Type", "")

    # Reading the answers, whatever variation of them a server sends.

    def _json(self, response: requests.Response) -> Any:
        try:
            return response.json()
        except ValueError as e:
            raise self._bad_answer() from e

    def _bad_answer(self) -> BadAnswer:
        return BadAnswer(
            _("The product sent an answer the panel cannot read. The fault is on its side; try again later.")
        )

    def _data(self, body: Any) -> Any:
        if not isinstance(body, dict) or "data" not in body:
            raise self._bad_answer()
        return body["data"]

    def _page(self, body: Any, params: Mapping[str, str]) -> HandlerPage:
        items = self._data(body)
        meta: dict[str, Any] = body.get("meta") or {}
        if not isinstance(items, list) or not isinstance(meta, dict):
            raise self._bad_answer()
        try:
            per_page = int(meta.get("results_per_page") or params.get("results_per_page") or "25")
            total = int(meta.get("total") or meta.get("total_results") or len(items))
            total_pages = int(meta.get("total_pages") or max(1, math.ceil(total / per_page)))
            page = int(meta.get("page") or params.get("page") or "1")
        except (TypeError, ValueError) as e:
            raise self._bad_answer() from e
        return HandlerPage([self._handler(item) for item in items], page, per_page, total, total_pages)

    def _write_answer(self, body: Any) -> WriteAnswer:
        if body is None:
            return WriteAnswer(0)
        data = self._data(body)
        if not isinstance(data, dict):
            raise self._bad_answer()
        try:
            handler_id = int(data["id"])
        except (KeyError, TypeError, ValueError) as e:
            raise self._bad_answer() from e
        return WriteAnswer(handler_id, self._handler(data) if "type" in data else None)

    def _handler(self, data: Any) -> Handler:
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
                type=str(data["type"]),
                name=str(data.get("name") or ""),
                settings={str(k): "" if v is None else str(v) for k, v in raw_settings.items()},
                state=self._state(data.get("is_enabled")),
                created=self._time(data.get("datetime")),
                last_activity=self._time(data.get("last_datetime")),
            )
        except (AttributeError, KeyError, TypeError, ValueError) as e:
            raise self._bad_answer() from e

    @staticmethod
    def _state(value: Any) -> State:
        if isinstance(value, str):
            value = {"true": 1, "false": 0}.get(value.lower(), value)
        return State(int(value or 0))

    @staticmethod
    def _time(value: Any) -> datetime | None:
        if not value or str(value).startswith("0000-00-00"):
            return None
        parsed = datetime.fromisoformat(str(value))  # reads the API's "Y-m-d H:i:s" too
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _never_connected(error: requests.RequestException) -> bool:
    """Whether the connection itself failed, so that the request cannot have reached the server."""
    reason = error.args[0] if error.args else None
    reason = getattr(reason, "reason", reason)
    return isinstance(error, requests.ConnectionError) and isinstance(reason, NewConnectionError)


def client() -> ApiClient:
    return ApiClient.from_settings()
