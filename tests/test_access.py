from collections.abc import Iterator

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

PUBLIC = {"/accounts/login/", "/healthz", "/favicon.ico", "/language/"}
SIGN_IN_PAGES = ("/accounts/login/", "/admin/login/")


def concrete_urls(patterns: list, prefix: str = "") -> Iterator[str]:
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from concrete_urls(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern):
            url = "/" + route.lstrip("^").rstrip("$").replace("\\Z", "").replace("\\", "")
            for converter, sample in (("<int:", "1"), ("<path:", "x"), ("<str:", "x"), ("<slug:", "x"), ("<", "x")):
                while converter in url:
                    start = url.index(converter)
                    url = url[:start] + sample + url[url.index(">", start) + 1 :]
            yield url


ALL_URLS = sorted({url for url in concrete_urls(get_resolver().url_patterns) if "(?P" not in url and "(" not in url})


def test_the_walk_finds_the_panel_pages() -> None:
    assert {"/handlers/", "/overview/", "/audit/", "/healthz"} <= set(ALL_URLS)


@pytest.mark.django_db
@pytest.mark.parametrize("url", [u for u in ALL_URLS if u not in PUBLIC and not u.startswith("/admin/login")])
@pytest.mark.parametrize("method", ["get", "post"])
def test_every_page_sends_anonymous_visitors_to_sign_in(client: Client, url: str, method: str) -> None:
    response = getattr(client, method)(url)
    assert response.status_code == 302, url
    assert response["Location"].startswith(SIGN_IN_PAGES), (url, response["Location"])


@pytest.mark.django_db
def test_sign_in_healthz_and_the_icon_are_public(client: Client) -> None:
    assert client.get(reverse("login")).status_code == 200
    assert client.get(reverse("healthz")).status_code == 200
    assert client.get("/favicon.ico")["Location"].endswith("favicon.svg")


def test_home_redirects_to_handlers(viewer_client: Client) -> None:
    response = viewer_client.get("/")
    assert response.status_code == 302 and response["Location"] == reverse("handler_list")
