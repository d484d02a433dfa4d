"""Single sign-on through the team's OpenID Connect provider (allauth's generic `openid_connect`): the role comes from
the provider's groups at every sign-in, someone no group maps gets no access, and the ID token must carry the nonce
this sign-in sent (allauth's provider sends state and PKCE, but no nonce)."""

import logging
import secrets
from collections.abc import Iterable
from typing import Any

import requests
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter, _build_apps_from_settings
from allauth.socialaccount.helpers import render_authentication_error
from allauth.socialaccount.models import SocialApp, SocialLogin
from allauth.socialaccount.providers.base.constants import AuthProcess
from allauth.socialaccount.providers.openid_connect.provider import OpenIDConnectProvider
from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from handlers_admin import members, sign_in
from handlers_admin.audit import member_changed
from handlers_admin.models import AuditEntry
from handlers_admin.roles import Role, assign_role

log = logging.getLogger(__name__)
SOURCE = {"source": "single_sign_on"}


def is_configured() -> bool:
    return bool(settings.OIDC_SERVER_URL)


def _groups(value: Any) -> Iterable[str]:
    # Providers send groups as a list (Keycloak, Entra ID, Authentik) or, some, as one space-separated string.
    if isinstance(value, str):
        return value.replace(",", " ").split()
    if isinstance(value, list | tuple):
        return [str(item) for item in value]
    return []


def role_from_claims(claims: dict[str, Any]) -> Role | None:
    """The most powerful role OIDC_ROLES gives any of the groups in OIDC_ROLE_CLAIM; None when none maps."""
    mapped = {
        settings.OIDC_ROLES[group]
        for group in _groups(claims.get(settings.OIDC_ROLE_CLAIM))
        if group in settings.OIDC_ROLES
    }
    held = [role for role in Role if role.value in mapped]
    return held[-1] if held else None


def claims_of(sociallogin: SocialLogin) -> dict[str, Any]:
    """What the provider said of the person: the ID token's claims, and the user info endpoint's over them."""
    data = sociallogin.account.extra_data or {}
    return {**(data.get("id_token") or {}), **(data.get("userinfo") or {})}


class NoncedProvider(OpenIDConnectProvider):
    """allauth's OpenID Connect provider, sending a nonce with each sign-in and keeping it in the sign-in's state, so
    that SingleSignOnAdapter can match the ID token to it."""

    def redirect(
        self, request: HttpRequest, process: Any, next_url: Any = None, data: Any = None, **kwargs: Any
    ) -> Any:
        nonce = secrets.token_urlsafe(24)
        auth_params = kwargs.pop("auth_params", None)
        kwargs["auth_params"] = {**(self.get_auth_params() if auth_params is None else auth_params), "nonce": nonce}
        try:
            return super().redirect(request, process, next_url, data, nonce=nonce, **kwargs)
        except requests.RequestException as e:
            # The provider's discovery could not be read: it is down or unreachable.
            log.warning(
                "single sign-on: %s could not be reached: %s", self.app.settings.get("server_url"), type(e).__name__
            )
            return render_authentication_error(request, self, exception=e)


def _refused(request: HttpRequest, sociallogin: SocialLogin, message: str) -> ImmediateHttpResponse:
    """A refused sign-in, shown in plain words, and in the audit trail under the name the provider gave."""
    name = str(claims_of(sociallogin).get("preferred_username") or "")
    return ImmediateHttpResponse(sign_in.refused(request, name, message))


def _taken(sociallogin: SocialLogin) -> bool:
    """Whether an account this sign-in is not linked to already has the name or the email address the provider
    gives: taking it over, or making a second one beside it (of a member an admin stopped, maybe), would be wrong."""
    claims = claims_of(sociallogin)
    accounts = User.objects.none()
    if username := str(claims.get("preferred_username") or ""):
        accounts |= User.objects.filter(username__iexact=username)
    if email := str(claims.get("email") or ""):
        accounts |= User.objects.filter(email__iexact=email)
    return accounts.exists()


class SingleSignOnAdapter(DefaultSocialAccountAdapter):
    def list_apps(self, request: HttpRequest, provider: Any = None, client_id: Any = None) -> list[SocialApp]:
        # The provider comes from the environment (OIDC_*) alone, never from rows in the database.
        apps = _build_apps_from_settings(provider=provider, client_id=client_id)
        return [app for provider_apps in apps.values() for app in provider_apps]

    def get_provider(self, request: HttpRequest, provider: Any, client_id: Any = None) -> Any:
        found = super().get_provider(request, provider, client_id=client_id)
        if type(found) is OpenIDConnectProvider:
            return NoncedProvider(request, app=found.app)
        return found

    def pre_social_login(self, request: HttpRequest, sociallogin: SocialLogin) -> None:
        provider = settings.OIDC_PROVIDER_NAME
        sent = (sociallogin.state or {}).get("nonce")
        said = ((sociallogin.account.extra_data or {}).get("id_token") or {}).get("nonce")
        if not sent or not said or not secrets.compare_digest(str(sent), str(said)):
            raise _refused(
                request,
                sociallogin,
                _("The answer from %(provider)s did not belong to this sign-in, so it was refused. Try again.")
                % {"provider": provider},
            )
        role = role_from_claims(claims_of(sociallogin))
        if role is None:
            raise _refused(
                request,
                sociallogin,
                _(
                    "%(provider)s knows you, but none of your groups there gives access to this panel. Ask an admin "
                    "to add you to one of the panel's groups, then sign in again."
                )
                % {"provider": provider},
            )
        if sociallogin.state.get("process") == AuthProcess.CONNECT and isinstance(request.user, User):
            # A signed-in member connects their account at the provider: from now on, its groups give their role. An
            # account at the provider already connected to another member is refused by allauth next.
            if not sociallogin.is_existing or sociallogin.user == request.user:
                members.set_role(request.user, request.user, role, details=SOURCE)
            return
        if not sociallogin.is_existing and _taken(sociallogin):
            if settings.OIDC_ONLY:
                taken = _(
                    "The panel already has a member with your name or email address, not connected to %(provider)s. "
                    "Ask an admin of the panel to remove that member; then sign in again."
                )
            else:
                taken = _(
                    "The panel already has a member with your name or email address. Sign in with your password, "
                    "then connect %(provider)s on your account page; or ask an admin of the panel."
                )
            raise _refused(request, sociallogin, taken % {"provider": provider})
        sociallogin.state["panel_role"] = role.value
        if sociallogin.is_existing:
            members.set_role(sociallogin.user, sociallogin.user, role, details=SOURCE)

    def is_open_for_signup(self, request: HttpRequest, sociallogin: SocialLogin) -> bool:
        # Only reached once pre_social_login found a role for the person.
        return True

    def save_user(self, request: HttpRequest, sociallogin: SocialLogin, form: Any = None) -> User:
        with transaction.atomic():
            user: User = super().save_user(request, sociallogin, form)
            role = Role(sociallogin.state["panel_role"])
            assign_role(user, role)
            member_changed(
                user,
                AuditEntry.Action.MEMBER_ADDED,
                member=user.get_username(),
                changes={"role": (None, role.value)},
                details=SOURCE,
            )
        return user
