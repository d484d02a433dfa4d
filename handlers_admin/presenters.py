"""Handlers made ready for display as plain values: labels, masked secrets, relative times and table rows.
The markup is in templates/includes/handler_parts.html.

Pages of up to 1000 rows make the per-row cost matter, so what can be worked out once per page
(translations, the time zone, URL shapes) is worked out once."""

import html
import re
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from functools import lru_cache
from typing import TYPE_CHECKING

from django.template.loader import render_to_string
from django.urls import get_script_prefix, reverse
from django.utils import timezone, translation
from django.utils.safestring import SafeString
from django.utils.translation import gettext, ngettext

from handlers_admin.client import Handler, State
from handlers_admin.handler_types import ALL_FIELDS, HANDLER_TYPES, SECRET_FIELDS
from handlers_admin.roles import Role

if TYPE_CHECKING:
    from handlers_admin.models import AuditEntry


def type_label(slug: str) -> str:
    """A type's name for people; a type this panel does not know keeps its raw name."""
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


def mask(value: str) -> str:
    """A secret as the panel shows it: its last four characters, and only when it is long enough to spare them."""
    return "••••" + value[-4:] if len(value) > 8 else "••••"


def is_hidden(handler_type: str, field: str) -> bool:
    """Whether a setting's value is shown masked: every secret, and every value of a type the panel does not know."""
    return handler_type not in HANDLER_TYPES or field in SECRET_FIELDS


def shown_settings(handler: Handler) -> dict[str, str]:
    """The handler's settings with hidden values masked, in the registry's order for its type."""
    known = HANDLER_TYPES.get(handler.type)
    names = [spec.name for spec in known.fields] if known else list(handler.settings)
    shown = {}
    for name in names:
        value = handler.settings.get(name, "")
        shown[name] = mask(value) if value and is_hidden(handler.type, name) else value
    return shown


def public_settings(handler: Handler) -> dict[str, str]:
    """The settings a form may show as they are: none of a secret, nothing of an unknown type."""
    return {name: value for name, value in handler.settings.items() if not is_hidden(handler.type, name)}


@dataclass(frozen=True, slots=True, kw_only=True)
class Setting:
    label: str
    value: str
    hidden: bool


def setting_rows(handler: Handler) -> list[Setting]:
    """The settings of a handler's page, labelled."""
    return [
        Setting(label=field_label(name), value=value, hidden=is_hidden(handler.type, name))
        for name, value in shown_settings(handler).items()
    ]


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


def _escaped(text: str) -> SafeString:
    """Escaped once here: on a 1000-row page, escaping each value as the template prints it costs more than this."""
    return SafeString(html.escape(text))


@dataclass(frozen=True, slots=True, kw_only=True)
class Moment:
    """A past time as shown: "3 days ago", with the exact time, local and UTC, for the hover text. Escaped."""

    iso: SafeString
    exact: SafeString
    ago: SafeString


# Stand-ins that no escaped value contains, for the time partial's shape.
_SLOTS = Moment(iso=SafeString("\x00iso\x00"), exact=SafeString("\x00exact\x00"), ago=SafeString("\x00ago\x00"))


class Clock:
    """Turns past times into Moments, or into the time partial's markup, for one page: the time zone,
    the language and the partial are read once."""

    def __init__(self, now: datetime | None = None, zone: tzinfo | None = None) -> None:
        self.now = now or timezone.now()
        self.zone = zone or timezone.get_current_timezone()
        self.language = translation.get_language() or ""
        self._shape = ""
        self._never = SafeString("")

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
        return Moment(iso=SafeString(utc.isoformat()), exact=_escaped(exact), ago=_escaped(self.ago(moment)))

    def time(self, moment: datetime | None) -> SafeString:
        """The time partial's markup for a moment. The partial is rendered once, with stand-ins that each
        moment's values replace: rendering it for each of 1000 rows would take most of the page's time."""
        if not self._shape:
            part = "includes/handler_parts.html#time"
            self._shape = render_to_string(part, {"moment": _SLOTS})
            self._never = SafeString(render_to_string(part, {"moment": None}))
        shown = self.moment(moment)
        if shown is None:
            return self._never
        return SafeString(
            self._shape.replace(_SLOTS.iso, shown.iso).replace(_SLOTS.exact, shown.exact).replace(_SLOTS.ago, shown.ago)
        )


@lru_cache(maxsize=64)
def _url_shape(name: str, prefix: str) -> str:
    """A handler URL with "{}" for its id, so rows format it rather than walk the resolver each."""
    return reverse(name, args=[987654321]).replace("987654321", "{}")


@dataclass(frozen=True, slots=True, kw_only=True)
class Row:
    """A handler as its table row and its switch show it, every text escaped."""

    # Text, not a number: the template would format a number for the language, once for each of its uses.
    id: SafeString
    name: SafeString
    # The name, or words saying it has none.
    title: SafeString
    # The type's icon and name.
    type_cell: SafeString
    state: State
    # Whether the panel can change it: not a type the product's API refuses to change.
    changeable: bool
    # Whether the member has it in their selection for a bulk action.
    selected: bool
    on: bool
    state_class: str
    state_label: SafeString
    switch_label: SafeString
    url: SafeString
    toggle_url: SafeString
    edit_url: SafeString
    # The time partial's markup for each.
    last_activity: SafeString
    created: SafeString


# A stand-in the row partial is rendered with, replaced by each row's values; no escaped value holds a NUL.
_SLOT = re.compile("\x00(\\w+)\x00")


def _slot(name: str) -> SafeString:
    return SafeString(f"\x00{name}\x00")


class RowMaker:
    """Makes the rows of one page. The row partial is rendered once for each state, with stand-ins that
    each handler's escaped values then replace in one pass: rendering the partial for each of 1000 rows
    took most of the page's time. What does not depend on the row (URL shapes, labels, type cells) is
    worked out once too."""

    def __init__(
        self, *, can_change: bool = False, edit_links: bool = False, selected: frozenset[int] | None = None
    ) -> None:
        self.clock = Clock()
        prefix = get_script_prefix()
        self.detail_url = _url_shape("handler_detail", prefix)
        self.toggle_url = _url_shape("handler_toggle", prefix)
        self.edit_url = _url_shape("handler_edit", prefix)
        self.state_labels = {state: _escaped(str(state.label)) for state in State}
        self.switch_label = gettext("Enabled: %(name)s")
        self.no_name = _escaped(gettext("(no name)"))
        self.type_cells: dict[str, SafeString] = {}
        # Rows have a box to select them for a bulk action when the table offers selection.
        self.selected = selected
        self.context = {
            "can_change": can_change,
            "edit_links": edit_links,
            "toggle_error": None,
            "selectable": selected is not None,
        }
        self.shapes: dict[tuple[State, bool, bool], str] = {}

    def type_cell(self, slug: str) -> SafeString:
        if slug not in self.type_cells:
            context = {"slug": slug, "label": type_label(slug)}
            self.type_cells[slug] = SafeString(render_to_string("includes/handler_parts.html#type_cell", context))
        return self.type_cells[slug]

    def row(self, handler: Handler) -> Row:
        return self._row(*self._kind(handler), self._values(handler))

    def _kind(self, handler: Handler) -> tuple[State, bool, bool]:
        return handler.state, handler.type in HANDLER_TYPES, handler.id in (self.selected or ())

    def _values(self, handler: Handler) -> dict[str, SafeString]:
        name = _escaped(handler.name)
        return {
            "id": SafeString(handler.id),
            "name": name,
            "title": name if handler.name else self.no_name,
            "type_cell": self.type_cell(handler.type),
            "switch_label": _escaped(self.switch_label % {"name": handler.name}),
            "url": SafeString(self.detail_url.format(handler.id)),
            "toggle_url": SafeString(self.toggle_url.format(handler.id)),
            "edit_url": SafeString(self.edit_url.format(handler.id)),
            "last_activity": self.clock.time(handler.last_activity),
            "created": self.clock.time(handler.created),
        }

    def _row(self, state: State, changeable: bool, selected: bool, values: dict[str, SafeString]) -> Row:
        return Row(
            state=state,
            changeable=changeable,
            selected=selected,
            on=state != State.OFF,
            state_class=state.name.lower(),
            state_label=self.state_labels[state],
            **values,
        )

    def html(self, handler: Handler) -> SafeString:
        """The row partial's markup for a handler."""
        kind = self._kind(handler)
        shape = self.shapes.get(kind)
        if shape is None:
            slots = self._row(*kind, {name: _slot(name) for name in ROW_VALUES})
            context = {"row": slots, **self.context}
            shape = self.shapes[kind] = render_to_string("includes/handler_parts.html#row", context)
        values = self._values(handler)
        return SafeString(_SLOT.sub(lambda match: values[match.group(1)], shape))


ROW_VALUES = (
    "id",
    "name",
    "title",
    "type_cell",
    "switch_label",
    "url",
    "toggle_url",
    "edit_url",
    "last_activity",
    "created",
)


def table_rows(
    handlers: list[Handler], *, can_change: bool, edit_links: bool = False, selected: frozenset[int] | None = None
) -> list[SafeString]:
    maker = RowMaker(can_change=can_change, edit_links=edit_links, selected=selected)
    return [maker.html(handler) for handler in handlers]


def handler_row(handler: Handler) -> Row:
    return RowMaker().row(handler)


def activity_cause(entry: "AuditEntry") -> str:
    """What made a handler's last activity, in words: "edited by Alice in this panel"."""
    member = entry.actor_name or gettext("someone")
    phrases = {
        "create": gettext("created by %(member)s in this panel"),
        "edit": gettext("edited by %(member)s in this panel"),
        "enable": gettext("switched on by %(member)s in this panel"),
        "disable": gettext("switched off by %(member)s in this panel"),
    }
    return phrases.get(entry.action, gettext("changed by %(member)s in this panel")) % {"member": member}


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
