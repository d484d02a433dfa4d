from django.conf import settings
from django.http import HttpRequest

from handlers_admin.roles import CHANGE, DELETE, role_of


def panel(request: HttpRequest) -> dict[str, object]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "member_role": role_of(user),
        "can_change": user.has_perm(CHANGE),
        "can_delete": user.has_perm(DELETE),
        "api_configured": bool(settings.API_BASE_URL and settings.API_KEY),
    }
