import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
import responses
from django.conf import settings as django_settings
from django.test import Client
from pytest_django.fixtures import Settings

from handlers_admin import budget
from tests.api import handler_json, one_url

START = 1_000_000.0


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The budget's clock (and the local cache's, which reads the same time.time), moved by hand."""
    moment = [START]
    monkeypatch.setattr(budget.time, "time", lambda: moment[0])
    return moment


def test_the_local_count_stops_calls_past_the_limit(settings: Settings) -> None:
    settings.API_RATE_LIMIT = 3
    assert [budget.take() for _ in range(3)] == [0, 0, 0]
    assert budget.take() > 0
    assert budget.used() == 3


def test_background_work_leaves_the_reserve_to_people(settings: Settings) -> None:
    settings.API_RATE_LIMIT, settings.API_BUDGET_RESERVE = 12, 10
    with budget.background():
        assert [budget.take() for _ in range(2)] == [0, 0]
        assert budget.take() > 0
    assert budget.used() == 2
    assert all(budget.take() == 0 for _ in range(10))
    assert budget.take() > 0


def test_the_servers_headers_are_believed(api: responses.RequestsMock, db: None) -> None:
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
    api: responses.RequestsMock, mirrored: Callable[..., object], viewer_client: Client, settings: Settings
) -> None:
    mirrored(handler_json(id=1, name="Kept"))
    settings.API_RATE_LIMIT = 1
    budget.take()
    response = viewer_client.post("/handlers/refresh/", follow=True)
    assert response.status_code == 200 and "Kept" in response.text
    assert "used all the requests the product allows this minute" in response.text and len(api.calls) == 0


def test_the_budget_is_shared_by_two_processes(tmp_path: Path, settings: Settings) -> None:
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
    api: responses.RequestsMock, mirrored: Callable[..., object], viewer_client: Client, settings: Settings
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


def test_the_window_starts_at_the_first_call(clock: list[float]) -> None:
    assert budget.used() == 0 and budget.window_ends() is None
    clock[0] = START + 10
    assert budget.take() == 0
    assert budget.window_ends() == START + 70
    clock[0] = START + 40
    assert budget.take() == 0
    assert budget.window_ends() == START + 70 and budget.used() == 2
    clock[0] = START + 70
    assert budget.used() == 0 and budget.window_ends() is None


def test_calls_past_the_limit_wait_until_60_s_after_the_windows_first_call(
    clock: list[float], settings: Settings
) -> None:
    # Fixed windows, as the product counts: the last call of one window and two at the start of the next all
    # go, and the next call waits for the end of that window, not for the call at START + 59 to be a minute old.
    settings.API_RATE_LIMIT = 2
    assert budget.take() == 0
    clock[0] = START + 59
    assert budget.take() == 0
    assert budget.take() == 1
    clock[0] = START + 60
    assert [budget.take(), budget.take()] == [0, 0]
    clock[0] = START + 61
    assert budget.take() == 59


def test_when_the_window_ends_the_whole_limit_is_back_at_once(clock: list[float], settings: Settings) -> None:
    settings.API_RATE_LIMIT = 5
    assert [budget.take() for _ in range(5)] == [0] * 5
    clock[0] = START + 30
    assert budget.take() == 30
    clock[0] = START + 59.5
    assert budget.take() == 1  # at least a second, never 0 for a call that may not go
    clock[0] = START + 60
    assert [budget.take() for _ in range(5)] == [0] * 5
    assert budget.take() == 60
    assert budget.used() == 5 and budget.window_ends() == START + 120


def test_a_refused_call_is_not_counted(clock: list[float], settings: Settings) -> None:
    settings.API_RATE_LIMIT = 2
    assert [budget.take() for _ in range(5)] == [0, 0, 60, 60, 60]
    assert budget.used() == 2
    budget.close_gate(10)
    assert budget.take() == 10
    assert budget.used() == 2


def test_a_sent_call_is_counted_whatever_its_answer(api: responses.RequestsMock, clock: list[float]) -> None:
    from handlers_admin.api import ApiError, RateLimited, api_client

    api.get(one_url(1), status=400, json={"errors": [{"title": "No", "status": 400}]})
    api.get(
        one_url(2),
        status=429,
        json={"errors": [{"title": "Too many", "status": 429}]},
        headers={"X-RateLimit-Reset": "20"},
    )
    with pytest.raises(ApiError):
        api_client().get(1)
    with pytest.raises(RateLimited):
        api_client().get(2)
    assert budget.used() == 2 and len(api.calls) == 2


def test_a_429_blocks_every_call_until_its_reset_and_a_new_window_starts_then(clock: list[float]) -> None:
    assert budget.take() == 0
    clock[0] = START + 10
    budget.close_gate(20)
    assert budget.wait_for_gate(clock[0]) == 20 and budget.take() == 20
    assert budget.window_ends() == START + 30 and budget.used() == 1
    clock[0] = START + 30
    assert budget.take() == 0
    assert budget.window_ends() == START + 90 and budget.used() == 1


def test_a_reset_later_than_the_windows_end_holds_every_call_until_then(clock: list[float]) -> None:
    assert budget.take() == 0
    clock[0] = START + 50
    budget.close_gate(40)  # the server's window began later than ours (another program on the key)
    clock[0] = START + 70
    assert budget.take() == 20 and budget.window_ends() == START + 90
    clock[0] = START + 90
    assert budget.take() == 0 and budget.window_ends() == START + 150


def test_the_servers_remaining_lowers_what_may_be_sent(clock: list[float], settings: Settings) -> None:
    settings.API_RATE_LIMIT, settings.API_BUDGET_RESERVE = 60, 10
    assert budget.take() == 0
    # Other programs on the key spent 56 of the server's window: 3 are left after our one call.
    budget.heard(limit_header="60", remaining_header="3")
    clock[0] = START + 5
    assert [budget.take() for _ in range(4)] == [0, 0, 0, 55]
    assert budget.used() == 4
    clock[0] = START + 60  # the server's word was of the window that ended
    assert [budget.take() for _ in range(20)] == [0] * 20
    # With 12 left, background work leaves the people's reserve of 10: 2 more of its own.
    budget.heard(limit_header="60", remaining_header="12")
    with budget.background():
        assert [budget.take() for _ in range(3)] == [0, 0, 60]
    assert [budget.take() for _ in range(11)] == [0] * 10 + [60]


def test_a_server_with_more_left_than_our_count_does_not_raise_the_budget(
    clock: list[float], settings: Settings
) -> None:
    settings.API_RATE_LIMIT = 5
    assert [budget.take() for _ in range(3)] == [0, 0, 0]
    budget.heard(limit_header="5", remaining_header="4")  # its window began later than ours
    assert [budget.take() for _ in range(3)] == [0, 0, 60]


def test_background_work_leaves_the_reserve_in_each_window(clock: list[float], settings: Settings) -> None:
    settings.API_RATE_LIMIT, settings.API_BUDGET_RESERVE = 14, 10
    for window in range(3):
        clock[0] = START + 60 * window
        with budget.background():
            assert [budget.take() for _ in range(5)] == [0] * 4 + [60]
        with budget.job():  # a job leaves also room for the mirror's refreshes, which took it here
            assert budget.take() == 60
        assert [budget.take() for _ in range(11)] == [0] * 10 + [60]
    settings.API_RATE_LIMIT = 10  # nothing above the reserve: background work never goes, and opens no window
    clock[0] = START + 500
    with budget.background():
        assert budget.take() == 60
    assert budget.used() == 0 and budget.window_ends() is None


def test_callers_racing_at_a_windows_end_agree_on_one_new_window(clock: list[float], settings: Settings) -> None:
    settings.API_RATE_LIMIT = 50
    assert budget.take() == 0
    clock[0] = START + 60
    start = threading.Barrier(20)
    answers: list[int] = []

    def caller() -> None:
        start.wait()
        answers.extend(budget.take() for _ in range(5))

    threads = [threading.Thread(target=caller) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(answers) == [0] * 50 + [60] * 50
    assert budget.used() == 50 and budget.window_ends() == START + 120


def test_two_processes_share_one_window(tmp_path: Path, settings: Settings, clock: list[float]) -> None:
    shared = {"default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": str(tmp_path)}}

    def other_process(at: float, calls: int) -> str:
        program = (
            "import django, os, time\n"
            "os.environ['DJANGO_SETTINGS_MODULE'] = 'tests.settings'\n"
            "django.setup()\n"
            f"time.time = lambda: {at!r}\n"
            "from django.test.utils import override_settings\n"
            f"with override_settings(CACHES={shared!r}, API_RATE_LIMIT=5):\n"
            "    from handlers_admin import budget\n"
            f"    print([budget.take() for _ in range({calls})], budget.window_ends())\n"
        )
        run = [sys.executable, "-c", program]
        return subprocess.run(run, cwd=django_settings.BASE_DIR, capture_output=True, text=True, check=True).stdout

    assert other_process(START, 3).strip() == f"[0, 0, 0] {START + 60}"
    settings.CACHES, settings.API_RATE_LIMIT = shared, 5
    clock[0] = START + 30
    assert budget.used() == 3 and budget.window_ends() == START + 60
    assert [budget.take() for _ in range(3)] == [0, 0, 30]
    clock[0] = START + 60
    assert budget.take() == 0  # this process opens the next window, and the other one counts in it
    assert other_process(START + 70, 5).strip() == f"[0, 0, 0, 0, 50] {START + 120}"
    assert budget.used() == 5
