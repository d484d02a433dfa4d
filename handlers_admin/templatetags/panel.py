from datetime import datetime
from typing import Any

from django import template
from django.conf import settings

from handlers_admin import presenters
from handlers_admin.handler_types import types_for

register = template.Library()


@register.inclusion_tag("includes/handler_parts.html#sprite")
def type_sprite() -> dict[str, Any]:
    """Every type's icon once per page, for the type_icon partial to point at."""
    return {"types": types_for(settings.API_VARIANT)}


@register.filter
def moment(value: datetime | None) -> presenters.Moment | None:
    """A time as the time partial shows it: "3 days ago", with the exact time on hover."""
    return presenters.Clock().moment(value)


register.filter("type_label", presenters.type_label)
register.filter("icon_name", presenters.icon_name)
register.filter("describe_change", presenters.describe_change)
