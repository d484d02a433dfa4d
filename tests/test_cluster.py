"""Two panel instances under gunicorn and one worker, on PostgreSQL and Redis, against the sandbox: what one
instance does, the other sees. Run by scripts/test when TEST_REDIS_URL names a Redis and DATABASE_URL a
PostgreSQL (as .ci/run does)."""

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection

from handlers_admin.roles import Role
from sandbox.store import Filters
from tests.helpers import PASSWORD, make_member

REDIS = os.environ.get("TEST_REDIS_URL", "")
pytestmark = [
    pytest.mark.cluster,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not REDIS or not os.environ.get("DATABASE_URL", "").startswith("postgres"),
        reason="needs TEST_REDIS_URL and a PostgreSQL DATABASE_URL",
    ),
]
ROOT = Path(settings.BASE_DIR)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Instance:
    def __init__(self, base: str) -> None:
        self.base = base
        self.http = requests.Session()

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.http.get(self.base + path, timeout=30, **kwargs)

    def post(self, path: str, data: dict, **kwargs) -> requests.Response:
        headers = {"X-CSRFToken": self.http.cookies.get("csrftoken", ""), "Referer": self.base + "/"}
        return self.http.post(
            self.base + path, data=data, headers=headers | kwargs.pop("headers", {}), timeout=30, **kwargs
        )


@pytest.fixture
def cluster(sandbox, tmp_path):
    server = sandbox(rate_limit=60)
    database = connection.settings_dict
    env = os.environ | {
        "READ_DOT_ENV": "false",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "SECRET_KEY": settings.SECRET_KEY,
        # Plain static files, with no collected manifest to build for the test.
        "DEBUG": "true",
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
        "CACHE_URL": REDIS,
        "API_BASE_URL": server.url,
        "API_KEY": settings.API_KEY,
        "LOG_LEVEL": "WARNING",
    }
    subprocess.run(["redis-cli", "-u", REDIS, "flushdb"], check=True, capture_output=True)
    ports = [free_port(), free_port()]
    logs = [open(tmp_path / f"{name}.log", "w") for name in ("a", "b", "worker")]  # noqa: SIM115
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "config.wsgi", "-b", f"127.0.0.1:{port}", "-w", "2"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=log,
        )
        for port, log in zip(ports, logs, strict=False)
    ]
    processes.append(
        subprocess.Popen(
            [sys.executable, "manage.py", "run_worker", "--interval", "0.2"],
            cwd=ROOT,
            env=env,
            stdout=logs[2],
            stderr=logs[2],
        )
    )
    instances = [Instance(f"http://127.0.0.1:{port}") for port in ports]
    deadline = time.monotonic() + 60
    for instance in instances:
        while True:
            try:
                if instance.get("/healthz").status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            assert time.monotonic() < deadline, (tmp_path / "a.log").read_text()
            time.sleep(0.2)
    yield server, instances
    for process in processes:
        process.terminate()
    for process in processes:
        process.wait(15)
    for log in logs:
        log.close()


def calls(server, method: str = "", path: str = "") -> list[str]:
    return [request for request in server.app.requests if request.startswith(method) and path in request]


def test_two_instances_and_a_worker_act_as_one_panel(cluster) -> None:
    server, (a, b) = cluster
    started = time.monotonic()
    member = make_member("ops", Role.EDITOR)
    # The instances run the production settings, whose hashers do not read the tests' fast one.
    hasher = PBKDF2PasswordHasher()
    member.password = hasher.encode(PASSWORD, hasher.salt())
    member.save(update_fields=["password"])

    # A session made on one instance is valid on the other.
    a.get("/accounts/login/")
    assert a.post("/accounts/login/", {"login": "ops", "password": PASSWORD}, allow_redirects=False).status_code == 302
    b.http.cookies.update(a.http.cookies)
    assert b.get("/handlers/", allow_redirects=False).status_code == 200

    # The mirror is refreshed by one instance for both.
    lists_before = len(calls(server, "GET", "/notification-handlers/?"))
    assert "Channels 1–25 of 150" in a.get("/handlers/").text
    assert "Channels 1–25 of 150" in b.get("/handlers/").text
    assert len(calls(server, "GET", "/notification-handlers/?")) == lists_before

    # A one-time token used on one instance is refused on the other.
    form = a.get("/handlers/new/").text
    token = re.search(r'name="submit_token" value="([^"]+)"', form)[1]
    fields = {"name": "Made once", "type": "internal_notification", "submit_token": token}
    assert a.post("/handlers/new/", fields, allow_redirects=False).status_code == 302
    assert "already sent once" in b.post("/handlers/new/", fields).text
    assert [r for r in server.app.requests if r == "POST /api/notification-handlers"] == [
        "POST /api/notification-handlers"
    ]
    made, _total = server.app.store.search(Filters(search="Made once"), page=1, per_page=10)
    assert len(made) == 1

    # A bulk job started on one instance is run once by the worker.
    on, _total = server.app.store.search(Filters(is_enabled=1), page=1, per_page=3)
    ids = [row["id"] for row in on]
    htmx = {"HX-Request": "true"}
    for handler_id in ids:
        b.post("/handlers/selection/", {"action": "one", "id": str(handler_id), "selected": "1"}, headers=htmx)
    job_page = b.post("/jobs/new/", {"kind": "disable"}, allow_redirects=True)
    job_url = job_page.url.removeprefix(b.base)
    deadline = time.monotonic() + 60
    while "Finished" not in (page := a.get(job_url).text):
        assert time.monotonic() < deadline, page[-2000:]
        time.sleep(0.5)
    for handler_id in ids:
        assert calls(server, "POST", f"/api/notification-handlers/{handler_id}") == [
            f"POST /api/notification-handlers/{handler_id}"
        ]
        assert server.app.store.get(handler_id)["is_enabled"] == 0

    # A 429 seen by one instance stops the other.
    # The key's window has no call left: the next one is refused.
    server.app.limiter._windows[settings.API_KEY] = (server.app.limiter.clock(), 0)
    # A page that reads the product: opening the edit form (a channel's own page reads the mirror).
    assert "used all the requests the product allows" in a.get(f"/handlers/{ids[0]}/edit/").text
    before = len(server.app.requests)
    assert "used all the requests the product allows" in b.get(f"/handlers/{ids[1]}/edit/").text
    assert len(server.app.requests) == before

    # Every call stayed within the key's minute, and only the forced one was refused.
    elapsed = time.monotonic() - started
    print(f"cluster: {len(server.app.requests)} calls in {elapsed:.1f} s")
    assert len(server.app.requests) <= 60
