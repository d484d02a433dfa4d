import html
import re
from dataclasses import replace
from datetime import datetime
from functools import lru_cache
from typing import Any

from django import template
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import formats, timezone
from django.utils.html import Urlizer, conditional_escape, format_html, linebreaks
from django.utils.safestring import SafeString
from django.utils.translation import get_language, gettext

from handlers_admin import channel_details, words
from handlers_admin.handler_types import types_for
from handlers_admin.models import AuditEntry
from handlers_admin.rows import TableRow

register = template.Library()


@register.inclusion_tag("includes/handler_parts.html#sprite")
def type_sprite() -> dict[str, Any]:
    """Every type's icon once per page, for the type_icon partial to point at."""
    return {"types": types_for(settings.API_VARIANT)}


@register.filter
def moment(value: datetime | None) -> words.Moment | None:
    """A time as the time partial shows it: "3 days ago", with the exact time on hover."""
    return words.Clock().moment(value)


@register.simple_tag
def counted(pattern: str, count: int) -> SafeString:
    """A count in words ("%(count)s on", see words.state_count) with its number in bold, wherever the language
    puts it."""
    number = format_html("<strong>{}</strong>", formats.localize(count))
    parts = (conditional_escape(part.replace("%%", "%")) for part in str(pattern).split("%(count)s"))
    return SafeString(number.join(parts))


@register.simple_tag
def labelled(label: object, value: object, *, strong: bool = False) -> SafeString:
    """A label and its value as each language writes them ("Bot token: …", "Jeton du bot : …"); the label in bold
    when `strong`. As in blocktranslate, the values are escaped and the translation is not."""
    shown = format_html("<strong>{}</strong>", label) if strong else conditional_escape(str(label))
    return SafeString(words.labelled(shown, conditional_escape(str(value))))


@register.filter
def found_between(entry: AuditEntry) -> str:
    """When a change found in the product was made, in the reader's time zone and language: "between 10:02 and
    10:05", with the dates when the two are on different days, and the seconds when they are within one minute."""
    if entry.since is None:
        return ""
    start, end = timezone.localtime(entry.since), timezone.localtime(entry.created)
    style = "TIME_FORMAT" if start.date() == end.date() else "SHORT_DATETIME_FORMAT"
    shown = [formats.date_format(moment, style) for moment in (start, end)]
    if shown[0] == shown[1]:
        shown = [formats.date_format(moment, "H:i:s") for moment in (start, end)]
    return gettext("between %(start)s and %(end)s") % {"start": shown[0], "end": shown[1]}


@register.inclusion_tag("includes/handler_parts.html#suggestions")
def detail_suggestions() -> dict[str, Any]:
    """The datalists that the label and owner fields of a page offer their values from."""
    return {"labels": channel_details.label_suggestions(), "members": channel_details.member_names()}


class _NotesUrlizer(Urlizer):
    """Links that pass nothing on to the page they open and vouch for nothing."""

    url_template = '<a href="{href}" rel="noopener nofollow">{url}</a>'


_urlize_notes = _NotesUrlizer()


@register.filter(is_safe=True)
def notes(text: str) -> SafeString:
    """Notes as written, escaped (whatever the template's autoescaping), with their web addresses as links and
    their line breaks kept."""
    linked = _urlize_notes(str(text), trim_url_limit=80, autoescape=True)
    return SafeString(linebreaks(linked, autoescape=False))


register.filter("type_label", words.type_label)
register.filter("icon_name", words.icon_name)
register.filter("entry_action", words.entry_action)
register.filter("describe_change", words.describe_change)
register.filter("entry_message", words.entry_message)


# The row's values, each rendered as a stand-in that no value holds (a NUL on each side); those that hold what a
# member or the product wrote are escaped when filled in, the others are made by the panel (digits, paths, slugs).
ROW_TEXTS = ("name", "title", "type_label", "product_url")
ROW_MADE = ("id", "icon", "url", "toggle_url", "edit_url")
ROW_MOMENTS = ("last_activity", "created")
# Markup rendered once for each set of labels and owner, which many rows share.
ROW_MARKUP = ("details",)
_STAND_IN = re.compile("\x00(\\w+)\x00")
# Relative times and type names repeat from row to row.
_escaped = lru_cache(maxsize=4096)(html.escape)


def _stand_in(name: str) -> str:
    return f"\x00{name}\x00"


def _moment_stand_in(name: str) -> words.Moment:
    return words.Moment(iso=_stand_in(f"{name}_iso"), exact=_stand_in(f"{name}_exact"), ago=_stand_in(f"{name}_ago"))


def _shape(flags: dict[str, Any], row: TableRow) -> str:
    """The row partial rendered for this kind of row, as a format string with a field for each of its values."""
    stand_ins: dict[str, Any] = {name: _stand_in(name) for name in (*ROW_TEXTS, *ROW_MADE)}
    stand_ins |= {name: getattr(row, name) and _moment_stand_in(name) for name in ROW_MOMENTS}
    markup = render_to_string(
        "includes/handler_parts.html#row",
        flags | {"row": replace(row, **stand_ins)} | {name: _stand_in(name) for name in ROW_MARKUP},
    )
    return _format_shape(markup)


@register.simple_tag(takes_context=True)
def table_rows(context: template.Context, rows: list[TableRow], *, edit_links: bool = False) -> SafeString:
    """The row partial for every row of a page. It is rendered once for each kind of row (its state, whether it
    can change, is selected, has times), and each row's values are then filled in: Django's loop over 1000 rows
    takes several times longer than the rest of the page."""
    flags = {
        "can_change": context.get("can_change"),
        "selectable": context.get("selectable"),
        "edit_links": edit_links,
        "updates_refused": bool(context.get("updates_refused")),
    }
    shapes: dict[tuple[object, ...], str] = {}
    details: dict[tuple[tuple[str, ...], str], str] = {}
    rendered = []
    for row in rows:
        kind = (
            row.state,
            row.changeable,
            row.damaged,
            row.selected,
            row.last_activity is None,
            row.created is None,
            row.health,
        )
        if (shape := shapes.get(kind)) is None:
            shape = shapes[kind] = _shape(flags, row)
        name = html.escape(row.name)
        values = {
            "name": name,
            "title": name if row.name else _escaped(row.title),
            "type_label": _escaped(row.type_label),
            "product_url": _escaped(row.product_url) if flags["updates_refused"] else "",
            **{made: getattr(row, made) for made in ROW_MADE},
        }
        if (shown := details.get((row.labels, row.owner))) is None:
            shown = details[(row.labels, row.owner)] = row_details(row.labels, row.owner)
        values["details"] = shown
        for field in ROW_MOMENTS:
            if moment := getattr(row, field):
                values[f"{field}_iso"] = moment.iso
                values[f"{field}_exact"] = html.escape(moment.exact)
                values[f"{field}_ago"] = _escaped(moment.ago)
        rendered.append(shape.format_map(values))
    return SafeString("".join(rendered))


def _format_shape(markup: str) -> str:
    """Markup rendered with stand-ins, as a format string with a field for each."""
    return _STAND_IN.sub(r"{\1}", markup.replace("{", "{{").replace("}", "}}"))


@lru_cache(maxsize=16)
def _details_shapes(language: str | None) -> tuple[str, dict[tuple[bool, bool], str]]:
    """The tag of one label, and the labels and owner under a name for each of: labels, an owner, both."""
    tag = _format_shape(render_to_string("includes/handler_parts.html#tag", {"label": _stand_in("label")}))
    shapes = {
        (has_tags, has_owner): _format_shape(
            render_to_string(
                "includes/handler_parts.html#row_details",
                {"tags": _stand_in("tags") if has_tags else "", "owner": _stand_in("owner") if has_owner else ""},
            )
        )
        for has_tags, has_owner in ((True, False), (False, True), (True, True))
    }
    return tag, shapes


@register.simple_tag
def row_details(labels: tuple[str, ...], owner: str) -> SafeString:
    """A channel's labels and owner, under its name; nothing when it has neither. Rendered once for each language
    and filled in: a table of 1000 rows each with labels of its own would otherwise render this 1000 times."""
    if not (labels or owner):
        return SafeString("")
    tag, shapes = _details_shapes(get_language())
    tags = " ".join(tag.format(label=_escaped(label)) for label in labels)
    return SafeString(shapes[(bool(labels), bool(owner))].format(tags=tags, owner=_escaped(owner)))
