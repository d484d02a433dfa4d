import re
from collections.abc import Iterator

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse

from handlers_admin.views import account

PUBLIC = {
    "/accounts/login/",
    "/healthz",
    "/favicon.ico",
    "/language/",
    # What allauth tells a visitor who is not signed in: a stopped member's account, a sign-in they cancelled at the
    # provider, the provider's sign-in and its way back.
    "/accounts/inactive/",
    "/accounts/3rdparty/login/cancelled/",
    "/accounts/oidc/x/login/",
    "/accounts/oidc/x/login/callback/",
}
# allauth's pages this panel does not use, which say so to anyone (each of their URLs, as the walk finds them).
NOT_USED = {
    "/accounts/signup/",
    "/accounts/email/",
    "/accounts/password/set/",
    "/accounts/password/reset/",
    "/accounts/password/reset/done/",
    "/accounts/password/reset/key/done/",
    "/accounts/password/reset/key/x-x/",
    "/accounts/confirm-email/",
    "/accounts/confirm-email/x/",
}
SIGN_IN_PAGES = ("/accounts/login/", "/admin/login/")


def concrete_urls(patterns: list, prefix: str = "") -> Iterator[str]:
    for pattern in patterns:
        route = prefix + str(pattern.pattern).lstrip("^")
        if isinstance(pattern, URLResolver):
            yield from concrete_urls(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern):
            url = "/" + route.lstrip("^").rstrip("$").replace("\\Z", "").replace("\\", "")
            url = re.sub(r"\(\?P<\w+>[^)]*\)", "x", url)
            for converter, sample in (("<int:", "1"), ("<path:", "x"), ("<str:", "x"), ("<slug:", "x"), ("<", "x")):
                while converter in url:
                    start = url.index(converter)
                    url = url[:start] + sample + url[url.index(">", start) + 1 :]
            yield url


ALL_URLS = sorted({url for url in concrete_urls(get_resolver().url_patterns) if "(" not in url})
NOT_HERE = {url for url in ALL_URLS if resolve(url).func is account.not_here}


def test_the_walk_finds_the_panel_pages_and_allauths() -> None:
    found = set(ALL_URLS)
    assert {"/handlers/", "/overview/", "/audit/", "/healthz"} <= found
    assert {"/accounts/2fa/", "/accounts/2fa/totp/activate/", "/accounts/sessions/", "/accounts/me/"} <= found
    assert found >= PUBLIC
    assert NOT_USED <= NOT_HERE


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url", [u for u in ALL_URLS if u not in PUBLIC | NOT_HERE and not u.startswith("/admin/login")]
)
@pytest.mark.parametrize("method", ["get", "post"])
def test_every_page_sends_anonymous_visitors_to_sign_in(client: Client, url: str, method: str) -> None:
    response = getattr(client, method)(url)
    assert response.status_code == 302, url
    assert response["Location"].startswith(SIGN_IN_PAGES), (url, response["Location"])


@pytest.mark.django_db
@pytest.mark.parametrize("url", sorted(NOT_HERE))
def test_allauths_pages_the_panel_does_not_use_say_so(client: Client, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 404
    assert "added, and their passwords reset, by an admin" in response.text


@pytest.mark.django_db
def test_sign_in_healthz_and_the_icon_are_public(client: Client) -> None:
    assert client.get(reverse("account_login")).status_code == 200
    assert client.get(reverse("healthz")).status_code == 200
    assert client.get("/favicon.ico")["Location"].endswith("favicon.svg")


def test_home_redirects_to_handlers(viewer_client: Client) -> None:
    response = viewer_client.get("/")
    assert response.status_code == 302 and response["Location"] == reverse("handler_list")
