"""The one call budget of the team's API key, shared by every process and instance through the cache.

It counts the calls sent in the last minute (in one-second buckets), believes the server's
X-RateLimit-* headers when it sends them, and never lets a call go that it expects to be refused.
People come first: background work (mirror refreshes no page is waiting for, jobs) leaves
API_BUDGET_RESERVE calls of each minute to them."""

import math
import time
from contextlib import AbstractContextManager, suppress
from contextvars import ContextVar

from django.conf import settings
from django.core.cache import cache

from handlers_admin.scoped import scoped

WINDOW_SECONDS = 60
LIMIT_KEY = "budget:limit"
SERVER_KEY = "budget:server"
BLOCKED_KEY = "budget:blocked-until"

# Calls of each minute a block of calls leaves to others: nothing for people, the people's reserve for
# mirror refreshes, and for jobs also a little room for those refreshes.
_leaves: ContextVar[int] = ContextVar("budget_leaves", default=0)
ROOM_FOR_REFRESHES = 2


def background() -> AbstractContextManager[None]:
    """Calls made in this block are background work: they leave the people's reserve alone."""
    return scoped(_leaves, settings.API_BUDGET_RESERVE)


def job() -> AbstractContextManager[None]:
    """Calls made by a job: they leave the people's reserve, and room for the mirror's refreshes."""
    return scoped(_leaves, settings.API_BUDGET_RESERVE + ROOM_FOR_REFRESHES)


def whole_number(text: str, *, digits: int = 18) -> int | None:
    """A whole number written in ASCII digits (a header, an id in a URL), or None: "²" and "١٢" are not."""
    text = text.strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) <= digits else None


def _bucket(second: int) -> str:
    return f"budget:calls:{second}"


def limit() -> int:
    """Calls a minute: what the server last said, or API_RATE_LIMIT."""
    return int(cache.get(LIMIT_KEY) or settings.API_RATE_LIMIT)


def used(now: float | None = None) -> int:
    """Calls sent in the last minute by every process."""
    second = int(now or time.time())
    counts = cache.get_many([_bucket(s) for s in range(second - WINDOW_SECONDS + 1, second + 1)])
    return sum(int(count) for count in counts.values())


def _oldest_call_ends(now: float) -> int:
    """Seconds until the oldest call of the last minute leaves the window."""
    second = int(now)
    counts = cache.get_many([_bucket(s) for s in range(second - WINDOW_SECONDS + 1, second + 1)])
    seconds = sorted(int(key.rsplit(":", 1)[1]) for key, count in counts.items() if int(count) > 0)
    return max(1, seconds[0] + WINDOW_SECONDS - second) if seconds else 1


def wait_for_gate(now: float) -> int:
    """Seconds left of a 429's reset time, 0 when no 429 is in force."""
    blocked_until = cache.get(BLOCKED_KEY)
    return max(1, math.ceil(blocked_until - now)) if blocked_until and blocked_until > now else 0


def take() -> int:
    """Takes one call from the budget. Returns 0 when the call may go, or the seconds to wait when it
    would be refused (or would eat into the people's reserve, for background work)."""
    now = time.time()
    if wait := wait_for_gate(now):
        return wait
    leaves = _leaves.get()
    allowed = limit() - leaves
    key = _bucket(int(now))
    cache.add(key, 0, WINDOW_SECONDS + 5)
    try:
        cache.incr(key)
    except ValueError:  # the bucket expired between add and incr
        cache.set(key, 1, WINDOW_SECONDS + 5)
    count = used(now)
    server = cache.get(SERVER_KEY)
    if server is not None:
        remaining, used_then = server
        # The server's count, less what every process has sent since it said it (this call included).
        server_left = remaining - max(0, count - used_then)
        if server_left < leaves:
            _give_back(key)
            return _oldest_call_ends(now)
    if count > allowed:
        _give_back(key)
        return _oldest_call_ends(now)
    return 0


def _give_back(key: str) -> None:
    with suppress(ValueError):
        cache.decr(key)


def heard(*, limit_header: str, remaining_header: str) -> None:
    """Believes what the server's X-RateLimit-Limit and X-RateLimit-Remaining said of the key's minute."""
    if (limit_number := whole_number(limit_header)) and limit_number > 0:
        cache.set(LIMIT_KEY, limit_number, 24 * 3600)
    if (remaining := whole_number(remaining_header)) is not None:
        cache.set(SERVER_KEY, (remaining, used()), WINDOW_SECONDS)


def close_gate(seconds: int) -> None:
    """After a 429, no process calls again before the server's reset time."""
    cache.set(BLOCKED_KEY, time.time() + seconds, seconds + 1)
