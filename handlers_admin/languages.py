"""The member's language: the browser's by default, or the one they chose from the menu, which is kept on their
account and, before sign-in, in a cookie."""

from django.conf import settings
from django.contrib.auth.models import User
from django.http import HttpRequest

from handlers_admin.models import MemberSettings

# The session carries the account's choice, so that no page pays a query for it.
SESSION_KEY = "language"


def is_offered(code: str) -> bool:
    return code in dict(settings.LANGUAGES)


def choose(request: HttpRequest, code: str) -> None:
    """Keeps a signed-in member's choice on their account; the caller sets the cookie."""
    if request.user.is_authenticated:
        MemberSettings.objects.update_or_create(user=request.user, defaults={"language": code})
        request.session[SESSION_KEY] = code


def chosen(request: HttpRequest) -> str:
    code = request.session.get(SESSION_KEY, "") if request.user.is_authenticated else ""
    return code if is_offered(code) else ""


def signed_in(sender: type, request: HttpRequest, user: User, **kwargs: object) -> None:
    saved = MemberSettings.objects.filter(user=user).values_list("language", flat=True).first()
    if saved:
        request.session[SESSION_KEY] = saved
