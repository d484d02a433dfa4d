"""What the panel knows of the product it talks to: whether its update keeps a channel whole, learned by a
self-check on a scratch channel (real servers' update erases it: shared/API.md, "Updates on real servers"),
and the types it refused to create. Services consult it before any update; admins see it on one page."""

import hashlib
import hmac
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext as _

from handlers_admin.api import ApiClient, ApiError, NotFound, api_client
from handlers_admin.models import MirroredHandler, ServerProfile

log = logging.getLogger(__name__)
Check = ServerProfile.Check

# The scratch channel: a webhook to a reserved address that reaches nobody, named for whoever sees it.
SCRATCH_NAME = "Handlers panel self-check: safe to delete"
SCRATCH_URL = "https://example.invalid/handlers-panel-self-check"
# A leftover older than this (the check's delete failed) is removed by the mirror's next refresh.
SCRATCH_LEFTOVER_AFTER = timedelta(minutes=2)
MOST_CALLS = 4
LOCK_KEY = "server-profile:checking"
LOCK_SECONDS = 60
# A check that could not finish is tried again before a change, but not more often than this.
FAILED_CHECK_RETRY = timedelta(minutes=1)
# The product's words for a type the install or the plan does not allow.
PLAN_LIMIT_WORDS = "exceeded the limits of your current plan"


def _server_key() -> str:
    """The server as the pair of its address and the key, keyed by SECRET_KEY so that the key cannot be read back."""
    text = f"{settings.API_BASE_URL.rstrip('/')}\n{settings.API_KEY}"
    return hmac.new(settings.SECRET_KEY.encode(), text.encode(), hashlib.sha256).hexdigest()


def current() -> ServerProfile:
    profile, _created = ServerProfile.objects.get_or_create(
        server=_server_key(), defaults={"address": settings.API_BASE_URL[:500]}
    )
    return profile


def product_site() -> str:
    """The product's own address: the API's without /api."""
    base = settings.API_BASE_URL.rstrip("/")
    return base.removesuffix("/api")


def product_page(handler_id: int) -> str:
    """The product's own page for a channel, where changes work on every version."""
    return f"{product_site()}/notification-handler-update/{int(handler_id)}"


def is_scratch(name: str) -> bool:
    return name == SCRATCH_NAME


@dataclass(frozen=True, kw_only=True)
class UpdateSafety:
    """Whether the panel may send an update to this server, and if not, why in words."""

    allowed: bool
    reason: str = ""


def erasing_words() -> str:
    return _(
        "On this product, a change made through its API erases the channel: its type and settings are lost, and it "
        "stops sending. So this panel does not switch or edit channels here. Make the change on the product's own "
        "page for the channel instead; creating, deleting, test sends, import and export still work here."
    )


def _found(profile: ServerProfile) -> UpdateSafety | None:
    """What a finished self-check found; None when there is none."""
    if profile.update_check == Check.KEEPS:
        return UpdateSafety(allowed=True)
    if profile.update_check == Check.ERASES:
        return UpdateSafety(allowed=False, reason=erasing_words())
    return None


def known_safety() -> UpdateSafety | None:
    """What the last self-check found, without checking again; None when this server was never checked."""
    return _found(current())


def update_safety() -> UpdateSafety:
    """Whether an update may be sent: the self-check runs first when this server was never checked, or when its
    last check could not finish a while ago. Unknown is never taken as safe."""
    profile = current()
    retry_after = (profile.checked or timezone.now()) + FAILED_CHECK_RETRY
    if not profile.update_check or (profile.update_check == Check.FAILED and timezone.now() >= retry_after):
        profile = self_check()
    if found := _found(profile):
        return found
    reason = _(
        "The panel could not check yet whether this product keeps a channel whole when it is changed (%(reason)s), "
        "so it changed nothing. Try again in a minute."
    ) % {"reason": profile.check_message.rstrip(".") or _("no answer")}
    return UpdateSafety(allowed=False, reason=reason)


def self_check() -> ServerProfile:
    """Creates a scratch webhook to a reserved address, updates it as the panel's changes do (type, settings and
    state), looks at what the server kept, and deletes it: at most 4 calls. One process at a time; the result
    and its time are kept."""
    if not cache.add(LOCK_KEY, 1, LOCK_SECONDS):
        deadline = time.monotonic() + 15
        while cache.get(LOCK_KEY) and time.monotonic() < deadline:
            time.sleep(0.2)
        return current()
    started, api = time.monotonic(), api_client()
    calls, scratch, message = 0, 0, ""
    result = Check.FAILED
    try:
        calls += 1
        scratch = api.create({"name": SCRATCH_NAME, "type": "webhook", "webhook": SCRATCH_URL}).id
        calls += 1
        body: dict[str, str | bool] = {
            "name": SCRATCH_NAME,
            "type": "webhook",
            "webhook": SCRATCH_URL,
            "is_enabled": False,
        }
        stored = api.update(scratch, body).handler
        if stored is None:
            calls += 1
            stored = api.get(scratch)
        kept = stored.type == "webhook" and stored.settings.get("webhook") == SCRATCH_URL
        result = Check.KEEPS if kept else Check.ERASES
    except ApiError as e:
        message = e.message
    finally:
        if scratch:
            calls += _delete_scratch(api, scratch, tries=max(1, MOST_CALLS - calls))
        cache.delete(LOCK_KEY)
    profile = current()
    profile.update_check, profile.check_message = result, message[:1000]
    profile.checked, profile.check_seconds, profile.check_calls = timezone.now(), time.monotonic() - started, calls
    profile.save()
    log.info("server self-check: %s in %s calls, %.1f s", result, calls, profile.check_seconds)
    return profile


def _delete_scratch(api: ApiClient, scratch: int, *, tries: int) -> int:
    """Deletes the scratch channel, trying again while calls are left; returns the calls made. A leftover is
    removed by the mirror's next refresh."""
    for attempt in range(1, tries + 1):
        try:
            api.delete(scratch)
        except NotFound:
            return attempt
        except ApiError as e:
            log.warning("server self-check: the scratch channel %s could not be deleted: %s", scratch, type(e).__name__)
            continue
        return attempt
    return tries


def leftover_scratch(name: str, created: datetime | None) -> bool:
    """Whether a listed channel is a scratch channel a check left behind (not one a check is using now)."""
    return is_scratch(name) and (created is None or created < timezone.now() - SCRATCH_LEFTOVER_AFTER)


def damage_seen(*, by_this_panel: bool) -> None:
    """After an answer or a read that shows a channel damaged: an update of the panel's that did it is proof
    that this server erases; damage from elsewhere has the server checked again before the next change."""
    profile = current()
    if by_this_panel:
        profile.update_check, profile.checked, profile.check_message = Check.ERASES, timezone.now(), ""
    elif profile.update_check == Check.KEEPS:
        profile.update_check = ""
    profile.save(update_fields=["update_check", "checked", "check_message"])


def is_plan_limit(error: ApiError) -> bool:
    return error.status == 401 and PLAN_LIMIT_WORDS in error.message.lower()


def type_refused(slug: str, error: ApiError) -> None:
    """Remembers that this server refused to create a channel of this type, with the product's words."""
    profile = current()
    words = error.message
    profile.refused_types = profile.refused_types | {slug: {"at": timezone.now().isoformat(), "words": words}}
    profile.save(update_fields=["refused_types"])


def type_created(slug: str) -> None:
    profile = current()
    if slug in profile.refused_types:
        profile.refused_types = {key: value for key, value in profile.refused_types.items() if key != slug}
        profile.save(update_fields=["refused_types"])


def refused_types() -> dict[str, str]:
    """The types this server refused, each with the product's words."""
    return {slug: str(found.get("words", "")) for slug, found in current().refused_types.items()}


def variant_mismatch() -> str:
    """What suggests that the product is not of the variant the panel is set to (API_VARIANT), in words for
    admins; "" when nothing does. The basic variant has no Twilio: a basic panel that lists SMS channels talks to
    a full server, and a full panel whose Twilio creates are refused may talk to a basic one."""
    if settings.API_VARIANT == "basic" and MirroredHandler.objects.filter(type="twilio").exists():
        return _(
            "The panel is set to the basic variant of the product's API, but the product lists SMS (Twilio) "
            "channels, which only the full variant has. If the product is a full server, set API_VARIANT=full."
        )
    if settings.API_VARIANT == "full" and "twilio" in current().refused_types:
        return _(
            "The product refused to create an SMS (Twilio) channel. If it is a server of the basic variant, which "
            "has no Twilio, set API_VARIANT=basic."
        )
    return ""
