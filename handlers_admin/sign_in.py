"""Signing in: a member whose signing in an admin stopped (members.allow_sign_in) is told so, once their password is
right; they still cannot sign in, and a session they already had no longer lets them in."""

from typing import Any

from django.contrib.auth.backends import AllowAllUsersModelBackend
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.models import User
from django.contrib.auth.signals import user_login_failed
from django.utils.translation import gettext_lazy as _


class MemberBackend(AllowAllUsersModelBackend):
    """Django's model backend, but a stopped member's account is returned once their password is right, so that
    SignInForm can say why they cannot sign in (a wrong password is refused the same for every username). Their
    session and their permissions are refused as Django's model backend refuses them. It comes after axes's backend
    (AUTHENTICATION_BACKENDS), which refuses a paused sign-in before any password is checked."""

    def get_user(self, user_id: Any) -> User | None:
        user = super().get_user(user_id)
        return user if user is not None and user.is_active else None


class SignInForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "inactive": _("Your access to this panel was stopped: ask an admin."),
    }

    def confirm_login_allowed(self, user: User) -> None:
        if not user.is_active:
            # A failed sign-in like a wrong password's: in the audit trail, and counted by axes towards the pause.
            credentials = {"username": self.cleaned_data.get("username", "")}
            user_login_failed.send(sender=__name__, credentials=credentials, request=self.request)
        super().confirm_login_allowed(user)
