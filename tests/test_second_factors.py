"""Second factors on the server: which members must set one up before any page (SecondFactorRequiredMiddleware),
signing in with a code from an authenticator app or a recovery code, what the audit trail keeps of it, the pause
after wrong codes, and that no factor's secret ever reaches the audit trail, the log or the cache."""

import json
import logging
import pickle
import time
from collections.abc import Iterator

import pyotp
import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from django.contrib.auth.models import User
from django.core.cache import cache
from django.http import HttpResponse
from django.test import Client

import config.settings as panel_settings
from handlers_admin.models import AuditEntry
from handlers_admin.roles import Role, role_of
from tests.helpers import PASSWORD, signed_in
from tests.oidc import Provider

pytestmark = pytest.mark.django_db

SET_UP = "/accounts/2fa/"
AUTHENTICATE = "/accounts/2fa/authenticate/"
# A page of the panel that calls nothing remote, to see whether a member reaches the panel.
PANEL_PAGE = "/audit/"


@pytest.fixture
def default_roles(settings) -> None:
    """The roles that must have a second factor as the panel ships (tests/settings.py turns the rule off)."""
    assert panel_settings.MFA_REQUIRED_ROLES == ["admin"]
    settings.MFA_REQUIRED_ROLES = panel_settings.MFA_REQUIRED_ROLES


def fresh_code(secret: str) -> str:
    """The authenticator app's code now, waiting for the next period when this one is about to end (the panel
    allows no drift)."""
    totp = pyotp.TOTP(secret)
    if totp.interval - time.time() % totp.interval < 2:
        time.sleep(totp.interval - time.time() % totp.interval + 0.1)
    return totp.now()


def wrong_code(secret: str, *, start: int = 123456) -> str:
    """Six digits that are no code of this secret's around now."""
    totp = pyotp.TOTP(secret)
    valid = {totp.at(time.time() + shift) for shift in (-totp.interval, 0, totp.interval)}
    return next(code for code in (f"{number:06d}" for number in range(start, 10**6)) if code not in valid)


def with_authenticator_app(user: User) -> tuple[str, list[str]]:
    """Gives a member an authenticator app and recovery codes, as allauth stores them; returns the secret and the
    codes."""
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret, RecoveryCodes.activate(user).generate_codes()


def set_up_authenticator_app(client: Client) -> tuple[str, list[str]]:
    """Activates an authenticator app through allauth's pages, as a signed-in member: the password again, the secret
    the page shows, a code from it. Returns the secret and the recovery codes then shown."""
    response = client.get("/accounts/2fa/totp/activate/")
    assert response["Location"].startswith("/accounts/reauthenticate/")
    client.post(response["Location"], {"password": PASSWORD})
    page = client.get("/accounts/2fa/totp/activate/")
    secret = page.context["form"].secret
    assert f'value="{secret}"' in page.text
    response = client.post("/accounts/2fa/totp/activate/", {"code": fresh_code(secret)})
    assert response["Location"] == "/accounts/2fa/recovery-codes/"
    shown = client.get(response["Location"])
    codes = shown.context["unused_codes"]
    assert len(codes) == 10 and all(code in shown.text for code in codes)
    return secret, codes


def sign_in_with_password(client: Client, username: str) -> HttpResponse:
    return client.post("/accounts/login/", {"login": username, "password": PASSWORD})


def is_signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def sends_to_set_up(response: HttpResponse) -> bool:
    return response.status_code == 302 and response["Location"] == SET_UP


# Who must set up a factor.


def test_an_admin_must_set_up_a_factor_before_any_page_by_default(admin_client: Client, default_roles) -> None:
    response = admin_client.get(PANEL_PAGE)
    assert sends_to_set_up(response)
    page = admin_client.get(response["Location"])
    assert page.status_code == 200
    assert "Your role needs a second factor before you go on" in page.text


def test_a_viewer_need_not_by_default(viewer_client: Client, default_roles) -> None:
    assert viewer_client.get(PANEL_PAGE).status_code == 200


def test_with_no_role_listed_nobody_must(admin_client: Client, settings) -> None:
    settings.MFA_REQUIRED_ROLES = []
    assert admin_client.get(PANEL_PAGE).status_code == 200


def test_the_roles_listed_are_the_ones_that_must(admin_member: User, editor: User, viewer: User, settings) -> None:
    settings.MFA_REQUIRED_ROLES = ["editor"]
    assert sends_to_set_up(signed_in(editor).get(PANEL_PAGE))
    assert signed_in(admin_member).get(PANEL_PAGE).status_code == 200
    assert signed_in(viewer).get(PANEL_PAGE).status_code == 200


def test_an_htmx_request_is_sent_to_set_up_by_htmx(admin_client: Client, default_roles) -> None:
    response = admin_client.get(PANEL_PAGE, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response["HX-Redirect"] == SET_UP


@pytest.mark.parametrize(
    "method, path, data",
    [
        ("get", SET_UP, None),
        ("get", "/accounts/me/", None),
        ("get", "/accounts/sessions/", None),
        ("get", "/accounts/reauthenticate/", None),
        ("get", "/healthz", None),
        ("post", "/language/", {"language": "fr", "next": "/accounts/me/"}),
        ("post", "/accounts/logout/", {}),
    ],
)
def test_signing_out_the_factor_pages_the_language_menu_and_healthz_stay_reachable(
    admin_client: Client, default_roles, method: str, path: str, data: dict | None
) -> None:
    response = getattr(admin_client, method)(path, data)
    assert not sends_to_set_up(response)
    assert response.status_code in (200, 302, 503), response.status_code
    assert "HX-Redirect" not in response


def test_setting_up_an_authenticator_app_stays_reachable(admin_member: User, client: Client, default_roles) -> None:
    sign_in_with_password(client, "ada")
    response = client.get("/accounts/2fa/totp/activate/")
    # allauth asks for the password again first: that page is open too.
    assert response.status_code == 302 and response["Location"].startswith("/accounts/reauthenticate/")
    assert client.post(response["Location"], {"password": PASSWORD}).status_code == 302
    page = client.get("/accounts/2fa/totp/activate/")
    assert page.status_code == 200 and "Authenticator secret" in page.text


def test_recovery_codes_alone_are_no_second_factor(admin_member: User, admin_client: Client, default_roles) -> None:
    RecoveryCodes.activate(admin_member)
    assert sends_to_set_up(admin_client.get(PANEL_PAGE))


@pytest.mark.parametrize("factor", [Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN])
def test_an_authenticator_app_or_a_passkey_lets_an_admin_in(
    admin_member: User, admin_client: Client, default_roles, factor: str
) -> None:
    if factor == Authenticator.Type.TOTP:
        with_authenticator_app(admin_member)
    else:
        # The rule looks at the kind of factor only; a real passkey is registered in test_browser_second_factors.py.
        Authenticator.objects.create(user=admin_member, type=factor, data={"name": "Master key"})
    assert admin_client.get(PANEL_PAGE).status_code == 200


def test_an_admin_signed_in_through_single_sign_on_must_set_one_up_too(sso: Provider, default_roles) -> None:
    """The panel cannot tell whether the provider asked for a second factor, so the rule holds there too."""
    sso.set_accounts({"olga": ["ops-admins"]})
    client = Client()
    response = client.post("/accounts/oidc/sso/login/")
    assert response.status_code == 302
    response = client.get(sso.sign_in(response["Location"], "olga"))
    assert response.status_code == 302 and is_signed_in(client)
    olga = User.objects.get(username="olga")
    assert role_of(olga) == Role.ADMIN and not Authenticator.objects.filter(user=olga).exists()
    assert sends_to_set_up(client.get(PANEL_PAGE))
    # Just signed in at the provider, with no password or factor to confirm who they are with here: they can set up
    # the app at once, and then reach the panel.
    page = client.get("/accounts/2fa/totp/activate/")
    assert page.status_code == 200
    client.post("/accounts/2fa/totp/activate/", {"code": fresh_code(page.context["form"].secret)})
    assert client.get(PANEL_PAGE).status_code == 200


def test_an_admin_signed_in_with_a_password_must_set_one_up(admin_member: User, client: Client, default_roles) -> None:
    response = sign_in_with_password(client, "ada")
    assert response.status_code == 302 and is_signed_in(client)
    assert sends_to_set_up(client.get(response["Location"]))


# Signing in with a second factor.


def test_a_code_from_the_app_signs_in_after_the_password_and_is_audited_so(
    admin_member: User, client: Client, default_roles
) -> None:
    secret, _ = with_authenticator_app(admin_member)
    response = sign_in_with_password(client, "ada")
    assert response.status_code == 302 and response["Location"] == AUTHENTICATE
    assert not is_signed_in(client)
    assert client.get(PANEL_PAGE).status_code == 302 and not is_signed_in(client)

    response = client.post(AUTHENTICATE, {"code": fresh_code(secret)})
    assert response.status_code == 302 and response["Location"] == "/handlers/"
    assert is_signed_in(client)
    assert client.get(PANEL_PAGE).status_code == 200
    entry = AuditEntry.objects.get(action=AuditEntry.Action.SIGN_IN)
    assert (entry.actor, entry.details) == (admin_member, {"method": "password_and_code"})


def test_a_wrong_code_is_refused_and_audited_without_the_code(admin_member: User, client: Client) -> None:
    secret, _ = with_authenticator_app(admin_member)
    sign_in_with_password(client, "ada")
    code = wrong_code(secret)
    response = client.post(AUTHENTICATE, {"code": code})
    assert response.status_code == 200 and "Incorrect code." in response.text
    assert not is_signed_in(client)
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.outcome, entry.actor) == (
        AuditEntry.Action.FACTOR_FAILED,
        AuditEntry.Outcome.REFUSED,
        admin_member,
    )
    assert entry.details == {"factor": Authenticator.Type.TOTP}
    assert code not in str(AuditEntry.objects.values().get())


def test_a_recovery_code_signs_in_once(admin_member: User, client: Client) -> None:
    _, codes = with_authenticator_app(admin_member)
    sign_in_with_password(client, "ada")
    response = client.post(AUTHENTICATE, {"code": codes[3]})
    assert response.status_code == 302 and is_signed_in(client)
    entry = AuditEntry.objects.get(action=AuditEntry.Action.SIGN_IN)
    assert entry.details == {"method": "password_and_recovery_code"}

    again = Client()
    sign_in_with_password(again, "ada")
    response = again.post(AUTHENTICATE, {"code": codes[3]})
    assert response.status_code == 200 and "Incorrect code." in response.text
    assert not is_signed_in(again)
    response = again.post(AUTHENTICATE, {"code": codes[4]})
    assert response.status_code == 302 and is_signed_in(again)


def test_five_wrong_codes_pause_signing_in_from_that_address(admin_member: User, editor: User, settings) -> None:
    assert "5/15m/ip" in settings.ACCOUNT_RATE_LIMITS["login_failed"].split(",")
    secret, codes = with_authenticator_app(admin_member)
    client = Client()
    sign_in_with_password(client, "ada")
    for attempt in range(5):
        response = client.post(AUTHENTICATE, {"code": wrong_code(secret, start=111111 * (attempt + 1))})
        assert "Incorrect code." in response.text, attempt
    response = client.post(AUTHENTICATE, {"code": fresh_code(secret)})
    assert "Too many failed login attempts" in response.text
    assert not is_signed_in(client)
    response = client.post(AUTHENTICATE, {"code": codes[0]})
    assert "Too many failed login attempts" in response.text and not is_signed_in(client)
    assert AuditEntry.objects.filter(action=AuditEntry.Action.FACTOR_FAILED).count() == 5

    # The pause holds for the address, whoever signs in from it.
    other = Client()
    response = sign_in_with_password(other, "eddie")
    assert response.status_code == 200 and "Too many failed login attempts" in response.text
    assert not is_signed_in(other)
    assert sign_in_with_password(Client(REMOTE_ADDR="203.0.113.9"), "eddie").status_code == 302


def test_a_good_code_does_not_wipe_the_pause_of_its_address(admin_member: User, editor: User) -> None:
    """Someone with an account and a factor of their own guesses another member's password from one address, and
    signs in themselves between guesses."""
    secret, _ = with_authenticator_app(admin_member)
    guesser = Client()
    for _ in range(4):
        assert (
            "Too many failed login attempts"
            not in guesser.post("/accounts/login/", {"login": "eddie", "password": "a-guess"}).text
        )
    own = Client()
    sign_in_with_password(own, "ada")
    own.post(AUTHENTICATE, {"code": fresh_code(secret)})
    assert is_signed_in(own)
    guesses = [guesser.post("/accounts/login/", {"login": "eddie", "password": "a-guess"}) for _ in range(2)]
    assert "Too many failed login attempts" in guesses[-1].text


# No secret anywhere.


@pytest.fixture
def everything_logged(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Every log record at DEBUG, Django's own too (its logger does not pass records on to the root's), but for
    django.template's: at DEBUG it prints the whole context of a template that reads a missing variable (secrets
    shown on the page included), and the panel's LOGGING keeps Django's loggers at INFO."""
    django_logger, template_logger = logging.getLogger("django"), logging.getLogger("django.template")
    levels = django_logger.level, template_logger.level
    caplog.set_level(logging.DEBUG)
    django_logger.setLevel(logging.DEBUG)
    template_logger.setLevel(logging.INFO)
    django_logger.addHandler(caplog.handler)
    yield caplog
    django_logger.removeHandler(caplog.handler)
    django_logger.setLevel(levels[0])
    template_logger.setLevel(levels[1])


def cached() -> str:
    """Everything in the (local memory) cache, its keys and values, as text."""
    store = cache._cache  # type: ignore[attr-defined]
    return "\n".join(f"{key} {pickle.loads(value)!r}" for key, value in store.items())


# allauth audits an added factor once its transaction commits.
@pytest.mark.django_db(transaction=True)
def test_no_secret_of_a_factor_in_the_audit_trail_the_log_or_the_cache(
    admin_member: User, client: Client, default_roles, everything_logged: pytest.LogCaptureFixture
) -> None:
    sign_in_with_password(client, "ada")
    secret, first_codes = set_up_authenticator_app(client)
    for after_set_up in (SET_UP, "/accounts/me/"):
        text = client.get(after_set_up).text
        assert secret not in text and not [code for code in first_codes if code in text], after_set_up

    assert client.post("/accounts/2fa/recovery-codes/generate/").status_code == 302
    codes = client.get("/accounts/2fa/recovery-codes/").context["unused_codes"]
    assert len(codes) == 10 and not set(codes) & set(first_codes)
    client.post("/accounts/logout/")

    sign_in_with_password(client, "ada")
    for refused in (wrong_code(secret), first_codes[0]):
        assert "Incorrect code." in client.post(AUTHENTICATE, {"code": refused}).text
    assert client.post(AUTHENTICATE, {"code": fresh_code(secret)}).status_code == 302
    client.post("/accounts/logout/")
    sign_in_with_password(client, "ada")
    assert client.post(AUTHENTICATE, {"code": codes[0]}).status_code == 302
    # Django's log sees this page, as any missing one: the capture works.
    assert client.get("/accounts/signup/").status_code == 404

    secrets = [secret, secret.lower(), *first_codes, *codes]
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {
        AuditEntry.Action.FACTOR_ADDED,
        AuditEntry.Action.RECOVERY_CODES_RENEWED,
        AuditEntry.Action.FACTOR_FAILED,
        AuditEntry.Action.SIGN_IN,
        AuditEntry.Action.SIGN_OUT,
    } <= actions, actions
    trail = str(list(AuditEntry.objects.values()))
    assert [found for found in secrets if found in trail] == []
    logged = everything_logged.text + "\n".join(record.getMessage() for record in everything_logged.records)
    assert "Not Found: /accounts/signup/" in logged
    assert [found for found in secrets if found in logged] == []
    in_cache = cached()
    assert in_cache
    assert [found for found in secrets if found in in_cache] == []


def test_recovery_codes_are_shown_only_once(admin_member: User, client: Client) -> None:
    sign_in_with_password(client, "ada")
    _, codes = set_up_authenticator_app(client)
    again = client.get("/accounts/2fa/recovery-codes/")
    assert again.status_code == 200 and not [code for code in codes if code in again.text]
    download = client.get("/accounts/2fa/recovery-codes/download/")
    assert not [code for code in codes if code in download.text]


def test_the_secret_and_the_recovery_seed_are_kept_encrypted(admin_member: User, settings) -> None:
    secret, codes = with_authenticator_app(admin_member)
    stored = json.dumps(list(Authenticator.objects.filter(user=admin_member).values_list("data", flat=True)))
    assert secret not in stored and not any(code in stored for code in codes)
    # Still usable: the app's code and a recovery code are accepted.
    totp, recovery = (
        Authenticator.objects.get(user=admin_member, type=kind).wrap() for kind in ("totp", "recovery_codes")
    )
    assert totp.validate_code(pyotp.TOTP(secret).now()) and recovery.validate_code(codes[0])
    # While the old key is a fallback, they still work; with another key alone they cannot be read, and no code is
    # accepted: not the app's, nor the one anyone could work out from an empty secret.
    old_key = settings.SECRET_KEY
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = "another-key-" + "x" * 40, [old_key]
    assert Authenticator.objects.get(user=admin_member, type="recovery_codes").wrap().validate_code(codes[1])
    settings.SECRET_KEY_FALLBACKS = []
    cache.clear()  # allauth refuses a code used in the last 30 seconds, whatever the secret
    unreadable = Authenticator.objects.get(user=admin_member, type="totp").wrap()
    assert not unreadable.validate_code(pyotp.TOTP(secret).now())
    assert not unreadable.validate_code(format_hotp_value(hotp_value("", int(time.time()) // 30)))
    assert not Authenticator.objects.get(user=admin_member, type="recovery_codes").wrap().validate_code(codes[2])
