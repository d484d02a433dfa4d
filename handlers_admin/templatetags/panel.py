from datetime import datetime
from functools import lru_cache

from django import template
from django.conf import settings
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from handlers_admin import presenters
from handlers_admin.types import type_label, types_for

register = template.Library()


@register.simple_tag
def type_sprite() -> SafeString:
    """Every type's icon once per page, for type_icon to point at."""
    return _sprite(settings.API_VARIANT)


@lru_cache(maxsize=2)
def _sprite(variant: str) -> SafeString:
    symbols = format_html_join(
        "",
        '<symbol id="type-{}" viewBox="0 0 24 24"><rect width="24" height="24" rx="6" fill="{}"/>'
        '<text x="12" y="16" text-anchor="middle" font-size="{}" font-weight="700" fill="#fff">{}</text></symbol>',
        ((t.slug, t.color, 11 if len(t.glyph) < 2 else 9, t.glyph) for t in types_for(variant)),
    )
    return format_html('<svg class="sprite" aria-hidden="true" width="0" height="0">{}</svg>', symbols)


@register.simple_tag
def type_icon(slug: str) -> SafeString:
    return format_html('<svg class="icon" aria-hidden="true"><use href="#type-{}"/></svg>', slug)


register.filter("type_label", type_label)


@register.simple_tag
def when(moment: datetime | None) -> SafeString:
    return presenters.Clock().when(moment)


register.filter("describe_change", presenters.describe_change)
