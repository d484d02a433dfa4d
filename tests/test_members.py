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


def posted_unchanged(page: str, member: User) -> dict[str, str]:
    """What a browser posts for a member's role form left as shown: the selected option, or the first when none is."""
    select = re.search(rf'<select name="role" id="role-{member.pk}">(.*?)</select>', page, re.S)[1]
    options = re.findall(r'<option value="([^"]*)"( selected)?', select)
    return {"role": next((value for value, selected in options if selected), options[0][0])}


def test_a_stopped_editor_is_listed_as_an_editor_and_stays_one_when_their_row_is_posted(
    admin_client: Client, editor: User
) -> None:
    admin_client.post(f"/members/{editor.pk}/access/", {"allowed": "0"})
    page = admin_client.get("/members/").text
    select = re.search(rf'<select name="role" id="role-{editor.pk}">(.*?)</select>', page, re.S)[1]
    assert re.findall(r'<option value="(\w+)" selected>', select) == ["editor"]
    admin_client.post(f"/members/{editor.pk}/role/", posted_unchanged(page, editor))
    editor = User.objects.get(pk=editor.pk)
    assert not editor.is_active and list(editor.groups.values_list("name", flat=True)) == ["editor"]
    assert role_of(editor) == Role.EDITOR
    entry = AuditEntry.objects.get(action="member_changed")
    assert entry.changes == [{"field": "role", "before": "editor", "after": "editor"}]


@pytest.mark.parametrize("role", list(Role))
def test_a_stopped_member_keeps_their_role(db, role: Role) -> None:
    from tests.helpers import make_member

    member = make_member("someone", role)
    member.is_active = False
    member.save(update_fields=["is_active"])
    assert role_of(User.objects.get(pk=member.pk)) == role


def test_a_stopped_superuser_is_an_admin(db) -> None:
    user = User.objects.create_superuser("root", password="a-long-test-password-42", is_active=False)
    assert role_of(User.objects.get(pk=user.pk)) == Role.ADMIN


def test_a_member_without_a_role_shows_none_rather_than_the_first(admin_client: Client) -> None:
    bare = User.objects.create_user("bare", password="a-long-test-password-42")
    page = admin_client.get("/members/").text
    assert posted_unchanged(page, bare) == {"role": ""}
    admin_client.post(f"/members/{bare.pk}/role/", posted_unchanged(page, bare))
    assert role_of(User.objects.get(pk=bare.pk)) is None
