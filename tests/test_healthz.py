import os
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from handlers_admin import health
from handlers_admin.models import Health


@pytest.mark.django_db
def test_healthz_reports_each_part_without_secrets(client: Client) -> None:
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    parts = response.json()
    checked = parts.pop("update_checked")
    assert parts == {
        "status": "ok",
        "database": "ok",
        "cache": "ok",
        "worker": "unknown",
        "api": "unknown",
        "update_check": "keeps",
        "damaged_channels": 0,
        "channel_health": {health: 0 for health in Health.values},
    }
    assert checked and settings.API_KEY not in response.text


@pytest.mark.django_db
def test_the_worker_and_the_api_show_their_last_known_state(client: Client) -> None:
    cache.set(health.WORKER_HEARTBEAT_KEY, time.time(), None)
    health.record_api_answer(503)
    parts = client.get(reverse("healthz")).json()
    assert (parts["worker"], parts["api"]) == ("ok", "failing")
    cache.set(health.WORKER_HEARTBEAT_KEY, time.time() - 600, None)
    assert client.get(reverse("healthz")).json()["worker"] == "failing"


@pytest.mark.django_db
def test_a_broken_cache_is_a_503_that_says_so(client: Client, settings, caplog: pytest.LogCaptureFixture) -> None:
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "no_such_table"}
    }
    response = client.get(reverse("healthz"))
    assert response.status_code == 503 and response.json()["cache"] == "failing"
    assert "shared cache fails" in caplog.text


def test_migrate_alone_leaves_a_working_panel(tmp_path, production_static: str) -> None:
    """The database cache's table is made by a migration: no separate createcachetable step to forget."""
    env = {
        "PATH": os.environ["PATH"],
        "READ_DOT_ENV": "false",
        "SECRET_KEY": "tests-only-secret-key-not-for-production-0123456789abcdef",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path}/fresh.sqlite3",
        "CACHE_URL": "dbcache://panel_cache",
        "DEBUG": "false",
        "SECURE_SSL_REDIRECT": "false",
        "ALLOWED_HOSTS": "testserver",
        "STATIC_ROOT": production_static,
    }
    subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=settings.BASE_DIR, env=env, check=True)
    check = (
        "import django; django.setup()\n"
        "from django.test import Client\n"
        "from django.contrib.auth.models import User\n"
        "from handlers_admin.roles import Role, assign_role\n"
        "user = User.objects.create_user('fresh', password='x'); assign_role(user, Role.VIEWER)\n"
        "client = Client(); client.force_login(user)\n"
        "print(*(client.get(url).status_code for url in ('/healthz', '/audit/', '/jobs/')))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", check], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True
    )
    assert result.stdout.split() == ["200", "200", "200"], result.stderr


# Without the test's own transaction, as in production: there the cache's failed query does not abort the request's
# connection, so the database is not reported failing with it.
@pytest.mark.django_db(transaction=True)
def test_a_page_that_needs_a_broken_cache_says_so(
    editor_client: Client, settings, mirrored, caplog: pytest.LogCaptureFixture
) -> None:
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "no_such_table"}
    }
    response = editor_client.get(reverse("handler_list"))
    assert response.status_code == 503
    assert "shared cache" in response.text and "its log" in response.text
    assert "GET /handlers/ failed because the panel's cache fails" in caplog.text


@pytest.mark.django_db
def test_an_error_with_every_part_working_stays_a_plain_500(editor_client: Client, monkeypatch) -> None:
    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr("handlers_admin.services.list_page", broken)
    editor_client.raise_request_exception = False
    response = editor_client.get(reverse("handler_list"))
    assert response.status_code == 500
    assert "shared cache" not in response.text
