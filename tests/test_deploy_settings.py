import os
import subprocess
import sys

import pytest
from django.conf import settings


def test_check_deploy_is_clean_with_production_defaults() -> None:
    env = {
        "PATH": os.environ["PATH"],
        "READ_DOT_ENV": "false",
        "SECRET_KEY": "x7!kP2#vQ9@mL4$wR8^tY1&uI6*oA3(sD5)fG0_hJ-zX+cV=bN~",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        # Production defaults but for the database, so that no file of a set-up script is needed.
        "DATABASE_URL": "sqlite:///:memory:",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(("behind_proxy", "status"), [("false", 301), ("true", 200)])
def test_x_forwarded_proto_is_believed_only_behind_a_proxy(
    behind_proxy: str, status: int, production_static: str
) -> None:
    env = {
        "PATH": os.environ["PATH"],
        "READ_DOT_ENV": "false",
        "SECRET_KEY": "x7!kP2#vQ9@mL4$wR8^tY1&uI6*oA3(sD5)fG0_hJ-zX+cV=bN~",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": "sqlite:///:memory:",
        "BEHIND_PROXY": behind_proxy,
        # The sign-in page reads its pause from the cache; this test is about the proxy's headers.
        "CACHE_URL": "locmemcache://",
        "ALLOWED_HOSTS": "testserver",
        "STATIC_ROOT": production_static,
    }
    check = (
        "import django; django.setup()\n"
        "from django.conf import settings\n"
        "from django.test import Client\n"
        "print(Client().get('/accounts/login/', headers={'X-Forwarded-Proto': 'https'}).status_code)\n"
        "print(settings.ALLAUTH_TRUSTED_PROXY_COUNT)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", check], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True
    )
    assert result.stdout.split() == [str(status), "1" if behind_proxy == "true" else "0"], result.stderr
