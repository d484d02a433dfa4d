"""Handlers made ready for display. Pages of up to 1000 rows make the per-row cost matter: what can be
worked out once per page (translations, the time zone, URL shapes) is."""

from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from functools import lru_cache

from django.urls import get_script_prefix, reverse
from django.utils import timezone, translation
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, ngettext

from handlers_admin.client import Handler, State
from handlers_admin.services import STATE_LABELS
from handlers_admin.services import label as field_label
from handlers_admin.types import HANDLER_TYPES, type_label

_UNITS = (
    (365 * 86400, lambda n: ngettext("%(count)d year ago", "%(count)d years ago", n)),
    (30 * 86400, lambda n: ngettext("%(count)d month ago", "%(count)d months ago", n)),
    (7 * 86400, lambda n: ngettext("%(count)d week ago", "%(count)d weeks ago", n)),
    (86400, lambda n: ngettext("%(count)d day ago", "%(count)d days ago", n)),
    (3600, lambda n: ngettext("%(count)d hour ago", "%(count)d hours ago", n)),
    (60, lambda n: ngettext("%(count)d minute ago", "%(count)d minutes ago", n)),
)


@lru_cache(maxsize=4096)
def _relative(language: str, seconds_unit: int, count: int) -> str:
    unit = next(phrase for size, phrase in _UNITS if size == seconds_unit)
    return escape(unit(count) % {"count": count})


@lru_cache(maxsize=64)
def _url_shape(name: str, prefix: str) -> str:
    return reverse(name, args=[987654321]).replace("987654321", "{}")


def handler_url(name: str, handler_id: int) -> str:
    """reverse(name, args=[handler_id]) for the handler URLs, without a resolver walk per row."""
    return _url_shape(name, get_script_prefix()).format(handler_id)


class Clock:
    """Formats past moments as "3 days ago" with the exact time, local and UTC, on hover."""

    def __init__(self, now: datetime | None = None, tz: tzinfo | None = None) -> None:
        self.now = now or timezone.now()
        self.tz = tz or timezone.get_current_timezone()
        self.language = translation.get_language() or ""
        self.never = format_html('<span class="muted">{}</span>', gettext("Never"))

    def relative(self, moment: datetime) -> str:
        """Escaped: "3 days ago"."""
        seconds = (self.now - moment).total_seconds()
        for size, _phrase in _UNITS:
            if seconds >= size:
                return _relative(self.language, size, int(seconds // size))
        return escape(gettext("just now"))

    def when(self, moment: datetime | None) -> SafeString:
        if moment is None:
            return self.never
        utc = moment.astimezone(UTC)
        exact = f"{utc:%Y-%m-%d %H:%M:%S} UTC"
        local = utc.astimezone(self.tz)
        if local.utcoffset():
            exact = f"{local:%Y-%m-%d %H:%M:%S} {escape(local.tzname() or '')} · {exact}"
        # Every part is generated here or escaped above; format_html's escaping costs per row.
        return mark_safe(f'<time datetime="{utc.isoformat()}" title="{exact}">{self.relative(moment)}</time>')


@dataclass(frozen=True)
class Switch:
    """What the enable switch shows and posts, as strings ready for the page."""

    id: str
    name: str
    type: str
    toggle_url: str
    on: bool
    state_value: str
    state_class: str
    state_label: str
    label: str


@dataclass(frozen=True)
class Row(Switch):
    url: str
    type_cell: SafeString
    last_used: SafeString
    created: SafeString


class _Switches:
    def __init__(self) -> None:
        self.states = {state: (str(state.value), state.name.lower(), str(STATE_LABELS[state])) for state in State}
        self.label = gettext("Enabled: %(name)s")

    def fields(self, handler_id: int, name: str, handler_type: str, state: State) -> dict[str, object]:
        value, css, text = self.states[state]
        return {"id": str(handler_id), "name": name, "type": handler_type, "toggle_url": handler_url("handler_toggle", handler_id),
                "on": state != State.OFF,
                "state_value": value, "state_class": css, "state_label": text, "label": self.label % {"name": name}}


def switch(handler_id: int, name: str, handler_type: str, state: State) -> Switch:
    return Switch(**_Switches().fields(handler_id, name, handler_type, state))


def table_rows(handlers: list[Handler]) -> list[Row]:
    clock, switches = Clock(), _Switches()
    cells = {
        slug: format_html('<svg class="icon" aria-hidden="true"><use href="#type-{}"/></svg> {}', slug, t.label)
        for slug, t in HANDLER_TYPES.items()
    }
    return [
        Row(**switches.fields(h.id, h.name, h.type, h.state), url=handler_url("handler_detail", h.id),
            type_cell=cells.get(h.type) or escape(h.type), last_used=clock.when(h.last_used), created=clock.when(h.created))
        for h in handlers
    ]


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
            return str(STATE_LABELS[State[str(value).upper()]]) if str(value).upper() in State.__members__ else str(value)
        return type_label(str(value)) if field == "type" else str(value)

    if change.get("before") is None:
        return gettext("%(field)s: %(after)s") % {"field": label, "after": shown(change.get("after"))}
    return gettext("%(field)s: %(before)s → %(after)s") % {"field": label, "before": shown(change.get("before")), "after": shown(change.get("after"))}
