import json
import logging
import re
from collections.abc import Iterator

import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client

from handlers_admin import members
from handlers_admin.models import AuditEntry, ChannelDetails
from handlers_admin.roles import Role, role_of
from tests.api import HTMX, handler_json
from tests.helpers import PASSWORD, make_member, signed_in


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
    assert client.post(f"/members/{viewer.pk}/password/").status_code == 403
    assert client.get(f"/members/{viewer.pk}/remove/").status_code == 403
    assert client.post(f"/members/{viewer.pk}/remove/").status_code == 403
    assert not User.objects.filter(username="x").exists()
    viewer = User.objects.get(pk=viewer.pk)
    assert viewer.check_password(PASSWORD)
    assert not AuditEntry.objects.filter(action__startswith="member_").exists()


def test_a_new_member_gets_a_one_time_password_that_signs_them_in(admin_client: Client, client: Client) -> None:
    response = admin_client.post("/members/", {"username": "newbie", "role": "editor"})
    assert response.status_code == 200 and "no-cache" in response["Cache-Control"]
    password = re.search(r'<code class="secret">([^<]+)</code>', response.text)[1]
    assert role_of(User.objects.get(username="newbie")) == Role.EDITOR
    assert client.post("/accounts/login/", {"login": "newbie", "password": password}).status_code == 302
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
    admin_client.post(f"/members/{viewer.pk}/access/", {"allowed": "0"})
    assert client.post("/accounts/login/", {"login": "vera", "password": PASSWORD})["Location"] == "/accounts/inactive/"
    assert "_auth_user_id" not in client.session
    admin_client.post(f"/members/{viewer.pk}/access/", {"allowed": "1"})
    assert client.post("/accounts/login/", {"login": "vera", "password": PASSWORD}).status_code == 302
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
    # The same role posted again is no change, and none is recorded.
    assert not AuditEntry.objects.filter(action="member_changed").exists()


@pytest.mark.parametrize("role", list(Role))
def test_a_stopped_member_keeps_their_role(db, role: Role) -> None:
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


@pytest.fixture
def every_log_line() -> Iterator[list[logging.LogRecord]]:
    """Every record any logger emits during the test, at every level, the ones that do not reach the root too."""

    class Kept(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    records: list[logging.LogRecord] = []
    handler = Kept(level=logging.DEBUG)
    loggers = [logging.getLogger(name) for name in ("", "django", "django.server", "django.template")]
    levels = [found.level for found in loggers]
    for found in loggers:
        found.addHandler(handler)
        found.setLevel(logging.DEBUG)
    yield records
    for found, level in zip(loggers, levels, strict=True):
        found.removeHandler(handler)
        found.setLevel(level)


def one_time_password(page: str) -> str:
    shown = re.findall(r'<code class="secret">([^<]+)</code>', page)
    assert len(shown) == 1
    return shown[0]


def signs_in(username: str, password: str) -> bool:
    return Client().post("/accounts/login/", {"login": username, "password": password}).status_code == 302


def test_a_reset_password_replaces_the_old_one_is_shown_once_and_kept_nowhere(
    admin_client: Client, viewer: User, every_log_line: list[logging.LogRecord]
) -> None:
    response = admin_client.post(f"/members/{viewer.pk}/password/")
    assert response.status_code == 200 and "no-cache" in response["Cache-Control"]
    password = one_time_password(response.text)
    assert response.text.count(password) == 1
    assert "The password of vera was reset." in response.text
    assert signs_in("vera", password) and not signs_in("vera", PASSWORD)

    entry = AuditEntry.objects.get(action=AuditEntry.Action.MEMBER_PASSWORD_RESET)
    assert (entry.actor_name, entry.handler_name, entry.outcome) == ("ada", "vera", "done")
    assert password not in json.dumps([entry.changes, entry.details, entry.message])
    assert "Reset a member&#x27;s password" in admin_client.get("/audit/").text
    assert password not in admin_client.get("/members/").text + admin_client.get("/audit/").text
    assert every_log_line, "the capture saw nothing: it proves nothing"
    for record in every_log_line:
        assert password not in record.getMessage() + repr(record.__dict__), record.name


def test_a_reset_signs_the_member_out_of_their_other_sessions(
    admin_client: Client, viewer: User, viewer_client: Client
) -> None:
    assert viewer_client.get("/audit/").status_code == 200
    admin_client.post(f"/members/{viewer.pk}/password/")
    response = viewer_client.get("/audit/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_admins_reset_their_own_password_elsewhere_and_stay_signed_in(admin_client: Client, admin_member: User) -> None:
    response = admin_client.post(f"/members/{admin_member.pk}/password/", follow=True)
    assert "You cannot reset your own password here: change it under “Your account”." in response.text
    assert '<code class="secret">' not in response.text
    assert User.objects.get(pk=admin_member.pk).check_password(PASSWORD)
    assert admin_client.get("/members/").status_code == 200
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.MEMBER_PASSWORD_RESET).exists()


def test_every_other_member_has_a_reset_and_a_remove_button_named_after_them(
    admin_client: Client, viewer: User
) -> None:
    page = admin_client.get("/members/").text
    assert 'Reset the password<span class="sr-only"> of vera</span>' in page
    assert 'Remove<span class="sr-only"> vera</span>' in page
    assert "of ada</span>" not in page and 'Remove<span class="sr-only"> ada</span>' not in page


@pytest.fixture
def owned(mirrored, viewer: User) -> list[int]:
    """Two channels vera owns, and one nobody does."""
    mirrored(
        handler_json(id=7, name="Ops pager"),
        handler_json(id=8, name="Billing alerts"),
        handler_json(id=9, name="Nobody's"),
    )
    for channel_id in (7, 8):
        ChannelDetails.objects.create(channel_id=channel_id, owner=viewer)
    ChannelDetails.objects.create(channel_id=9)
    return [7, 8]


def test_the_confirmation_lists_the_channels_the_member_owns(admin_client: Client, viewer: User, owned) -> None:
    page = admin_client.get(f"/members/{viewer.pk}/remove/").text
    assert "They own these 2 channels, which will be left without an owner:" in page
    links = re.findall(r'<li><a href="/handlers/(\d+)/">([^<]+)</a></li>', page)
    assert links == [("8", "Billing alerts"), ("7", "Ops pager")]
    assert "Nobody" not in page
    assert f'action="/members/{viewer.pk}/remove/"' in page and "Remove vera</button>" in page
    assert User.objects.filter(pk=viewer.pk).exists()


def test_the_confirmation_as_a_dialog_is_only_the_dialog(admin_client: Client, editor: User) -> None:
    page = admin_client.get(f"/members/{editor.pk}/remove/", headers=HTMX).text
    assert page.lstrip().startswith("<dialog") and "They own no channels." in page


def test_a_removed_member_is_gone_and_the_trail_keeps_their_name(
    admin_client: Client, viewer: User, viewer_client: Client, owned
) -> None:
    # The sign-in of vera's session was recorded with her account.
    assert AuditEntry.objects.get(action=AuditEntry.Action.SIGN_IN, actor_name="vera").actor == viewer
    response = admin_client.post(f"/members/{viewer.pk}/remove/", follow=True)
    assert "vera was removed. 2 channels are left without an owner." in response.text
    assert not User.objects.filter(username="vera").exists()
    assert viewer_client.get("/audit/").status_code == 302

    signed_in = AuditEntry.objects.get(action=AuditEntry.Action.SIGN_IN, actor_name="vera")
    assert signed_in.actor is None
    removed = AuditEntry.objects.get(action=AuditEntry.Action.MEMBER_REMOVED)
    assert (removed.actor_name, removed.handler_name) == ("ada", "vera")
    assert removed.changes == [{"field": "role", "before": "viewer", "after": None}]
    trail = admin_client.get("/audit/").text
    assert re.search(r'<td class="actor" data-label="Member">vera</td>', trail)
    assert "Removed a member" in trail and "Role: Viewer → —" in trail
    assert list(ChannelDetails.objects.order_by("pk").values_list("pk", "owner")) == [(7, None), (8, None), (9, None)]


def test_a_removal_from_the_dialog_moves_the_whole_page_on(admin_client: Client, editor: User) -> None:
    response = admin_client.post(f"/members/{editor.pk}/remove/", headers=HTMX)
    assert response["HX-Redirect"] == "/members/"
    assert not User.objects.filter(pk=editor.pk).exists()


def test_admins_cannot_remove_themselves(admin_client: Client, admin_member: User) -> None:
    assert "You cannot remove yourself" in admin_client.get(f"/members/{admin_member.pk}/remove/").text
    response = admin_client.post(f"/members/{admin_member.pk}/remove/", follow=True)
    assert "You cannot remove yourself: ask another admin." in response.text
    assert User.objects.filter(pk=admin_member.pk).exists()
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.MEMBER_REMOVED).exists()


@pytest.fixture
def keeper(db) -> Client:
    """A member who manages accounts without being an admin, as Django's admin site can make one: the only way
    to reach the last admin, as admins cannot remove themselves."""
    user = User.objects.create_user("keeper", password=PASSWORD)
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="auth", codename__in=["change_user", "delete_user"])
    )
    return signed_in(user)


def test_the_only_admin_cannot_be_removed(keeper: Client, admin_member: User) -> None:
    confirmation = keeper.get(f"/members/{admin_member.pk}/remove/").text
    assert "ada cannot be removed: no other admin could sign in." in confirmation
    assert "Remove ada</button>" not in confirmation
    response = keeper.post(f"/members/{admin_member.pk}/remove/", follow=True)
    assert "ada cannot be removed: no other admin could sign in." in response.text
    assert User.objects.filter(pk=admin_member.pk).exists()


def test_nor_an_admin_whose_only_fellow_admin_cannot_sign_in(keeper: Client, admin_member: User) -> None:
    stopped = make_member("bob", Role.ADMIN)
    members.allow_sign_in(admin_member, stopped, allowed=False)
    keeper.post(f"/members/{admin_member.pk}/remove/")
    assert User.objects.filter(pk=admin_member.pk).exists()
    # The stopped admin can go: ada, who can sign in, stays an admin.
    keeper.post(f"/members/{stopped.pk}/remove/")
    assert not User.objects.filter(pk=stopped.pk).exists()
    assert [e.handler_name for e in AuditEntry.objects.filter(action=AuditEntry.Action.MEMBER_REMOVED)] == ["bob"]


def test_an_admin_can_go_while_another_can_sign_in(keeper: Client, admin_member: User) -> None:
    make_member("bob", Role.ADMIN)
    keeper.post(f"/members/{admin_member.pk}/remove/")
    assert not User.objects.filter(pk=admin_member.pk).exists()
    assert AuditEntry.objects.get(action=AuditEntry.Action.MEMBER_REMOVED).changes == [
        {"field": "role", "before": "admin", "after": None}
    ]


def test_a_member_already_removed_is_not_removed_twice(admin_member: User, viewer: User) -> None:
    stale = User.objects.get(pk=viewer.pk)
    members.remove(admin_member, viewer)
    with pytest.raises(members.MemberChangeRefused, match="vera was already removed"):
        members.remove(admin_member, stale)
    assert AuditEntry.objects.filter(action=AuditEntry.Action.MEMBER_REMOVED).count() == 1
