"""The one module that speaks HTTP to the product's API (see shared/API.md)."""

import logging
import time
from collections.abc import Iterator, Mapping
from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter
from urllib3.exceptions import NewConnectionError
from urllib3.util.retry import Retry

from handlers_admin import budget, health
from handlers_admin.api import answers
from handlers_admin.api.answers import Handler, ListAnswer, WriteAnswer
from handlers_admin.api.errors import (
    ApiError,
    BadAnswer,
    NotAnApi,
    NotConfigured,
    NotFound,
    NotSent,
    OutcomeUnknown,
    RateLimited,
    TimedOut,
    Unreachable,
    error_for,
)

log = logging.getLogger(__name__)

LARGEST_PAGE = 1000


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

    def list(self, params: Mapping[str, str]) -> ListAnswer:
        """One page of the list; `params` are the API's, `page` and `results_per_page` among them."""
        return answers.list_answer(self._get("notification-handlers/", params), params)

    def list_all(self, params: Mapping[str, str] | None = None) -> Iterator[Handler]:
        """Every handler matching `params`, in pages of the most the API gives at once."""
        params = {**(params or {}), "page": "1", "results_per_page": str(LARGEST_PAGE)}
        page = self.list(params)
        yield from page.items
        for number in range(2, page.total_pages + 1):
            yield from self.list({**params, "page": str(number)}).items

    def get(self, handler_id: int) -> Handler:
        return answers.handler(answers.data_of(self._get(f"notification-handlers/{int(handler_id)}")))

    def create(self, fields: Mapping[str, str]) -> WriteAnswer:
        return answers.write_answer(self._write("POST", "notification-handlers", fields))

    def update(self, handler_id: int, fields: Mapping[str, str | bool]) -> WriteAnswer:
        body = {k: ("1" if v else "0") if isinstance(v, bool) else v for k, v in fields.items()}
        saved = answers.write_answer(self._write("POST", f"notification-handlers/{int(handler_id)}", body))
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
            raise NotConfigured
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
        health.record_api_answer(response.status_code)
        budget.heard(
            limit_header=response.headers.get("X-RateLimit-Limit", ""),
            remaining_header=response.headers.get("X-RateLimit-Remaining", ""),
        )
        if response.status_code in (502, 504) and method != "GET":
            # A proxy's answer: the server behind it may have made the change.
            log.warning("API %s /%s -> %s from a gateway: outcome unknown", method, path, response.status_code)
            raise OutcomeUnknown
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
            return NotSent()
        if method != "GET":
            return OutcomeUnknown()
        if isinstance(error, requests.Timeout):
            return TimedOut(self.timeout)
        return Unreachable()

    def _error(self, response: requests.Response) -> ApiError:
        if response.status_code == 429:
            return RateLimited(self._close_gate(response))
        title = self._title(response)
        error = error_for(response.status_code, title=title)
        if isinstance(error, NotFound) and title is None and "json" not in response.headers.get("Content-Type", ""):
            log.warning("API at %s answered 404 with a web page: its API may be off, or API_BASE_URL wrong", self.host)
            return NotAnApi(status=404)
        return error

    def _title(self, response: requests.Response) -> str | None:
        try:
            errors = response.json().get("errors")
            title = str(errors[0]["title"]).strip()
        except (ValueError, AttributeError, LookupError, TypeError):
            return None
        return title.replace(self.api_key, "•••")[:300] if title else None

    def _json(self, response: requests.Response) -> Any:
        try:
            return response.json()
        except ValueError as e:
            raise BadAnswer from e


def _never_connected(error: requests.RequestException) -> bool:
    """Whether the connection itself failed, so that the request cannot have reached the server."""
    reason = error.args[0] if error.args else None
    reason = getattr(reason, "reason", reason)
    return isinstance(error, requests.ConnectionError) and isinstance(reason, NewConnectionError)


def api_client() -> ApiClient:
    return ApiClient.from_settings()
