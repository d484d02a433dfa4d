"""Second factors on the members page (which each member has, an admin's reset), a stopped member signed out
everywhere, and how the audit trail puts sign-ins and factor changes into words."""

import re
import time

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from allauth.socialaccount.models import SocialAccount
from allauth.usersessions.models import UserSession
from django.contrib.auth.models import Permission, User
from django.test import Client
from django.urls import reverse
from playwright.sync_api import expect

from handlers_admin import audit, members, second_factors
from handlers_admin.audit import SignInMethod
from handlers_admin.models import AuditEntry, MemberSettings
from handlers_admin.roles import Role
from tests.api import HTMX
from tests.helpers import PASSWORD, make_member, signed_in

Action = AuditEntry.Action
OWN = "You cannot reset your own second factors here: manage them on your own page."


def add_app(user: User) -> str:
    """Gives the member an authenticator app, as allauth keeps it; returns its secret, to make codes with."""
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


def code_now(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def add_codes(user: User, *, used: int = 0) -> list[str]:
    """Gives the member recovery codes, `used` of them used up as a sign-in would; returns those left."""
    codes = RecoveryCodes.activate(user)
    for code in codes.get_unused_codes()[:used]:
        assert codes.validate_code(code)
    return codes.get_unused_codes()


def add_key(user: User, name: str) -> None:
    """A passkey or security key as allauth keeps one; only its name and its existence matter to these pages."""
    Authenticator.objects.create(user=user, type=Authenticator.Type.WEBAUTHN, data={"name": name, "credential": {}})


def sign_in(client: Client, username: str, password: str = PASSWORD, *, code: str = "") -> None:
    """Signs in through allauth's own forms, as a browser would: the password, then the second factor's code when
    it asks for one. allauth then records the session as one of the member's (usersessions)."""
    response = client.post(reverse("account_login"), {"login": username, "password": password})
    assert response.status_code == 302, response.text
    if response["Location"] == reverse("mfa_authenticate"):
        assert code, "a second factor was asked for"
        response = client.post(reverse("mfa_authenticate"), {"code": code})
        assert response.status_code == 302 and response["Location"] != reverse("mfa_authenticate"), response.text
    assert "_auth_user_id" in client.session


def is_signed_in(client: Client) -> bool:
    response = client.get(reverse("my_account"))
    return response.status_code == 200


def row_of(page: str, username: str) -> str:
    """A member's row of the members page."""
    rows = re.findall(r"<tr>\s*<td class=\"name\">(.*?)</tr>", page, re.S)
    found = [row for row in rows if re.match(rf"\s*{re.escape(username)}\b", row)]
    assert len(found) == 1, (username, rows)
    return found[0]


def factors_cell(page: str, username: str) -> str:
    cell = re.search(r'<td class="factors"[^>]*>(.*?)</td>', row_of(page, username), re.S)
    assert cell
    return re.sub(r"\s+", " ", cell[1]).strip()


def test_the_members_page_says_which_second_factors_each_member_has(
    admin_client: Client, viewer: User, editor: User
) -> None:
    add_app(viewer)
    add_key(viewer, "Work laptop")
    add_key(viewer, "YubiKey")
    add_codes(viewer, used=2)
    add_key(editor, "Phone")
    page = admin_client.get(reverse("member_list")).text
    assert '<th scope="col">Second factors</th>' in page
    assert factors_cell(page, "vera").startswith(
        "Authenticator app, 2 passkeys or security keys, 8 recovery codes left"
    )
    assert factors_cell(page, "eddie").startswith("1 passkey or security key")
    assert factors_cell(page, "ada").startswith("None")
    # The button says whose factors it resets to those who hear it; no secret of a factor is on the page.
    assert 'Reset second factors<span class="sr-only"> of vera</span>' in page
    assert 'Reset second factors<span class="sr-only"> of eddie</span>' in page
    assert "Work laptop" not in page and "seed" not in page


def test_a_member_with_no_factor_has_nothing_to_reset_and_an_admin_manages_their_own_on_their_page(
    admin_client: Client, admin_member: User, viewer: User
) -> None:
    add_app(admin_member)
    page = admin_client.get(reverse("member_list")).text
    assert factors_cell(page, "vera") == "None"
    own = factors_cell(page, "ada")
    assert own.startswith("Authenticator app") and "Reset second factors" not in own
    assert f'href="{reverse("my_account")}"' in own


def test_recovery_codes_brought_from_elsewhere_count_as_those_left(db) -> None:
    member = make_member("mia", Role.VIEWER)
    Authenticator.objects.create(
        user=member, type=Authenticator.Type.RECOVERY_CODES, data={"migrated_codes": ["x1", "x2", "x3"]}
    )
    factors = second_factors.factors_of([member.pk])[member.pk]
    assert factors == second_factors.Factors(recovery_codes=3) and factors.any
    assert str(factors) == "3 recovery codes left"
    assert str(second_factors.Factors()) == "None" and not second_factors.Factors().any


def test_the_reset_asks_first_saying_what_goes(admin_client: Client, viewer: User) -> None:
    add_app(viewer)
    add_codes(viewer)
    response = admin_client.post(reverse("member_factors", args=[viewer.pk]))
    assert response.status_code == 200 and "<dialog open" in response.text
    assert "Reset the second factors of vera?" in response.text
    assert "<strong>Authenticator app, 10 recovery codes left</strong>" in response.text
    assert 'name="confirmed" value="1"' in response.text
    # Asking changes nothing.
    assert Authenticator.objects.filter(user=viewer).count() == 2
    assert not AuditEntry.objects.filter(action=Action.FACTORS_RESET).exists()


def test_from_the_page_the_question_opens_as_a_dialog_and_the_reset_moves_the_whole_page(
    admin_client: Client, viewer: User
) -> None:
    add_app(viewer)
    asked = admin_client.post(reverse("member_factors", args=[viewer.pk]), headers=HTMX)
    assert asked.text.lstrip().startswith("<dialog") and "<html" not in asked.text
    done = admin_client.post(reverse("member_factors", args=[viewer.pk]), {"confirmed": "1"}, headers=HTMX)
    assert done["HX-Redirect"] == reverse("member_list")
    assert not Authenticator.objects.filter(user=viewer).exists()


def test_an_admin_resets_a_members_factors_which_signs_them_out_everywhere_and_is_audited(
    admin_client: Client, viewer: User
) -> None:
    secret = add_app(viewer)
    codes = add_codes(viewer)
    add_key(viewer, "Phone")
    phone, laptop = Client(), Client()
    sign_in(phone, "vera", code=code_now(secret))
    sign_in(laptop, "vera", code=codes[0])
    assert is_signed_in(phone) and is_signed_in(laptop)
    assert UserSession.objects.filter(user=viewer).count() == 2

    response = admin_client.post(reverse("member_factors", args=[viewer.pk]), {"confirmed": "1"}, follow=True)
    assert "The second factors of vera were removed, and they were signed out everywhere." in response.text
    assert not Authenticator.objects.filter(user=viewer).exists()
    assert not is_signed_in(phone) and not is_signed_in(laptop)
    assert not UserSession.objects.filter(user=viewer).exists()
    assert factors_cell(response.text, "vera").startswith("None")

    entry = AuditEntry.objects.get(action=Action.FACTORS_RESET)
    assert (entry.actor_name, entry.handler_name) == ("ada", "vera")
    assert entry.details == {"removed": "totp,webauthn,recovery_codes"}
    recorded = str(AuditEntry.objects.values_list("details", "changes", "message"))
    assert secret not in recorded and not any(code in recorded for code in codes)
    trail = admin_client.get(reverse("audit")).text
    assert "Reset a member&#x27;s second factors: authenticator app, 1 passkey or security key, recovery codes" in trail

    # With no factor left, the password alone signs them in again, and they can set up new ones.
    again = Client()
    assert again.post(reverse("account_login"), {"login": "vera", "password": PASSWORD})["Location"] == reverse(
        "handler_list"
    )


def test_admins_cannot_reset_their_own_factors_here(admin_client: Client, admin_member: User) -> None:
    add_app(admin_member)
    asked = admin_client.post(reverse("member_factors", args=[admin_member.pk]))
    assert OWN in asked.text and 'name="confirmed"' not in asked.text
    response = admin_client.post(reverse("member_factors", args=[admin_member.pk]), {"confirmed": "1"}, follow=True)
    assert OWN in response.text
    assert Authenticator.objects.filter(user=admin_member).exists()
    assert is_signed_in(admin_client)
    assert not AuditEntry.objects.filter(action=Action.FACTORS_RESET).exists()
    with pytest.raises(second_factors.ResetRefused, match="your own second factors"):
        second_factors.reset(admin_member, admin_member)


def test_a_member_with_no_factors_is_not_reset(admin_client: Client, viewer: User) -> None:
    client = Client()
    sign_in(client, "vera")
    response = admin_client.post(reverse("member_factors", args=[viewer.pk]), {"confirmed": "1"}, follow=True)
    assert "vera has no second factors to reset." in response.text
    assert is_signed_in(client)
    assert not AuditEntry.objects.filter(action=Action.FACTORS_RESET).exists()


@pytest.mark.parametrize("who", ["viewer_client", "editor_client"])
def test_only_admins_reset_second_factors(request, who: str, admin_member: User) -> None:
    add_app(admin_member)
    client = request.getfixturevalue(who)
    assert client.post(reverse("member_factors", args=[admin_member.pk])).status_code == 403
    assert client.post(reverse("member_factors", args=[admin_member.pk]), {"confirmed": "1"}).status_code == 403
    assert Authenticator.objects.filter(user=admin_member).exists()
    assert not AuditEntry.objects.filter(action=Action.FACTORS_RESET).exists()


def test_the_reset_takes_posts_only_with_their_csrf_token(admin_member: User, viewer: User) -> None:
    add_app(viewer)
    client = signed_in(admin_member, enforce_csrf_checks=True)
    url = reverse("member_factors", args=[viewer.pk])
    assert client.get(url).status_code == 405
    assert client.post(url, {"confirmed": "1"}).status_code == 403
    assert Authenticator.objects.filter(user=viewer).exists()
    page = client.get(reverse("member_list")).text
    token = re.search(
        rf'action="{url}" class="inline-form">\s*<input type="hidden" name="csrfmiddlewaretoken" '
        r'value="([^"]+)"',
        page,
    )
    assert token, "the members page's reset form carries its token"
    assert client.post(url, {"confirmed": "1", "csrfmiddlewaretoken": token[1]}).status_code == 302
    assert not Authenticator.objects.filter(user=viewer).exists()


def test_a_member_stopped_from_signing_in_is_signed_out_everywhere_at_once(admin_client: Client, viewer: User) -> None:
    phone, laptop = Client(), Client()
    sign_in(phone, "vera")
    sign_in(laptop, "vera")
    assert is_signed_in(phone) and is_signed_in(laptop)
    admin_client.post(reverse("member_access", args=[viewer.pk]), {"allowed": "0"})
    assert not UserSession.objects.filter(user=viewer).exists()
    assert not is_signed_in(phone) and not is_signed_in(laptop)
    # Their sessions were ended, not only refused while they are stopped: letting them in again does not bring
    # them back.
    admin_client.post(reverse("member_access", args=[viewer.pk]), {"allowed": "1"})
    assert not is_signed_in(phone) and not is_signed_in(laptop)
    assert "_auth_user_id" not in phone.session


def test_members_through_single_sign_on_are_said_so_and_their_role_follows_their_groups(
    admin_client: Client, viewer: User, editor: User, settings
) -> None:
    settings.OIDC_PROVIDER_NAME = "Acme SSO"
    SocialAccount.objects.create(user=viewer, provider=settings.OIDC_PROVIDER_ID, uid="vera-at-acme")
    page = admin_client.get(reverse("member_list")).text
    vera, eddie = row_of(page, "vera"), row_of(page, "eddie")
    assert "Signs in through Acme SSO" in vera and "Signs in through" not in eddie
    note = re.search(rf'<div class="help" id="role-note-{viewer.pk}">([^<]+)</div>', vera)
    assert note and note[1] == (
        "Their role follows their groups in Acme SSO at each sign-in: a change here lasts until they next sign in."
    )
    assert f'<select name="role" id="role-{viewer.pk}" aria-describedby="role-note-{viewer.pk}">' in vera
    assert "role-note" not in eddie


def test_with_passwords_off_new_members_sign_in_through_the_provider_and_only_break_glass_passwords_reset(
    admin_client: Client, viewer: User, editor: User, settings
) -> None:
    settings.OIDC_PROVIDER_NAME = "Acme SSO"
    page = admin_client.get(reverse("member_list")).text
    assert "Passwords are turned off" not in page
    assert 'Reset the password<span class="sr-only"> of vera' in page

    settings.OIDC_ONLY = True
    MemberSettings.objects.create(user=editor, break_glass=True)
    page = admin_client.get(reverse("member_list")).text
    assert (
        "Passwords are turned off for this panel: new members sign in through Acme SSO, and their groups there give "
        "them their role." in page
    )
    assert "Reset the password" not in row_of(page, "vera")
    assert 'Reset the password<span class="sr-only"> of eddie' in row_of(page, "eddie")
    assert "Break-glass account: may still sign in with a password" in row_of(page, "eddie")
    assert "Break-glass" not in row_of(page, "vera")
    assert "Nobody is added here." in page and "Add member" not in page
    refused = admin_client.post(reverse("member_list"), {"username": "newcomer", "role": "viewer"})
    assert "Passwords are turned off for this panel: members sign in through its provider." in refused.text
    assert not User.objects.filter(username="newcomer").exists()


def test_listing_members_takes_the_same_queries_however_many_there_are(db, django_assert_num_queries) -> None:
    def add(count: int) -> None:
        for number in range(count):
            member = make_member(f"member{User.objects.count()}", list(Role)[number % 3])
            add_app(member)
            add_key(member, "Key")
            add_codes(member)
            SocialAccount.objects.create(user=member, provider="sso", uid=member.username)
            MemberSettings.objects.create(user=member, break_glass=number % 2 == 0)
            if number == 0:
                member.user_permissions.add(Permission.objects.get(codename="view_auditentry"))
        stopped = User.objects.order_by("pk").last()
        assert stopped
        stopped.is_active = False
        stopped.save(update_fields=["is_active"])

    add(3)
    with django_assert_num_queries(8):
        few = members.listed()
    add(6)
    with django_assert_num_queries(8):
        many = members.listed()
    assert len(few) == 3 and len(many) == 9
    assert all(member.factors.authenticator_app and member.provider for member in many)
    assert {member.role for member in many} == set(Role) and any(member.break_glass for member in many)


def test_the_audit_trail_says_how_each_sign_in_was_made(admin_client: Client, viewer: User, editor: User) -> None:
    secret = add_app(viewer)
    codes = add_codes(viewer)
    sign_in(Client(), "eddie")
    sign_in(Client(), "vera", code=code_now(secret))
    sign_in(Client(), "vera", code=codes[0])
    failed = Client()
    failed.post(reverse("account_login"), {"login": "vera", "password": PASSWORD})
    failed.post(reverse("mfa_authenticate"), {"code": "000000" if code_now(secret) != "000000" else "111111"})
    trail = admin_client.get(reverse("audit")).text
    assert "Signed in with a password</td>" in trail
    assert "Signed in with a password and an authenticator code" in trail
    assert "Signed in with a password and a recovery code" in trail
    assert "Failed second factor: authenticator app" in trail


@pytest.mark.parametrize(
    ("method", "words"),
    [
        (SignInMethod.PASSWORD, "Signed in with a password"),
        (SignInMethod.PASSWORD_AND_CODE, "Signed in with a password and an authenticator code"),
        (SignInMethod.PASSWORD_AND_RECOVERY_CODE, "Signed in with a password and a recovery code"),
        (SignInMethod.PASSWORD_AND_SECURITY_KEY, "Signed in with a password and a security key"),
        (SignInMethod.PASSKEY, "Signed in with a passkey"),
        (SignInMethod.SINGLE_SIGN_ON, "Signed in through single sign-on (Acme SSO)"),
        ("", "Signed in"),
    ],
)
def test_each_sign_in_method_in_words(admin_client: Client, viewer: User, settings, method: str, words: str) -> None:
    settings.OIDC_PROVIDER_NAME = "Acme SSO"
    AuditEntry.objects.create(
        actor=viewer, actor_name="vera", action=Action.SIGN_IN, details={"method": method} if method else {}
    )
    trail = admin_client.get(reverse("audit"), {"member": "vera"}).text
    assert f'<td data-label="Action">{words}</td>' in trail


@pytest.mark.parametrize(
    ("action", "details", "words"),
    [
        (Action.FACTOR_ADDED, {"factor": "totp"}, "Added a second factor: authenticator app"),
        (Action.FACTOR_ADDED, {"factor": "webauthn"}, "Added a second factor: passkey or security key"),
        (Action.FACTOR_REMOVED, {"factor": "webauthn"}, "Removed a second factor: passkey or security key"),
        (Action.RECOVERY_CODES_RENEWED, {"factor": "recovery_codes"}, "Renewed recovery codes</td>"),
        (Action.FACTOR_FAILED, {"factor": "recovery_codes"}, "Failed second factor: recovery codes"),
        (Action.FACTORS_RESET, {"removed": "webauthn,webauthn"}, "second factors: 2 passkeys or security keys"),
        (Action.SESSIONS_ENDED, {}, "Signed out elsewhere"),
        (Action.MEMBER_ADDED, {"source": "single_sign_on"}, "Added a member from the groups in Acme SSO"),
        (
            Action.MEMBER_CHANGED,
            {"source": "single_sign_on"},
            "Changed a member&#x27;s role from the groups in Acme SSO",
        ),
        (Action.MEMBER_CHANGED, {}, "Changed a member&#x27;s role</td>"),
    ],
)
def test_factor_and_member_changes_in_words(
    admin_client: Client, viewer: User, settings, action: str, details: dict[str, str], words: str
) -> None:
    settings.OIDC_PROVIDER_NAME = "Acme SSO"
    audit.member_changed(viewer, action, member="vera", details=details)
    trail = admin_client.get(reverse("audit"), {"action": action}).text
    assert words in trail


def test_the_audit_trail_filters_by_the_new_actions(admin_client: Client, viewer: User) -> None:
    audit.member_changed(viewer, Action.FACTORS_RESET, member="vera", details={"removed": "totp"})
    audit.member_changed(viewer, Action.SESSIONS_ENDED, member="vera")
    page = admin_client.get(reverse("audit")).text
    for action in (Action.FACTOR_FAILED, Action.FACTOR_ADDED, Action.FACTORS_RESET, Action.SESSIONS_ENDED):
        assert f'<option value="{action.value}">{action.label}</option>'.replace("'", "&#x27;") in page
    only = admin_client.get(reverse("audit"), {"action": Action.SESSIONS_ENDED}).text
    assert "Signed out elsewhere" in only and "authenticator app" not in only


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", [{"width": 1280, "height": 900}, {"width": 390, "height": 844}])
def test_in_the_browser_the_reset_is_confirmed_in_a_dialog(member_page, live_server, accessible, width) -> None:
    vera = make_member("vera", Role.VIEWER)
    add_app(vera)
    add_codes(vera)
    SocialAccount.objects.create(user=vera, provider="sso", uid="vera")
    page = member_page(Role.ADMIN)
    page.set_viewport_size(width)
    page.goto(f"{live_server.url}/members/")
    accessible(page, "/members/ with second factors")
    opener = page.get_by_role("button", name="Reset second factors of vera")

    opener.click()
    dialog = page.get_by_role("dialog", name="Reset the second factors of vera?")
    expect(dialog).to_contain_text("Authenticator app, 10 recovery codes left")
    accessible(page, "reset dialog")
    dialog.get_by_role("link", name="Cancel").click()
    expect(dialog).to_have_count(0)
    expect(opener).to_be_focused()
    assert Authenticator.objects.filter(user=vera).count() == 2

    opener.click()
    page.get_by_role("dialog").get_by_role("button", name="Reset the second factors of vera").click()
    expect(page.locator("#messages")).to_contain_text("The second factors of vera were removed")
    expect(page.get_by_role("button", name="Reset second factors of vera")).to_have_count(0)
    assert not Authenticator.objects.filter(user=vera).exists()
