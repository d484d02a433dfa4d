from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from tests.helpers import PASSWORD


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


def test_one_address_trying_many_usernames_is_throttled(db, client: Client) -> None:
    for number in range(12):
        response = client.post(reverse("login"), {"username": f"guess{number}", "password": "nope"})
    assert response.status_code == 429


def test_a_forwarded_address_is_believed_only_behind_a_proxy(db, settings) -> None:
    from django.test import RequestFactory

    from handlers_admin.client_address import client_address

    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7")
    settings.BEHIND_PROXY = False
    assert client_address(request) == "10.0.0.2"
    settings.BEHIND_PROXY = True
    assert client_address(request) == "203.0.113.7"


STOPPED = "Your access to this panel was stopped: ask an admin."


def stop(user: User) -> None:
    user.is_active = False
    user.save(update_fields=["is_active"])


def test_a_stopped_member_with_the_right_password_is_told_so_and_not_signed_in(viewer: User, client: Client) -> None:
    stop(viewer)
    response = client.post(reverse("login"), {"username": "vera", "password": PASSWORD})
    assert response.status_code == 200 and STOPPED in response.text
    assert "Please enter a correct username and password" not in response.text
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("audit")).status_code == 302


def test_a_wrong_password_of_a_stopped_member_says_nothing_of_the_account(viewer: User, client: Client) -> None:
    stop(viewer)
    stopped = client.post(reverse("login"), {"username": "vera", "password": "nope"}).text
    unknown = client.post(reverse("login"), {"username": "nobody", "password": "nope"}).text
    for page in (stopped, unknown):
        assert "Please enter a correct username and password" in page and STOPPED not in page


def test_a_stopped_members_attempt_is_a_failed_sign_in_and_counts_towards_the_pause(
    viewer: User, client: Client
) -> None:
    from handlers_admin.models import AuditEntry

    stop(viewer)
    client.post(reverse("login"), {"username": "vera", "password": PASSWORD})
    assert AuditEntry.objects.filter(action="sign_in_failed", actor_name="vera").count() == 1
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = client.post(reverse("login"), {"username": "vera", "password": PASSWORD})
    assert response.status_code == 429


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
