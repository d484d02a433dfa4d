"""A local stand-in for Slack, Discord and the other services, for tests of test messages."""

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# Public addresses for the services' names, so that the guard's checks pass without resolving anything.
PUBLIC = {
    "hooks.slack.com": ["52.4.1.1"],
    "discord.com": ["162.159.1.1"],
    "contoso.webhook.office.com": ["52.96.1.1"],
    "chat.googleapis.com": ["142.250.1.1"],
    "api.telegram.org": ["149.154.167.220"],
    "example.com": ["93.184.216.34"],
}


class Receiver(ThreadingHTTPServer):
    """Stands in for the services: records each request and answers as told."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), ReceiverHandler)
        self.requests: list[dict] = []
        self.status, self.body, self.delay, self.headers = 200, b"ok", 0.0, {}


class ReceiverHandler(BaseHTTPRequestHandler):
    server: Receiver

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.server.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
        time.sleep(self.server.delay)
        self.send_response(self.server.status)
        for name, value in self.server.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(self.server.body)))
        self.end_headers()
        self.wfile.write(self.server.body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def running_receiver() -> Iterator[Receiver]:
    server = Receiver()
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
