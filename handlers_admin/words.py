"""The panel's words for what it shows: type and field labels, relative times, counts of channels, a label with
its value, what a recorded change was, what a test send or a silent check of a channel found, and what a check
found of a change whose answer never came; second factors, and how a member signed in or was changed, as the
audit trail shows them."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from functools import lru_cache
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from handlers_admin.api import State
from handlers_admin.audit import SignInMethod
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
        "labels": gettext("Labels"),
        "owner": gettext("Owner"),
        "notes": gettext("Notes"),
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


# What a silent check found, by the code its finding keeps (channel_checks.Finding.details); "refused" is said by
# its reason or its status, "mail_server" and "no_mail_server" by their record or reason, and the guard's codes
# by describe_test's words.
_CHECK_WORDS: dict[str, "StrPromise"] = {
    "webhook_known": _("%(service)s knows this webhook; nothing was posted."),
    "bot_sees_chat": _("The bot's token is valid and the bot can see the chat; nothing was sent."),
    "keys_accepted": _("%(service)s accepts the keys; nothing was posted."),
    "valid_number": _("This is a valid phone number."),
    "invalid_number": _("This is not a valid phone number."),
    "in_app": _("Nothing to check: the product shows these itself."),
    "reachable": _("Reachable; not tested, because a test would trigger it."),
    "waiting": _("Waiting for the address's owner to confirm it."),
    "missing_setting": _("%(field)s is empty."),
    "redirected": _(
        "%(service)s answered with a redirect (%(status)s). The panel does not follow redirects, so it could not check."
    ),
    "service_problem": _("%(service)s had a problem on its side (%(status)s). Try again later."),
    "slow_down": _("%(service)s asked the panel to slow down. Try again later."),
    "unexpected_answer": _("%(service)s gave an answer the panel does not understand (%(status)s)."),
    "dns_timed_out": _("The mail domain could not be looked up within %(seconds)s s."),
    "dns_failed": _("The mail domain could not be looked up: the DNS servers did not answer properly."),
    "damaged": _("The product no longer has this channel's type or settings."),
    "uncheckable": _("The panel does not know how to check this type."),
    "check_failed": _("The check failed on the panel's side."),
}
_MAIL_SERVER_WORDS: dict[str, "StrPromise"] = {
    "MX": _("The domain has a mail server."),
    "A": _("The domain has no mail server record, but an address that mail goes to."),
    "AAAA": _("The domain has no mail server record, but an address that mail goes to."),
}
_NO_MAIL_SERVER_WORDS: dict[str, "StrPromise"] = {
    "no_domain": _("The address's domain does not exist."),
    "null_mx": _("The domain says it takes no mail (null MX)."),
    "no_records": _("The domain has no mail server and no address."),
}
# What a service said when it refused a check, by the reason channel_checks found in its answer; "said" is the
# service's own short words, kept only from a known set.
_REFUSAL_WORDS: dict[str, "StrPromise"] = {
    "unknown_webhook": _("%(service)s says the webhook does not exist (%(said)s)."),
    "invalid_webhook_token": _("%(service)s says the webhook's token is not valid (%(said)s)."),
    "no_service": _("%(service)s says the webhook does not exist or was removed."),
    "no_service_id": _("%(service)s says the webhook does not exist or was removed."),
    "no_team": _("%(service)s says the workspace no longer exists."),
    "team_disabled": _("%(service)s says the workspace was disabled."),
    "invalid_token": _("%(service)s says the webhook's token is not valid."),
    "action_prohibited": _("%(service)s says an administrator has blocked the webhook."),
    "channel_not_found": _("%(service)s says the channel does not exist."),
    "channel_is_archived": _("%(service)s says the channel was archived."),
    "posting_to_general_channel_denied": _("%(service)s says only some members may post to this channel."),
    "space_removed": _("%(service)s says the space or its webhook was removed (%(status)s)."),
    "bad_key": _("%(service)s says the webhook's key is not valid (%(status)s)."),
    "token_invalid": _("%(service)s says the bot's token is not valid (%(status)s)."),
    "chat_not_found": _("%(service)s says the chat does not exist, or the bot was never added to it (%(said)s)."),
    "bot_kicked": _("%(service)s says the bot was removed from the chat (%(said)s)."),
    "bot_blocked": _("%(service)s says the person blocked the bot (%(said)s)."),
    "not_member": _("%(service)s says the bot is not a member of the chat (%(said)s)."),
    "chat_deleted": _("%(service)s says the chat was deleted (%(said)s)."),
    "user_deactivated": _("%(service)s says the person's account was deactivated (%(said)s)."),
    "keys_refused": _("%(service)s did not accept the keys (%(status)s)."),
}


def _refusal(values: dict[str, object]) -> str:
    phrase = _REFUSAL_WORDS.get(str(values.get("reason", "")))
    if phrase:
        return str(phrase) % values
    status = values.get("status")
    if status in (401, 403):
        return gettext("%(service)s refused the check: the address, token or key is not valid (%(status)s).") % values
    if status in (404, 410):
        return gettext("%(service)s says this address no longer exists (%(status)s).") % values
    return gettext("%(service)s refused the check (%(status)s).") % values


def describe_check(details: Mapping[str, object], handler_type: str) -> str:
    """What a silent check found, in words, from its code and values: "Slack says the channel was archived.";
    "" for a code this panel does not know."""
    code = str(details.get("code", ""))
    values: dict[str, object] = {"service": test_service(handler_type), "said": "", "status": ""} | {
        key: value for key, value in details.items() if key != "code"
    }
    phrase: StrPromise | None
    match code:
        case "refused":
            return _refusal(values)
        case "mail_server":
            phrase = _MAIL_SERVER_WORDS.get(str(values.get("record", "")))
        case "no_mail_server":
            phrase = _NO_MAIL_SERVER_WORDS.get(str(values.get("reason", "")))
        case "missing_setting":
            values["field"] = field_label(str(values.get("field", "")))
            phrase = _CHECK_WORDS[code]
        case _:
            phrase = _CHECK_WORDS.get(code)
    if phrase:
        return str(phrase) % values
    return describe_test(details, handler_type)


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


# Second factors by allauth's type (Authenticator.Type), as the audit trail names the one an entry is about.
FACTOR_NAMES: dict[str, "StrPromise"] = {
    "totp": _("authenticator app"),
    "webauthn": _("passkey or security key"),
    "recovery_codes": _("recovery codes"),
}


def factor_name(kind: str) -> str:
    """A second factor's name by its type: "authenticator app"; a type this panel does not know keeps its name."""
    return str(FACTOR_NAMES[kind]) if kind in FACTOR_NAMES else kind


def factor_parts(
    *, authenticator_app: bool, security_keys: int, recovery_codes: bool, codes_left: int | None = None
) -> list[str]:
    """Second factors in words, one part each: "authenticator app", "2 passkeys or security keys", "8 recovery codes
    left" (or "recovery codes" when how many are left is not said)."""
    parts = [factor_name("totp")] if authenticator_app else []
    if security_keys:
        keys = ngettext("%(count)s passkey or security key", "%(count)s passkeys or security keys", security_keys)
        parts.append(keys % {"count": security_keys})
    if recovery_codes and codes_left is None:
        parts.append(factor_name("recovery_codes"))
    elif recovery_codes:
        left = ngettext("%(count)s recovery code left", "%(count)s recovery codes left", codes_left or 0)
        parts.append(left % {"count": codes_left or 0})
    return parts


# How a member signed in, by the method its entry keeps (audit.SignInMethod).
_SIGN_IN_WORDS: dict[str, "StrPromise"] = {
    SignInMethod.PASSWORD: _("Signed in with a password"),
    SignInMethod.PASSWORD_AND_CODE: _("Signed in with a password and an authenticator code"),
    SignInMethod.PASSWORD_AND_RECOVERY_CODE: _("Signed in with a password and a recovery code"),
    SignInMethod.PASSWORD_AND_SECURITY_KEY: _("Signed in with a password and a security key"),
    SignInMethod.PASSKEY: _("Signed in with a passkey"),
    SignInMethod.SINGLE_SIGN_ON: _("Signed in through single sign-on (%(provider)s)"),
}
# A change to a member that the provider's groups made at their sign-in (details {"source": "single_sign_on"}).
_FROM_GROUPS_WORDS: dict[str, "StrPromise"] = {
    Action.MEMBER_ADDED: _("Added a member from the groups in %(provider)s"),
    Action.MEMBER_CHANGED: _("Changed a member's role from the groups in %(provider)s"),
}
# Renewed recovery codes need no more words than their action's name.
_FACTOR_ACTIONS = (Action.FACTOR_ADDED, Action.FACTOR_REMOVED, Action.FACTOR_FAILED)


def entry_action(entry: AuditEntry) -> str:
    """What an audit entry's action was, in words, with what its details add: how a member signed in ("Signed in with
    a passkey"), which second factor ("Added a second factor: authenticator app"), what a reset removed, and a change
    the provider's groups made."""
    label = entry.get_action_display()
    details = entry.details if isinstance(entry.details, dict) else {}
    provider = {"provider": settings.OIDC_PROVIDER_NAME}
    if entry.action == Action.SIGN_IN and (phrase := _SIGN_IN_WORDS.get(str(details.get("method", "")))):
        return str(phrase) % provider
    if entry.action in _FACTOR_ACTIONS and details.get("factor"):
        return labelled(label, factor_name(str(details["factor"])))
    if entry.action == Action.FACTORS_RESET and details.get("removed"):
        removed = str(details["removed"]).split(",")
        parts = factor_parts(
            authenticator_app="totp" in removed,
            security_keys=removed.count("webauthn"),
            recovery_codes="recovery_codes" in removed,
        )
        return labelled(label, ", ".join(parts)) if parts else label
    if details.get("source") == "single_sign_on" and (phrase := _FROM_GROUPS_WORDS.get(entry.action)):
        return str(phrase) % provider
    return label
