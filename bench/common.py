"""Shared set-up for the benchmarks: Django on the test settings, an in-memory database, a signed-in member."""

import gc
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402

from handlers_admin.roles import Role  # noqa: E402


def signed_in_client(role: Role = Role.EDITOR) -> Client:
    from tests.helpers import make_member

    call_command("migrate", verbosity=0)
    client = Client()
    client.force_login(make_member("bench", role))
    return client


def timed(action: Callable[[], object], runs: int) -> dict[str, float]:
    for _ in range(5):
        action()  # warm up: templates compiled, imports done, caches filled
    gc.collect()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        samples.append((time.perf_counter() - started) * 1000)
    return {
        "median_ms": round(statistics.median(samples), 2),
        "p90_ms": round(statistics.quantiles(samples, n=10)[-1], 2),
        "min_ms": round(min(samples), 2),
        "runs": runs,
    }
