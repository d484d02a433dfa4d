"""What /healthz reports: the panel's own parts, each "ok" or "failing", without spending an API call."""

import logging
import secrets
import time

from django.core.cache import cache
from django.db import DatabaseError, connection

log = logging.getLogger(__name__)
API_STATE_KEY = "api:last-answer"
API_LAST_ANSWER_KEY = "api:last-status"
WORKER_HEARTBEAT_KEY = "worker:heartbeat"
# A worker says it is alive at least this often (run_worker beats while it waits for jobs too).
WORKER_SILENT_AFTER = 120


def database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError as e:
        log.error("health: the database fails: %s", type(e).__name__)
        return "failing"
    return "ok"


def shared_cache() -> str:
    """A write and a read of the shared cache (where the call budget, locks and tokens live)."""
    probe = secrets.token_hex(8)
    try:
        cache.set("health:probe", probe, 30)
        ok = cache.get("health:probe") == probe
    except Exception as e:
        log.error("health: the shared cache fails: %s: %s", type(e).__name__, str(e)[:200])
        return "failing"
    return "ok" if ok else "failing"


def worker() -> str:
    try:
        beat = cache.get(WORKER_HEARTBEAT_KEY)
    except Exception:
        return "unknown"
    if beat is None:
        return "unknown"
    return "ok" if time.time() - beat < WORKER_SILENT_AFTER else "failing"


def api() -> str:
    """The state the API's last answer showed, as the client recorded it; no call is made."""
    try:
        return cache.get(API_STATE_KEY) or "unknown"
    except Exception:
        return "unknown"


def record_api_answer(status: int) -> None:
    try:
        cache.set(API_STATE_KEY, "ok" if status < 500 else "failing", None)
        cache.set(API_LAST_ANSWER_KEY, (status, time.time()), None)
    except Exception:
        log.warning("health: could not record the API's state")


def last_api_answer() -> tuple[int, float] | None:
    """The status of the product's last answer and when it came (epoch seconds), as the client recorded it."""
    try:
        return cache.get(API_LAST_ANSWER_KEY)
    except Exception:
        return None


def product() -> dict[str, object]:
    """What the panel knows of the product, without a call: the self-check's result, the damaged channels, and
    how many channels each finding of the last checks holds."""
    # Imported here: the API client, which the server profile uses, records its answers in this module.
    from handlers_admin.channel_health import counts
    from handlers_admin.models import MirroredHandler
    from handlers_admin.server_profile import current

    try:
        profile = current()
        checked = profile.checked.isoformat() if profile.checked else None
        return {
            "update_check": profile.update_check or "unknown",
            "update_checked": checked,
            "damaged_channels": MirroredHandler.objects.filter(damaged=True).count(),
            "channel_health": counts(),
        }
    except DatabaseError:
        return {"update_check": "unknown", "update_checked": None, "damaged_channels": None, "channel_health": None}


def report() -> tuple[dict[str, object], bool]:
    """Each part's state, and whether the panel can serve pages (its database and cache work)."""
    parts = {"database": database(), "cache": shared_cache(), "worker": worker(), "api": api()}
    healthy = parts["database"] == "ok" and parts["cache"] == "ok"
    extra = product() if parts["database"] == "ok" else {}
    return {"status": "ok" if healthy else "failing", **parts, **extra}, healthy
