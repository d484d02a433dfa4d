"""`manage.py check_channels` over 1,000 channels of every type, against the sandbox API (60 calls a minute) and a
local receiver playing the services (with a DNS server of its own for email domains), as real processes.

Reports the command's wall time, the API calls it made, and the requests each service received, by method and
endpoint. Run: .venv/bin/python bench/bench_checks.py [--channels 1000]
"""

import argparse
import json
import re
import subprocess
import sys
import time
from collections import Counter

from stack import PYTHON, ROOT, running

sys.path.insert(0, str(ROOT))
from tests.dns_server import running_dns_server
from tests.receiver import PUBLIC, Reply, running_receiver

# Where the seeded settings point: the registry's examples.
PUBLIC_TOO = {"yourcompany.webhook.office.com": ["52.96.1.2"]}
MAIL = {("example.com", "MX"): ["10 mx.example.com."]}


def endpoint(request: dict) -> str:
    """A request as "METHOD host/path", the channel's own tokens left out."""
    path = re.sub(r"/bot[^/]+/", "/bot…/", request["path"].split("?")[0])
    path = re.sub(r"/(services|webhooks|spaces)/.*", r"/\1/…", path)
    return f"{request['method']} {request['headers'].get('Host', '')}{path}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--channels", type=int, default=1000)
    options = parser.parse_args()
    with (
        running(prefix="bench-checks-", sandbox_size=options.channels) as stack,
        running_receiver() as receiver,
        running_dns_server(MAIL) as dns,
    ):
        # Every channel alive: Slack and Google Chat refuse an empty message, the others describe what they were
        # asked about.
        receiver.status, receiver.body = 400, b"no_text"
        receiver.hosts = {
            "discord.com": Reply(200, json.dumps({"id": "1", "name": "alerts"}).encode()),
            "api.telegram.org": Reply(200, json.dumps({"ok": True, "result": {"id": 1}}).encode()),
            "api.x.com": Reply(200, json.dumps({"data": {"id": "1"}}).encode()),
        }
        env = stack.env | {
            "TEST_SEND_RECEIVER": f"http://127.0.0.1:{receiver.server_address[1]}",
            "TEST_SEND_RESOLVER": json.dumps(PUBLIC | PUBLIC_TOO),
            "CHECK_NAMESERVER": dns.address,
        }
        stack.django("from handlers_admin import mirror\nmirror.refresh()\n")
        calls_before = len(stack.upstream_lines())
        started = time.monotonic()
        done = subprocess.run(
            [PYTHON, "manage.py", "check_channels", "--no-email"], cwd=ROOT, env=env, capture_output=True, text=True
        )
        wall = time.monotonic() - started
        calls = len(stack.upstream_lines()) - calls_before
    print(
        json.dumps(
            {
                "channels": options.channels,
                "wall_seconds": round(wall, 2),
                "exit_code": done.returncode,
                "api_calls": calls,
                "dns_queries": Counter(rdtype for _name, rdtype in dns.queries),
                "service_requests": dict(sorted(Counter(endpoint(request) for request in receiver.requests).items())),
                "connections_without_a_request": receiver.connections - len(receiver.requests),
                "most_at_once_per_host": dict(receiver.most_at_once),
                "summary": done.stdout.splitlines()[:12],
            },
            indent=2,
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
