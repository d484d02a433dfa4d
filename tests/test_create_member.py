from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command

from handlers_admin.roles import Role, role_of


@pytest.mark.django_db
def test_create_member_creates_then_updates(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEMBER_PASSWORD", "first-password-for-bob")
    out = StringIO()
    call_command("create_member", "bob", "--role", "viewer", stdout=out)
    assert "Created bob as viewer" in out.getvalue()
    bob = User.objects.get(username="bob")
    assert role_of(bob) == Role.VIEWER and not bob.is_staff
    assert bob.check_password("first-password-for-bob")

    monkeypatch.setenv("MEMBER_PASSWORD", "second-password-for-bob")
    call_command("create_member", "bob", "--role", "admin", stdout=StringIO())
    bob = User.objects.get(username="bob")  # a fresh object: Django caches permissions on the old one
    assert role_of(bob) == Role.ADMIN and bob.is_staff
    assert list(bob.groups.values_list("name", flat=True)) == ["admin"]
    assert bob.check_password("second-password-for-bob")


@pytest.mark.django_db
def test_create_member_refuses_a_weak_password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEMBER_PASSWORD", "123")
    with pytest.raises(CommandError, match="too short"):
        call_command("create_member", "bob", "--role", "viewer")
    assert not User.objects.filter(username="bob").exists()


@pytest.mark.django_db
def test_create_member_without_password_or_terminal_says_what_to_do(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MEMBER_PASSWORD", raising=False)
    monkeypatch.setattr(
        "handlers_admin.management.commands.create_member.Command.stdin_is_interactive", lambda self: False
    )
    with pytest.raises(CommandError, match="MEMBER_PASSWORD"):
        call_command("create_member", "bob", "--role", "viewer")
