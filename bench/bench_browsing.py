"""50 members browsing at once for 60 s, against the sandbox API and its limit of 60 calls a minute.

The sandbox and the panel (gunicorn, 4 workers, one SQLite database that also holds the shared cache)
run as real processes on loopback. Each member is a thread with its own session, looking at a page,
then reading it for 2 to 6 seconds: the table with filters (also as htmx partials), the overview,
the audit trail, and now and then a handler's own page (the only page that calls the API).

Run: .venv/bin/python bench/bench_browsing.py [--members 50] [--seconds 60]
"""

import argparse
import json
import os
import random
import re
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
SANDBOX_PORT, PANEL_PORT = 18301, 18300
RATE_LIMIT_TEXT = "used up its API calls"
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
    script = f"""
import django
django.setup()
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.models import User
from handlers_admin.roles import Role, assign_role
for number in range({count}):
    user = User.objects.create_user(f"member{{number}}", password="bench-password-{secrets.token_hex(8)}")
    assign_role(user, Role.EDITOR)
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    print(session.session_key)
"""
    result = subprocess.run([PYTHON, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return result.stdout.split()


def browse(session_key: str, until: float, outcomes: Counter, lock: threading.Lock, rng: random.Random) -> None:
    http = requests.Session()
    http.cookies.set("sessionid", session_key, domain="127.0.0.1")
    base = f"http://127.0.0.1:{PANEL_PORT}"
    while time.monotonic() < until:
        roll = rng.random()
        headers = {}
        if roll < 0.5:
            path = "/handlers/" + rng.choice(FILTERS)
        elif roll < 0.7:
            path, headers = "/handlers/" + rng.choice(FILTERS), {"HX-Request": "true"}
        elif roll < 0.85:
            path = "/overview/"
        elif roll < 0.95:
            path = "/audit/"
        else:
            path = f"/handlers/{rng.randint(1, 150)}/"
        try:
            response = http.get(base + path, headers=headers, timeout=30, allow_redirects=False)
            kind = (
                "5xx" if response.status_code >= 500 else "rate_limited" if RATE_LIMIT_TEXT in response.text else "ok"
            )
        except requests.RequestException:
            kind = "failed"
        with lock:
            outcomes[kind] += 1
            outcomes["detail" if re.fullmatch(r"/handlers/\d+/", path) else "other"] += 1
        time.sleep(rng.uniform(2, 6))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=60)
    options = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-browsing-"))
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
        "DATABASE_URL": f"sqlite:///{work}/panel.sqlite3?timeout=30&init_command=PRAGMA+journal_mode%3DWAL",
        "CACHE_URL": "dbcache://panel_cache",
        "API_BASE_URL": f"http://127.0.0.1:{SANDBOX_PORT}/api",
        "API_KEY": key,
        "LOG_LEVEL": "WARNING",
    }
    subprocess.run([PYTHON, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)
    subprocess.run([PYTHON, "manage.py", "createcachetable"], cwd=ROOT, env=env, check=True)
    subprocess.run([PYTHON, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
    sandbox_log = open(work / "sandbox.log", "w")  # noqa: SIM115 - closed below, after the processes end
    sandbox_command = [PYTHON, "manage.py", "sandbox_api", "--port", str(SANDBOX_PORT), "--key", key]
    sandbox_command += ["--rate-limit", "60", "--data", str(work / "sandbox.sqlite3"), "--reset", "--verbose"]
    sandbox = subprocess.Popen(
        sandbox_command,
        cwd=ROOT,
        env=env,
        stdout=sandbox_log,
        stderr=sandbox_log,
    )
    panel = subprocess.Popen(
        [PYTHON, "-m", "gunicorn", "config.wsgi", "-b", f"127.0.0.1:{PANEL_PORT}", "-w", "4", "--threads", "8"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(work / "panel.log", "w"),  # noqa: SIM115
    )
    try:
        wait_for(f"http://127.0.0.1:{PANEL_PORT}/healthz")
        wait_for(f"http://127.0.0.1:{SANDBOX_PORT}/api/")
        sessions = member_sessions(env, options.members)
        outcomes: Counter = Counter()
        lock = threading.Lock()
        started = time.monotonic()
        until = started + options.seconds
        threads = [
            threading.Thread(target=browse, args=(key, until, outcomes, lock, random.Random(number)))
            for number, key in enumerate(sessions)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started
    finally:
        panel.terminate()
        sandbox.terminate()
        panel.wait(10)
        sandbox.wait(10)
        sandbox_log.close()
    upstream = [
        line
        for line in (work / "sandbox.log").read_text().splitlines()
        if '"GET /api/' in line or '"POST /api/' in line
    ]
    pages = outcomes["ok"] + outcomes["rate_limited"] + outcomes["5xx"] + outcomes["failed"]
    print(
        json.dumps(
            {
                "members": options.members,
                "seconds": round(elapsed, 1),
                "pages_served": pages,
                "handler_pages": outcomes["detail"],
                "5xx": outcomes["5xx"],
                "failed_requests": outcomes["failed"],
                "upstream_calls": len(upstream),
                "upstream_calls_per_minute": round(len(upstream) * 60 / elapsed, 1),
                "upstream_429s": sum(1 for line in upstream if '" 429 ' in line),
                "pages_with_a_rate_limit_message": outcomes["rate_limited"],
                "share_with_a_rate_limit_message_percent": round(100 * outcomes["rate_limited"] / max(pages, 1), 2),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
