import subprocess
import sys

import responses
from django.conf import settings as django_settings
from django.test import Client

from handlers_admin import budget
from tests.api import handler_json, one_url


def test_the_local_count_stops_calls_past_the_limit(settings) -> None:
    settings.API_RATE_LIMIT = 3
    assert [budget.take() for _ in range(3)] == [0, 0, 0]
    assert budget.take() > 0
    assert budget.used() == 3


def test_background_work_leaves_the_reserve_to_people(settings) -> None:
    settings.API_RATE_LIMIT, settings.API_BUDGET_RESERVE = 12, 10
    with budget.background():
        assert [budget.take() for _ in range(2)] == [0, 0]
        assert budget.take() > 0
    assert budget.used() == 2
    assert all(budget.take() == 0 for _ in range(10))
    assert budget.take() > 0


def test_the_servers_headers_are_believed(api: responses.RequestsMock, db) -> None:
    from handlers_admin.api import RateLimited, api_client

    api.get(
        one_url(1), json={"data": handler_json()}, headers={"X-RateLimit-Limit": "30", "X-RateLimit-Remaining": "0"}
    )
    api_client().get(1)
    assert budget.limit() == 30
    try:
        api_client().get(1)
    except RateLimited as refused:
        assert refused.retry_after > 0
    else:
        raise AssertionError("a call the server would refuse was sent")
    assert len(api.calls) == 1


def test_a_spent_budget_shows_the_copy_and_says_when_to_retry(
    api: responses.RequestsMock, mirrored, viewer_client: Client, settings
) -> None:
    mirrored(handler_json(id=1, name="Kept"))
    settings.API_RATE_LIMIT = 1
    budget.take()
    response = viewer_client.post("/handlers/refresh/", follow=True)
    assert response.status_code == 200 and "Kept" in response.text
    assert "used all the requests the product allows this minute" in response.text and len(api.calls) == 0


def test_the_budget_is_shared_by_two_processes(tmp_path, settings) -> None:
    shared = {"default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": str(tmp_path)}}
    other_process = (
        "import django, os\n"
        "os.environ['DJANGO_SETTINGS_MODULE'] = 'tests.settings'\n"
        "django.setup()\n"
        "from django.test.utils import override_settings\n"
        f"with override_settings(CACHES={shared!r}, API_RATE_LIMIT=5):\n"
        "    from handlers_admin import budget\n"
        "    print([budget.take() for _ in range(3)])\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", other_process], cwd=django_settings.BASE_DIR, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[0, 0, 0]"
    settings.CACHES, settings.API_RATE_LIMIT = shared, 5
    assert budget.used() == 3
    assert [budget.take() for _ in range(2)] == [0, 0]
    assert budget.take() > 0


def test_a_page_shows_its_copy_quietly_while_background_work_has_the_calls(
    api: responses.RequestsMock, mirrored, viewer_client: Client, settings
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from handlers_admin.models import MirrorRefresh

    mirrored(handler_json(id=1, name="Kept"))
    MirrorRefresh.objects.update(finished=timezone.now() - timedelta(minutes=5))
    settings.API_RATE_LIMIT, settings.API_BUDGET_RESERVE = 12, 10
    with budget.background():
        assert [budget.take(), budget.take()] == [0, 0]  # a job's calls fill the background share
    text = viewer_client.get("/handlers/").text
    assert "Kept" in text and "5 minutes ago</time>" in text
    assert "used all the requests the product allows" not in text and len(api.calls) == 0
