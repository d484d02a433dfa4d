"""Signing in through django-allauth: nobody signs up (admins add members); a member whose signing in an admin stopped
is told so once their password is right; with OIDC_ONLY only break-glass accounts use a password, and a member
connected to the provider signs in only through it; the second factor's code form and the factors kept encrypted."""

import base64
import logging
import secrets
import time
from typing import Any

from allauth.account.adapter import DefaultAccountAdapter, get_adapter
from allauth.account.auth_backends import AuthenticationBackend
from allauth.account.forms import ChangePasswordForm, LoginForm
from allauth.account.internal.flows.login import get_authentication_records
from allauth.account.internal.stagekit import clear_login
from allauth.core import context
from allauth.core.internal import ratelimit
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.base.forms import AuthenticateForm, ReauthenticateForm
from allauth.mfa.models import Authenticator
from allauth.socialaccount.models import SocialAccount
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, User
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from handlers_admin import sealed
from handlers_admin.models import MemberSettings

log = logging.getLogger(__name__)


class MemberBackend(AuthenticationBackend):
    """allauth's backend, but a stopped member's account is returned once their password is right, so that the
    sign-in can say why they cannot sign in (AccountAdapter.respond_user_inactive); a wrong password is refused the
    same for every username. Their session and their permissions are refused as Django's model backend refuses
    them."""

    def user_can_authenticate(self, user: AbstractBaseUser | None) -> bool:
        return True

    def get_user(self, user_id: Any) -> User | None:
        user = super().get_user(user_id)
        return user if user is not None and user.is_active else None


def is_break_glass(user: User) -> bool:
    return MemberSettings.objects.filter(user=user, break_glass=True).exists()


def may_use_password(user: User) -> bool:
    """Whether this member may sign in, confirm who they are, or change their password, with a password (see
    OIDC_ONLY)."""
    return not settings.OIDC_ONLY or is_break_glass(user)


def must_use_provider(user: User) -> bool:
    """Whether this member may sign in only through the provider: with OIDC_ONLY, and once their account is connected
    to it, as only the provider's groups give their role at each sign-in. Break-glass accounts never must."""
    if is_break_glass(user):
        return False
    return settings.OIDC_ONLY or SocialAccount.objects.filter(user=user).exists()


def _failed(request: HttpRequest | None, username: str) -> None:
    # A failed sign-in like a wrong password's, in the audit trail.
    user_login_failed.send(sender=__name__, credentials={"username": username}, request=request)


def refused(request: HttpRequest, username: str, message: str) -> HttpResponse:
    """A sign-in refused after the person was known (by the panel or the provider): said in plain words, and in the
    audit trail as a failed sign-in under `username`."""
    _failed(request, username)
    return render(request, "account/sign_in_refused.html", {"message": message}, status=403)


def _passwords_off() -> ValidationError:
    return ValidationError(
        _("Passwords are turned off for this panel: sign in with %(provider)s.")
        % {"provider": settings.OIDC_PROVIDER_NAME}
    )


class SignInForm(LoginForm):
    user: User | None

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if self.user is not None and not may_use_password(self.user):
            _failed(self.request, self.user.get_username())
            self.user = None
            raise _passwords_off()
        return cleaned


class PasswordChangeForm(ChangePasswordForm):
    def clean(self) -> dict[str, Any]:
        if not may_use_password(self.user):
            raise _passwords_off()
        return super().clean()


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False

    def pre_login(self, request: HttpRequest, user: AbstractBaseUser, **kwargs: Any) -> HttpResponse | None:
        # A password or a passkey signs in, but not a member whose role only the provider's groups may give.
        methods = {record.get("method") for record in get_authentication_records(request, user)}
        if isinstance(user, User) and "socialaccount" not in methods and must_use_provider(user):
            clear_login(request)
            message = _("Sign in with %(provider)s: your role here comes from your groups there.") % {
                "provider": settings.OIDC_PROVIDER_NAME
            }
            return refused(request, user.get_username(), message)
        return super().pre_login(request, user, **kwargs)

    def reauthenticate(self, user: AbstractBaseUser, password: str) -> bool:
        return isinstance(user, User) and may_use_password(user) and super().reauthenticate(user, password)

    def is_reauthentication_required(self, *, app: str, **kwargs: Any) -> bool:
        """A member who signed in through the provider moments ago has just shown who they are there: without a
        password or a factor yet, they could not confirm it here, and could not set up the factor their role asks."""
        if not super().is_reauthentication_required(app=app, **kwargs):
            return False
        request = context.request
        recent = time.time() - settings.ACCOUNT_REAUTHENTICATION_TIMEOUT
        return not any(
            record.get("method") == "socialaccount" and record.get("at", 0) > recent
            for record in get_authentication_records(request, request.user)
        )

    def respond_user_inactive(self, request: HttpRequest, user: AbstractBaseUser) -> HttpResponse:
        _failed(request, user.get_username())
        return super().respond_user_inactive(request, user)


class _CountedCode:
    """allauth's code form, but a right code takes back only its own attempt from the pause's count. allauth's own
    form clears the whole count of the address, so that anyone with a factor of their own could sign in between
    guesses at another member's password and never be paused."""

    user: User

    def clean_code(self) -> str:
        attempt = ratelimit.consume(
            request=context.request, app="allauth.account", action="login_failed", key=f"mfa-auth-user-{self.user.pk}"
        )
        if not attempt:
            raise get_adapter().validation_error("too_many_login_attempts")
        code: str = self.cleaned_data["code"]  # type: ignore[attr-defined]
        # Codes are typed into the app's (or the recovery codes') own check; passkeys answer another form.
        authenticators = Authenticator.objects.filter(user=self.user).exclude(type=Authenticator.Type.WEBAUTHN)
        main = None
        for authenticator in authenticators:
            if main is None or authenticator.type == Authenticator.Type.TOTP:
                main = authenticator
            if authenticator.wrap().validate_code(code):
                authenticator.user = self.user
                self.authenticator = authenticator
                attempt.rollback()
                return code
        if main is not None:
            self._emit_authentication_failed(main)  # type: ignore[attr-defined]
        raise get_adapter().validation_error("incorrect_code")


class SecondFactorForm(_CountedCode, AuthenticateForm):
    pass


class ConfirmWithSecondFactorForm(_CountedCode, ReauthenticateForm):
    pass


class SecondFactorAdapter(DefaultMFAAdapter):
    """Keeps the authenticator app's secret and the recovery codes' seed encrypted in the database (with a key drawn
    from SECRET_KEY), not in plain text."""

    def encrypt(self, text: str) -> str:
        return sealed.seal(text)

    def decrypt(self, encrypted_text: str) -> str:
        opened = sealed.unseal(encrypted_text)
        if isinstance(opened, str):
            return opened
        # Unreadable (another SECRET_KEY, a damaged row): a secret nobody knows, so that no code is accepted. An empty
        # one would accept the codes anyone can work out from it.
        log.warning("a second factor of a member could not be read: it must be set up again")
        return base64.b32encode(secrets.token_bytes(20)).decode()
