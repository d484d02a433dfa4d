import os

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.test import Client

from handlers_admin.roles import Role, assign_role

PASSWORD = "a-long-test-password-42"


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    cache.clear()


def make_member(username: str, role: Role) -> User:
    user = User.objects.create_user(username, f"{username}@example.com", PASSWORD)
    assign_role(user, role)
    return user


@pytest.fixture
def viewer(db) -> User:
    return make_member("vera", Role.VIEWER)


@pytest.fixture
def editor(db) -> User:
    return make_member("eddie", Role.EDITOR)


@pytest.fixture
def admin_member(db) -> User:
    return make_member("ada", Role.ADMIN)


def signed_in(user: User, **kwargs) -> Client:
    client = Client(**kwargs)
    client.force_login(user)
    return client


@pytest.fixture
def viewer_client(viewer) -> Client:
    return signed_in(viewer)


@pytest.fixture
def editor_client(editor) -> Client:
    return signed_in(editor)


@pytest.fixture
def admin_client(admin_member) -> Client:
    return signed_in(admin_member)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    return {
        **browser_type_launch_args,
        "executable_path": os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"),
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-quic",
            "--no-first-run",
        ],
    }
