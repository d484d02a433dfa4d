"""A local stand-in for Slack, Discord and the other services, for tests of test messages and channel checks."""

import ssl
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from socket import socket

# Public addresses for the services' names, so that the guard's checks pass without resolving anything.
PUBLIC = {
    "hooks.slack.com": ["52.4.1.1"],
    "discord.com": ["162.159.1.1"],
    "contoso.webhook.office.com": ["52.96.1.1"],
    "chat.googleapis.com": ["142.250.1.1"],
    "api.telegram.org": ["149.154.167.220"],
    "api.x.com": ["104.244.42.1"],
    "example.com": ["93.184.216.34"],
}


@dataclass(frozen=True)
class Reply:
    status: int = 200
    body: bytes = b"ok"
    headers: dict[str, str] = field(default_factory=dict)


class Receiver(ThreadingHTTPServer):
    """Stands in for the services: records each request and each connection, and answers as told."""

    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        super().__init__(("127.0.0.1", 0), ReceiverHandler)
        if tls:
            self.socket = tls.wrap_socket(self.socket, server_side=True)
        self.requests: list[dict] = []
        # The answer to any path that has no route of its own.
        self.status, self.body, self.delay, self.headers = 200, b"ok", 0.0, {}
        # Answers by path, with its query or without: one Reply, or a list answered in turn, its last one kept.
        self.routes: dict[str, Reply | list[Reply]] = {}
        # Answers by Host, for a path that has no route of its own.
        self.hosts: dict[str, Reply] = {}
        self.lock = threading.Lock()
        self.connections = 0
        self.closed = 0
        # The most requests it was answering at once, for each Host and in all.
        self.most_at_once: Counter[str] = Counter()
        self.most_in_all = 0
        self._active: Counter[str] = Counter()

    def verify_request(self, request: socket | tuple[bytes, socket], client_address: object) -> bool:
        with self.lock:
            self.connections += 1
        return True

    def shutdown_request(self, request: socket | tuple[bytes, socket]) -> None:
        super().shutdown_request(request)
        with self.lock:
            self.closed += 1

    def handle_error(self, request: socket | tuple[bytes, socket], client_address: object) -> None:
        """A client that connects and closes without a request (a probe) is expected, not an error."""

    def reply_for(self, path: str, host: str = "") -> Reply:
        with self.lock:
            route = self.routes.get(path) or self.routes.get(path.split("?")[0]) or self.hosts.get(host)
            if route is None:
                return Reply(self.status, self.body, self.headers)
            if isinstance(route, list):
                return route.pop(0) if len(route) > 1 else route[0]
            return route

    def started(self, host: str) -> None:
        with self.lock:
            self._active[host] += 1
            self.most_at_once[host] = max(self.most_at_once[host], self._active[host])
            self.most_in_all = max(self.most_in_all, sum(self._active.values()))

    def answered(self, host: str) -> None:
        with self.lock:
            self._active[host] -= 1


class ReceiverHandler(BaseHTTPRequestHandler):
    server: Receiver

    def do_GET(self) -> None:
        self._answer(b"")

    def do_POST(self) -> None:
        self._answer(self.rfile.read(int(self.headers.get("Content-Length") or 0)))

    def _answer(self, body: bytes) -> None:
        host = self.headers.get("Host", "")
        with self.server.lock:
            self.server.requests.append(
                {"method": self.command, "path": self.path, "headers": dict(self.headers), "body": body}
            )
        self.server.started(host)
        try:
            time.sleep(self.server.delay)
            reply = self.server.reply_for(self.path, host)
        finally:
            # Counted as done before the answer goes out, so that the client's next request never overlaps it.
            self.server.answered(host)
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        self.wfile.write(reply.body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def running_receiver(tls: ssl.SSLContext | None = None) -> Iterator[Receiver]:
    server = Receiver(tls)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
