"""Every query parameter of every page takes any input: a message on the field, never a 500."""

import pytest
import responses
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.api import handler_json, one_url
from tests.test_access import ALL_URLS

GET_PAGES = [
    url
    for url in ALL_URLS
    if not url.startswith("/admin/") and url not in ("/accounts/logout/", "/handlers/refresh/")
    and not url.endswith(("/toggle/", "/test/", "/delete/"))
]  # fmt: skip
PARAMETERS = [
    "page", "results_per_page", "search", "type", "is_enabled", "activity", "datetime_start", "datetime_end",
    "order_by", "order_type", "handler", "member", "action", "date_from", "date_to", "next", "label", "owner",
]  # fmt: skip
ODD_VALUES = [
    "²", "١٢", "9999-12-31", "0001-01-01", "-1", "0", "99999999999999999999999", "", " ", "2026-02-30",
    "2026-13-01", "2026-01-01T25:00", "%", "'; drop table", "\x00", "ﬁ", "🙂", "1e9", "NaN", "true",
]  # fmt: skip
VALUES = st.one_of(st.sampled_from(ODD_VALUES), st.text(max_size=40), st.integers().map(str), st.dates().map(str))
QUERIES = st.lists(st.tuples(st.sampled_from(PARAMETERS), VALUES), max_size=6)


@pytest.fixture
def browsing(api: responses.RequestsMock, mirrored, editor_client: Client) -> Client:
    mirrored(handler_json(id=1), handler_json(id=2, type="slack", settings={"slack": "https://hooks.slack.com/x"}))
    api.assert_all_requests_are_fired = False
    api.get(one_url(1), json={"data": handler_json(id=1)})
    return editor_client


@pytest.mark.parametrize("url", GET_PAGES)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=QUERIES)
def test_no_query_string_makes_a_500(browsing: Client, url: str, query: list[tuple[str, str]]) -> None:
    response = browsing.get(url, query, headers={"HX-Request": "true"} if len(query) % 2 else {})
    assert response.status_code < 500, (url, query)


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("/audit/?handler=%C2%B2", None),
        ("/handlers/new/fields/?handler=%C2%B2&type=email", None),
        ("/handlers/?datetime_end=9999-12-31", "Enter a date between 1900 and 9000."),
        ("/handlers/?datetime_start=0001-01-01", "Enter a date between 1900 and 9000."),
        ("/handlers/export.csv?datetime_end=9999-12-31", None),
        ("/audit/?handler=99999999999999999999999999", None),
    ],
)
def test_the_inputs_that_once_crashed_a_page(browsing: Client, url: str, shown: str | None) -> None:
    browsing.cookies["tz"] = "America/New_York"  # west of UTC: the end of 9999 would overflow
    response = browsing.get(url)
    assert response.status_code == 200
    if shown:
        assert shown in response.text


@pytest.mark.parametrize("target", ["foo", "#top", "//evil.example/", "https://evil.example/", "/\\evil.example"])
def test_a_next_that_is_not_a_local_path_goes_to_the_list(
    api: responses.RequestsMock, mirrored, editor_client: Client, target: str
) -> None:
    mirrored(handler_json(id=7, type="slack", settings={"slack": "https://hooks.slack.com/x"}))
    api.post(one_url(7), json={"data": {"id": 7}})
    response = editor_client.post("/handlers/7/toggle/", {"next": target})
    assert response.status_code == 302 and response["Location"] == "/handlers/"
