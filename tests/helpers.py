"""Helpers the tests call directly (fixtures live in conftest.py)."""

from django.contrib.auth.models import User
from django.test import Client

from handlers_admin.roles import Role, assign_role

PASSWORD = "a-long-test-password-42"


def make_member(username: str, role: Role) -> User:
    user = User.objects.create_user(username, f"{username}@example.com", PASSWORD)
    assign_role(user, role)
    return user


def signed_in(user: User, **kwargs) -> Client:
    client = Client(**kwargs)
    client.force_login(user)
    return client


def known_server(check: str = "keeps") -> None:
    """Records that the server of the current settings was checked and found so ("keeps" or "erases")."""
    from django.utils import timezone

    from handlers_admin import server_profile

    profile = server_profile.current()
    profile.update_check, profile.checked = check, timezone.now()
    profile.save()
