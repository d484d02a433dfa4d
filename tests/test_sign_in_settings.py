"""The checks of the sign-in settings, and what settings.py makes of the environment."""

import os
import subprocess
import sys

from django.conf import settings as django_settings

from handlers_admin.checks import check_sign_in_settings, check_webauthn_origin


def ids(found: list) -> set[str]:
    return {message.id for message in found}


def test_the_test_settings_pass(settings) -> None:
    assert check_sign_in_settings() == []


def test_an_unknown_role_is_an_error(settings) -> None:
    settings.OIDC_ROLES = {"ops": "superuser"}
    settings.MFA_REQUIRED_ROLES = ["admin", "owner"]
    (error,) = check_sign_in_settings()
    assert error.id == "handlers_admin.E003" and "owner, superuser" in error.msg


def test_single_sign_on_needs_its_client_and_a_mapping(settings) -> None:
    settings.OIDC_SERVER_URL = "https://id.example.com/realms/ops"
    settings.OIDC_ROLES = {}
    settings.SOCIALACCOUNT_PROVIDERS = {"openid_connect": {"APPS": [{"client_id": "panel", "secret": ""}]}}
    assert ids(check_sign_in_settings()) == {"handlers_admin.E004", "handlers_admin.W005"}


def test_passwords_off_without_a_provider_is_an_error(settings) -> None:
    settings.OIDC_ONLY = True
    assert ids(check_sign_in_settings()) == {"handlers_admin.E006"}


def test_passkeys_over_plain_http_are_flagged(settings) -> None:
    settings.MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = False
    assert check_webauthn_origin() == []
    settings.MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = True
    assert ids(check_webauthn_origin()) == {"handlers_admin.W007"}


def read_settings(environment: dict[str, str]) -> list[str]:
    code = (
        "from django.conf import settings\n"
        "apps = settings.SOCIALACCOUNT_PROVIDERS['openid_connect']['APPS']\n"
        "print(settings.MFA_REQUIRED_ROLES, settings.OIDC_ROLES, settings.OIDC_ONLY, settings.OIDC_ROLE_CLAIM)\n"
        "print([(a['provider_id'], a['name'], a['client_id'], a['settings']) for a in apps])\n"
    )
    env = {"PATH": os.environ["PATH"], "READ_DOT_ENV": "false", "DJANGO_SETTINGS_MODULE": "config.settings"}
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()\n" + code],
        cwd=django_settings.BASE_DIR,
        env=env | environment,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.splitlines()


def test_the_defaults_ask_admins_for_a_factor_and_leave_single_sign_on_off() -> None:
    assert read_settings({}) == ["['admin'] {} False groups", "[]"]


def test_the_environment_configures_the_provider() -> None:
    lines = read_settings(
        {
            "MFA_REQUIRED_ROLES": "",
            "OIDC_SERVER_URL": "https://id.example.com/realms/ops",
            "OIDC_CLIENT_ID": "panel",
            "OIDC_CLIENT_SECRET": "s3cret",
            "OIDC_PROVIDER_NAME": "Keycloak",
            "OIDC_ROLE_CLAIM": "roles",
            # Spaces around the names, as people write lists, are not part of them.
            "OIDC_ROLES": "ops-admins=admin, ops = editor,staff=viewer",
            "OIDC_ONLY": "true",
        }
    )
    assert lines == [
        "[] {'ops-admins': 'admin', 'ops': 'editor', 'staff': 'viewer'} True roles",
        "[('sso', 'Keycloak', 'panel', {'server_url': 'https://id.example.com/realms/ops'})]",
    ]
