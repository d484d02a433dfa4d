from datetime import UTC, datetime, timedelta

import pytest
import responses
from django.test import Client

from handlers_admin import mirror
from handlers_admin.api import Handler, State
from handlers_admin.overview import summarize
from tests.api import LIST_URL, handler_json, mock_all, page_json
from tests.helpers import translated

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def handler(id: int, state: State = State.ON, used: timedelta | None = None, type: str = "email") -> Handler:
    return Handler(id, type, f"H{id}", {}, state, NOW - timedelta(days=400), NOW - used if used is not None else None)


KNOWN = [
    handler(1, used=timedelta(hours=2)),
    handler(2, used=timedelta(hours=30)),
    handler(3, used=timedelta(days=6, hours=23)),
    handler(4, State.OFF, used=timedelta(days=7)),
    handler(5, used=timedelta(days=29), type="slack"),
    handler(6, used=timedelta(days=31), type="slack"),
    handler(7, State.PENDING, used=timedelta(days=89)),
    handler(8, used=timedelta(days=90), type="x"),
    handler(9, used=timedelta(days=700), type="x"),
    handler(10, used=None, type="webhook"),
    handler(11, State.OFF, used=None, type="webhook"),
]


@pytest.fixture
def known(db) -> list[Handler]:
    for item in KNOWN:
        mirror.learn(item)
    return KNOWN


def test_activity_counts_at_a_fixed_now_and_their_boundaries(known: list[Handler]) -> None:
    overview = summarize(known, now=NOW, stale_after_days=30)
    # Exactly 7 days ago counts as active within 7 days; exactly 90 days ago is not yet inactive for 90+.
    assert {b.key: b.count for b in overview.buckets} == {
        "24h": 1,
        "7d": 4,
        "30d": 5,
        "idle30d": 6,
        "idle90d": 3,
        "idle365d": 3,
        "never": 2,
    }
    assert overview.total == 11
    assert {s.key: s.count for s in overview.states} == {"on": 8, "off": 2, "pending": 1}
    assert [(t.key, t.count) for t in overview.types] == [("email", 5), ("slack", 2), ("x", 2), ("webhook", 2)]


def test_the_stale_list_is_on_and_unused_oldest_first(known: list[Handler]) -> None:
    overview = summarize(known, now=NOW, stale_after_days=30)
    assert [h.id for h in overview.stale] == [10, 9, 8, 6]


def test_the_stale_threshold_is_a_setting(known: list[Handler]) -> None:
    assert [h.id for h in summarize(known, now=NOW, stale_after_days=100).stale] == [10, 9]


def test_every_link_is_a_filter_the_table_shows(known: list[Handler]) -> None:
    overview = summarize(known, now=NOW, stale_after_days=30)
    links = {b.key: b.url for b in overview.buckets}
    assert links["idle90d"] == "/handlers/?activity=idle90d"
    assert links["never"] == "/handlers/?activity=never"
    assert {s.key: s.url for s in overview.states}["pending"] == "/handlers/?is_enabled=2"


def test_the_overview_fetches_every_page_at_1000(api: responses.RequestsMock, viewer_client: Client) -> None:
    mock_all(api, 2500)
    response = viewer_client.get("/overview/")
    assert response.status_code == 200 and len(api.calls) == 3
    assert '<ul class="bars">' in response.text and "2500" in response.text
    assert "SECRET" not in response.text


def test_the_rate_limit_is_a_friendly_message(api: responses.RequestsMock, viewer_client: Client) -> None:
    api.get(
        LIST_URL,
        status=429,
        json={"errors": [{"title": "Too many", "status": 429}]},
        headers={"X-RateLimit-Reset": "42"},
    )
    response = viewer_client.get("/overview/")
    assert response.status_code == 200 and "Try again in 42 seconds" in response.text
    assert '<ul class="bars">' not in response.text  # no figures that were never loaded


def test_stale_handlers_have_switches_for_editors_only(
    api: responses.RequestsMock, editor_client: Client, viewer_client: Client
) -> None:
    api.get(
        LIST_URL,
        json=page_json(
            [
                handler_json(
                    id=5,
                    name="Old Slack",
                    type="slack",
                    is_enabled=1,
                    settings={"slack": "https://hooks.slack.com/x"},
                    last_datetime=None,
                )
            ],
            per_page=1000,
        ),
    )
    editor_page = editor_client.get("/overview/").text
    assert 'aria-label="Enabled: Old Slack"' in editor_page and "/handlers/5/edit/" in editor_page
    assert 'Edit<span class="sr-only"> Old Slack</span>' in editor_page
    viewer_page = viewer_client.get("/overview/").text
    assert "Old Slack" in viewer_page and 'role="switch"' not in viewer_page


def test_the_stale_list_shows_20_and_links_to_all_of_them(api: responses.RequestsMock, viewer_client: Client) -> None:
    stale = [handler_json(id=i, name=f"Old {i}", is_enabled=1, last_datetime=None) for i in range(1, 31)]
    api.get(LIST_URL, json=page_json(stale, per_page=1000))
    page = viewer_client.get("/overview/").text
    assert page.count('<td class="name">') == 20 and "See all 30 in the table" in page
    table = viewer_client.get("/handlers/?is_enabled=1&activity=stale&order_by=last_datetime&order_type=ASC").text
    assert "1–25 of 30" in table and 'value="stale" selected' in table


STATE_COUNTS_PL = {
    ("%(count)s on", 0): "%(count)s włączony",
    ("%(count)s on", 1): "%(count)s włączone",
    ("%(count)s on", 2): "%(count)s włączonych",
    ("%(count)s off", 0): "%(count)s wyłączony",
    ("%(count)s off", 1): "%(count)s wyłączone",
    ("%(count)s off", 2): "%(count)s wyłączonych",
    ("%(count)s waiting for confirmation", 0): "%(count)s czeka na potwierdzenie",
    ("%(count)s waiting for confirmation", 1): "%(count)s czekają na potwierdzenie",
    ("%(count)s waiting for confirmation", 2): "%(count)s czeka na potwierdzenie",
    ("%(count)s channel", 0): "%(count)s kanał",
    ("%(count)s channel", 1): "%(count)s kanały",
    ("%(count)s channel", 2): "%(count)s kanałów",
}


def by_state(on: int, off: int, pending: int) -> list[dict]:
    states = [1] * on + [0] * off + [2] * pending
    return [handler_json(id=i, name=f"H{i}", is_enabled=state) for i, state in enumerate(states, start=1)]


def test_each_states_count_is_said_with_its_number_and_links_to_the_table(
    api: responses.RequestsMock, viewer_client: Client
) -> None:
    api.get(LIST_URL, json=page_json(by_state(on=1, off=3, pending=2), per_page=1000))
    page = viewer_client.get("/overview/").text
    assert '<a href="/handlers/?is_enabled=1"><strong>1</strong> on</a>' in page
    assert '<a href="/handlers/?is_enabled=0"><strong>3</strong> off</a>' in page
    assert '<a href="/handlers/?is_enabled=2"><strong>2</strong> waiting for confirmation</a>' in page
    assert '<a href="/handlers/"><strong>6</strong> channels</a>' in page


def test_in_polish_each_count_takes_the_form_its_number_needs(
    api: responses.RequestsMock, viewer_client: Client
) -> None:
    api.get(LIST_URL, json=page_json(by_state(on=1, off=3, pending=5), per_page=1000))
    with translated("pl", STATE_COUNTS_PL):
        page = viewer_client.get("/overview/", headers={"Accept-Language": "pl"}).text
    assert "<strong>1</strong> włączony</a>" in page
    assert "<strong>3</strong> wyłączone</a>" in page
    assert "<strong>5</strong> czeka na potwierdzenie</a>" in page
    assert "<strong>9</strong> kanałów</a>" in page
