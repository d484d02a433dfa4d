"""The panel's words for what it shows: type and field labels, relative times, counts of channels, a label with
its value, what a recorded change was, what a test send found, and what a check found of a change whose answer
never came."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from functools import lru_cache
from typing import TYPE_CHECKING

from django.utils import timezone, translation
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from handlers_admin.api import State
from handlers_admin.handler_types import ALL_FIELDS, HANDLER_TYPES
from handlers_admin.models import AuditEntry
from handlers_admin.roles import Role

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise

Action = AuditEntry.Action


def type_label(slug: str) -> str:
    """A type's name for people; a type this panel does not know keeps its raw name."""
    if not slug:
        return gettext("No type")
    return str(HANDLER_TYPES[slug].label) if slug in HANDLER_TYPES else slug


def icon_name(slug: str) -> str:
    """The sprite's icon for a type; a type this panel does not know has a neutral one."""
    return slug if slug in HANDLER_TYPES else "unknown"


def field_label(key: str) -> str:
    """The label of an API field, as the forms show it."""
    names = {
        "name": gettext("Name"),
        "type": gettext("Type"),
        "is_enabled": gettext("Enabled"),
        "role": gettext("Role"),
    }
    return names.get(key) or (str(ALL_FIELDS[key].label) if key in ALL_FIELDS else key)


_UNITS = (
    (365 * 86400, lambda n: ngettext("%(count)d year ago", "%(count)d years ago", n)),
    (30 * 86400, lambda n: ngettext("%(count)d month ago", "%(count)d months ago", n)),
    (7 * 86400, lambda n: ngettext("%(count)d week ago", "%(count)d weeks ago", n)),
    (86400, lambda n: ngettext("%(count)d day ago", "%(count)d days ago", n)),
    (3600, lambda n: ngettext("%(count)d hour ago", "%(count)d hours ago", n)),
    (60, lambda n: ngettext("%(count)d minute ago", "%(count)d minutes ago", n)),
)


@lru_cache(maxsize=4096)
def _relative(language: str, unit_seconds: int, count: int) -> str:
    # The language is part of the key so that each language keeps its own phrases.
    phrase = next(phrase for size, phrase in _UNITS if size == unit_seconds)
    return phrase(count) % {"count": count}


@dataclass(frozen=True, slots=True, kw_only=True)
class Moment:
    """A past time as shown: "3 days ago", with the exact time, local and UTC, for the hover text."""

    iso: str
    exact: str
    ago: str


class Clock:
    """Turns past times into Moments for one page: the time zone and the language are read once."""

    def __init__(self, now: datetime | None = None, zone: tzinfo | None = None) -> None:
        self.now = now or timezone.now()
        self.zone = zone or timezone.get_current_timezone()
        self.language = translation.get_language() or ""

    def ago(self, moment: datetime) -> str:
        seconds = (self.now - moment).total_seconds()
        for size, _phrase in _UNITS:
            if seconds >= size:
                return _relative(self.language, size, int(seconds // size))
        return gettext("just now")

    def moment(self, moment: datetime | None) -> Moment | None:
        if moment is None:
            return None
        utc = moment.astimezone(UTC).replace(microsecond=0)
        # isoformat, not strftime: this runs twice for each row of a 1000-row page.
        exact = utc.replace(tzinfo=None).isoformat(" ") + " UTC"
        local = utc.astimezone(self.zone)
        if local.utcoffset():
            exact = f"{local.replace(tzinfo=None).isoformat(' ')} {local.tzname() or ''} · {exact}"
        return Moment(iso=utc.isoformat(), exact=exact, ago=self.ago(moment))


def activity_cause(entry: AuditEntry) -> str:
    """What made a handler's last activity, in words: "edited by Alice in this panel"."""
    member = entry.actor_name or gettext("someone")
    phrases = {
        "create": gettext("created by %(member)s in this panel"),
        "edit": gettext("edited by %(member)s in this panel"),
        "enable": gettext("switched on by %(member)s in this panel"),
        "disable": gettext("switched off by %(member)s in this panel"),
    }
    return phrases.get(entry.action, gettext("changed by %(member)s in this panel")) % {"member": member}


# A count of channels in words, with the number's place: "%(count)s on". Each language picks the form its number
# needs; the page puts the number in.
_STATE_COUNTS = {
    State.ON: lambda n: ngettext("%(count)s on", "%(count)s on", n),
    State.OFF: lambda n: ngettext("%(count)s off", "%(count)s off", n),
    State.PENDING: lambda n: ngettext("%(count)s waiting for confirmation", "%(count)s waiting for confirmation", n),
}


def state_count(state: State, count: int) -> str:
    """How many channels are in a state, as a pattern for the number: "%(count)s on"."""
    return _STATE_COUNTS[state](count)


def channel_count(count: int) -> str:
    """How many channels there are, as a pattern for the number: "%(count)s channels"."""
    return ngettext("%(count)s channel", "%(count)s channels", count)


def labelled(label: object, value: object) -> str:
    """A label and its value, as each language writes them: "Bot token: …", "Jeton du bot : …"."""
    return gettext("%(label)s: %(value)s") % {"label": label, "value": value}


def describe_change(change: dict[str, object]) -> str:
    """One recorded change in words: "Name: Ops → Ops on-call"; a secret only "changed"."""
    field = str(change.get("field", ""))
    label = field_label(field)
    if change.get("secret"):
        return gettext("%(field)s: changed") % {"field": label}

    def shown(value: object) -> str:
        if value in (None, ""):
            return "—"
        if field == "is_enabled":
            name = str(value).upper()
            return str(State[name].label) if name in State.names else str(value)
        if field == "role" and str(value) in Role.values:
            return str(Role(str(value)).label)
        return type_label(str(value)) if field == "type" else str(value)

    if change.get("before") is None:
        return gettext("%(field)s: %(after)s") % {"field": label, "after": shown(change.get("after"))}
    return gettext("%(field)s: %(before)s → %(after)s") % {
        "field": label,
        "before": shown(change.get("before")),
        "after": shown(change.get("after")),
    }


# What a test send found, by the code its result keeps (send_test.TestResult.details); "answered" is said by
# `_answered`, from the status. The words are chosen when shown, so each reader reads them in their own language.
_TEST_WORDS: dict[str, "StrPromise"] = {
    "timed_out": _("Timed out after %(seconds)s s: nothing was confirmed."),
    "insecure": _("%(service)s's secure connection could not be checked."),
    "unreachable": _("%(service)s could not be reached."),
    "https_only": _("Only https:// addresses can be tested."),
    "incomplete_address": _("This is not a complete web address."),
    "other_service": _("This is not a %(service)s address, so the panel will not send to it."),
    "name_not_found": _("The address's name could not be found."),
    "internal_address": _("This address points inside a private network, so the panel will not call it."),
    "untestable": _("The product sends these itself, so the panel cannot send a test."),
}


def test_service(handler_type: str) -> str:
    """Who a test of this type goes to: "Your server" for a webhook, the service's name otherwise."""
    known = HANDLER_TYPES.get(handler_type)
    return gettext("Your server") if known and known.test_format == "webhook" else type_label(handler_type)


def _answered(status: int, values: dict[str, object]) -> str:
    if 200 <= status < 300:
        return gettext("Delivered (%(service)s answered %(status)s).") % values
    if 300 <= status < 400:
        return (
            gettext(
                "%(service)s answered with a redirect (%(status)s). The panel does not follow redirects, "
                "so nothing was delivered."
            )
            % values
        )
    if status in (401, 403):
        return gettext("%(service)s refused it: the address or token is not valid (%(status)s).") % values
    if status in (404, 410):
        return gettext("%(service)s says this address no longer exists (%(status)s).") % values
    if status >= 500:
        return gettext("%(service)s had a problem on its side (%(status)s). Try again later.") % values
    return gettext("%(service)s did not accept the message (%(status)s).") % values


def describe_test(details: Mapping[str, object], handler_type: str) -> str:
    """What a test send found, in words, from its code and values: "Slack says this address no longer exists
    (404)."; "" for a code this panel does not know."""
    values = {"service": test_service(handler_type)} | {key: value for key, value in details.items() if key != "code"}
    code = details.get("code")
    if code == "answered":
        status = values.get("status")
        return _answered(status, values) if isinstance(status, int) else ""
    phrase = _TEST_WORDS.get(str(code))
    return str(phrase) % values if phrase else ""


def entry_message(entry: AuditEntry) -> str:
    """What an audit entry says of how it went, in the reader's language: a test's outcome from what it recorded;
    the words an older test entry kept, or the product's words of a refusal, as they were written down."""
    if entry.action == Action.TEST and entry.details:
        return describe_test(entry.details, entry.handler_type) or entry.message
    return entry.message


# What a check found when a change's answer never came and the change was not made.
NOT_DONE: dict[str, "StrPromise"] = {
    Action.ENABLE: _("The product answered late, and the switch was not changed. Try again."),
    Action.DISABLE: _("The product answered late, and the switch was not changed. Try again."),
    Action.EDIT: _("The product answered late, and your changes were not saved. Try again."),
    Action.DELETE: _("The product answered late, and the channel was not deleted. Try again."),
    Action.CREATE: _(
        "The product answered late, and no new channel has appeared: nothing was created. You can send the form again."
    ),
}
