"""Test messages the panel sends to a channel itself, since the API has no way to. Guarded so that a test
can only reach the service the type names, on a public address: the name is resolved once, every address
checked, the connection made to the address that was checked, no redirect followed."""

import ipaddress
import json
import socket
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import urllib3
from django.conf import settings
from django.utils.translation import gettext as _

from handlers_admin.handler_types import HandlerType
from handlers_admin.words import describe_test

MAX_ANSWER_BYTES = 64 * 1024
NAT64 = ipaddress.ip_network("64:ff9b::/96")

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


Details = dict[str, str | int]


@dataclass(frozen=True, kw_only=True)
class TestResult:
    delivered: bool
    # What happened, in plain words: never the address, the token or the answer's body.
    text: str
    # What happened as a code and its values ({"code": "answered", "status": 404}), which words.describe_test says:
    # the audit trail keeps these, so that each reader reads them in their own language. Empty when nothing was
    # tried (a form to correct, the hourly limit).
    details: Details = field(default_factory=dict)
    answer_bytes: int = 0


class SendRefused(Exception):
    """The guard's refusal to send, as a code of words.describe_test and its values."""

    def __init__(self, code: str, **values: str | int) -> None:
        super().__init__(code)
        self.details: Details = {"code": code, **values}


def _result(
    handler_type: HandlerType, details: Details, *, delivered: bool = False, answer_bytes: int = 0
) -> TestResult:
    return TestResult(
        delivered=delivered,
        text=describe_test(details, handler_type.slug),
        details=details,
        answer_bytes=answer_bytes,
    )


def message(*, handler_name: str, member: str) -> str:
    return _(
        "This is a test from the notification channels panel for “%(name)s”, sent by %(member)s. "
        "If you can read it, the channel works."
    ) % {"name": handler_name or _("(no name)"), "member": member}


def request_for(handler_type: HandlerType, values: dict[str, str], *, text: str, member: str) -> tuple[str, dict]:
    """The address and JSON body of a test, in each service's own message format."""
    match handler_type.test_format:
        case "telegram":
            url = f"https://{handler_type.hosts[0]}/bot{values.get('telegram', '')}/sendMessage"
            return url, {"chat_id": values.get("telegram_chat_id", ""), "text": text}
        case "discord":
            return values.get("discord", ""), {"content": text}
        case "webhook":
            return values.get("webhook", ""), {"event": "test", "text": text, "sent_by": member}
        case "slack" | "microsoft_teams" | "google_chat" as service:
            return values.get(service, ""), {"text": text}
    raise SendRefused("untestable")


def untestable_reason() -> str:
    return describe_test({"code": "untestable"}, "")


def send(handler_type: HandlerType, url: str, body: dict) -> TestResult:
    """Sends one test, or says why it will not."""
    try:
        scheme, host, port, path = _checked_url(handler_type, url)
        address = _checked_address(host, port)
    except SendRefused as refusal:
        return _result(handler_type, refusal.details)
    if settings.TEST_SEND_RECEIVER:
        # For the test suite only: every check has passed; the request goes to a local receiver instead.
        receiver = urlsplit(settings.TEST_SEND_RECEIVER)
        scheme, address, port = "http", receiver.hostname or "127.0.0.1", receiver.port or 80
    timeout = urllib3.Timeout(connect=settings.TEST_SEND_CONNECT_TIMEOUT, total=settings.TEST_SEND_TIMEOUT)
    pool: urllib3.HTTPConnectionPool
    if scheme == "https":
        # Connected to the address that was checked; the certificate is checked against the name.
        pool = urllib3.HTTPSConnectionPool(
            address, port, timeout=timeout, retries=False, maxsize=1, server_hostname=host, assert_hostname=host
        )
    else:
        pool = urllib3.HTTPConnectionPool(address, port, timeout=timeout, retries=False, maxsize=1)
    headers = {"Host": host, "Content-Type": "application/json", "User-Agent": "handlers-admin-test/1"}
    try:
        with pool:
            answer = pool.urlopen(
                "POST",
                path,
                body=json.dumps(body).encode(),
                headers=headers,
                redirect=False,
                preload_content=False,
                assert_same_host=False,
            )
            received = answer.read(MAX_ANSWER_BYTES, decode_content=False)
            answer.release_conn()
    except urllib3.exceptions.TimeoutError:
        return _result(handler_type, {"code": "timed_out", "seconds": f"{settings.TEST_SEND_TIMEOUT:g}"})
    except urllib3.exceptions.SSLError:
        return _result(handler_type, {"code": "insecure"})
    except urllib3.exceptions.HTTPError:
        return _result(handler_type, {"code": "unreachable"})
    return _result(
        handler_type,
        {"code": "answered", "status": answer.status},
        delivered=200 <= answer.status < 300,
        answer_bytes=len(received),
    )


def _checked_url(handler_type: HandlerType, url: str) -> tuple[str, str, int, str]:
    parts = urlsplit(url)
    allowed = (
        {"https", "http"} if handler_type.test_format == "webhook" and settings.TEST_SEND_ALLOW_HTTP else {"https"}
    )
    if parts.scheme not in allowed:
        raise SendRefused("https_only")
    host = (parts.hostname or "").lower()
    if not host:
        raise SendRefused("incomplete_address")
    if handler_type.hosts and not any(host == h or host.endswith("." + h) for h in handler_type.hosts):
        raise SendRefused("other_service")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return parts.scheme, host, port, path


def _resolve(host: str, port: int) -> list[str]:
    table = settings.TEST_SEND_RESOLVER
    if table is not None:
        return list(table.get(host, []))
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        return []
    return [str(info[4][0]) for info in infos]


def _checked_address(host: str, port: int) -> str:
    """The one address to connect to, after every address of the name was found public."""
    try:
        found = [ipaddress.ip_address(host)]
    except ValueError:
        found = [ipaddress.ip_address(address.split("%")[0]) for address in _resolve(host, port)]
    if not found:
        raise SendRefused("name_not_found")
    if any(is_internal(address) for address in found):
        raise SendRefused("internal_address")
    return str(found[0])


def is_internal(address: IpAddress) -> bool:
    """Loopback, private, link-local (cloud metadata included), carrier-grade NAT, multicast, reserved or
    unspecified, also when written as an IPv4-mapped, NAT64, 6to4 or Teredo IPv6 address."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped:
            address = address.ipv4_mapped
        elif address in NAT64:
            address = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        elif address.sixtofour:
            address = address.sixtofour
        elif address.teredo:
            address = address.teredo[1]
    return not address.is_global or address.is_multicast or address.is_reserved or address.is_unspecified
