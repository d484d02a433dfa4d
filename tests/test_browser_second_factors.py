"""Second factors in Chromium, signing in through the real form: an authenticator app set up from its QR page's
secret and then asked for at sign-in (a wrong code refused, recovery codes good once), a passkey registered in
Chromium's virtual authenticator and then used alone to sign in, and a role that must have a factor kept away from
the panel until it has one."""

import re
import time
from collections.abc import Iterator

import pyotp
import pytest
from playwright.sync_api import CDPSession, Page, expect

from handlers_admin.models import AuditEntry
from handlers_admin.roles import Role
from tests.helpers import PASSWORD, make_member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# allauth's own words on its buttons, whatever their case in the panel's templates.
SIGN_IN = re.compile(r"^\s*sign in\s*$", re.IGNORECASE)
ACTIVATE = re.compile(r"^\s*activate\s*$", re.IGNORECASE)
ADD = re.compile(r"^\s*add\s*$", re.IGNORECASE)
CONFIRM = re.compile(r"^\s*confirm\s*$", re.IGNORECASE)


@pytest.fixture(autouse=True)
def _webauthn_on_http(settings) -> None:
    # live_server is http://localhost; allauth reads this setting at each WebAuthn request (mfa.app_settings).
    settings.MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = True


@pytest.fixture
def page(page: Page) -> Iterator[Page]:
    """Chromium's page, failing the test on a Content Security Policy violation (allauth's pages and scripts
    included)."""
    violations: list[str] = []
    page.on(
        "console",
        lambda message: violations.append(message.text) if "Content Security Policy" in message.text else None,
    )
    yield page
    assert violations == []


def fresh_code(secret: str) -> str:
    """The authenticator app's code now, waiting for the next period when this one is about to end (the panel
    allows no drift, so a code typed in its last moment would be refused)."""
    totp = pyotp.TOTP(secret)
    if totp.interval - time.time() % totp.interval < 3:
        time.sleep(totp.interval - time.time() % totp.interval + 0.1)
    return totp.now()


def wrong_code(secret: str) -> str:
    """Six digits that are no code of this secret's around now."""
    totp = pyotp.TOTP(secret)
    valid = {totp.at(time.time() + shift) for shift in (-totp.interval, 0, totp.interval)}
    return next(code for code in (f"{number:06d}" for number in range(123456, 10**6)) if code not in valid)


def sign_in_with_password(page: Page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=SIGN_IN).click()


def sign_out(page: Page, base_url: str) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(f"{base_url}/accounts/login/")


def enter_code(page: Page, code: str) -> None:
    """Types a code into allauth's second factor step and sends it."""
    page.get_by_label("Code").fill(code)
    page.get_by_role("button", name=SIGN_IN).click()


def confirm_access(page: Page, base_url: str) -> None:
    """allauth asks for the password again before a factor is added, even just after signing in."""
    expect(page).to_have_url(re.compile(re.escape(f"{base_url}/accounts/reauthenticate/?next=")))
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=CONFIRM).click()


def set_up_authenticator_app(page: Page, base_url: str) -> tuple[str, list[str]]:
    """Activates an authenticator app from the second factors page, as a member with a phone would: reads the
    secret the page shows beside its QR code, types the code it gives. Returns the secret and the recovery codes
    the panel then shows."""
    page.goto(f"{base_url}/accounts/2fa/")
    page.get_by_role("link", name=ACTIVATE).or_(page.get_by_role("button", name=ACTIVATE)).first.click()
    confirm_access(page, base_url)
    expect(page).to_have_url(f"{base_url}/accounts/2fa/totp/activate/")
    expect(page.locator("img[src^='data:image/svg+xml']")).to_be_visible()
    secret = page.get_by_label("Authenticator secret").input_value()
    assert re.fullmatch(r"[A-Z2-7]{32}", secret), secret
    page.get_by_label("Authenticator code").fill(fresh_code(secret))
    page.get_by_role("button", name=ACTIVATE).click()
    return secret, read_recovery_codes(page, base_url)


def read_recovery_codes(page: Page, base_url: str) -> list[str]:
    """The recovery codes the panel shows once a first factor is set up, noted down as the page asks."""
    expect(page).to_have_url(f"{base_url}/accounts/2fa/recovery-codes/")
    codes = page.get_by_label("Unused codes").input_value().split()
    assert len(codes) == 10 and all(re.fullmatch(r"\d{8}", code) for code in codes), codes
    # Shown once (MFA_RECOVERY_CODES_SHOW_ONCE), the page asks to confirm they were saved before leaving it.
    saved = page.get_by_label("I have saved my recovery codes")
    if saved.count():
        saved.check()
    return codes


def test_an_authenticator_app_is_set_up_then_asked_for_and_recovery_codes_work_once(
    page: Page, live_server, mirrored
) -> None:
    mirrored()
    make_member("tess", Role.EDITOR)
    base = live_server.url
    sign_in_with_password(page, base, "tess")
    expect(page).to_have_url(f"{base}/handlers/")
    secret, codes = set_up_authenticator_app(page, base)

    for after_set_up in ("/accounts/2fa/", "/accounts/me/"):
        page.goto(f"{base}{after_set_up}")
        content = page.content()
        assert secret not in content, after_set_up
        assert not [code for code in codes if code in content], after_set_up
    sign_out(page, base)

    sign_in_with_password(page, base, "tess")
    expect(page).to_have_url(f"{base}/accounts/2fa/authenticate/")
    enter_code(page, wrong_code(secret))
    expect(page.get_by_text("Incorrect code.")).to_be_visible()
    expect(page).to_have_url(f"{base}/accounts/2fa/authenticate/")
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
    enter_code(page, fresh_code(secret))
    expect(page).to_have_url(f"{base}/handlers/")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    sign_out(page, base)

    sign_in_with_password(page, base, "tess")
    enter_code(page, codes[0])
    expect(page).to_have_url(f"{base}/handlers/")
    sign_out(page, base)

    sign_in_with_password(page, base, "tess")
    enter_code(page, codes[0])
    expect(page.get_by_text("Incorrect code.")).to_be_visible()
    expect(page).to_have_url(f"{base}/accounts/2fa/authenticate/")
    page.goto(f"{base}/handlers/")
    expect(page).not_to_have_url(f"{base}/handlers/")
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)

    sign_ins = AuditEntry.objects.filter(action=AuditEntry.Action.SIGN_IN).order_by("pk")
    methods = [entry.details.get("method") for entry in sign_ins]
    assert methods == ["password", "password_and_code", "password_and_recovery_code"]
    assert AuditEntry.objects.filter(action=AuditEntry.Action.FACTOR_FAILED).count() == 2


@pytest.fixture
def authenticator(page: Page) -> Iterator[tuple[CDPSession, str]]:
    """A passkey authenticator built into Chromium (the DevTools WebAuthn domain): it keeps credentials, checks
    its user (as a fingerprint would) and answers without anyone touching it."""
    session = page.context.new_cdp_session(page)
    session.send("WebAuthn.enable")
    added = session.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    yield session, added["authenticatorId"]
    session.send("WebAuthn.removeVirtualAuthenticator", {"authenticatorId": added["authenticatorId"]})
    session.send("WebAuthn.disable")


def credentials(authenticator: tuple[CDPSession, str]) -> list[dict]:
    session, authenticator_id = authenticator
    return session.send("WebAuthn.getCredentials", {"authenticatorId": authenticator_id})["credentials"]


def test_a_passkey_is_registered_then_signs_in_without_a_password(
    page: Page, live_server, mirrored, authenticator: tuple[CDPSession, str]
) -> None:
    mirrored()
    make_member("kim", Role.VIEWER)
    base = live_server.url
    sign_in_with_password(page, base, "kim")
    expect(page).to_have_url(f"{base}/handlers/")
    assert credentials(authenticator) == []

    page.goto(f"{base}/accounts/2fa/")
    page.get_by_role("link", name=ADD).or_(page.get_by_role("button", name=ADD)).first.click()
    confirm_access(page, base)
    expect(page).to_have_url(f"{base}/accounts/2fa/webauthn/add/")
    page.get_by_label("Passwordless").check()
    page.get_by_role("button", name=ADD).click()
    read_recovery_codes(page, base)
    registered = credentials(authenticator)
    assert len(registered) == 1 and registered[0]["isResidentCredential"] is True
    sign_out(page, base)

    page.get_by_role("button", name="Sign in with a passkey").click()
    expect(page).to_have_url(f"{base}/handlers/")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    expect(page.get_by_role("banner")).to_contain_text("kim")
    used = credentials(authenticator)
    assert len(used) == 1 and used[0]["credentialId"] == registered[0]["credentialId"]
    assert used[0]["signCount"] > registered[0]["signCount"]
    last = AuditEntry.objects.filter(action=AuditEntry.Action.SIGN_IN).latest("pk")
    assert (last.actor_name, last.details) == ("kim", {"method": "passkey"})


def test_an_editor_whose_role_needs_a_factor_sets_one_up_before_the_table(
    page: Page, live_server, mirrored, settings
) -> None:
    settings.MFA_REQUIRED_ROLES = ["editor"]
    mirrored()
    make_member("eddie", Role.EDITOR)
    base = live_server.url
    sign_in_with_password(page, base, "eddie")
    expect(page).to_have_url(f"{base}/accounts/2fa/")
    expect(page.get_by_role("alert")).to_contain_text("Your role needs a second factor before you go on")

    page.goto(f"{base}/handlers/")
    expect(page).to_have_url(f"{base}/accounts/2fa/")
    expect(page.get_by_role("heading", name="Notification channels")).to_have_count(0)

    set_up_authenticator_app(page, base)
    page.goto(f"{base}/handlers/")
    expect(page).to_have_url(f"{base}/handlers/")
    expect(page.get_by_role("heading", name="Notification channels")).to_be_visible()
