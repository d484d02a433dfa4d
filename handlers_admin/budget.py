"""The one call budget of the team's API key, shared by every process and instance through the cache.

It follows the product's rate limiter, a fixed window: the first call taken when no window is open
starts one, which ends 60 s later whatever happened in it, and then the whole budget is back at once.
Every call sent is counted, whatever its answer (the server counts refused calls too); a call the
budget refuses is not sent, so it is not counted. It believes the server's X-RateLimit-* headers:
the limit, and the calls the server's window has left (other programs on the key spend them too);
after a 429, no process calls before its reset time, and a new window starts then. It never lets a
call go that it expects to be refused. People come first: background work (mirror refreshes no page
is waiting for, jobs) leaves API_BUDGET_RESERVE calls of each window to them.

In the cache: WINDOW_KEY holds the start of the latest window (epoch seconds), opened with `add`, so
one process wins; a window that has ended is followed by one successor only, claimed with `add` on a
key named after it (`budget:window:<start>:next`), so processes that see the same ended window agree
on the next one whatever the cache's expiry does. Each window's calls are one counter keyed by its
start, counted with `incr` and given back with `decr`."""

import math
import time
from contextlib import AbstractContextManager, suppress
from contextvars import ContextVar

from django.conf import settings
from django.core.cache import cache

from handlers_admin.scoped import scoped

WINDOW_SECONDS = 60
LIMIT_KEY = "budget:limit"
# (window's start, X-RateLimit-Remaining, our count of that window then), from the latest answer.
SERVER_KEY = "budget:server"
BLOCKED_KEY = "budget:blocked-until"
WINDOW_KEY = "budget:window"

# How long the keys live. The window's start outlives its window (its end is reckoned from the start,
# not from the cache's expiry), a successor long enough for any process that read the ended window.
_KEEP = 5
_WINDOW_KEY_LIFETIME = 24 * 3600
_SUCCESSOR_LIFETIME = 5 * WINDOW_SECONDS
_MOST_HOPS = 8

# Calls of each window a block of calls leaves to others: nothing for people, the people's reserve for
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


def limit() -> int:
    """Calls a window: what the server last said, or API_RATE_LIMIT."""
    return int(cache.get(LIMIT_KEY) or settings.API_RATE_LIMIT)


def used(now: float | None = None) -> int:
    """Calls counted in the current window by every process, 0 when no window is open."""
    now = time.time() if now is None else now
    start = _current_window(now, _gate(), open_one=False)
    return 0 if start is None else _count(start)


def window_ends(now: float | None = None) -> float | None:
    """When the current window ends (epoch seconds), None when no window is open."""
    now = time.time() if now is None else now
    gate = _gate()
    start = _current_window(now, gate, open_one=False)
    return None if start is None else _ends(start, gate)


def wait_for_gate(now: float) -> int:
    """Seconds left of a 429's reset time, 0 when no 429 is in force."""
    blocked_until = _gate()
    return _seconds_until(blocked_until, now) if blocked_until and blocked_until > now else 0


def take() -> int:
    """Takes one call from the budget. Returns 0 when the call may go, or the seconds until the current
    window ends when it would be refused (or would eat into the people's reserve, for background work);
    a refused call is not counted."""
    now = time.time()
    gate = _gate()
    if gate is not None and gate > now:  # a 429's reset time: no process calls before it
        return _seconds_until(gate, now)
    leaves = _leaves.get()
    allowed = limit() - leaves
    if allowed < 1:  # nothing above what this work leaves to others: it never goes, and opens no window
        ends = window_ends(now)
        return _seconds_until(ends, now) if ends is not None else WINDOW_SECONDS
    start = _open_window(now, gate)
    key = _counter(start)
    count = _count_one(key)
    server_left = _server_left(start, count)
    if count > allowed or (server_left is not None and server_left < leaves):
        _give_back(key)
        return _seconds_until(_ends(start, gate), now)
    return 0


def heard(*, limit_header: str, remaining_header: str) -> None:
    """Believes what the server's X-RateLimit-Limit and X-RateLimit-Remaining said of the key's window."""
    if (limit_number := whole_number(limit_header)) and limit_number > 0:
        cache.set(LIMIT_KEY, limit_number, 24 * 3600)
    if (remaining := whole_number(remaining_header)) is not None:
        start = _current_window(time.time(), _gate(), open_one=False)
        if start is not None:
            cache.set(SERVER_KEY, (start, remaining, _count(start)), WINDOW_SECONDS + _KEEP)


def close_gate(seconds: int) -> None:
    """After a 429, no process calls again before the server's reset time; the current window ends then."""
    now = time.time()
    start = _current_window(now, _gate(), open_one=False)
    # Kept a window past the reset, so that the window it ended is known to have ended.
    cache.set(BLOCKED_KEY, now + seconds, seconds + WINDOW_SECONDS + _KEEP)
    if start is not None:  # its count stays known until the reset
        cache.touch(_counter(start), seconds + _KEEP)


# The window.


def _gate() -> float | None:
    blocked_until = cache.get(BLOCKED_KEY)
    return float(blocked_until) if blocked_until is not None else None


def _ends(start: float, gate: float | None) -> float:
    """A window ends 60 s after its first call, or when a 429 closed the gate during it, at its reset time."""
    return gate if gate is not None and gate > start else start + WINDOW_SECONDS


def _open_window(now: float, gate: float | None) -> float:
    """The start of the window open at `now`, opening one that starts now when none is."""
    start = _current_window(now, gate, open_one=True)
    return now if start is None else start  # never None when opening


def _current_window(now: float, gate: float | None, *, open_one: bool) -> float | None:
    """The start of the window open at `now`, or None; when none is and `open_one`, opens one starting now."""
    start = cache.get(WINDOW_KEY)
    for _ in range(_MOST_HOPS):
        if start is None:
            if not open_one:
                return None
            if cache.add(WINDOW_KEY, now, _WINDOW_KEY_LIFETIME):
                return now
            start = cache.get(WINDOW_KEY)  # another process opened one first
            continue
        if now < _ends(start, gate):
            return float(start)
        # That window has ended: its successor is claimed once, by whichever process comes first.
        successor_key = f"budget:window:{start:.6f}:next"
        successor = cache.get(successor_key)
        if successor is None:
            if not open_one:
                return None
            if cache.add(successor_key, now, _SUCCESSOR_LIFETIME):
                cache.set(WINDOW_KEY, now, _WINDOW_KEY_LIFETIME)
                return now
            successor = cache.get(successor_key)
            if successor is None:  # gone at once (evicted): start over from the latest start
                successor = cache.get(WINDOW_KEY)
        start = successor
    if not open_one:
        return None
    cache.set(WINDOW_KEY, now, _WINDOW_KEY_LIFETIME)  # a chain that long is no longer a true record
    return now


def _counter(start: float) -> str:
    return f"budget:calls:{start:.6f}"


def _count(start: float) -> int:
    return int(cache.get(_counter(start)) or 0)


def _count_one(key: str) -> int:
    """Counts one call in a window's counter, atomically across processes; the count with it."""
    cache.add(key, 0, WINDOW_SECONDS + _KEEP)
    try:
        return int(cache.incr(key))
    except ValueError:  # the counter went (evicted) between add and incr
        if cache.add(key, 1, WINDOW_SECONDS + _KEEP):
            return 1
        return int(cache.incr(key))


def _give_back(key: str) -> None:
    with suppress(ValueError):
        cache.decr(key)


def _server_left(start: float, count: int) -> int | None:
    """Calls the server's window has left after the one being taken, as far as its latest answer in this
    window tells: what it said, less what every process has taken since (this call included)."""
    said = cache.get(SERVER_KEY)
    if not (isinstance(said, tuple) and len(said) == 3 and said[0] == start):
        return None
    _, remaining, count_then = said
    return int(remaining) - max(0, count - int(count_then))


def _seconds_until(moment: float, now: float) -> int:
    return max(1, math.ceil(moment - now))
