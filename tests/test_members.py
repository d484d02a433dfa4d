import re

import pytest
from django.contrib.auth.models import User
from django.test import Client

from handlers_admin.models import AuditEntry
from handlers_admin.roles import Role, role_of


def test_admins_see_every_member_with_role_last_sign_in_and_access(admin_client: Client, viewer: User) -> None:
    page = admin_client.get("/members/").text
    assert "vera" in page and "ada" in page and "(you)" in page
    assert re.search(r'<option value="viewer" selected>', page)


@pytest.mark.parametrize("who", ["viewer_client", "editor_client"])
def test_only_admins_manage_members(request, who: str, viewer: User) -> None:
    client = request.getfixturevalue(who)
    assert client.get("/members/").status_code == 403
    assert client.post("/members/", {"username": "x", "role": "admin"}).status_code == 403
    assert client.post(f"/members/{viewer.pk}/role/", {"role": "admin"}).status_code == 403
    assert client.post(f"/members/{viewer.pk}/access/", {"allowed": "0"}).status_code == 403
    assert not User.objects.filter(username="x").exists()


def test_a_new_member_gets_a_one_time_password_that_signs_them_in(admin_client: Client, client: Client) -> None:
    response = admin_client.post("/members/", {"username": "newbie", "role": "editor"})
    assert response.status_code == 200 and "no-cache" in response["Cache-Control"]
    password = re.search(r'<code class="secret">([^<]+)</code>', response.text)[1]
    assert role_of(User.objects.get(username="newbie")) == Role.EDITOR
    assert client.post("/accounts/login/", {"username": "newbie", "password": password}).status_code == 302
    assert password not in admin_client.get("/members/").text
    entry = AuditEntry.objects.get(action="member_added")
    assert entry.handler_name == "newbie" and password not in str(entry.changes) + entry.message


def test_a_taken_username_is_refused_and_kept(admin_client: Client, viewer: User) -> None:
    response = admin_client.post("/members/", {"username": "VERA", "role": "viewer"})
    assert "There is already a member called “VERA”." in response.text and 'value="VERA"' in response.text


def test_roles_change_and_are_audited(admin_client: Client, viewer: User) -> None:
    admin_client.post(f"/members/{viewer.pk}/role/", {"role": "editor"})
    assert role_of(User.objects.get(pk=viewer.pk)) == Role.EDITOR
    entry = AuditEntry.objects.get(action="member_changed")
    assert entry.changes == [{"field": "role", "before": "viewer", "after": "editor"}]
    assert "Role: Viewer → Editor" in admin_client.get("/audit/").text


def test_a_member_stopped_from_signing_in_cannot_and_can_again_once_let(
    admin_client: Client, viewer: User, client: Client
) -> None:
    from tests.helpers import PASSWORD

    admin_client.post(f"/members/{viewer.pk}/access/", {"allowed": "0"})
    assert client.post("/accounts/login/", {"username": "vera", "password": PASSWORD}).status_code == 200
    admin_client.post(f"/members/{viewer.pk}/access/", {"allowed": "1"})
    assert client.post("/accounts/login/", {"username": "vera", "password": PASSWORD}).status_code == 302
    assert [e.action for e in AuditEntry.objects.filter(action__startswith="member_").order_by("id")] == [
        "member_disabled",
        "member_enabled",
    ]


def test_admins_cannot_lock_themselves_out(admin_client: Client, admin_member: User) -> None:
    response = admin_client.post(f"/members/{admin_member.pk}/access/", {"allowed": "0"}, follow=True)
    assert "You cannot stop yourself from signing in" in response.text
    response = admin_client.post(f"/members/{admin_member.pk}/role/", {"role": "viewer"}, follow=True)
    assert "You cannot change your own role" in response.text
    admin_member.refresh_from_db()
    assert admin_member.is_active and role_of(admin_member) == Role.ADMIN
