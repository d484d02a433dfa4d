"""The handlers table: the panel's own server time, read from the mirror, against the direct API call it
replaces, with the upstream slowed to 150 ms a call; API calls and response sizes.

Run: .venv/bin/python bench/bench_list.py
"""

import json
import time

import responses
from common import signed_in_client, timed
from django.test import override_settings

from handlers_admin import mirror
from handlers_admin.api import api_client
from handlers_admin.models import MirroredHandler
from tests.api import LIST_URL, handler_json, one_url, page_json

HTMX = {"HX-Request": "true"}
UPSTREAM_SECONDS = 0.15


def rows(count: int) -> list[dict]:
    types = ["email", "slack", "telegram", "x", "webhook"]
    return [
        handler_json(
            id=i,
            name=f"Handler {i} — ops “on-call”",
            type=types[i % 5],
            is_enabled=i % 3,
            last_datetime=None if i % 5 == 0 else f"2026-{1 + i % 11:02d}-{1 + i % 27:02d} 12:00:00",
        )
        for i in range(1, count + 1)
    ]


def slow_list(items: list[dict]):
    def answer(request) -> tuple[int, dict, str]:
        time.sleep(UPSTREAM_SECONDS)
        page = int(request.params.get("page", "1"))
        per_page = int(request.params.get("results_per_page", "25"))
        chunk = items[(page - 1) * per_page : page * per_page]
        return 200, {}, json.dumps(page_json(chunk, page=page, per_page=per_page, total=len(items)))

    return answer


def main() -> None:
    client_ = signed_in_client()
    report: dict[str, dict] = {}
    # Server time is measured here, not the call budget (bench_browsing.py measures that).
    with (
        override_settings(API_RATE_LIMIT=1_000_000),
        responses.RequestsMock(assert_all_requests_are_fired=False) as api,
    ):
        for count in (150, 2000, 10000):
            items = rows(count)
            api.add_callback(responses.GET, LIST_URL, callback=slow_list(items))
            MirroredHandler.objects.all().delete()
            api.calls.reset()
            started = time.perf_counter()
            mirror.refresh()
            refresh_ms = (time.perf_counter() - started) * 1000
            report[f"{count}_handlers"] = {"refresh_calls": len(api.calls), "refresh_ms": round(refresh_ms, 1)}
            for per_page in (25, 1000):
                url = f"/handlers/?results_per_page={per_page}&order_by=last_datetime&order_type=DESC"
                api.calls.reset()
                with override_settings(MIRROR_MAX_AGE=3600):
                    panel = timed(lambda url=url: client_.get(url), runs=100 if per_page == 25 else 20)
                    calls = len(api.calls)
                    full = client_.get(url)
                    partial = client_.get(url, headers=HTMX)
                direct = timed(
                    lambda per_page=per_page: api_client().list({"page": "1", "results_per_page": str(per_page)}),
                    runs=5,
                )
                report[f"{count}_handlers"][f"{per_page}_rows"] = {
                    "panel": panel,
                    "api_calls_per_view": calls / panel["runs"],
                    "direct_api_call": direct,
                    "full_page_bytes": len(full.content),
                    "table_partial_bytes": len(partial.content),
                }
            api.remove(responses.GET, LIST_URL)

        api.post(one_url(7), json={"data": {"id": 7}})
        api.calls.reset()
        toggle = client_.post("/handlers/7/toggle/", {"enabled": "on"}, headers=HTMX)
        report["toggle"] = {"api_calls": len(api.calls), "response_bytes": len(toggle.content)}
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
