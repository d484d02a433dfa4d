"""A stand-in for the remote notification-handlers API, served over real HTTP (see shared/API.md)."""

import json
import math
import re
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from email.message import Message
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal
from urllib.parse import parse_qs, urlencode

from handlers_admin.handler_types import HANDLER_TYPES, VALUE_MAX_LENGTH
from sandbox.store import Filters, Store, now

PER_PAGE = (10, 25, 50, 100, 250, 500, 1000)
MISSING_BEARER = "The request is missing the Bearer Authentication header."
NO_ACCESS = "You do not have access to the API."
REQUIRED = "You must fill all the required fields."
PLAN_LIMIT = "Your have exceeded the limits of your current plan."
NOT_FOUND = "The resource could not be found."
ROUTE = re.compile(r"^/api/notification-handlers(?:/(?P<id>[^/]+))?/?$")
# What the product answers to every request when its admin has switched the API off.
API_OFF_PAGE = b"<html><body><h1>404 Not Found</h1></body></html>"
SERVER_FAULT_PAGE = b"<html><body><h1>500 Internal Server Error</h1></body></html>"
# The type and settings an update leaves when its type check fails (shared/API.md, "Updates on real servers").
LOST_SETTINGS = {"": ""}

# How an update treats the type and settings, as the kinds of real servers do (shared/API.md):
# "works": as the documents say (the sandbox's default, so that the panel can be tried out);
# "form_type": the type is read from the form only, so an update without it loses type and settings;
# "erases": the type check always fails, so every update loses them (the product's code on every version seen).
UpdateMode = Literal["works", "form_type", "erases"]
UPDATE_MODES: tuple[UpdateMode, ...] = ("works", "form_type", "erases")

Response = tuple[int, dict[str, str], bytes]


class HttpError(Exception):
    def __init__(self, status: int, title: str, status_field: int | str | None = None) -> None:
        self.status, self.title, self.status_field = status, title, status_field or status


class RateLimiter:
    """The product's limiter (shared/API.md, "The rate limiter, exactly"): a fixed window per key.

    A counter of `per_minute` calls is made at the first call of a window and lives 60 s; every call that
    passed authentication takes one, refused ones and 429s included; the window ends 60 s after its first
    call whatever happened in it. `per_minute <= 0` is no limit, as for the product's admins.
    """

    WINDOW = 60.0

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = per_minute
        # Tests replace it to move time on rather than sleep.
        self.clock = clock
        # By key: when its window started, and the calls left in it (below 0 once over the limit).
        self._windows: dict[str, tuple[float, int]] = {}
        self._lock = threading.Lock()

    def check(self, key: str) -> dict[str, str]:
        if self.per_minute <= 0:
            return {}
        with self._lock:
            moment = self.clock()
            started, left = self._windows.get(key, (moment, self.per_minute))
            if moment >= started + self.WINDOW:
                started, left = moment, self.per_minute
            left -= 1
            self._windows[key] = (started, left)
        headers = {"X-RateLimit-Limit": str(self.per_minute)}
        if left < 0:
            reset = max(1, math.ceil(started + self.WINDOW - moment))
            raise RateLimitedError(headers | {"X-RateLimit-Reset": str(reset)})
        return headers | {"X-RateLimit-Remaining": str(left)}


class RateLimitedError(Exception):
    def __init__(self, headers: dict[str, str]) -> None:
        self.headers = headers


NAME_LIMIT = 128


@dataclass(frozen=True, kw_only=True)
class Quirks:
    """What real servers do that the published documents do not say (shared/API.md); each can be switched off."""

    # Every update stamps last_datetime, so "last activity" is really the last change.
    stamp_updates: bool = True
    # A new email handler is pending until confirmed; an update that does not carry the stored address
    # puts it back to pending and sends a new confirmation email.
    email_confirmation: bool = True
    # Names are cut to 128 characters, silently.
    cut_names: bool = True
    # Create answers 201 with the full object; update answers 200 with the full object, its id a string.
    full_answers: bool = True
    # How an update treats the type and settings (see UpdateMode).
    update: UpdateMode = "works"

    @classmethod
    def documented(cls) -> "Quirks":
        return cls(stamp_updates=False, email_confirmation=False, cut_names=False, full_answers=False)


class SandboxApi:
    def __init__(
        self,
        store: Store,
        api_key: str,
        *,
        variant: str = "full",
        rate_limit: int = 60,
        quirks: Quirks = Quirks(),
        enabled_types: frozenset[str] | None = None,
    ) -> None:
        self.store = store
        self.api_key = api_key
        self.variant = variant
        self.quirks = quirks
        self.limiter = RateLimiter(rate_limit)
        # The variant's types filter the list; the install offers only those its admin switched on.
        self.variant_types = {slug: t for slug, t in HANDLER_TYPES.items() if variant in t.variants}
        self.types = {
            slug: t for slug, t in self.variant_types.items() if enabled_types is None or slug in enabled_types
        }
        # Confirmation emails "sent", by handler id, and every request as "METHOD path", for tests to read.
        self.confirmations_sent: Counter[int] = Counter()
        self.requests: list[str] = []
        # For tests of failures: seconds a write's answer is held back after the write is done; whether
        # reads fail as behind a broken proxy; how many of the next deletes fail (500, nothing deleted);
        # whether the product's admin has switched the API off (every request a 404 web page).
        self.write_delay = 0.0
        self.failing_reads = False
        self.failing_deletes: int = 0
        self.api_off: bool = False
        self._hooks_lock = threading.Lock()

    def respond(self, request: "Request") -> Response:
        self.requests.append(f"{request.method} {request.path}")
        if self.api_off:
            return 404, {"Content-Type": "text/html", "Content-Length": str(len(API_OFF_PAGE))}, API_OFF_PAGE
        if self.failing_reads and request.method == "GET":
            return 502, {"Content-Type": "text/html", "Content-Length": "15"}, b"<h1>502</h1>\n\n"
        if request.method == "DELETE" and self.take_failing_delete():
            headers = {"Content-Type": "text/html", "Content-Length": str(len(SERVER_FAULT_PAGE))}
            return 500, headers, SERVER_FAULT_PAGE
        limit_headers: dict[str, str] = {}
        try:
            key = self.authenticate(request.headers.get("Authorization", ""))
            limit_headers = self.limiter.check(key)
            status, body = self.route(request)
        except RateLimitedError as e:
            return self.errors(429, "Too many requests.", e.headers)
        except HttpError as e:
            return self.errors(e.status, e.title, limit_headers, e.status_field)
        if body is None:
            return status, {"Content-Type": "text/html; charset=UTF-8", "Content-Length": "0"} | limit_headers, b""
        return self.json(status, body, limit_headers)

    def take_failing_delete(self) -> bool:
        with self._hooks_lock:
            if self.failing_deletes <= 0:
                return False
            self.failing_deletes -= 1
            return True

    def authenticate(self, header: str) -> str:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise HttpError(401, MISSING_BEARER, "401")
        if token.strip() != self.api_key:
            raise HttpError(401, NO_ACCESS)
        return token.strip()

    def route(self, request: "Request") -> tuple[int, Any]:
        method = request.method
        match = ROUTE.match(request.path)
        if not match:
            raise HttpError(404, NOT_FOUND)
        raw_id = match["id"]
        if raw_id is None:
            if method == "GET":
                return 200, self.list(request)
            if method == "POST":
                return 201, self.create(request.form())
            raise HttpError(404, NOT_FOUND)
        if not raw_id.isdigit() or (handler := self.store.get(int(raw_id))) is None:
            raise HttpError(404, NOT_FOUND)
        if method == "GET":
            return 200, {"data": self.serialize(handler)}
        if method == "POST":
            return 200, self.update(handler, request.form())
        if method == "DELETE":
            self.store.delete(handler["id"])
            return 200, None
        raise HttpError(404, NOT_FOUND)

    def list(self, request: "Request") -> dict[str, Any]:
        query = {k: v[-1] for k, v in parse_qs(request.query).items()}
        page = int(query["page"]) if query.get("page", "").isdigit() and int(query["page"]) > 0 else 1
        per_page = (
            int(query.get("results_per_page", "25"))
            if query.get("results_per_page") in {str(n) for n in PER_PAGE}
            else 25
        )
        filters = Filters()
        if self.variant == "full":
            filters = Filters(
                search=query.get("search", "") if query.get("search_by", "name") == "name" else "",
                is_enabled={"1": 1, "true": 1, "0": 0, "false": 0}.get(query.get("is_enabled", "").lower()),
                type=query.get("type", "") if query.get("type") in self.variant_types else "",
                datetime_field=query.get("datetime_field", ""),
                datetime_start=query.get("datetime_start", ""),
                datetime_end=query.get("datetime_end", ""),
                order_by=query.get("order_by", "notification_handler_id"),
                order_type=query.get("order_type", "DESC"),
            )
        rows, total = self.store.search(filters, page, per_page)
        total_pages = max(1, math.ceil(total / per_page))
        base = f"http://{request.headers.get('Host', 'localhost')}/api/notification-handlers"

        def link(number: int) -> str:
            return f"{base}?{urlencode({k: v for k, v in query.items() if k != 'page'} | {'page': number})}"

        return {
            "data": [self.serialize(row) for row in rows],
            "meta": {"page": page, "results_per_page": per_page, "total": total, "total_pages": total_pages},
            "links": {
                "first": link(1),
                "last": link(total_pages),
                "next": link(page + 1) if page < total_pages else None,
                "prev": link(page - 1) if page > 1 else None,
                "self": link(page),
            },
        }

    def create(self, form: dict[str, str]) -> dict[str, Any]:
        if not form.get("name", "").strip() or not form.get("type"):
            raise HttpError(401, REQUIRED)
        handler_type = self.types.get(form["type"])
        if handler_type is None:
            raise HttpError(401, PLAN_LIMIT)
        confirm = self.quirks.email_confirmation and handler_type.slug == "email"
        handler_id = self.store.create(
            {
                "type": handler_type.slug,
                "name": self.cut_name(form["name"]),
                "settings": self.settings_from(handler_type.slug, form),
                # A new email address must be confirmed before it is used.
                "is_enabled": 2 if confirm else 1,
                "last_datetime": None,
                "datetime": now(),
            }
        )
        if confirm:
            self.confirmations_sent[handler_id] += 1
        if self.quirks.full_answers:
            stored = self.store.get(handler_id)
            assert stored is not None
            return {"data": self.serialize(stored) | {"user_id": 1}}
        return {"data": {"id": handler_id}}

    def cut_name(self, name: str) -> str:
        return name[:NAME_LIMIT] if self.quirks.cut_names else name[:VALUE_MAX_LENGTH]

    def update(self, handler: dict[str, Any], form: dict[str, str]) -> dict[str, Any]:
        changes: dict[str, Any] = {}
        if "name" in form:
            if not form["name"].strip():
                raise HttpError(401, REQUIRED)
            changes["name"] = self.cut_name(form["name"])
        if self.quirks.update == "works":
            changes |= self.working_update(handler, form)
        elif self.quirks.update == "form_type":
            changes |= self.form_type_update(handler, form)
        else:
            # The type check always fails: the type becomes null and the settings are built under the key "".
            # No email branch is reached: the channel is not an email channel any more.
            changes |= {"type": None, "settings": dict(LOST_SETTINGS)}
            changes |= self.enabled_from(form)
        if self.quirks.stamp_updates:
            changes["last_datetime"] = now()
        if changes:
            self.store.update(handler["id"], changes)
        if self.quirks.full_answers:
            stored = self.store.get(handler["id"])
            assert stored is not None
            return {"data": self.serialize(stored) | {"id": str(handler["id"]), "user_id": 1}}
        return {"data": {"id": handler["id"]}}

    def working_update(self, handler: dict[str, Any], form: dict[str, str]) -> dict[str, Any]:
        changes: dict[str, Any] = {}
        slug = form.get("type", handler["type"])
        if slug not in self.types or handler["type"] not in self.types:
            raise HttpError(401, PLAN_LIMIT)
        # As real servers do: sending any of a type's fields rewrites them all, a missing one as "".
        fields = [f.name for f in self.types[slug].fields]
        if slug != handler["type"] or any(name in form for name in fields):
            changes |= {"type": slug, "settings": self.settings_from(slug, form)}
        changes |= self.enabled_from(form)
        return changes | self.confirmation(handler, form, slug, changes)

    def form_type_update(self, handler: dict[str, Any], form: dict[str, str]) -> dict[str, Any]:
        slug = form.get("type", "")
        if slug not in self.types:
            # No type posted (or one this install does not offer): an empty type, and the settings lost.
            return {"type": "", "settings": dict(LOST_SETTINGS)} | self.enabled_from(form)
        # Each setting not posted falls back to the stored one, when the stored type is the same.
        stored = handler["settings"] if handler["type"] == slug and isinstance(handler["settings"], dict) else {}
        settings = {
            f.name: form.get(f.name, str(stored.get(f.name) or ""))[: f.max_length] for f in self.types[slug].fields
        }
        changes = {"type": slug, "settings": settings} | self.enabled_from(form)
        return changes | self.confirmation(handler, form, slug, changes)

    @staticmethod
    def enabled_from(form: dict[str, str]) -> dict[str, int]:
        """`is_enabled` read as an integer, as real servers do: "1" is on, "true" (or anything not a number) off."""
        if "is_enabled" not in form:
            return {}
        try:
            return {"is_enabled": 1 if int(form["is_enabled"]) else 0}
        except ValueError:
            return {"is_enabled": 0}

    def confirmation(
        self, handler: dict[str, Any], form: dict[str, str], slug: str, changes: dict[str, Any]
    ) -> dict[str, int]:
        """An email handler updated with another address (a missing one counts) is pending again."""
        if not (self.quirks.email_confirmation and slug == "email"):
            return {}
        stored = handler["settings"] if isinstance(handler["settings"], dict) else {}
        # The server compares the posted address with the stored one; one not posted counts as changed.
        if form.get("email") != stored.get("email") or handler["type"] != "email":
            self.confirmations_sent[handler["id"]] += 1
            return {"is_enabled": 2}
        if handler["is_enabled"] == 2 and changes.get("is_enabled") == 1:
            return {"is_enabled": 2}  # switching on does not confirm an address
        return {}

    def settings_from(self, slug: str, form: dict[str, str]) -> dict[str, str]:
        return {f.name: form.get(f.name, "")[: f.max_length] for f in self.types[slug].fields}

    def serialize(self, row: dict[str, Any]) -> dict[str, Any]:
        # Both variants' current servers send 0, 1 or 2 (pending); the variants differ in filters and types.
        enabled = row["is_enabled"]
        return {
            "id": row["id"],
            "type": row["type"],
            "name": row["name"],
            "settings": row["settings"],
            "is_enabled": enabled,
            "last_datetime": row["last_datetime"],
            "datetime": row["datetime"],
        }

    def json(self, status: int, body: Any, headers: dict[str, str]) -> Response:
        payload = json.dumps(body, ensure_ascii=False).encode()
        return (
            status,
            {"Content-Type": "application/json; charset=UTF-8", "Content-Length": str(len(payload))} | headers,
            payload,
        )

    def errors(
        self, status: int, title: str, headers: dict[str, str], status_field: int | str | None = None
    ) -> Response:
        return self.json(status, {"errors": [{"title": title, "status": status_field or status}]}, headers)


@dataclass
class Request:
    method: str
    path: str
    query: str
    headers: Message
    body: bytes

    def form(self) -> dict[str, str]:
        content_type = self.headers.get("Content-Type", "")
        if content_type.startswith("multipart/form-data"):
            message = BytesParser(policy=HTTP).parsebytes(f"Content-Type: {content_type}\r\n\r\n".encode() + self.body)
            fields = {}
            for part in message.iter_parts():
                name = part.get_param("name", header="content-disposition")
                payload = part.get_payload(decode=True)
                if isinstance(name, str) and isinstance(payload, bytes):
                    fields[name] = payload.decode("utf-8", "replace")
            return fields
        return {k: v[-1] for k, v in parse_qs(self.body.decode("utf-8", "replace"), keep_blank_values=True).items()}


class RequestHandler(BaseHTTPRequestHandler):
    # HTTP/1.1 keeps connections open between calls, as real servers do.
    protocol_version = "HTTP/1.1"
    # One buffered write per answer: headers and body sent apart stall on delayed ACKs.
    wbufsize = 64 * 1024
    disable_nagle_algorithm = True
    server: "SandboxServer"

    def setup(self) -> None:
        super().setup()
        self.server.connections += 1

    def handle_one_request(self) -> None:
        try:
            super().handle_one_request()
        except ConnectionError:
            self.close_connection = True

    def answer(self) -> None:
        path, _, query = self.path.partition("?")
        length = int(self.headers.get("Content-Length") or 0)
        request = Request(self.command, path, query, self.headers, self.rfile.read(length) if length else b"")
        status, headers, body = self.server.app.respond(request)
        if self.command != "GET" and self.server.app.write_delay:
            time.sleep(self.server.app.write_delay)
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_DELETE = do_PUT = do_PATCH = answer

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.verbose:
            super().log_message(format, *args)


class SandboxServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, app: SandboxApi, host: str, port: int, *, verbose: bool = False) -> None:
        super().__init__((host, port), RequestHandler)
        self.app, self.verbose, self.connections = app, verbose, 0

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        shown = host.decode() if isinstance(host, bytes) else host
        return f"http://{shown}:{port}/api"


def serve(app: SandboxApi, host: str = "127.0.0.1", port: int = 8001, *, verbose: bool = False) -> SandboxServer:
    return SandboxServer(app, host, port, verbose=verbose)
