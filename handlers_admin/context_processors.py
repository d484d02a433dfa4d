from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import get_language

from handlers_admin.roles import CHANGE, DELETE, role_of


def panel(request: HttpRequest) -> dict[str, object]:
    # The menu names each language in itself, as settings do; Django's language tags would translate the names.
    names = dict(settings.LANGUAGES)
    common: dict[str, object] = {
        "languages": settings.LANGUAGES,
        "language_name": names.get(get_language(), names[settings.LANGUAGE_CODE]),
        # The sign-in pages name the team's single sign-on provider, and put it first when passwords are off.
        "sso_name": settings.OIDC_PROVIDER_NAME,
        "sso_only": settings.OIDC_ONLY,
    }
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return common
    role = role_of(user)
    return common | {
        "member_role": role,
        "can_change": user.has_perm(CHANGE),
        "can_delete": user.has_perm(DELETE),
        "api_configured": bool(settings.API_BASE_URL and settings.API_KEY),
        "role_needs_factor": role is not None and role.value in settings.MFA_REQUIRED_ROLES,
    }
