"""Handlers made ready for display. Pages of up to 1000 rows make the per-row cost matter: what can be
worked out once per page (translations, the time zone, URL shapes) is."""

import html
import json
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
    """A handler URL with "{}" for its id, so rows format it rather than walk the resolver each."""
    return reverse(name, args=[987654321]).replace("987654321", "{}")


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


def _safe(text: str) -> SafeString:
    """Django's escape() without its lazy-text wrapper, which costs more than the escaping on 1000 rows."""
    return SafeString(html.escape(text))


@dataclass(slots=True)
class Switch:
    """What the enable switch shows and posts, escaped once here rather than at every use in the page."""

    id: SafeString
    toggle_url: SafeString
    on: bool
    state_class: SafeString
    state_label: SafeString
    label: SafeString
    # What the toggle posts besides the new state, so its audit record needs no extra API call.
    vals: SafeString


@dataclass(slots=True)
class Row(Switch):
    title: SafeString
    url: SafeString
    type_cell: SafeString
    last_used: SafeString
    created: SafeString


class _Switches:
    def __init__(self) -> None:
        self.states = {state: (SafeString(state.name.lower()), _safe(str(STATE_LABELS[state]))) for state in State}
        self.label = gettext("Enabled: %(name)s")
        self.toggle_url = _url_shape("handler_toggle", get_script_prefix())

    def fields(self, handler_id: int, name: str, handler_type: str, state: State) -> list[object]:
        css, text = self.states[state]
        return [
            SafeString(int(handler_id)),
            _safe(self.toggle_url.format(int(handler_id))),
            state != State.OFF,
            css,
            text,
            _safe(self.label % {"name": name}),
            _safe(json.dumps({"name": name, "type": handler_type, "was": int(state)}, ensure_ascii=False)),
        ]


def switch(handler_id: int, name: str, handler_type: str, state: State) -> Switch:
    return Switch(*_Switches().fields(handler_id, name, handler_type, state))


def table_rows(handlers: list[Handler]) -> list[Row]:
    clock, switches, no_name = Clock(), _Switches(), _safe(gettext("(no name)"))
    detail_url = _url_shape("handler_detail", get_script_prefix())
    cells = {
        slug: format_html('<svg class="icon" aria-hidden="true"><use href="#type-{}"/></svg> {}', slug, t.label)
        for slug, t in HANDLER_TYPES.items()
    }
    return [
        Row(*switches.fields(h.id, h.name, h.type, h.state), _safe(h.name) if h.name else no_name,
            _safe(detail_url.format(h.id)), cells.get(h.type) or _safe(h.type), clock.when(h.last_used), clock.when(h.created))
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
