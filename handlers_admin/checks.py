"""Checks of the panel's own settings, run by `manage.py check`."""

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register


@register(Tags.security, deploy=True)
def check_test_send_settings(**kwargs: Any) -> list[CheckMessage]:
    found: list[CheckMessage] = []
    if settings.TEST_SEND_RECEIVER or settings.TEST_SEND_RESOLVER is not None:
        found.append(
            Warning(
                "TEST_SEND_RECEIVER or TEST_SEND_RESOLVER is set: test messages and channel checks do not go to the "
                "real services.",
                hint="These settings are for the test suite only; unset them in production.",
                id="handlers_admin.W001",
            )
        )
    if settings.CHECK_NAMESERVER:
        found.append(
            Warning(
                "CHECK_NAMESERVER is set: email checks ask that DNS server instead of the system's resolver.",
                hint="This setting is for the test suite; unset it in production unless you mean it.",
                id="handlers_admin.W002",
            )
        )
    return found


@register(Tags.security)
def check_sign_in_settings(**kwargs: Any) -> list[CheckMessage]:
    from handlers_admin.roles import Role

    found: list[CheckMessage] = []
    unknown = sorted({*settings.MFA_REQUIRED_ROLES, *settings.OIDC_ROLES.values()} - set(Role.values))
    if unknown:
        found.append(
            Error(
                f"MFA_REQUIRED_ROLES or OIDC_ROLES names roles that do not exist: {', '.join(unknown)}.",
                hint=f"The roles are {', '.join(Role.values)}.",
                id="handlers_admin.E003",
            )
        )
    apps = settings.SOCIALACCOUNT_PROVIDERS["openid_connect"]["APPS"]
    if settings.OIDC_SERVER_URL and not all(app["client_id"] and app["secret"] for app in apps):
        found.append(
            Error(
                "OIDC_SERVER_URL is set but OIDC_CLIENT_ID or OIDC_CLIENT_SECRET is empty.",
                hint="Register the panel as a client at the provider and set both.",
                id="handlers_admin.E004",
            )
        )
    if settings.OIDC_SERVER_URL and not settings.OIDC_ROLES:
        found.append(
            Warning(
                "Single sign-on is on but OIDC_ROLES maps no group to a role: nobody can sign in through it.",
                hint="Set OIDC_ROLES, e.g. ops-admins=admin,ops=editor,staff=viewer.",
                id="handlers_admin.W005",
            )
        )
    if settings.OIDC_ONLY and not settings.OIDC_SERVER_URL:
        found.append(
            Error(
                "OIDC_ONLY is on but single sign-on is not configured (OIDC_SERVER_URL is empty).",
                hint="Only break-glass accounts could sign in. Set OIDC_SERVER_URL, or turn OIDC_ONLY off.",
                id="handlers_admin.E006",
            )
        )
    return found


@register(Tags.security, deploy=True)
def check_webauthn_origin(**kwargs: Any) -> list[CheckMessage]:
    if settings.MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN:
        return [
            Warning(
                "MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN is on: passkeys are accepted from plain-HTTP origins.",
                hint="It is for development on http://localhost; turn it off in production.",
                id="handlers_admin.W007",
            )
        ]
    return []
