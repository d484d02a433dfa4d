"""The panel's one way out to the services, for test messages and silent checks alike. Guarded so that a request
can only reach the service the type names, on a public address: the name is resolved once, every address
checked, the connection made to the address that was checked with the certificate checked against the name,
no redirect followed, a connect and a total timeout, at most 64 KB of an answer read."""

import ipaddress
import json
import socket
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

import urllib3
from django.conf import settings

from handlers_admin.handler_types import HandlerType

MAX_ANSWER_BYTES = 64 * 1024
NAT64 = ipaddress.ip_network("64:ff9b::/96")
USER_AGENT = "handlers-admin-test/1"

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Details = dict[str, str | int]
Method = Literal["GET", "POST"]


class Refused(Exception):
    """The guard's refusal, or a request that got no answer, as a code of words.describe_test and its values."""

    def __init__(self, code: str, **values: str | int) -> None:
        super().__init__(code)
        self.details: Details = {"code": code, **values}


@dataclass(frozen=True, kw_only=True)
class Answer:
    status: int
    # At most MAX_ANSWER_BYTES of it.
    body: bytes
    # Names in lower case.
    headers: dict[str, str]

    def json(self) -> dict:
        """The body as a JSON object; empty when it is not one."""
        try:
            parsed = json.loads(self.body)
        except ValueError:
            return {}
        return parsed if isinstance(parsed, dict) else {}


@dataclass(frozen=True, kw_only=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str


def allows_http(handler_type: HandlerType) -> bool:
    """Only a webhook, your own server, may be called over plain http://, and only where the settings allow it."""
    return handler_type.test_format == "webhook" and settings.TEST_SEND_ALLOW_HTTP


def request(
    method: Method,
    url: str,
    *,
    handler_type: HandlerType,
    body: bytes | None = None,
    json_body: object = None,
    headers: Mapping[str, str] | None = None,
) -> Answer:
    """Sends one request to the type's service and returns its answer, a redirect included (it is not followed);
    raises Refused when the guard will not send it or no answer came."""
    target = checked_url(handler_type, url)
    scheme, address, port = _destination(target, checked_address(target.host, target.port))
    sent_headers = {"Host": target.host, "User-Agent": USER_AGENT}
    if json_body is not None:
        body = json.dumps(json_body).encode()
        sent_headers["Content-Type"] = "application/json"
    sent_headers.update(headers or {})
    timeout = urllib3.Timeout(connect=settings.TEST_SEND_CONNECT_TIMEOUT, total=settings.TEST_SEND_TIMEOUT)
    pool: urllib3.HTTPConnectionPool
    if scheme == "https":
        # Connected to the address that was checked; the certificate is checked against the name.
        pool = urllib3.HTTPSConnectionPool(
            address,
            port,
            timeout=timeout,
            retries=False,
            maxsize=1,
            server_hostname=target.host,
            assert_hostname=target.host,
        )
    else:
        pool = urllib3.HTTPConnectionPool(address, port, timeout=timeout, retries=False, maxsize=1)
    try:
        with pool:
            response = pool.urlopen(
                method,
                target.path,
                body=body,
                headers=sent_headers,
                redirect=False,
                preload_content=False,
                assert_same_host=False,
            )
            received = response.read(MAX_ANSWER_BYTES, decode_content=False)
            response.release_conn()
    except urllib3.exceptions.TimeoutError as e:
        raise Refused("timed_out", seconds=f"{settings.TEST_SEND_TIMEOUT:g}") from e
    except urllib3.exceptions.SSLError as e:
        raise Refused("insecure") from e
    except urllib3.exceptions.HTTPError as e:
        raise Refused("unreachable") from e
    return Answer(
        status=response.status,
        body=received,
        headers={name.lower(): value for name, value in response.headers.items()},
    )


def probe(url: str, *, handler_type: HandlerType) -> None:
    """Whether the address can be reached, without sending it anything: the same checks as a request, then a TCP
    connection to the checked address and, for https, a TLS handshake whose certificate must be valid for the
    name; then it is closed. Raises Refused otherwise."""
    target = checked_url(handler_type, url)
    scheme, address, port = _destination(target, checked_address(target.host, target.port))
    seconds = settings.TEST_SEND_CONNECT_TIMEOUT
    try:
        with socket.create_connection((address, port), timeout=seconds) as connection:
            if scheme == "https":
                with ssl.create_default_context().wrap_socket(connection, server_hostname=target.host):
                    pass
    except ssl.SSLError as e:
        raise Refused("insecure") from e
    except TimeoutError as e:
        raise Refused("timed_out", seconds=f"{seconds:g}") from e
    except OSError as e:
        raise Refused("unreachable") from e


def _destination(target: Target, address: str) -> tuple[str, str, int]:
    """Where to connect: the checked address; for the test suite only, once every check has passed, a local
    receiver instead (an http:// one makes a probe a plain TCP connection)."""
    if settings.TEST_SEND_RECEIVER:
        receiver = urlsplit(settings.TEST_SEND_RECEIVER)
        return receiver.scheme or "http", receiver.hostname or "127.0.0.1", receiver.port or 80
    return target.scheme, address, target.port


def checked_url(handler_type: HandlerType, url: str) -> Target:
    parts = urlsplit(url)
    allowed = {"https", "http"} if allows_http(handler_type) else {"https"}
    if parts.scheme not in allowed:
        raise Refused("https_only")
    host = (parts.hostname or "").lower()
    if not host:
        raise Refused("incomplete_address")
    if handler_type.hosts and not any(host == h or host.endswith("." + h) for h in handler_type.hosts):
        raise Refused("other_service")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as e:
        raise Refused("incomplete_address") from e
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(scheme=parts.scheme, host=host, port=port, path=path)


def _resolve(host: str, port: int) -> list[str]:
    table = settings.TEST_SEND_RESOLVER
    if table is not None:
        return list(table.get(host, []))
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        return []
    return [str(info[4][0]) for info in infos]


def checked_address(host: str, port: int) -> str:
    """The one address to connect to, after every address of the name was found public."""
    try:
        found = [ipaddress.ip_address(host)]
    except ValueError:
        found = [ipaddress.ip_address(address.split("%")[0]) for address in _resolve(host, port)]
    if not found:
        raise Refused("name_not_found")
    if any(is_internal(address) for address in found):
        raise Refused("internal_address")
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
