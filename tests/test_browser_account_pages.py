"""allauth's pages in the panel's own look, in Chromium: axe-core finds nothing on each, at 1280 px and at 375 px, none
scrolls sideways, each has one h1, and none breaks the Content Security Policy. The member signs in through the real
form, since allauth asks for a recent sign-in (its "Confirm Access" page) before a second factor is set up."""

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pyotp
import pytest
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.mfa import app_settings as mfa_settings
from allauth.socialaccount.helpers import render_authentication_error
from allauth.socialaccount.models import SocialAccount, SocialLogin
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.urls import path
from playwright.sync_api import Browser, ConsoleMessage, Page, expect

from config.urls import urlpatterns as panel_urlpatterns
from handlers_admin.roles import Role
from handlers_admin.single_sign_on import SingleSignOnAdapter
from tests.helpers import PASSWORD, make_member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 375, "height": 812}}
# allauth's own words on its buttons (its msgids), whatever their case.
SIGN_IN = re.compile(r"^\s*sign in\s*$", re.IGNORECASE)
STOPPED = "Your access to this panel was stopped: ask an admin."
EDGE_ON_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36 "
    "Edg/130.0"
)


@login_not_required
def refused_sign_in(request: HttpRequest) -> HttpResponse:
    """What the single sign-on adapter answers when the provider vouches for someone none of whose groups gives a
    role: its real refusal, without a provider to go through."""
    account = SocialAccount(provider="sso", uid="someone", extra_data={"id_token": {"nonce": "sent", "groups": []}})
    sociallogin = SocialLogin(user=User(username="someone"), account=account)
    sociallogin.state = {"nonce": "sent"}
    try:
        SingleSignOnAdapter(request).pre_social_login(request, sociallogin)
    except ImmediateHttpResponse as refusal:
        return refusal.response
    raise AssertionError("the adapter let someone in whose groups give no role")


@login_not_required
def failed_sign_in(request: HttpRequest) -> HttpResponse:
    """allauth's answer to a provider's sign-in that failed, as its callback gives it."""
    return render_authentication_error(request, provider=None)


# The panel's URLs, and the two answers above, which only a provider's sign-in reaches otherwise.
urlpatterns = [
    path("test/sign-in-refused/", refused_sign_in),
    path("test/sign-in-failed/", failed_sign_in),
    *panel_urlpatterns,
]


def csp_watched(page: Page) -> list[str]:
    violations: list[str] = []

    def heard(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            violations.append(message.text)

    page.on("console", heard)
    return violations


@pytest.fixture(params=list(WIDTHS))
def screen(request, page: Page, live_server) -> Iterator[tuple[Page, str]]:
    """A page at the width of a desktop or of a phone; the test fails on any Content Security Policy violation."""
    violations = csp_watched(page)
    page.set_viewport_size(WIDTHS[request.param])
    yield page, live_server.url
    assert violations == []


@pytest.fixture
def sso(settings) -> str:
    """A single sign-on provider configured as config/settings.py builds it from OIDC_*; nothing is asked of it."""
    settings.OIDC_PROVIDER_NAME = "Acme ID"
    settings.SOCIALACCOUNT_PROVIDERS = {
        "openid_connect": {
            "OAUTH_PKCE_ENABLED": True,
            "APPS": [
                {
                    "provider_id": "sso",
                    "name": "Acme ID",
                    "client_id": "panel",
                    "secret": "not-a-real-secret",
                    "settings": {"server_url": "https://id.example.invalid"},
                }
            ],
        }
    }
    return "Acme ID"


def checked(page: Page, accessible, where: str) -> None:
    """One h1, nothing axe-core finds, no sideways scroll of the page nor of a table."""
    expect(page.locator("h1")).to_have_count(1)
    accessible(page, where)
    boxes = page.evaluate("[...document.querySelectorAll('.table-wrap')].map(box => box.scrollWidth - box.clientWidth)")
    assert all(overflow <= 0 for overflow in boxes), (where, boxes)


def sign_in(page: Page, base: str, username: str, password: str = PASSWORD, next_path: str = "/accounts/me/") -> None:
    page.goto(f"{base}/accounts/login/?next={next_path}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name=SIGN_IN).click()


def fresh_code(secret: str) -> str:
    """The authenticator app's code now, waiting for the next one when this one is about to end."""
    totp = pyotp.TOTP(secret)
    if totp.interval - time.time() % totp.interval < 3:
        time.sleep(totp.interval - time.time() % totp.interval + 0.1)
    return totp.now()


def test_the_sign_in_page_and_its_errors(screen, accessible) -> None:
    page, base = screen
    make_member("olga", Role.EDITOR)
    page.goto(f"{base}/accounts/login/")
    checked(page, accessible, "sign in")
    main = page.get_by_role("main")
    expect(page.get_by_label("Password", exact=True)).to_have_accessible_description(
        "Forgot your password? Ask an admin of this panel."
    )
    expect(main.get_by_role("link")).to_have_count(0)
    expect(main.get_by_role("button", name="Sign in with a passkey")).to_be_visible()
    expect(main.get_by_role("button", name=re.compile("Sign in with (?!a passkey)"))).to_have_count(0)

    sign_in(page, base, "olga", "not-the-password")
    alert = page.locator("#error-summary")
    expect(alert).to_have_attribute("role", "alert")
    expect(alert).to_contain_text("The username and/or password you specified are not correct.")
    expect(alert).to_be_focused()
    checked(page, accessible, "sign in, wrong password")


def test_the_sign_in_page_offers_single_sign_on_by_its_name(screen, accessible, sso, settings) -> None:
    page, base = screen
    page.goto(f"{base}/accounts/login/")
    provider = page.get_by_role("button", name=f"Sign in with {sso}")
    expect(provider).to_be_visible()
    buttons = page.get_by_role("main").get_by_role("button")
    expect(buttons.first).to_have_text(SIGN_IN)
    expect(page.get_by_text("break-glass")).to_have_count(0)
    checked(page, accessible, "sign in, with single sign-on")

    settings.OIDC_ONLY = True
    page.reload()
    expect(buttons.first).to_have_text(f"Sign in with {sso}")
    expect(buttons.first).to_have_class("primary")
    expect(page.get_by_text("Passwords are only for the break-glass admin")).to_be_visible()
    checked(page, accessible, "sign in, passwords only for break-glass admins")


def test_setting_up_second_factors_and_the_sessions(screen, accessible, browser: Browser) -> None:
    page, base = screen
    make_member("tess", Role.EDITOR)
    sign_in(page, base, "tess")
    expect(page).to_have_url(f"{base}/accounts/me/")
    checked(page, accessible, "your account, no second factor")

    page.goto(f"{base}/accounts/2fa/")
    checked(page, accessible, "second factors, none yet")
    page.get_by_role("link", name="Activate", exact=True).click()
    # allauth's "Confirm Access": a sign-in alone is not recent enough for it.
    expect(page).to_have_url(re.compile(r"/accounts/reauthenticate/"))
    checked(page, accessible, "confirm access")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()

    expect(page).to_have_url(f"{base}/accounts/2fa/totp/activate/")
    qr = page.get_by_role("img", name="QR code for your authenticator app")
    expect(qr).to_be_visible()
    assert qr.evaluate("image => image.complete && image.naturalWidth > 0")
    secret = page.get_by_label("Authenticator secret").input_value()
    assert re.fullmatch(r"[A-Z2-7]{32}", secret), secret
    checked(page, accessible, "activate an authenticator app")

    code = page.get_by_label("Authenticator code")
    code.fill("000000" if pyotp.TOTP(secret).now() != "000000" else "111111")
    page.get_by_role("button", name="Activate").click()
    expect(code).to_have_attribute("aria-invalid", "true")
    expect(code).to_be_focused()
    expect(code).to_have_accessible_description(re.compile("Incorrect code"))
    expect(page.get_by_role("alert").filter(has_text="Incorrect code")).to_be_visible()
    checked(page, accessible, "activate an authenticator app, wrong code")
    page.get_by_label("Authenticator code").fill(fresh_code(secret))
    page.get_by_role("button", name="Activate").click()

    expect(page).to_have_url(f"{base}/accounts/2fa/recovery-codes/")
    codes = page.get_by_label("Unused codes").input_value().split()
    assert len(codes) == mfa_settings.RECOVERY_CODE_COUNT and all(code.isdigit() for code in codes), codes
    download = page.get_by_role("link", name="Download codes")
    if settings.MFA_RECOVERY_CODES_SHOW_ONCE:
        # Shown once: the page hands the codes over as a file of its own, since allauth's download view refuses
        # them once they were looked at.
        href = download.get_attribute("href") or ""
        assert href.startswith("data:text/plain") and all(code in href for code in codes)
        with page.expect_download() as downloading:
            download.click()
        saved = downloading.value
        assert saved.suggested_filename == "recovery-codes.txt"
        assert Path(saved.path()).read_text(encoding="utf-8").split() == codes
        checked(page, accessible, "recovery codes, shown once")
        page.get_by_label("I have saved my recovery codes").check()
        page.reload()
        expect(page.get_by_label("Unused codes")).to_have_count(0)
        expect(page.get_by_text("These codes were shown once")).to_be_visible()
        assert not [code for code in codes if code in page.content()]
        checked(page, accessible, "recovery codes, already shown")
    else:
        expect(download).to_have_attribute("href", "/accounts/2fa/recovery-codes/download/")
        checked(page, accessible, "recovery codes")

    page.goto(f"{base}/accounts/2fa/")
    content = page.content()
    assert secret not in content and not [code for code in codes if code in content]
    checked(page, accessible, "second factors, an authenticator app")
    page.goto(f"{base}/accounts/2fa/webauthn/add/")
    expect(page.get_by_label("Passwordless")).to_be_visible()
    expect(page.get_by_role("button", name="Add", exact=True)).to_be_visible()
    checked(page, accessible, "add a passkey or security key")
    page.goto(f"{base}/accounts/me/")
    expect(page.get_by_role("main")).to_contain_text("Authenticator App")
    checked(page, accessible, "your account, an authenticator app")

    # Signed in from a second browser too, through the code step, so that the sessions page lists two.
    other = browser.new_context(viewport=page.viewport_size, user_agent=EDGE_ON_WINDOWS)
    second = other.new_page()
    violations = csp_watched(second)
    sign_in(second, base, "tess")
    expect(second).to_have_url(f"{base}/accounts/2fa/authenticate/")
    checked(second, accessible, "second factor at sign-in")
    second.get_by_label("Code", exact=True).fill(fresh_code(secret))
    second.get_by_role("button", name=SIGN_IN).click()
    expect(second).to_have_url(f"{base}/accounts/me/")
    assert violations == []

    page.goto(f"{base}/accounts/sessions/")
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.filter(has_text="This browser")).to_have_count(1)
    expect(rows.filter(has_text="Edge on Windows")).to_have_count(1)
    expect(rows.filter(has_text="This browser").filter(has_text="Edge on Windows")).to_have_count(0)
    checked(page, accessible, "where you are signed in")
    page.get_by_role("button", name="Sign Out Other Sessions").click()
    expect(rows).to_have_count(1)
    expect(page.get_by_text("You are signed in only here.")).to_be_visible()
    second.goto(f"{base}/accounts/me/")
    expect(second).to_have_url(re.compile(r"/accounts/login/"))
    other.close()


def test_a_stopped_member_is_told_so(screen, accessible) -> None:
    page, base = screen
    member = make_member("vera", Role.VIEWER)
    member.is_active = False
    member.save(update_fields=["is_active"])
    sign_in(page, base, "vera")
    expect(page).to_have_url(f"{base}/accounts/inactive/")
    expect(page.get_by_role("alert")).to_have_text(STOPPED)
    checked(page, accessible, "access stopped")


def test_single_sign_on_refusals_and_failures(screen, accessible, sso, settings) -> None:
    settings.ROOT_URLCONF = __name__
    settings.OIDC_ROLES = {"ops": "editor"}
    page, base = screen
    answer = page.goto(f"{base}/test/sign-in-refused/")
    assert answer is not None and answer.status == 403
    expect(page.get_by_role("alert")).to_contain_text("none of your groups there gives access to this panel")
    expect(page.get_by_role("link", name="Back to sign in")).to_be_visible()
    checked(page, accessible, "single sign-on refused")

    page.goto(f"{base}/test/sign-in-failed/")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Signing in with {sso} did not work")
    checked(page, accessible, "single sign-on failed")

    page.goto(f"{base}/accounts/3rdparty/login/cancelled/")
    expect(page.get_by_role("link", name="Back to sign in")).to_be_visible()
    checked(page, accessible, "single sign-on cancelled")

    page.goto(f"{base}/accounts/signup/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Not in this panel")
    checked(page, accessible, "not in this panel")
