from datetime import UTC, datetime

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.timesince import timesince
from django.utils.translation import gettext as _

from handlers_admin.client import State
from handlers_admin.services import STATE_LABELS
from handlers_admin.types import HANDLER_TYPES

register = template.Library()


@register.simple_tag
def type_icon(slug: str) -> SafeString:
    handler_type = HANDLER_TYPES.get(slug)
    glyph, color = (handler_type.glyph, handler_type.color) if handler_type else ("?", "#5b6474")
    return format_html(
        '<svg class="icon" viewBox="0 0 24 24" width="24" height="24" aria-hidden="true" focusable="false">'
        '<rect width="24" height="24" rx="6" fill="{}"/>'
        '<text x="12" y="16" text-anchor="middle" font-size="{}" font-weight="700" fill="#fff">{}</text></svg>',
        color, 11 if len(glyph) < 2 else 9, glyph,
    )


@register.filter
def type_label(slug: str) -> str:
    handler_type = HANDLER_TYPES.get(slug)
    return str(handler_type.label) if handler_type else slug


@register.simple_tag
def when(moment: datetime | None, never: str = "") -> SafeString:
    """A past moment as "3 days ago", with the exact time, local and UTC, on hover."""
    if moment is None:
        return format_html('<span class="muted">{}</span>', never or _("Never"))
    local = timezone.localtime(moment)
    exact = f"{moment.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC"
    if local.utcoffset():
        exact = f"{local:%Y-%m-%d %H:%M:%S} {local.tzname()} · {exact}"
    now = timezone.now()
    relative = _("just now") if (now - moment).total_seconds() < 60 else _("%(delta)s ago") % {"delta": timesince(moment, now, depth=1)}
    return format_html('<time datetime="{}" title="{}">{}</time>', moment.isoformat(), exact, relative)


@register.filter
def state_label(state: State) -> str:
    return str(STATE_LABELS[state])
