"""Silent checks of channels: what each service says of a channel, without a message being delivered to anyone.
Webhooks are asked about themselves (Discord's GET, an empty post Slack and Google Chat refuse, Telegram's getMe
and getChat, X's users/me), an email address's domain for a mail server, a phone number for its validity; a
webhook of your own or of Teams, which would act on any post, only for whether it can be reached. Every request
goes through guarded_http, as test messages do."""

import logging
import math
import queue
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import quote, urlencode, urlsplit

import dns.exception
import dns.name
import dns.nameserver
import dns.resolver
import oauthlib.oauth1
import phonenumbers
from django.conf import settings

from handlers_admin import guarded_http
from handlers_admin.api import Handler, State
from handlers_admin.guarded_http import Answer, Details, Refused
from handlers_admin.handler_types import HANDLER_TYPES, TELEGRAM_API_HOST, X_API_HOST, HandlerType, is_damaged
from handlers_admin.models import Health

log = logging.getLogger(__name__)

# At most this many checks run at once, whatever their hosts.
MAX_WORKERS = 16
# check_all waits out a service's Retry-After up to this many seconds, and tries a channel at most MAX_TRIES times.
RETRY_AFTER_CAP = 60.0
MAX_TRIES = 3
# The wait when a service asks to slow down without saying for how long.
DEFAULT_RETRY_AFTER = 5.0

X_ME_URL = f"https://{X_API_HOST}/2/users/me"

# The services' own words that a finding keeps (as "said", with a "reason" that words.describe_check says): only
# these, so that nothing else of an answer's body is ever kept.
DISCORD_SAYS = {"Unknown Webhook": "unknown_webhook", "Invalid Webhook Token": "invalid_webhook_token"}
SLACK_ALIVE = frozenset({"no_text", "invalid_payload", "missing_text_or_fallback_or_attachments"})
SLACK_SAYS = {
    said: said
    for said in (
        "no_service",
        "no_service_id",
        "no_team",
        "team_disabled",
        "invalid_token",
        "action_prohibited",
        "channel_not_found",
        "channel_is_archived",
        "posting_to_general_channel_denied",
    )
}
TELEGRAM_SAYS = {
    "Unauthorized": "token_invalid",
    "Not Found": "token_invalid",
    "Bad Request: chat not found": "chat_not_found",
    "Forbidden: bot was kicked from the group chat": "bot_kicked",
    "Forbidden: bot was kicked from the supergroup chat": "bot_kicked",
    "Forbidden: bot was kicked from the channel chat": "bot_kicked",
    "Forbidden: bot was blocked by the user": "bot_blocked",
    "Forbidden: bot is not a member of the channel chat": "not_member",
    "Forbidden: bot is not a member of the supergroup chat": "not_member",
    "Forbidden: the group chat was deleted": "chat_deleted",
    "Forbidden: user is deactivated": "user_deactivated",
}


@dataclass(frozen=True)
class Finding:
    health: Health
    # What was found, as a code and its values, which words.describe_check says: never a secret, a token, an
    # address or an answer's body.
    details: Details


class _SlowDown(Exception):
    """The service answered 429: wait this many seconds before asking it again."""

    def __init__(self, seconds: float) -> None:
        super().__init__(seconds)
        self.seconds = seconds


def check(handler: Handler) -> Finding:
    """What a channel's service says of it now, without delivering anything. A service asking to slow down ends
    as "cannot check" at once; check_all waits and tries again."""
    try:
        return _check(handler)
    except _SlowDown:
        return _slowed()


def _check(handler: Handler) -> Finding:
    handler_type = HANDLER_TYPES.get(handler.type)
    if is_damaged(handler):
        return Finding(Health.CANNOT_CHECK, {"code": "damaged"})
    checker = _CHECKERS.get(handler.type)
    if handler_type is None or checker is None:
        return Finding(Health.CANNOT_CHECK, {"code": "uncheckable"})
    for spec in handler_type.fields:
        if not handler.settings.get(spec.name, "").strip():
            return Finding(Health.BROKEN, {"code": "missing_setting", "field": spec.name})
    try:
        return checker(handler, handler_type)
    except Refused as refusal:
        return Finding(Health.CANNOT_CHECK, refusal.details)


def _working(code: str, **values: str | int) -> Finding:
    return Finding(Health.WORKING, {"code": code, **values})


def _refused(status: int, *, reason: str = "", said: str = "") -> Finding:
    """The service said the channel is gone or its token is wrong; its words are kept only when they are known."""
    details: Details = {"code": "refused", "status": status}
    if reason:
        details["reason"] = reason
    if said:
        details["said"] = said
    return Finding(Health.BROKEN, details)


def _known(said: str, known: dict[str, str], status: int) -> Finding:
    return _refused(status, reason=known[said], said=said) if said in known else _refused(status)


def _otherwise(answer: Answer) -> Finding:
    """An answer a type's check has no words of its own for."""
    status = answer.status
    if 300 <= status < 400:
        return Finding(Health.CANNOT_CHECK, {"code": "redirected", "status": status})
    if status == 429:
        raise _SlowDown(_retry_after(answer))
    if status >= 500:
        return Finding(Health.CANNOT_CHECK, {"code": "service_problem", "status": status})
    if status in (401, 403, 404, 410):
        return _refused(status)
    return Finding(Health.CANNOT_CHECK, {"code": "unexpected_answer", "status": status})


def _slowed() -> Finding:
    return Finding(Health.CANNOT_CHECK, {"code": "slow_down"})


def _retry_after(answer: Answer) -> float:
    """The seconds a 429 asks to wait: its Retry-After (seconds or a date), else what its JSON says (Discord's
    retry_after, Telegram's parameters.retry_after), else DEFAULT_RETRY_AFTER."""
    value = answer.headers.get("retry-after", "").strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            moment = parsedate_to_datetime(value)
            moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
            seconds = (moment - datetime.now(UTC)).total_seconds()
        except (TypeError, ValueError):
            body = answer.json()
            parameters = body.get("parameters")
            said = parameters.get("retry_after") if isinstance(parameters, dict) else body.get("retry_after")
            seconds = float(said) if isinstance(said, int | float) else DEFAULT_RETRY_AFTER
    return max(0.0, seconds) if math.isfinite(seconds) else RETRY_AFTER_CAP + 1


def _url(handler: Handler, handler_type: HandlerType) -> str:
    return handler.settings[handler_type.fields[0].name]


def _discord(handler: Handler, handler_type: HandlerType) -> Finding:
    # A GET of a webhook answers what the webhook is; only a POST would post.
    answer = guarded_http.request("GET", _url(handler, handler_type), handler_type=handler_type)
    if 200 <= answer.status < 300:
        return _working("webhook_known")
    if answer.status in (401, 403, 404):
        return _known(str(answer.json().get("message", "")), DISCORD_SAYS, answer.status)
    return _otherwise(answer)


def _slack(handler: Handler, handler_type: HandlerType) -> Finding:
    # A post without text is refused as such by a webhook that exists, and never shown.
    answer = guarded_http.request("POST", _url(handler, handler_type), handler_type=handler_type, json_body={})
    said = answer.body.decode(errors="replace").strip()
    if 200 <= answer.status < 300 or (answer.status == 400 and said in SLACK_ALIVE):
        return _working("webhook_known")
    if 400 <= answer.status < 500 and answer.status != 429 and said in SLACK_SAYS:
        return _known(said, SLACK_SAYS, answer.status)
    return _otherwise(answer)


def _google_chat(handler: Handler, handler_type: HandlerType) -> Finding:
    # As with Slack: a message without text is refused (400) by a webhook that exists.
    answer = guarded_http.request("POST", _url(handler, handler_type), handler_type=handler_type, json_body={})
    if 200 <= answer.status < 300 or answer.status == 400:
        return _working("webhook_known")
    if answer.status == 404:
        return _refused(404, reason="space_removed")
    if answer.status in (401, 403):
        return _refused(answer.status, reason="bad_key")
    return _otherwise(answer)


def _telegram(handler: Handler, handler_type: HandlerType) -> Finding:
    base = f"https://{TELEGRAM_API_HOST}/bot{quote(handler.settings['telegram'], safe=':')}"
    me = guarded_http.request("GET", f"{base}/getMe", handler_type=handler_type)
    if me.status in (401, 404):
        said = str(me.json().get("description", ""))
        known = TELEGRAM_SAYS.get(said) == "token_invalid"
        return _refused(me.status, reason="token_invalid", said=said if known else "")
    if not (me.status == 200 and me.json().get("ok") is True):
        return _telegram_otherwise(me)
    query = urlencode({"chat_id": handler.settings["telegram_chat_id"]})
    chat = guarded_http.request("GET", f"{base}/getChat?{query}", handler_type=handler_type)
    if chat.status == 200 and chat.json().get("ok") is True:
        return _working("bot_sees_chat")
    if chat.status in (400, 403, 404):
        return _known(str(chat.json().get("description", "")), TELEGRAM_SAYS, chat.status)
    return _telegram_otherwise(chat)


def _telegram_otherwise(answer: Answer) -> Finding:
    if answer.status == 200:
        return Finding(Health.CANNOT_CHECK, {"code": "unexpected_answer", "status": 200})
    return _otherwise(answer)


def _x(handler: Handler, handler_type: HandlerType) -> Finding:
    values = handler.settings
    client = oauthlib.oauth1.Client(
        client_key=values["x_consumer_key"],
        client_secret=values["x_consumer_secret"],
        resource_owner_key=values["x_access_token"],
        resource_owner_secret=values["x_access_token_secret"],
    )
    _uri, signed, _body = client.sign(X_ME_URL, http_method="GET")
    answer = guarded_http.request(
        "GET", X_ME_URL, handler_type=handler_type, headers={"Authorization": signed["Authorization"]}
    )
    if 200 <= answer.status < 300:
        return _working("keys_accepted")
    if answer.status in (401, 403):
        return _refused(answer.status, reason="keys_refused")
    return _otherwise(answer)


def _reachable(handler: Handler, handler_type: HandlerType) -> Finding:
    # Your own webhook, or a Teams workflow, would act on any request: it is only reached, never sent anything.
    try:
        guarded_http.probe(_url(handler, handler_type), handler_type=handler_type)
    except Refused as refusal:
        gone = refusal.details["code"] == "name_not_found"
        return Finding(Health.BROKEN if gone else Health.CANNOT_CHECK, refusal.details)
    return Finding(Health.REACHABLE, {"code": "reachable"})


def _email(handler: Handler, handler_type: HandlerType) -> Finding:
    if handler.state == State.PENDING:
        return Finding(Health.WAITING, {"code": "waiting"})
    address = handler.settings["email"].strip()
    domain = address.rpartition("@")[2].rstrip(".")
    no_domain = Finding(Health.BROKEN, {"code": "no_mail_server", "reason": "no_domain"})
    if "@" not in address or not domain:
        return no_domain
    try:
        name = dns.name.from_text(domain)
    except dns.exception.DNSException:
        return no_domain
    try:
        resolver = _resolver()
        exchanges = _records(resolver, name, "MX")
        if exchanges is None:
            return no_domain
        if exchanges:
            # A null MX (RFC 7505), "0 .", says the domain takes no mail at all.
            if all(record.exchange == dns.name.root for record in exchanges):
                return Finding(Health.BROKEN, {"code": "no_mail_server", "reason": "null_mx"})
            return _working("mail_server", record="MX")
        # Without MX records, mail goes to the domain's own address (RFC 5321, 5.1).
        for rdtype in ("A", "AAAA"):
            if _records(resolver, name, rdtype):
                return _working("mail_server", record=rdtype)
        return Finding(Health.BROKEN, {"code": "no_mail_server", "reason": "no_records"})
    except dns.exception.Timeout:
        return Finding(Health.CANNOT_CHECK, {"code": "dns_timed_out", "seconds": f"{settings.TEST_SEND_TIMEOUT:g}"})
    except dns.exception.DNSException:
        return Finding(Health.CANNOT_CHECK, {"code": "dns_failed"})


def _resolver() -> dns.resolver.Resolver:
    """The system's resolver, or the one CHECK_NAMESERVER names ("host:port", "[v6 address]:port" or "host")."""
    where = settings.CHECK_NAMESERVER.strip()
    resolver = dns.resolver.Resolver(configure=not where)
    if where:
        if where.startswith("["):
            host, _, rest = where[1:].partition("]")
            port = rest.removeprefix(":") or "53"
        elif where.count(":") == 1:
            host, port = where.split(":")
        else:
            host, port = where, "53"
        resolver.nameservers = [dns.nameserver.Do53Nameserver(host, int(port))]
    resolver.lifetime = settings.TEST_SEND_TIMEOUT
    return resolver


def _records(resolver: dns.resolver.Resolver, name: dns.name.Name, rdtype: str) -> list | None:
    """The name's records of a type; None when the name does not exist."""
    try:
        return list(resolver.resolve(name, rdtype, search=False))
    except dns.resolver.NXDOMAIN:
        return None
    except dns.resolver.NoAnswer:
        return []


def _twilio(handler: Handler, handler_type: HandlerType) -> Finding:
    try:
        number = phonenumbers.parse(handler.settings["twilio"], None)
    except phonenumbers.NumberParseException:
        return Finding(Health.BROKEN, {"code": "invalid_number"})
    if phonenumbers.is_possible_number(number) and phonenumbers.is_valid_number(number):
        return _working("valid_number")
    return Finding(Health.BROKEN, {"code": "invalid_number"})


def _in_app(handler: Handler, handler_type: HandlerType) -> Finding:
    return _working("in_app")


_CHECKERS: dict[str, Callable[[Handler, HandlerType], Finding]] = {
    "email": _email,
    "webhook": _reachable,
    "slack": _slack,
    "discord": _discord,
    "telegram": _telegram,
    "microsoft_teams": _reachable,
    "twilio": _twilio,
    "x": _x,
    "google_chat": _google_chat,
    "internal_notification": _in_app,
}


class _Lane:
    """The channels whose checks call one host, and until when that host asked to be left alone."""

    def __init__(self) -> None:
        self.waiting: deque[Handler] = deque()
        self._lock = threading.Lock()
        self._until = 0.0

    def hold_off(self, seconds: float) -> None:
        with self._lock:
            self._until = max(self._until, time.monotonic() + seconds)

    def wait_left(self) -> float:
        with self._lock:
            return self._until - time.monotonic()


def _lane_of(handler: Handler) -> str:
    """The host a channel's check calls; "(type)" for a check that calls no web host (DNS, none at all)."""
    handler_type = HANDLER_TYPES.get(handler.type)
    if handler_type is None or is_damaged(handler):
        return "()"
    for spec in handler_type.fields:
        if spec.kind == "url":
            return (urlsplit(handler.settings.get(spec.name, "")).hostname or "").lower()
    return handler_type.hosts[0] if handler_type.hosts else f"({handler_type.slug})"


def check_all(handlers: Iterable[Handler], *, per_host: int, on_finding: Callable[[Handler, Finding], None]) -> None:
    """Checks many channels in a pool of threads, with at most `per_host` requests at a time to any one host. A
    service's 429 is waited out (its Retry-After, up to RETRY_AFTER_CAP s, by every channel of that host) and the
    channel tried again, MAX_TRIES times in all; a longer wait ends as "cannot check". `on_finding` is called
    from the calling thread, one finding at a time, as each channel is done."""
    lanes: dict[str, _Lane] = {}
    for handler in handlers:
        lanes.setdefault(_lane_of(handler), _Lane()).waiting.append(handler)
    # Each lane is emptied by at most per_host workers, each checking one channel at a time: so no more than
    # per_host requests are ever out to one host, and no worker waits for another host's turn.
    workers = [lane for lane in lanes.values() for _ in range(min(max(1, per_host), len(lane.waiting)))]
    if not workers:
        return
    done: queue.SimpleQueue[tuple[Handler, Finding] | None] = queue.SimpleQueue()
    stop = threading.Event()
    with ThreadPoolExecutor(max_workers=min(MAX_WORKERS, len(workers)), thread_name_prefix="check") as pool:
        for lane in workers:
            pool.submit(_empty, lane, done, stop)
        running = len(workers)
        try:
            while running:
                item = done.get()
                if item is None:
                    running -= 1
                else:
                    on_finding(*item)
        finally:
            stop.set()


def _empty(lane: _Lane, done: "queue.SimpleQueue[tuple[Handler, Finding] | None]", stop: threading.Event) -> None:
    try:
        while not stop.is_set():
            try:
                handler = lane.waiting.popleft()
            except IndexError:
                return
            try:
                finding = _check_patiently(handler, lane, stop)
            except Exception:
                # One channel's failure must not leave the others of a run unchecked.
                log.exception("check: the check of handler %s failed", handler.id)
                finding = Finding(Health.CANNOT_CHECK, {"code": "check_failed"})
            done.put((handler, finding))
    finally:
        done.put(None)


def _check_patiently(handler: Handler, lane: _Lane, stop: threading.Event) -> Finding:
    for _try in range(MAX_TRIES):
        wait = lane.wait_left()
        if wait > RETRY_AFTER_CAP or (wait > 0 and stop.wait(wait)):
            return _slowed()
        try:
            return _check(handler)
        except _SlowDown as slow:
            lane.hold_off(slow.seconds)
    return _slowed()
