"""What each action costs on each kind of server the product's code makes (shared/API.md, "Updates on real
servers"), and how long the self-check takes: the panel in-process against the sandbox over real HTTP.

Run: .venv/bin/python bench/bench_server_kinds.py
"""

import dataclasses
import json
import statistics
import tempfile
import threading
import time
from pathlib import Path

from common import signed_in_client
from django.conf import settings
from django.test import override_settings

from handlers_admin import mirror, server_profile
from handlers_admin.models import MirrorRefresh, ServerProfile
from sandbox.server import Quirks, SandboxApi, serve
from sandbox.store import Store

HTMX = {"HX-Request": "true"}
KINDS = {
    "works": Quirks(),
    "works, no full answers": dataclasses.replace(Quirks(), full_answers=False),
    "form_type": dataclasses.replace(Quirks(), update="form_type"),
    "erases": dataclasses.replace(Quirks(), update="erases"),
}


def started(quirks: Quirks, folder: Path, n: int):
    store = Store(folder / f"sandbox-{n}.sqlite3")
    slack = store.create(
        {
            "type": "slack",
            "name": "Ops",
            "settings": {"slack": "https://hooks.slack.com/services/T/B/X"},
            "is_enabled": 1,
            "last_datetime": None,
            "datetime": "2026-01-01 00:00:00",
        }
    )
    server = serve(SandboxApi(store, settings.API_KEY, rate_limit=0, quirks=quirks), port=0)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    return server, slack


def calls(server, request, *args, **kwargs) -> int:
    """The API calls one request to the panel costs."""
    before = len(server.app.requests)
    request(*args, **kwargs)
    return len(server.app.requests) - before


def main() -> None:
    client = signed_in_client()
    report: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as folder:
        for n, (kind, quirks) in enumerate(KINDS.items()):
            server, slack = started(quirks, Path(folder), n)
            with override_settings(API_BASE_URL=server.url, MIRROR_MAX_AGE=3600, API_RATE_LIMIT=1_000_000):
                ServerProfile.objects.all().delete()
                MirrorRefresh.objects.all().delete()
                mirror.refresh()
                seconds = []
                for _ in range(5):
                    started_at = time.perf_counter()
                    profile = server_profile.self_check()
                    seconds.append(time.perf_counter() - started_at)
                ServerProfile.objects.all().delete()
                toggle, edit = f"/handlers/{slack}/toggle/", f"/handlers/{slack}/edit/"
                first_switch = calls(server, client.post, toggle, {}, headers=HTMX)
                switch = calls(server, client.post, toggle, {"enabled": "on"}, headers=HTMX)
                open_edit = calls(server, client.get, edit)
                save_edit = calls(server, client.post, edit, {"name": f"Ops {n}", "type": "slack", "slack": ""})
                report[kind] = {
                    "self_check": profile.update_check,
                    "self_check_calls": profile.check_calls,
                    "self_check_median_ms": round(statistics.median(seconds) * 1000, 1),
                    "first_switch_calls_with_the_check": first_switch,
                    "switch_calls": switch,
                    "open_edit_calls": open_edit,
                    "save_edit_calls": save_edit,
                    "slack_after": server.app.store.get(slack)["type"],
                }
            server.shutdown()
            server.server_close()
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
