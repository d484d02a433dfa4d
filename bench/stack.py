"""Real processes on loopback for the benchmarks: the sandbox API, the panel under gunicorn, the worker,
and members browsing it, each a thread with their own session."""

import os
import random
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
SANDBOX_PORT, PANEL_PORT, POSTGRES_PORT, REDIS_PORT = 18301, 18300, 18302, 18303
RATE_LIMIT_TEXT = "used all the requests the product allows"
FILTERS = [
    "",
    "?is_enabled=1",
    "?is_enabled=2",
    "?activity=idle90d",
    "?activity=never",
    "?type=slack",
    "?type=email&is_enabled=1",
    "?search=ops",
    "?order_by=last_datetime&order_type=DESC",
    "?order_by=name&order_type=ASC&page=2",
    "?page=3",
    "?results_per_page=100",
]


def wait_for(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            requests.get(url, timeout=1)
            return
        except requests.RequestException:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up")


def member_sessions(env: dict[str, str], count: int) -> list[str]:
    """Signs in `count` editors; returns their session keys."""
    script = f"""
import django
django.setup()
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.models import User
from handlers_admin.roles import Role, assign_role
for number in range({count}):
    user = User.objects.create_user(f"member{{number}}", password="bench-password-{secrets.token_hex(8)}")
    assign_role(user, Role.EDITOR)
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[-1]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    print(session.session_key)
"""
    result = subprocess.run([PYTHON, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return result.stdout.split()


# The mix of what members do, as a share of their requests (kind, share).
MIX = (("table", 0.45), ("partial", 0.12), ("channel", 0.30), ("overview", 0.10), ("switch", 0.03))


def _request(kind: str, rng: random.Random) -> tuple[str, str, dict[str, str]]:
    """The method, path and headers of a request of that kind."""
    if kind == "table":
        return "GET", "/handlers/" + rng.choice(FILTERS), {}
    if kind == "partial":
        return "GET", "/handlers/" + rng.choice(FILTERS), {"HX-Request": "true"}
    if kind == "channel":
        return "GET", f"/handlers/{rng.randint(1, 150)}/", {}
    if kind == "overview":
        return "GET", "/overview/", {}
    return "POST", f"/handlers/{rng.randint(1, 150)}/toggle/", {"HX-Request": "true"}


def browse(
    session_key: str,
    until: float,
    outcomes: Counter,
    times: dict[str, list[float]],
    lock: threading.Lock,
    rng: random.Random,
) -> None:
    """One member: a request of the mix, then reading it for 2 to 6 seconds. Counts each outcome and kind, and
    keeps each kind's answer times (ms)."""
    http = requests.Session()
    http.cookies.set("sessionid", session_key, domain="127.0.0.1")
    base = f"http://127.0.0.1:{PANEL_PORT}"
    kinds, shares = zip(*MIX, strict=True)
    # A member opens the table before anything else, as a browser does: it sets the CSRF cookie switches need.
    with suppress(requests.RequestException):
        http.get(base + "/handlers/", timeout=30)
    while time.monotonic() < until:
        kind = rng.choices(kinds, weights=shares)[0]
        method, path, headers = _request(kind, rng)
        if method == "POST":
            headers |= {"X-CSRFToken": http.cookies.get("csrftoken", ""), "Referer": base + "/handlers/"}
        # A switch asks for either state, as a member switching a row on or off does.
        data = {"enabled": "on"} if method == "POST" and rng.random() < 0.5 else {}
        started = time.monotonic()
        try:
            response = http.request(method, base + path, data=data, headers=headers, timeout=30, allow_redirects=False)
            outcome = (
                "5xx" if response.status_code >= 500 else "rate_limited" if RATE_LIMIT_TEXT in response.text else "ok"
            )
        except requests.RequestException as e:
            outcome = "failed"
            outcomes[f"failed: {type(e).__name__}"] += 1
        with lock:
            outcomes[outcome] += 1
            outcomes[f"{outcome}: {kind}"] += 1
            times.setdefault(kind, []).append((time.monotonic() - started) * 1000)
        time.sleep(rng.uniform(2, 6))


@dataclass
class Stack:
    work: Path
    env: dict[str, str]

    def upstream_lines(self) -> list[str]:
        lines = (self.work / "sandbox.log").read_text().splitlines()
        return [line for line in lines if '"GET /api/' in line or '"POST /api/' in line or '"DELETE /api/' in line]

    def django(self, code: str) -> str:
        """Runs Python with the panel's settings and database, and returns what it printed."""
        script = "import django\ndjango.setup()\n" + code
        return subprocess.run(
            [PYTHON, "-c", script], cwd=ROOT, env=self.env, capture_output=True, text=True, check=True
        ).stdout


@contextmanager
def datastores(work: Path) -> Iterator[tuple[str, str]]:
    """A PostgreSQL server and a Redis of the bench's own, as in production; yields their URLs. As root (CI
    machines), PostgreSQL runs as the postgres user, which it requires."""
    postgres_bin = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda path: int(path.parent.name))[-1]
    data = work / "postgres"
    data.mkdir()
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    if as_postgres:
        shutil.chown(work, "postgres")
        shutil.chown(data, "postgres")
    quiet = {"check": True, "stdout": subprocess.DEVNULL}
    subprocess.run([*as_postgres, postgres_bin / "initdb", "-D", data, "-A", "trust", "-U", "postgres"], **quiet)
    options = f"-p {POSTGRES_PORT} -k {data} -c listen_addresses=127.0.0.1 -c max_connections=200"
    pg_ctl = [*as_postgres, postgres_bin / "pg_ctl", "-D", data, "-l", data / "log", "-w"]
    subprocess.run([*pg_ctl, "-o", options, "start"], **quiet)
    redis = subprocess.Popen(
        ["redis-server", "--port", str(REDIS_PORT), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    try:
        yield f"postgres://postgres@127.0.0.1:{POSTGRES_PORT}/postgres", f"redis://127.0.0.1:{REDIS_PORT}/0"
    finally:
        redis.terminate()
        subprocess.run([*pg_ctl, "-m", "fast", "stop"], **quiet)


@contextmanager
def running(*, prefix: str, worker: bool = False, sandbox_size: int = 150) -> Iterator[Stack]:
    work = Path(tempfile.mkdtemp(prefix=prefix))
    with datastores(work) as (database_url, cache_url):
        yield from _running(work, database_url=database_url, cache_url=cache_url, worker=worker, size=sandbox_size)


def _running(work: Path, *, database_url: str, cache_url: str, worker: bool, size: int) -> Iterator[Stack]:
    key = "bench-" + secrets.token_urlsafe(16)
    env = os.environ | {
        "READ_DOT_ENV": "false",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "SECRET_KEY": secrets.token_urlsafe(40),
        "DEBUG": "false",
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": database_url,
        "CACHE_URL": cache_url,
        "API_BASE_URL": f"http://127.0.0.1:{SANDBOX_PORT}/api",
        "API_KEY": key,
        "LOG_LEVEL": "WARNING",
    }
    stack = Stack(work=work, env=env)
    subprocess.run([PYTHON, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)
    subprocess.run([PYTHON, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
    data = work / "sandbox.sqlite3"
    stack.django(
        "from sandbox.seed import seed_rows\nfrom sandbox.store import Store\n"
        f"Store({str(data)!r}).replace_all(seed_rows(size={size}))\n"
    )
    logs = {name: open(work / f"{name}.log", "w") for name in ("sandbox", "panel", "worker")}  # noqa: SIM115
    sandbox = [PYTHON, "manage.py", "sandbox_api", "--port", str(SANDBOX_PORT), "--key", key, "--verbose"]
    panel = [PYTHON, "-m", "gunicorn", "config.wsgi", "-b", f"127.0.0.1:{PANEL_PORT}", "-w", "4", "--threads", "8"]
    # Connections kept open longer than a member reads a page: a browser retries a request on a connection the
    # server closed meanwhile, a requests.Session does not, and would count it as failed.
    panel += ["--keep-alive", "10"]
    commands = {"sandbox": [*sandbox, "--rate-limit", "60", "--data", str(data)], "panel": panel}
    if worker:
        commands["worker"] = [PYTHON, "manage.py", "run_worker", "--interval", "0.5"]
    processes = [
        subprocess.Popen(command, cwd=ROOT, env=env, stdout=logs[name], stderr=logs[name])
        for name, command in commands.items()
    ]
    try:
        wait_for(f"http://127.0.0.1:{PANEL_PORT}/healthz")
        wait_for(f"http://127.0.0.1:{SANDBOX_PORT}/api/")
        yield stack
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(10)
        for log in logs.values():
            log.close()


def browse_together(sessions: list[str], seconds: float) -> tuple[Counter, dict[str, list[float]]]:
    """Every member browsing at once for `seconds`: the outcomes counted, and each kind's answer times (ms)."""
    outcomes: Counter = Counter()
    times: dict[str, list[float]] = {}
    lock = threading.Lock()
    until = time.monotonic() + seconds
    threads = [
        threading.Thread(target=browse, args=(key, until, outcomes, times, lock, random.Random(number)))
        for number, key in enumerate(sessions)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes, times
