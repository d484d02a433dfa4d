"""Every filter and sort of the table, read from the mirror, on a server of the basic variant."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client, override_settings

from tests.api import handler_json

NOW = datetime.now(UTC).replace(microsecond=0)


def ago(**delta: float) -> str:
    return (NOW - timedelta(**delta)).strftime("%Y-%m-%d %H:%M:%S")


HANDLERS = [
    handler_json(id=1, name="Équipe support", type="email", is_enabled=1, datetime="2026-01-10 08:00:00",
                 last_datetime=ago(hours=2)),
    handler_json(id=2, name="Ops on-call", type="slack", is_enabled=0, datetime="2026-02-10 08:00:00",
                 last_datetime=ago(days=5)),
    handler_json(id=3, name="billing alerts", type="email", is_enabled=2, datetime="2026-03-10 08:00:00",
                 last_datetime=None),
    handler_json(id=4, name="Zespół płatności", type="webhook", is_enabled=1, datetime="2026-04-10 08:00:00",
                 last_datetime=ago(days=45)),
    handler_json(id=5, name="Astreinte nuit", type="telegram", is_enabled=1, datetime="2026-05-10 08:00:00",
                 last_datetime=ago(days=200)),
    handler_json(id=6, name="Archive", type="x", is_enabled=0, datetime="2025-05-10 08:00:00",
                 last_datetime=ago(days=500)),
]  # fmt: skip


@pytest.fixture
def table(mirrored, viewer_client: Client):
    mirrored(*HANDLERS)

    def ids(query: str) -> list[int]:
        with override_settings(API_VARIANT="basic"):
            text = viewer_client.get(f"/handlers/{query}", headers={"HX-Request": "true"}).text
        return [int(found) for found in re.findall(r'<td class="opt muted id">(\d+)</td>', text)]

    return ids


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", [6, 5, 4, 3, 2, 1]),
        ("?search=EQUIPE", [1]),
        ("?search=płat", [4]),
        ("?search=zespol platnosci", [4]),
        ("?type=email", [3, 1]),
        ("?is_enabled=1", [5, 4, 1]),
        ("?is_enabled=0", [6, 2]),
        ("?is_enabled=2", [3]),
        ("?datetime_start=2026-02-01&datetime_end=2026-04-10", [4, 3, 2]),
        ("?activity=24h", [1]),
        ("?activity=7d", [2, 1]),
        ("?activity=30d", [2, 1]),
        ("?activity=idle30d", [6, 5, 4, 3]),
        ("?activity=idle90d", [6, 5, 3]),
        # A channel never active counts as idle once it has existed that long: #3 is not a year old.
        ("?activity=idle365d", [6]),
        ("?activity=never", [3]),
        ("?type=email&is_enabled=2&activity=never", [3]),
    ],
)
def test_every_filter(table, query: str, expected: list[int]) -> None:
    assert table(query) == expected


@pytest.mark.parametrize(
    ("order_by", "ascending"),
    [
        ("notification_handler_id", [1, 2, 3, 4, 5, 6]),
        ("name", [6, 5, 3, 1, 2, 4]),
        ("type", [1, 3, 2, 5, 4, 6]),
        ("is_enabled", [2, 6, 1, 4, 5, 3]),
        ("datetime", [6, 1, 2, 3, 4, 5]),
        ("last_datetime", [3, 6, 5, 4, 2, 1]),
    ],
)
def test_every_sort_both_ways(table, order_by: str, ascending: list[int]) -> None:
    assert table(f"?order_by={order_by}&order_type=ASC") == ascending
    descending = table(f"?order_by={order_by}&order_type=DESC")
    if order_by == "last_datetime":
        # Never-active handlers come last in both directions: "no activity" is not the newest.
        assert descending == [1, 2, 4, 5, 6, 3]
    else:
        assert sorted(descending) == sorted(ascending) and descending[0] == ascending[-1]


@pytest.mark.parametrize(("preset", "days"), [("idle30d", 30), ("idle90d", 90), ("idle365d", 365), ("stale", 90)])
def test_idle_presets_exclude_channels_younger_than_their_days(mirrored, viewer_client: Client, preset, days) -> None:
    # From the time the test runs, not the module's NOW: a slow run would shift the boundaries.
    now = datetime.now(UTC)
    young = (now - timedelta(days=days, minutes=-10)).strftime("%Y-%m-%d %H:%M:%S")
    old = (now - timedelta(days=days, minutes=10)).strftime("%Y-%m-%d %H:%M:%S")
    long_ago = (now - timedelta(days=days + 5)).strftime("%Y-%m-%d %H:%M:%S")
    mirrored(
        handler_json(id=1, name="New, never active", datetime=young, last_datetime=None),
        handler_json(id=2, name="Old, never active", datetime=old, last_datetime=None),
        handler_json(id=3, name="Old, active just inside", datetime=old, last_datetime=young),
        handler_json(id=4, name="Old, active just outside", datetime=long_ago, last_datetime=old),
    )
    with override_settings(STALE_AFTER_DAYS=90):
        text = viewer_client.get(f"/handlers/?activity={preset}", headers={"HX-Request": "true"}).text
        overview = viewer_client.get("/overview/").text
    assert [int(n) for n in re.findall(r'<td class="opt muted id">(\d+)</td>', text)] == [4, 2]
    if preset == "stale":
        stale = overview.split('id="stale-title"')[1]
        assert "Old, never active" in stale and "Old, active just outside" in stale
        assert "New, never active" not in stale and "Old, active just inside" not in stale
