import pytest
import requests
import responses
from django.test import Client, override_settings
from responses import matchers

from tests.api import HTMX, LIST_URL, handler_json, page_json

REFRESH = {"page": "1", "results_per_page": "1000"}


def test_an_end_before_the_start_is_reported(api: responses.RequestsMock, viewer_client: Client) -> None:
    api.get(LIST_URL, json=page_json([]))
    response = viewer_client.get("/handlers/?datetime_start=2026-03-01&datetime_end=2026-02-01")
    assert "The end of the range is before its start." in response.text


def test_an_htmx_request_gets_only_the_table_and_the_canonical_url(
    api: responses.RequestsMock, viewer_client: Client
) -> None:
    api.get(LIST_URL, json=page_json([handler_json()]))
    response = viewer_client.get("/handlers/?type=email&search=&page=abc", headers=HTMX)
    assert response.text.lstrip().startswith('<section id="handler-table"')
    assert "<html" not in response.text and 'id="filters"' not in response.text
    assert response["HX-Push-Url"] == "/handlers/?type=email"


def test_odd_names_show_exactly_as_written(api: responses.RequestsMock, viewer_client: Client) -> None:
    api.get(LIST_URL, json=page_json([handler_json(name='<script>alert("x")</script> & “Ops” 運用')]))
    text = viewer_client.get("/handlers/").text
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; “Ops” 運用" in text
    assert '<script>alert("x")' not in text


def test_sort_headers_show_the_direction_and_flip_it(api: responses.RequestsMock, viewer_client: Client) -> None:
    api.get(LIST_URL, json=page_json([handler_json()]))
    text = viewer_client.get("/handlers/?order_by=last_datetime&order_type=DESC&type=email").text
    assert 'aria-sort="descending"' in text
    assert 'href="?type=email&amp;order_by=last_datetime&amp;order_type=ASC"' in text


def test_viewers_see_the_status_without_a_switch(api: responses.RequestsMock, viewer_client: Client) -> None:
    api.get(LIST_URL, json=page_json([handler_json(is_enabled=2)]))
    text = viewer_client.get("/handlers/").text
    assert 'role="switch"' not in text and "Waiting for confirmation" in text


def test_editors_see_a_named_switch(api: responses.RequestsMock, editor_client: Client) -> None:
    api.get(LIST_URL, json=page_json([handler_json(is_enabled=0)]))
    text = editor_client.get("/handlers/").text
    assert 'role="switch"' in text and 'aria-label="Enabled: Work email"' in text


def test_no_handlers_at_all_invites_to_create_one(api: responses.RequestsMock, viewer_client: Client) -> None:
    api.get(LIST_URL, json=page_json([]))
    assert "No notification channels yet" in viewer_client.get("/handlers/").text


def test_nothing_matching_offers_to_clear_filters(api: responses.RequestsMock, viewer_client: Client) -> None:
    api.get(LIST_URL, json=page_json([]))
    text = viewer_client.get("/handlers/?search=zzz").text
    assert "No channel matches these filters." in text and "Clear filters" in text


@pytest.mark.parametrize(
    ("mock", "message"),
    [
        (
            {"status": 401, "json": {"errors": [{"title": "You do not have access to the API.", "status": 401}]}},
            "You do not have access to the API.",
        ),
        ({"status": 404, "body": "<html>Not Found</html>", "content_type": "text/html"}, "switched off"),
        (
            {
                "status": 429,
                "json": {"errors": [{"title": "Slow down", "status": 429}]},
                "headers": {"X-RateLimit-Reset": "20"},
            },
            "Try again in 20 seconds",
        ),
        ({"status": 500, "body": "<h1>Fatal</h1>", "content_type": "text/html"}, "error 500"),
        ({"body": requests.ConnectionError("down")}, "could not be reached"),
        ({"body": b'{"data": [}', "content_type": "application/json"}, "cannot read"),
    ],
)
def test_api_errors_show_above_the_table_with_the_filters_usable(
    api: responses.RequestsMock, viewer_client: Client, mock: dict, message: str
) -> None:
    api.get(LIST_URL, **mock)
    response = viewer_client.get("/handlers/?search=ops")
    assert response.status_code == 200
    assert message in response.text and 'id="filters"' in response.text and 'value="ops"' in response.text
    assert "No notification channels yet" not in response.text and "No channel matches" not in response.text


def test_the_per_page_in_use_is_the_one_shown(api: responses.RequestsMock, viewer_client: Client) -> None:
    api.get(LIST_URL, json=page_json([handler_json()]))
    for query in ("", "?results_per_page=37"):
        text = viewer_client.get(f"/handlers/{query}").text
        assert '<option value="25" selected>' in text


@override_settings(API_BASE_URL="", API_KEY="")
def test_a_panel_without_api_settings_tells_admins_what_to_set_and_others_whom_to_ask(
    viewer_client: Client, admin_client: Client
) -> None:
    response = viewer_client.get("/handlers/")
    assert response.status_code == 200
    assert "Ask an admin of the panel" in response.text and "API_BASE_URL" not in response.text
    assert "set API_BASE_URL and API_KEY" in admin_client.get("/handlers/").text


def test_times_show_in_the_members_own_time_zone(api: responses.RequestsMock, viewer_client: Client) -> None:
    api.get(LIST_URL, json=page_json([handler_json(last_datetime="2026-11-20 10:00:00")]))
    viewer_client.cookies["tz"] = "Asia/Tokyo"
    assert 'title="2026-11-20 19:00:00 JST · 2026-11-20 10:00:00 UTC"' in viewer_client.get("/handlers/").text
    viewer_client.cookies["tz"] = "../../etc/passwd"
    assert 'title="2026-11-20 10:00:00 UTC"' in viewer_client.get("/handlers/").text


def test_the_table_reads_the_mirror_refreshed_with_one_call(api: responses.RequestsMock, viewer_client: Client) -> None:
    api.get(
        LIST_URL,
        json=page_json([handler_json(id=i, name=f"Handler {i}") for i in range(1, 138)], per_page=1000),
        match=[matchers.query_param_matcher(REFRESH)],
    )
    text = viewer_client.get("/handlers/?page=2").text
    assert 'id="filters"' in text and 'id="handler-table"' in text
    assert "26–50 of 137" in text
    assert 'href="?page=3" hx-get="?page=3"' in text and 'href="?" hx-get="?"' in text
    for query in ("?search=handler+1", "?order_by=name&order_type=DESC", "?page=3", "?is_enabled=1"):
        assert viewer_client.get(f"/handlers/{query}").status_code == 200
    assert len(api.calls) == 1


@override_settings(TIME_ZONE="Europe/Paris")
def test_created_dates_are_read_in_the_members_time_zone(api: responses.RequestsMock, viewer_client: Client) -> None:
    api.get(
        LIST_URL,
        json=page_json(
            [
                handler_json(id=1, name="Before", datetime="2026-01-31 22:59:59"),
                handler_json(id=2, name="First minute", datetime="2026-01-31 23:00:00"),
                handler_json(id=3, name="Last second", datetime="2026-02-01 22:59:59"),
                handler_json(id=4, name="After", datetime="2026-02-01 23:00:00"),
            ],
            per_page=1000,
        ),
    )
    text = viewer_client.get("/handlers/?datetime_start=2026-02-01&datetime_end=2026-02-01").text
    assert "First minute" in text and "Last second" in text
    assert "Before" not in text and "After" not in text


@pytest.mark.parametrize(
    ("query", "shown"),
    [
        ("page=abc", None),
        ("page=-4", None),
        ("results_per_page=37", None),
        ("order_by=password&order_type=sideways", None),
        ("type=pigeon", "“pigeon” is not a channel type here"),
        ("datetime_start=yesterday", "Enter a date like 2026-01-31."),
        ("is_enabled=maybe", "Status:"),
        ("activity=soon", "Last activity:"),
    ],
)
def test_invalid_values_are_corrected_or_reported_never_a_500(
    api: responses.RequestsMock, viewer_client: Client, query: str, shown: str | None
) -> None:
    api.get(LIST_URL, json=page_json([handler_json()]), match=[matchers.query_param_matcher(REFRESH)])
    response = viewer_client.get(f"/handlers/?{query}")
    assert response.status_code == 200
    if shown:
        assert "Some filters were not applied" in response.text and shown in response.text
    else:
        assert "Some filters were not applied" not in response.text


def test_a_page_past_the_end_shows_the_last_page(api: responses.RequestsMock, viewer_client: Client) -> None:
    api.get(LIST_URL, json=page_json([handler_json(id=i) for i in range(1, 31)], per_page=1000))
    assert "26–30 of 30" in viewer_client.get("/handlers/?page=9").text


@override_settings(API_VARIANT="basic")
def test_the_basic_variant_has_every_filter_but_no_twilio(api: responses.RequestsMock, viewer_client: Client) -> None:
    api.get(LIST_URL, json=page_json([handler_json()]), match=[matchers.query_param_matcher(REFRESH)])
    text = viewer_client.get("/handlers/?type=email&search=work&order_by=name").text
    assert 'name="search"' in text and 'name="type"' in text and 'name="is_enabled"' in text
    assert 'name="activity"' in text and "aria-sort" in text and "Work email" in text
    assert "twilio" not in text.lower()


def test_clear_filters_is_offered_whenever_a_filter_is_set(api: responses.RequestsMock, viewer_client: Client) -> None:
    api.get(LIST_URL, json=page_json([handler_json()], per_page=1000))
    assert "Clear filters" not in viewer_client.get("/handlers/").text
    assert "Clear filters" not in viewer_client.get("/handlers/?page=2&order_by=name").text
    assert "Clear filters" in viewer_client.get("/handlers/?type=email").text
