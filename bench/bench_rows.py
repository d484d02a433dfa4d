"""The table's rows: server time of the table partial at 25 and 1000 rows, read from a fresh mirror (no API call),
for an editor (switches and selection boxes) and a viewer (status badges).

It touches only the database and the URL, so the same file runs against any version of the panel: copy it into
an older checkout to compare the two side by side.

Run: .venv/bin/python bench/bench_rows.py
"""

import json
from datetime import UTC, datetime, timedelta

from common import signed_in_client, timed
from django.test import Client, override_settings
from django.utils import timezone

from handlers_admin.models import MirroredHandler, MirrorRefresh
from handlers_admin.roles import Role
from tests.helpers import make_member

HTMX = {"HX-Request": "true"}
TYPES = ["email", "slack", "telegram", "x", "webhook", "discord"]


def fill_mirror(count: int) -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    MirroredHandler.objects.all().delete()
    MirroredHandler.objects.bulk_create(
        MirroredHandler(
            id=i,
            type=TYPES[i % len(TYPES)],
            name=f"Night shift {i} — ops “on-call” <b>",
            folded_name=f"night shift {i}",
            state=i % 3,
            created=start + timedelta(hours=i),
            last_activity=None if i % 5 == 0 else start + timedelta(days=i % 300),
            real_activity=None if i % 5 == 0 else start + timedelta(days=i % 300),
            shown_settings={},
        )
        for i in range(1, count + 1)
    )
    MirrorRefresh.objects.update_or_create(pk=1, defaults={"finished": timezone.now(), "calls": 1, "count": count})


def main() -> None:
    editor = signed_in_client(Role.EDITOR)
    viewer = Client()
    viewer.force_login(make_member("bench-viewer", Role.VIEWER))
    fill_mirror(1000)
    report: dict[str, dict] = {}
    with override_settings(MIRROR_MAX_AGE=3600):
        for per_page in (25, 1000):
            url = f"/handlers/?results_per_page={per_page}&order_by=last_datetime&order_type=DESC"
            runs = 200 if per_page == 25 else 30
            for role, client in (("editor", editor), ("viewer", viewer)):
                answer = client.get(url, headers=HTMX)
                assert answer.status_code == 200 and answer.content.count(b"<tr>") == per_page + 1, answer.status_code
                packed = client.get(url, headers=HTMX | {"Accept-Encoding": "gzip"})
                page = client.get(url)
                page_packed = client.get(url, headers={"Accept-Encoding": "gzip"})
                report[f"{per_page}_rows_{role}"] = timed(lambda c=client, u=url: c.get(u, headers=HTMX), runs=runs) | {
                    "partial_bytes": len(answer.content),
                    "partial_bytes_gzip": len(packed.content) if packed.get("Content-Encoding") == "gzip" else None,
                    "page_bytes": len(page.content),
                    "page_bytes_gzip": len(page_packed.content)
                    if page_packed.get("Content-Encoding") == "gzip"
                    else None,
                }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
