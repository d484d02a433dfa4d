"""Single sign-on through a real OpenID Connect provider (tests/oidc_provider, started by the `oidc_provider`
fixture; `sso` points the panel at it): allauth talks to it over real HTTP (discovery, token, user info), and the
person's side of the round trip (its sign-in and consent pages) is gone through with `requests` (tests/oidc.py), the
Django test client playing the browser at the panel."""

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.http import HttpResponse
from django.test import Client

from handlers_admin.models import AuditEntry, MemberSettings
from handlers_admin.roles import Role, role_of
from handlers_admin.single_sign_on import role_from_claims
from tests.helpers import PASSWORD, make_member
from tests.oidc import Provider, params_of, with_param

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/oidc/sso/login/"
CALLBACK = "http://testserver/accounts/oidc/sso/login/callback/"


def start(client: Client, provider: Provider, next_url: str = "") -> str:
    """Presses the provider's button on the panel; returns the provider's address the panel sends the person to."""
    response = client.post(LOGIN + (f"?next={next_url}" if next_url else ""))
    assert response.status_code == 302, response.content
    assert response["Location"].startswith(f"{provider.issuer}/auth?")
    return response["Location"]


def sign_in(client: Client, provider: Provider, username: str) -> HttpResponse:
    """The whole round trip: the panel, the provider's pages, and back to the panel's callback."""
    return client.get(provider.sign_in(start(client, provider), username))


def signed_in_as(client: Client) -> User | None:
    user_id = client.session.get("_auth_user_id")
    return User.objects.get(pk=user_id) if user_id else None


def member(username: str) -> User:
    return User.objects.get(username=username)


def test_a_member_of_a_mapped_group_signs_in_with_its_role(sso: Provider) -> None:
    sso.set_accounts({"alice": ["ops"]})
    client = Client()

    response = sign_in(client, sso, "alice")

    assert response.status_code == 302
    assert response["Location"] == "/handlers/"
    alice = member("alice")
    assert signed_in_as(client) == alice
    assert role_of(alice) == Role.EDITOR
    assert alice.email == "alice@example.com"
    assert alice.socialaccount_set.get().uid == "alice"
    assert client.get("/accounts/me/").status_code == 200
    added = AuditEntry.objects.get(action=AuditEntry.Action.MEMBER_ADDED)
    assert (added.actor, added.handler_name, added.details) == (alice, "alice", {"source": "single_sign_on"})
    assert added.changes == [{"field": "role", "before": None, "after": "editor"}]
    entry = AuditEntry.objects.get(action=AuditEntry.Action.SIGN_IN)
    assert (entry.actor, entry.details) == (alice, {"method": "single_sign_on"})


def test_the_person_lands_on_the_page_they_asked_for(sso: Provider) -> None:
    sso.set_accounts({"alice": ["staff"]})
    client = Client()

    response = client.get(sso.sign_in(start(client, sso, next_url="/overview/"), "alice"))

    assert response["Location"] == "/overview/"


def test_the_most_powerful_of_several_mapped_groups_wins(sso: Provider) -> None:
    sso.set_accounts({"omar": ["staff", "not-mapped", "ops-admins", "ops"]})
    client = Client()

    sign_in(client, sso, "omar")

    omar = member("omar")
    assert signed_in_as(client) == omar
    assert role_of(omar) == Role.ADMIN
    assert omar.is_staff


@pytest.mark.parametrize("groups", [["marketing", "sales"], [], None], ids=["other groups", "no group", "no claim"])
def test_someone_no_mapped_group_vouches_for_is_refused(sso: Provider, groups: list[str] | None) -> None:
    sso.set_accounts({"mallory": groups})
    client = Client()

    response = sign_in(client, sso, "mallory")

    assert response.status_code == 403
    assert "Acme SSO knows you, but none of your groups there gives access to this panel." in response.text
    assert signed_in_as(client) is None
    assert not User.objects.exists()
    assert not AuditEntry.objects.filter(action__in=[AuditEntry.Action.SIGN_IN, AuditEntry.Action.MEMBER_ADDED])
    failed = AuditEntry.objects.get(action=AuditEntry.Action.SIGN_IN_FAILED)
    assert failed.actor_name == "mallory" and failed.outcome == AuditEntry.Outcome.REFUSED


def test_the_role_follows_the_groups_at_each_sign_in(sso: Provider) -> None:
    sso.set_accounts({"alice": ["ops"]})
    sign_in(Client(), sso, "alice")
    assert role_of(member("alice")) == Role.EDITOR

    sso.set_accounts({"alice": ["staff"]})
    later = Client()
    sign_in(later, sso, "alice")

    alice = member("alice")
    assert signed_in_as(later) == alice
    assert role_of(alice) == Role.VIEWER
    assert User.objects.count() == 1
    changed = AuditEntry.objects.get(action=AuditEntry.Action.MEMBER_CHANGED)
    assert (changed.actor, changed.handler_name, changed.details) == (alice, "alice", {"source": "single_sign_on"})
    assert changed.changes == [{"field": "role", "before": "editor", "after": "viewer"}]

    # The same groups again: nothing to record.
    sign_in(Client(), sso, "alice")
    assert AuditEntry.objects.filter(action=AuditEntry.Action.MEMBER_CHANGED).count() == 1

    sso.set_accounts({"alice": ["marketing"]})
    gone = Client()
    response = sign_in(gone, sso, "alice")
    assert response.status_code == 403
    assert signed_in_as(gone) is None


def test_an_answer_with_another_state_is_refused(sso: Provider) -> None:
    sso.set_accounts({"alice": ["ops"]})
    client = Client()
    callback = sso.sign_in(start(client, sso), "alice")
    assert callback.startswith(CALLBACK)

    response = client.get(with_param(callback, "state", "a-state-this-panel-never-sent"))

    assert response.status_code >= 400
    assert signed_in_as(client) is None
    assert not User.objects.exists()
    # The refusal was the state's: the provider's answer as it came signs in.
    client.get(callback)
    assert signed_in_as(client) == member("alice")


def test_an_id_token_with_another_nonce_is_refused(sso: Provider) -> None:
    sso.set_accounts({"alice": ["ops"]})
    client = Client()
    authorize = start(client, sso)
    tampered = with_param(authorize, "nonce", "a-nonce-of-another-sign-in")
    assert params_of(tampered)["state"] == params_of(authorize)["state"]

    response = client.get(sso.sign_in(tampered, "alice"))

    assert response.status_code == 403
    assert "The answer from Acme SSO did not belong to this sign-in, so it was refused." in response.text
    assert signed_in_as(client) is None
    assert not User.objects.exists()
    sign_in(client, sso, "alice")
    assert signed_in_as(client) == member("alice")


def test_a_member_an_admin_stopped_is_not_signed_in(sso: Provider) -> None:
    sso.set_accounts({"alice": ["ops"]})
    sign_in(Client(), sso, "alice")
    User.objects.filter(username="alice").update(is_active=False)
    client = Client()

    response = sign_in(client, sso, "alice")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/inactive/"
    assert signed_in_as(client) is None
    assert User.objects.count() == 1
    assert AuditEntry.objects.filter(action=AuditEntry.Action.SIGN_IN_FAILED, actor_name="alice").exists()
    assert AuditEntry.objects.filter(action=AuditEntry.Action.SIGN_IN).count() == 1


def test_a_stopped_password_member_gets_no_second_account_through_the_provider(sso: Provider) -> None:
    stopped = make_member("alice", Role.VIEWER)
    stopped.is_active = False
    stopped.save()
    sso.set_accounts({"alice": ["ops"]})
    accounts = json.loads(sso.accounts_file.read_text())
    accounts["alice"]["email"] = "alice@elsewhere.example"
    sso.accounts_file.write_text(json.dumps(accounts))
    client = Client()

    response = sign_in(client, sso, "alice")

    assert response.status_code == 403
    assert "The panel already has a member with your name or email address." in response.text
    assert signed_in_as(client) is None
    assert list(User.objects.values_list("username", flat=True)) == ["alice"]
    assert AuditEntry.objects.filter(action=AuditEntry.Action.SIGN_IN_FAILED, actor_name="alice").exists()


def test_cancelling_at_the_provider_signs_nobody_in(sso: Provider) -> None:
    sso.set_accounts({"alice": ["ops"]})
    client = Client()

    response = client.get(sso.cancel(start(client, sso)))

    assert response["Location"] == "/accounts/3rdparty/login/cancelled/"
    assert signed_in_as(client) is None
    assert not User.objects.exists()


def test_with_passwords_off_a_password_member_is_refused(sso: Provider, settings) -> None:
    settings.OIDC_ONLY = True
    make_member("pam", Role.EDITOR)
    client = Client()

    response = client.post("/accounts/login/", {"login": "pam", "password": PASSWORD})

    assert response.status_code == 200
    assert "Passwords are turned off for this panel: sign in with Acme SSO." in response.text
    assert signed_in_as(client) is None
    assert AuditEntry.objects.filter(action=AuditEntry.Action.SIGN_IN_FAILED, actor_name="pam").exists()


def test_with_passwords_off_a_break_glass_admin_signs_in_with_a_password(sso: Provider, settings) -> None:
    settings.OIDC_ONLY = True
    root = make_member("root", Role.ADMIN)
    MemberSettings.objects.update_or_create(user=root, defaults={"break_glass": True})
    client = Client()

    response = client.post("/accounts/login/", {"login": "root", "password": PASSWORD})

    assert response.status_code == 302
    assert signed_in_as(client) == root
    entry = AuditEntry.objects.get(action=AuditEntry.Action.SIGN_IN)
    assert (entry.actor, entry.details) == (root, {"method": "password"})


def test_the_sign_in_page_offers_the_provider_by_its_name(sso: Provider) -> None:
    response = Client().get("/accounts/login/")

    assert response.status_code == 200
    assert "Acme SSO" in response.text
    assert LOGIN in response.text
    # A link to the provider asks before leaving for it, naming it.
    assert "Acme SSO" in Client().get(LOGIN).text


def test_without_a_provider_the_sign_in_page_offers_none() -> None:
    response = Client().get("/accounts/login/")

    assert response.status_code == 200
    assert "/accounts/oidc/" not in response.text
    assert Client().post(LOGIN).status_code == 404


def test_the_panel_asks_the_provider_with_pkce_and_a_nonce(sso: Provider) -> None:
    first = params_of(start(Client(), sso))
    second = params_of(start(Client(), sso))

    assert first["client_id"] == sso.client_id
    assert first["redirect_uri"] == CALLBACK
    assert first["response_type"] == "code"
    assert "openid" in first["scope"].split()
    assert first["code_challenge_method"] == "S256"
    assert len(first["code_challenge"]) == 43
    assert len(first["nonce"]) >= 22
    assert first["state"]
    for name in ("code_challenge", "nonce", "state"):
        assert first[name] != second[name], name
    assert "client_secret" not in first


def test_the_client_secret_is_never_shown_nor_kept(sso: Provider) -> None:
    secret = sso.client_secret
    sso.set_accounts({"alice": ["ops"], "mallory": ["marketing"]})
    client = Client()
    pages = [client.get("/accounts/login/").text, client.get(LOGIN).text]
    sign_in(client, sso, "alice")
    pages.append(client.get("/accounts/me/").text)
    pages.append(sign_in(Client(), sso, "mallory").text)

    assert all(secret not in page for page in pages)
    entries = list(AuditEntry.objects.values())
    assert entries
    assert secret not in json.dumps(entries, default=str)
    assert secret not in json.dumps(dict(client.session), default=str)


@pytest.mark.parametrize(
    ("server_url", "form_action"),
    [
        pytest.param("", ["'self'"], id="no provider"),
        pytest.param(
            "https://sso.example.com/realms/team",
            ["'self'", "https://sso.example.com"],
            id="provider",
        ),
    ],
)
def test_the_content_security_policy_lets_forms_send_the_browser_to_the_provider(
    server_url: str, form_action: list[str]
) -> None:
    env = {
        "PATH": os.environ["PATH"],
        "READ_DOT_ENV": "false",
        "SECRET_KEY": "tests-only-secret-key-not-for-production-0123456789abcdef",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": "sqlite:///:memory:",
        "OIDC_SERVER_URL": server_url,
    }
    read = "import json, django; django.setup(); from django.conf import settings as s; "
    read += "print(json.dumps(s.SECURE_CSP['form-action']))"
    result = subprocess.run(
        [sys.executable, "-c", read], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, check=True
    )

    assert json.loads(result.stdout) == form_action


@pytest.mark.parametrize(
    ("claim", "roles", "expected"),
    [
        (["ops", "staff"], {}, Role.EDITOR),
        ("staff ops-admins", {}, Role.ADMIN),
        ("staff,ops", {}, Role.EDITOR),
        (["marketing"], {}, None),
        ([], {}, None),
        (None, {}, None),
        (42, {}, None),
        (["ops"], {"ops": "superuser"}, None),
    ],
    ids=["list", "space-separated", "comma-separated", "unknown", "empty", "missing", "not a list", "unknown role"],
)
def test_role_from_claims(settings, claim, roles: dict[str, str], expected: Role | None) -> None:
    settings.OIDC_ROLE_CLAIM = "groups"
    settings.OIDC_ROLES = {"ops-admins": "admin", "ops": "editor", "staff": "viewer"} | roles
    claims = {"sub": "someone", "roles": ["ops-admins"]} | ({} if claim is None else {"groups": claim})

    assert role_from_claims(claims) == expected


def test_role_from_claims_reads_the_claim_the_settings_name(settings) -> None:
    settings.OIDC_ROLE_CLAIM = "roles"
    settings.OIDC_ROLES = {"panel-editors": "editor"}

    assert role_from_claims({"groups": ["panel-editors"], "roles": ["panel-editors"]}) == Role.EDITOR
    assert role_from_claims({"groups": ["panel-editors"]}) is None


def test_a_password_member_connects_their_provider_account_and_signs_in_with_it_later(sso: Provider) -> None:
    alice = make_member("alice", Role.VIEWER)
    sso.set_accounts({"alice": ["ops"]})
    refused = sign_in(Client(), sso, "alice")
    assert refused.status_code == 403 and "Sign in with your password, then connect Acme SSO" in refused.text

    own = Client()
    assert own.post("/accounts/login/", {"login": "alice", "password": PASSWORD}).status_code == 302
    assert "/accounts/3rdparty/" in own.get("/accounts/me/").text
    response = own.post(LOGIN + "?process=connect")
    own.get(sso.sign_in(response["Location"], "alice"))
    assert alice.socialaccount_set.get().provider == "sso"
    assert role_of(member("alice")) == Role.EDITOR

    later = Client()
    sign_in(later, sso, "alice")
    assert signed_in_as(later) == alice
    assert list(User.objects.values_list("username", flat=True)) == ["alice"]


def test_once_connected_a_member_signs_in_only_through_the_provider(sso: Provider) -> None:
    alice = make_member("alice", Role.ADMIN)
    alice.socialaccount_set.create(provider="sso", uid="alice")
    client = Client()
    response = client.post("/accounts/login/", {"login": "alice", "password": PASSWORD})
    assert response.status_code == 403
    assert "Sign in with Acme SSO: your role here comes from your groups there." in response.text
    assert signed_in_as(client) is None
    assert AuditEntry.objects.filter(action=AuditEntry.Action.SIGN_IN_FAILED, actor_name="alice").exists()
    # A break-glass account keeps its password.
    MemberSettings.objects.create(user=alice, break_glass=True)
    assert Client().post("/accounts/login/", {"login": "alice", "password": PASSWORD}).status_code == 302


def test_a_provider_that_cannot_be_reached_is_said_so(db, settings) -> None:
    settings.OIDC_SERVER_URL = "http://127.0.0.1:9"
    app = {"provider_id": "sso", "name": "Acme SSO", "client_id": "panel", "secret": "s", "settings": {}}
    app["settings"] = {"server_url": settings.OIDC_SERVER_URL}
    settings.SOCIALACCOUNT_PROVIDERS = {"openid_connect": {"OAUTH_PKCE_ENABLED": True, "APPS": [app]}}
    settings.OIDC_PROVIDER_NAME = "Acme SSO"
    client = Client()
    response = client.post(LOGIN)
    assert response.status_code == 401
    assert "Signing in with Acme SSO did not work" in response.text
    assert "_auth_user_id" not in client.session


def test_with_passwords_off_a_password_confirms_nothing_and_cannot_be_changed(settings) -> None:
    settings.OIDC_ONLY = True
    vera = make_member("vera", Role.EDITOR)
    client = Client()
    client.force_login(vera)
    refused = client.post("/accounts/reauthenticate/", {"password": PASSWORD})
    assert refused.status_code == 200 and "_auth_user_id" in client.session
    assert client.get("/accounts/2fa/totp/activate/")["Location"].startswith("/accounts/reauthenticate/")
    changed = client.post(
        "/accounts/password/change/",
        {"oldpassword": PASSWORD, "password1": "a-new-long-password-42", "password2": "a-new-long-password-42"},
    )
    assert "Passwords are turned off for this panel" in changed.text
    assert User.objects.get(pk=vera.pk).check_password(PASSWORD)
