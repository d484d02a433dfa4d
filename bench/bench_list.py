"""The handlers table: the panel's own server time with the API mocked, API calls and response sizes.

Run: .venv/bin/python bench/bench_list.py
"""

import json

import responses
from common import signed_in_client, timed
from django.core.cache import cache

from tests.api import LIST_URL, handler_json, one_url, page_json

HTMX = {"HX-Request": "true"}


def rows(count: int) -> list[dict]:
    types = ["email", "slack", "telegram", "x", "webhook"]
    return [
        handler_json(
            id=i,
            name=f"Handler {i} — ops “on-call”",
            type=types[i % 5],
            is_enabled=i % 3,
            last_datetime=None if i % 5 == 0 else "2026-10-01 12:00:00",
        )
        for i in range(1, count + 1)
    ]


def main() -> None:
    client = signed_in_client()
    report = {}
    with responses.RequestsMock(assert_all_requests_are_fired=False) as api:
        for count in (25, 1000):
            api.get(LIST_URL, json=page_json(rows(count), per_page=count, total=count))
            url = f"/handlers/?results_per_page={count}"

            def view(url: str = url) -> None:
                cache.clear()  # every view pays its API call, as on a cold cache
                assert client.get(url).status_code == 200

            report[f"list_{count}_rows"] = timed(view, runs=300 if count == 25 else 60)
            api.calls.reset()
            cache.clear()
            full = client.get(url)
            report[f"list_{count}_rows"] |= {
                "api_calls_per_view": len(api.calls),
                "full_page_bytes": len(full.content),
                "table_partial_bytes": len(client.get(url, headers=HTMX).content),
            }
            api.replace(responses.GET, LIST_URL, json=page_json([]))

        api.post(one_url(7), json={"data": {"id": 7}})
        api.calls.reset()
        toggle = client.post("/handlers/7/toggle/", {"name": "Ops", "type": "slack", "was": "1"}, headers=HTMX)
        report["toggle"] = {"api_calls": len(api.calls), "response_bytes": len(toggle.content)}
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
