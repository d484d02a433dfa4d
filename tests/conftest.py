import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import responses
from django.conf import settings
from django.contrib.auth.models import User
from django.core.cache import cache
from django.test import Client
from hypothesis import settings as hypothesis_settings

from handlers_admin.roles import Role
from tests.helpers import known_server, make_member, signed_in

# Property tests check what is accepted, not how fast: a slow example on a loaded machine is not a failure.
hypothesis_settings.register_profile("panel", deadline=None)
hypothesis_settings.load_profile("panel")


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    cache.clear()


@pytest.fixture(autouse=True)
def _known_server(request) -> None:
    """A test with a database talks to a server the panel already checked (its update keeps channels whole), so
    that only the tests of the self-check pay its calls: they ask for `unchecked_server`, or start the sandbox
    with `checked=False`."""
    if "unchecked_server" not in request.fixturenames and (database := _database_of(request)):
        request.getfixturevalue(database)
        known_server()


def _database_of(request) -> str | None:
    """The database fixture a test uses, or None when it uses none."""
    names = set(request.fixturenames)
    marker = request.node.get_closest_marker("django_db")
    if not (names & {"db", "transactional_db"} or marker):
        return None
    transactional = "transactional_db" in names or "live_server" in names
    return "transactional_db" if transactional or (marker and marker.kwargs.get("transaction")) else "db"


@pytest.fixture
def unchecked_server() -> None:
    """The server the test talks to was never checked: the first change runs the self-check."""


@pytest.fixture
def api():
    """The remote API, mocked with `responses`: a call nobody registered fails the test."""
    with responses.RequestsMock() as mock:
        yield mock


@pytest.fixture
def viewer(db) -> User:
    return make_member("vera", Role.VIEWER)


@pytest.fixture
def editor(db) -> User:
    return make_member("eddie", Role.EDITOR)


@pytest.fixture
def admin_member(db) -> User:
    return make_member("ada", Role.ADMIN)


@pytest.fixture
def viewer_client(viewer) -> Client:
    return signed_in(viewer)


@pytest.fixture
def editor_client(editor) -> Client:
    return signed_in(editor)


@pytest.fixture
def admin_client(admin_member) -> Client:
    return signed_in(admin_member)


@pytest.fixture(scope="session")
def production_static(tmp_path_factory) -> str:
    """A collected static root with its manifest, for processes run with DEBUG off, as production serves them."""
    root = tmp_path_factory.mktemp("staticfiles")
    env = os.environ | {
        "READ_DOT_ENV": "false",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "SECRET_KEY": "tests-only-secret-key-not-for-production-0123456789abcdef",
        "DATABASE_URL": "sqlite:///:memory:",
        "STATIC_ROOT": str(root),
    }
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=settings.BASE_DIR,
        env=env,
        check=True,
    )
    return str(root)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    return {
        **browser_type_launch_args,
        "executable_path": os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"),
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-quic",
            "--no-first-run",
        ],
    }


@pytest.fixture
def sandbox(tmp_path, settings, request):
    """A sandbox API over real HTTP on a free port, seeded afresh, with the panel pointed at it."""
    import dataclasses

    from sandbox.seed import foreign_rows, seed_rows
    from sandbox.server import Quirks, SandboxApi, serve
    from sandbox.store import Store

    servers = []

    def start(
        variant: str = "full",
        rate_limit: int = 0,
        seed: bool = True,
        quirks: Quirks | None = None,
        foreign_types: bool = False,
        update: str = "works",
        types: frozenset[str] | None = None,
        checked: bool = True,
    ):
        """`checked`: the panel already knows what this server's update does, so no self-check runs before a
        change (a server whose update works is known to keep channels; tests of the other kinds let it run)."""
        store = Store(tmp_path / f"sandbox-{len(servers)}.sqlite3")
        if seed:
            store.replace_all(seed_rows(variant) + (foreign_rows() if foreign_types else []))
        quirks = quirks or Quirks()
        if update != "works":
            quirks = dataclasses.replace(quirks, update=update)
        app = SandboxApi(
            store, settings.API_KEY, variant=variant, rate_limit=rate_limit, quirks=quirks, enabled_types=types
        )
        server = serve(app, port=0)
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        servers.append(server)
        settings.API_BASE_URL = server.url
        settings.API_VARIANT = variant
        if checked and update == "works" and _database_of(request):
            known_server()
        return server

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture
def member_page(page, live_server):
    """A browser page signed in as a new member of the given role; it fails the test on a CSP violation."""
    violations: list[str] = []
    page.on(
        "console",
        lambda message: violations.append(message.text) if "Content Security Policy" in message.text else None,
    )

    def open_as(role: Role, username: str = "pat"):
        user = make_member(username, role)
        client = Client()
        client.force_login(user)
        page.context.add_cookies(
            [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
        )
        return page

    yield open_as
    assert violations == []


@pytest.fixture
def mirrored(db):
    """Puts handlers (as the API's JSON) into the panel's mirror as read from the product, refreshed just now, so no
    page refreshes it."""
    from django.utils import timezone

    from handlers_admin import mirror
    from handlers_admin.api import answers
    from handlers_admin.models import MirrorRefresh

    def put(*items: dict) -> None:
        for item in items:
            mirror.learn(answers.handler(item))
        MirrorRefresh.objects.update_or_create(
            pk=1, defaults={"finished": timezone.now(), "calls": 1, "count": len(items)}
        )

    return put


@pytest.fixture
def receiver(settings):
    """A local receiver that test messages go to, after every check, with the services' names public."""
    from tests.receiver import PUBLIC, running_receiver

    with running_receiver() as server:
        settings.TEST_SEND_RECEIVER = f"http://127.0.0.1:{server.server_address[1]}"
        settings.TEST_SEND_RESOLVER = dict(PUBLIC)
        yield server


AXE = Path(__file__).resolve().parent.parent / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture
def accessible():
    """Checks a page with axe-core (installed by scripts/test from the npm registry) and for sideways scroll."""
    assert AXE.exists(), "axe-core is missing: run scripts/test, which installs it with npm"

    def check(page, where: str) -> None:
        page.evaluate(AXE.read_text() + "\n;0")
        results = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
        violations = [
            (violation["id"], violation["impact"], [node["target"] for node in violation["nodes"]][:3])
            for violation in results["violations"]
        ]
        assert violations == [], (where, violations)
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, (where, f"{overflow}px of sideways scroll")

    return check


@pytest.fixture(scope="session")
def oidc_provider(tmp_path_factory):
    """A real OpenID Connect provider (node-oidc-provider) for this test process, with the panel as its client."""
    from tests.oidc import running_provider

    with running_provider(tmp_path_factory.mktemp("oidc")) as provider:
        yield provider


@pytest.fixture
def sso(oidc_provider, settings):
    """The panel signing in through `oidc_provider`, named "Acme SSO", whose groups ops-admins, ops and staff give
    the admin, editor and viewer roles; the provider knows nobody until the test tells it (`set_accounts`)."""
    oidc_provider.set_accounts({})
    settings.OIDC_SERVER_URL = oidc_provider.issuer
    settings.OIDC_PROVIDER_NAME = "Acme SSO"
    settings.OIDC_ROLE_CLAIM = "groups"
    settings.OIDC_ROLES = {"ops-admins": "admin", "ops": "editor", "staff": "viewer"}
    app = oidc_provider.app(name="Acme SSO", provider_id=settings.OIDC_PROVIDER_ID)
    settings.SOCIALACCOUNT_PROVIDERS = {
        **settings.SOCIALACCOUNT_PROVIDERS,
        "openid_connect": {**settings.SOCIALACCOUNT_PROVIDERS["openid_connect"], "APPS": [app]},
    }
    # The provider's button is a form the browser may send there, as config/settings.py allows for OIDC_SERVER_URL
    # (test_single_sign_on.py checks that it does).
    settings.SECURE_CSP = {
        **settings.SECURE_CSP,
        "form-action": [*settings.SECURE_CSP["form-action"], oidc_provider.issuer],
    }
    return oidc_provider
