"""A real OpenID Connect provider for the tests (tests/oidc_provider/provider.mjs, on node-oidc-provider, installed by
scripts/test with npm), the accounts it knows, and a driver that goes through its own sign-in and consent pages with
`requests`, as a person's browser would."""

import json
import secrets
import select
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import requests

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "tests" / "oidc_provider" / "provider.mjs"
INSTALLED = ROOT / "node_modules" / "oidc-provider" / "package.json"
# The password of every account at the provider (never one of the panel's).
PROVIDER_PASSWORD = "provider-side-password-7"
CLIENT_ID = "handlers-panel-tests"


class ProviderRefused(AssertionError):
    """The provider showed an error page, or its sign-in form again, where a test expected to get through."""


@dataclass(frozen=True)
class Form:
    action: str
    fields: dict[str, str]
    password_field: str | None
    text_field: str | None


class _Forms(HTMLParser):
    """The POST forms of a page (their hidden values, and which fields take a name and a password) and its links."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []
        self.links: dict[str, str] = {}
        self._form: dict[str, Any] | None = None
        self._link: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {key: value or "" for key, value in attrs}
        if tag == "form" and values.get("method", "get").lower() == "post":
            self._form = {"action": values.get("action", ""), "fields": {}, "password": None, "text": None}
        elif tag == "input" and self._form is not None and (name := values.get("name")):
            kind = values.get("type", "text").lower()
            if kind == "password":
                self._form["password"] = name
            elif kind in {"text", "email"} and self._form["text"] is None:
                self._form["text"] = name
            self._form["fields"][name] = values.get("value", "")
        elif tag == "a" and "href" in values:
            self._link = [values["href"]]

    def handle_data(self, data: str) -> None:
        if self._link is not None:
            self._link.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self._form is not None:
            form, self._form = self._form, None
            self.forms.append(Form(form["action"], form["fields"], form["password"], form["text"]))
        elif tag == "a" and self._link is not None:
            href, *text = self._link
            self.links["".join(text).strip()] = href
            self._link = None


def read_page(html: str) -> _Forms:
    parser = _Forms()
    parser.feed(html)
    return parser


def with_param(url: str, name: str, value: str) -> str:
    """The same address with one query parameter set to another value."""
    parts = urlsplit(url)
    query = [(key, value if key == name else old) for key, old in parse_qsl(parts.query, keep_blank_values=True)]
    return urlunsplit(parts._replace(query=urlencode(query)))


def params_of(url: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))


@dataclass
class Provider:
    """The running provider: its issuer, the panel's client at it, and the file of the accounts it knows."""

    issuer: str
    client_id: str
    client_secret: str
    accounts_file: Path

    def set_accounts(self, accounts: dict[str, list[str] | str | None]) -> None:
        """Who the provider knows, by name, with their groups (None: no groups claim at all). The provider reads
        the file at each request, so a change applies from the next sign-in on."""
        self.accounts_file.write_text(
            json.dumps(
                {
                    username: {
                        "password": PROVIDER_PASSWORD,
                        "email": f"{username}@example.com",
                        "name": username.title(),
                        **({} if groups is None else {"groups": groups}),
                    }
                    for username, groups in accounts.items()
                }
            )
        )

    def app(self, *, name: str, provider_id: str = "sso") -> dict[str, Any]:
        """The panel's entry for this provider in SOCIALACCOUNT_PROVIDERS["openid_connect"]["APPS"]."""
        return {
            "provider_id": provider_id,
            "name": name,
            "client_id": self.client_id,
            "secret": self.client_secret,
            "settings": {"server_url": self.issuer},
        }

    def sign_in(self, authorize_url: str, username: str, password: str = PROVIDER_PASSWORD) -> str:
        """Goes from the panel's redirect to the provider through its sign-in and consent pages, and returns the
        address it sends the person back to (the panel's callback, with its code and state), without following
        it."""
        browser = requests.Session()
        reached = self._follow(browser, browser.get(authorize_url, allow_redirects=False, timeout=10))
        signed_in = False
        for _step in range(4):
            if isinstance(reached, str):
                return reached
            forms = read_page(reached.text).forms
            if reached.status_code != 200 or not forms or (forms[0].password_field and signed_in):
                raise ProviderRefused(f"{reached.status_code}: {reached.text}")
            form = forms[0]
            data = dict(form.fields)
            if form.password_field:
                data[form.text_field or "username"] = username
                data[form.password_field] = password
                signed_in = True
            posted = browser.post(urljoin(reached.url, form.action), data=data, allow_redirects=False, timeout=10)
            reached = self._follow(browser, posted)
        raise ProviderRefused("the provider never sent the person back")

    def cancel(self, authorize_url: str) -> str:
        """Opens the provider's sign-in page and follows its Cancel link; returns where the provider sends the
        person."""
        browser = requests.Session()
        reached = self._follow(browser, browser.get(authorize_url, allow_redirects=False, timeout=10))
        assert isinstance(reached, requests.Response), reached
        cancel = urljoin(reached.url, read_page(reached.text).links["Cancel"])
        left = self._follow(browser, browser.get(cancel, allow_redirects=False, timeout=10))
        if isinstance(left, str):
            return left
        raise ProviderRefused(f"{left.status_code}: {left.text}")

    def _follow(self, browser: requests.Session, response: requests.Response) -> requests.Response | str:
        """Follows the provider's redirects: the page of its own it stops at, or the address elsewhere it sends the
        person to."""
        while response.is_redirect:
            location = urljoin(response.url, response.headers["Location"])
            if not location.startswith(f"{self.issuer}/"):
                return location
            response = browser.get(location, allow_redirects=False, timeout=10)
        return response


@contextmanager
def running_provider(directory: Path) -> Iterator[Provider]:
    """Starts the provider on a free port of 127.0.0.1, with no account yet, and stops it after the block. Its
    warnings go to `provider.log` in `directory`."""
    node = shutil.which("node")
    assert node, "Node.js is missing: the single sign-on tests run an OpenID Connect provider on it"
    assert INSTALLED.exists(), "oidc-provider is missing: run scripts/test, which installs it with npm"
    accounts_file = directory / "accounts.json"
    accounts_file.write_text("{}")
    client_secret = secrets.token_urlsafe(24)
    log = (directory / "provider.log").open("w")
    process = subprocess.Popen(
        [node, str(SCRIPT), "--port", "0"],
        cwd=ROOT,
        env={
            "PATH": str(Path(node).parent),
            "OIDC_TEST_CLIENT_ID": CLIENT_ID,
            "OIDC_TEST_CLIENT_SECRET": client_secret,
            "OIDC_TEST_ACCOUNTS": str(accounts_file),
        },
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
    )
    try:
        assert process.stdout is not None
        ready, _, _ = select.select([process.stdout], [], [], 30)
        line = process.stdout.readline() if ready else ""
        if not line.startswith("ready "):
            log.flush()
            raise RuntimeError(f"the OpenID Connect provider did not start: {(directory / 'provider.log').read_text()}")
        yield Provider(
            issuer=line.split()[1],
            client_id=CLIENT_ID,
            client_secret=client_secret,
            accounts_file=accounts_file,
        )
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
