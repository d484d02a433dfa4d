import os
import subprocess
import sys
from io import StringIO

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from handlers_admin.roles import Role, role_of
from tests.conftest import PASSWORD


def test_a_member_signs_in_and_lands_on_the_handlers(viewer: User, client: Client) -> None:
    response = client.post(reverse("login"), {"username": "vera", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("handler_list")
    page = client.get(reverse("handler_list"))
    assert "vera" in page.text and "Viewer" in page.text


def test_a_wrong_password_is_refused_with_a_message(viewer: User, client: Client) -> None:
    response = client.post(reverse("login"), {"username": "vera", "password": "nope"})
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.text
    assert 'value="vera"' in response.text


def test_repeated_failed_sign_ins_are_throttled(viewer: User, client: Client) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "vera", "password": "nope"})
    response = client.post(reverse("login"), {"username": "vera", "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many sign-in attempts" in response.text
    assert "_auth_user_id" not in client.session


def test_sign_out_needs_a_post_and_ends_the_session(viewer_client: Client) -> None:
    response = viewer_client.post(reverse("logout"))
    assert response.status_code == 302
    assert viewer_client.get(reverse("handler_list")).status_code == 302


def test_a_member_changes_their_own_password(viewer: User, viewer_client: Client) -> None:
    response = viewer_client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": "an-even-longer-one-77", "new_password2": "an-even-longer-one-77"},
    )
    assert response.status_code == 302
    viewer.refresh_from_db()
    assert viewer.check_password("an-even-longer-one-77")


def test_csrf_is_enforced_on_posts(viewer: User) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(viewer)
    assert client.post(reverse("logout")).status_code == 403


def test_the_csrf_token_rides_on_the_body_for_htmx(viewer_client: Client) -> None:
    page = viewer_client.get(reverse("handler_list")).text
    assert "hx-headers='{\"X-CSRFToken\": \"" in page


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
    monkeypatch.setattr("handlers_admin.management.commands.create_member.Command.stdin_is_interactive", lambda self: False)
    with pytest.raises(CommandError, match="MEMBER_PASSWORD"):
        call_command("create_member", "bob", "--role", "viewer")


@pytest.mark.django_db
def test_healthz_reports_the_database_without_secrets(client: Client) -> None:
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
    assert settings.API_KEY not in response.text


def test_check_deploy_is_clean_with_production_defaults() -> None:
    env = {
        "PATH": os.environ["PATH"],
        "READ_DOT_ENV": "false",
        "SECRET_KEY": "x7!kP2#vQ9@mL4$wR8^tY1&uI6*oA3(sD5)fG0_hJ-zX+cV=bN~",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR, env=env, capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.django_db
def test_roles_come_with_their_permissions_and_heal_when_deleted() -> None:
    from django.contrib.auth.models import Group

    from handlers_admin.roles import CHANGE, DELETE, VIEW, assign_role

    assert set(Group.objects.values_list("name", flat=True)) >= {"viewer", "editor", "admin"}
    Group.objects.filter(name="editor").delete()
    user = User.objects.create_user("carl", password=PASSWORD)
    assign_role(user, Role.EDITOR)
    user = User.objects.get(pk=user.pk)
    assert user.has_perm(VIEW) and user.has_perm(CHANGE) and not user.has_perm(DELETE)


def test_a_refused_action_gets_a_page_in_plain_words(viewer_client: Client) -> None:
    response = viewer_client.get("/handlers/new/")
    assert response.status_code == 403 and "Your role does not allow this" in response.text


def test_an_expired_form_says_what_to_do(viewer: User) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(viewer)
    response = client.post("/accounts/logout/")
    assert response.status_code == 403 and "This form had expired" in response.text


def test_flash_messages_reach_the_page_after_htmx_requests(viewer_client: Client, rf) -> None:
    from django.contrib import messages
    from django.contrib.messages.storage.fallback import FallbackStorage
    from django.contrib.sessions.backends.cache import SessionStore
    from django.http import HttpResponse
    from django_htmx.middleware import HtmxDetails

    from handlers_admin.middleware import HtmxMessagesMiddleware

    def view(request):
        messages.success(request, "Saved “x”.")
        return HttpResponse("<p>partial</p>")

    request = rf.get("/", headers={"HX-Request": "true"})
    request.session = SessionStore()
    request.htmx = HtmxDetails(request)
    request._messages = FallbackStorage(request)
    body = HtmxMessagesMiddleware(view)(request).content.decode()
    assert body.startswith("<p>partial</p>") and 'hx-swap-oob="true"' in body and "Saved “x”." in body


@pytest.mark.parametrize(("role", "allowed"), [
    (Role.VIEWER, set()),
    (Role.EDITOR, {"create", "toggle"}),
    (Role.ADMIN, {"create", "toggle", "delete", "members"}),
])
def test_each_role_may_do_what_it_should_and_is_refused_the_rest(db, role: Role, allowed: set[str]) -> None:
    import responses

    from tests.api import handler_json, one_url
    from tests.conftest import make_member, signed_in

    client = signed_in(make_member("someone", role))
    with responses.RequestsMock(assert_all_requests_are_fired=False) as api:
        api.get(one_url(1), json={"data": handler_json()})
        api.post(one_url(1), json={"data": {"id": 1}})
        statuses = {
            "create": client.get(reverse("handler_create")).status_code,
            "toggle": client.post(reverse("handler_toggle", args=[1]), {"name": "x", "was": "1"}, headers={"HX-Request": "true"}).status_code,
            "delete": client.get(reverse("handler_delete", args=[1])).status_code,
            "members": client.get("/admin/auth/user/").status_code,
        }
    # Refused: 403 from the panel; Django's admin sends members who are not staff to its own sign-in.
    assert statuses == {action: 200 if action in allowed else (302 if action == "members" else 403) for action in statuses}
