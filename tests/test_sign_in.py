from django.conf import settings
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from handlers_admin.models import AuditEntry, MemberSettings
from tests.helpers import PASSWORD

WRONG = "The username and/or password you specified are not correct."
PAUSED = "Too many failed login attempts. Try again later."
STOPPED = "Your access to this panel was stopped: ask an admin."
PASSWORDS_OFF = "Passwords are turned off for this panel"


def sign_in(client: Client, username: str, password: str, **extra: str):
    return client.post(reverse("account_login"), {"login": username, "password": password}, **extra)


def test_a_member_signs_in_and_lands_on_the_handlers(viewer: User, client: Client) -> None:
    response = sign_in(client, "vera", PASSWORD)
    assert response.status_code == 302 and response["Location"] == reverse("handler_list")
    page = client.get(reverse("handler_list"))
    assert "vera" in page.text and "Viewer" in page.text


def test_a_sign_in_is_audited_with_its_method(viewer: User, client: Client) -> None:
    sign_in(client, "vera", PASSWORD)
    entry = AuditEntry.objects.get(action=AuditEntry.Action.SIGN_IN)
    assert entry.actor == viewer and entry.details == {"method": "password"}


def test_a_wrong_password_is_refused_with_a_message_and_keeps_the_name(viewer: User, client: Client) -> None:
    response = sign_in(client, "vera", "nope")
    assert response.status_code == 200
    assert WRONG in response.text
    assert 'value="vera"' in response.text
    assert "_auth_user_id" not in client.session


def test_repeated_failed_sign_ins_pause_signing_in_from_that_address(viewer: User, client: Client) -> None:
    for _ in range(settings.SIGN_IN_FAILURE_LIMIT):
        sign_in(client, "vera", "nope")
    response = sign_in(client, "vera", PASSWORD)
    assert PAUSED in response.text
    assert "_auth_user_id" not in client.session
    # Another address is not paused.
    assert sign_in(Client(), "vera", PASSWORD, REMOTE_ADDR="192.0.2.9").status_code == 302


def test_one_address_trying_many_usernames_is_paused(viewer: User, client: Client) -> None:
    for number in range(settings.SIGN_IN_FAILURE_LIMIT):
        sign_in(client, f"guess{number}", "nope")
    assert PAUSED in sign_in(client, "vera", PASSWORD).text


def test_a_forwarded_address_is_believed_only_behind_a_proxy(viewer: User, settings) -> None:
    forwarded = {"HTTP_X_FORWARDED_FOR": "6.6.6.6, 203.0.113.7"}
    # Not behind a proxy (the default): the header is the client's own words, and every attempt is the connection's.
    for _ in range(settings.SIGN_IN_FAILURE_LIMIT):
        sign_in(Client(), "vera", "nope", **forwarded)
    assert PAUSED in sign_in(Client(), "vera", PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.1").text


def test_behind_a_proxy_the_address_it_appended_is_the_clients(viewer: User, settings) -> None:
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    for _ in range(settings.SIGN_IN_FAILURE_LIMIT):
        sign_in(Client(), "vera", "nope", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7")
    assert PAUSED in sign_in(Client(), "vera", PASSWORD, HTTP_X_FORWARDED_FOR="1.1.1.1, 203.0.113.7").text
    # What the client itself wrote first is not its address: another client is not paused.
    assert sign_in(Client(), "vera", PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.7, 198.51.100.1").status_code == 302


def test_sign_out_needs_a_post_and_ends_the_session(viewer: User, client: Client) -> None:
    sign_in(client, "vera", PASSWORD)
    response = client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert client.get(reverse("handler_list")).status_code == 302
    assert AuditEntry.objects.filter(action=AuditEntry.Action.SIGN_OUT, actor=viewer).count() == 1


def test_a_member_changes_their_own_password_and_stays_signed_in(viewer: User, client: Client) -> None:
    sign_in(client, "vera", PASSWORD)
    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": "an-even-longer-one-77", "password2": "an-even-longer-one-77"},
    )
    assert response.status_code == 302
    viewer.refresh_from_db()
    assert viewer.check_password("an-even-longer-one-77")
    assert client.get(reverse("handler_list")).status_code == 200


def stop(user: User) -> None:
    user.is_active = False
    user.save(update_fields=["is_active"])


def test_a_stopped_member_with_the_right_password_is_told_so_and_not_signed_in(viewer: User, client: Client) -> None:
    stop(viewer)
    response = sign_in(client, "vera", PASSWORD)
    assert response.status_code == 302 and response["Location"] == reverse("account_inactive")
    page = client.get(response["Location"])
    assert STOPPED in page.text and WRONG not in page.text
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("audit")).status_code == 302


def test_a_wrong_password_of_a_stopped_member_says_nothing_of_the_account(viewer: User, client: Client) -> None:
    stop(viewer)
    stopped = sign_in(client, "vera", "nope")
    unknown = sign_in(client, "nobody", "nope")
    for response in (stopped, unknown):
        assert response.status_code == 200 and WRONG in response.text and STOPPED not in response.text


def test_a_stopped_members_attempt_is_a_failed_sign_in(viewer: User, client: Client) -> None:
    stop(viewer)
    sign_in(client, "vera", PASSWORD)
    assert AuditEntry.objects.filter(action="sign_in_failed", actor_name="vera").count() == 1
    assert not AuditEntry.objects.filter(action="sign_in").exists()


def test_a_member_stopped_while_signed_in_is_signed_out(viewer: User, viewer_client: Client) -> None:
    assert viewer_client.get(reverse("audit")).status_code == 200
    stop(viewer)
    assert viewer_client.get(reverse("audit")).status_code == 302


def test_a_stopped_staff_member_cannot_sign_in_to_djangos_admin_either(admin_member: User, client: Client) -> None:
    admin_member.is_staff = True
    admin_member.save()
    stop(admin_member)
    client.post("/admin/login/", {"username": "ada", "password": PASSWORD, "next": "/admin/"})
    assert "_auth_user_id" not in client.session


def test_djangos_admin_signs_in_through_the_panels_sign_in(admin_member: User, client: Client) -> None:
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))


def test_nobody_signs_up(db, client: Client) -> None:
    response = client.post("/accounts/signup/", {"username": "intruder", "password1": "a-long-password-42"})
    assert response.status_code == 404
    assert not User.objects.filter(username="intruder").exists()
    assert "/accounts/signup/" not in client.get(reverse("account_login")).text


def test_with_passwords_off_only_a_break_glass_admin_signs_in_with_one(
    viewer: User, client: Client, settings, monkeypatch
) -> None:
    settings.OIDC_ONLY = True
    response = sign_in(client, "vera", PASSWORD)
    assert response.status_code == 200 and PASSWORDS_OFF in response.text
    assert "_auth_user_id" not in client.session
    assert AuditEntry.objects.filter(action="sign_in_failed", actor_name="vera").exists()

    monkeypatch.setenv("MEMBER_PASSWORD", "break-glass-password-2026")
    call_command("create_member", "glass", role="admin")
    assert MemberSettings.objects.get(user__username="glass").break_glass
    assert sign_in(Client(), "glass", "break-glass-password-2026").status_code == 302


def test_with_passwords_off_a_member_cannot_change_theirs(viewer: User, viewer_client: Client, settings) -> None:
    settings.OIDC_ONLY = True
    page = viewer_client.get(reverse("my_account")).text
    assert reverse("account_change_password") not in page


def test_djangos_admin_shows_no_factor_session_or_connected_account(admin_member: User, client: Client) -> None:
    from allauth.mfa.models import Authenticator
    from allauth.socialaccount.models import SocialAccount
    from allauth.usersessions.models import UserSession
    from django.contrib import admin

    assert not any(admin.site.is_registered(model) for model in (Authenticator, UserSession, SocialAccount))
