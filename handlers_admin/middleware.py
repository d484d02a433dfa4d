import logging
from collections.abc import Callable
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect

from handlers_admin import health, languages, log_lines, second_factors

log = logging.getLogger(__name__)


class HtmxMessagesMiddleware:
    """Flash messages left by an htmx request reach the page as an out-of-band swap."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        htmx = getattr(request, "htmx", None)
        if (
            htmx
            and not htmx.boosted
            and response.status_code < 300
            # The browser leaves for another page: the messages are for that page.
            and not {"HX-Redirect", "HX-Location", "HX-Refresh"} & set(response.headers)
            and response.get("Content-Type", "").startswith("text/html")
            and not response.streaming
            and messages.get_messages(request)
        ):
            response.write(render_to_string("base.html#messages", {"oob": True}, request=request))
        return response


class MemberLogMiddleware:
    """Log lines written while a request is served name the member it is served for."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        with log_lines.for_member(user.get_username() if user is not None and user.is_authenticated else "-"):
            return self.get_response(request)


class FailingPartMiddleware:
    """A page that fails because the panel's database or shared cache does says so, as /healthz does, not a bare
    500."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        failing = [
            name
            for name, state in (("cache", health.shared_cache()), ("database", health.database()))
            if state == "failing"
        ]
        if not failing:
            return None
        log.error(
            "%s %s failed because the panel's %s %s; /healthz shows each part",
            request.method,
            request.path,
            " and ".join(failing),
            "fails" if len(failing) == 1 else "fail",
        )
        # Rendered without the request: its context processors would use the part that fails.
        return HttpResponse(render_to_string("unavailable.html", {"failing": failing}), status=503)


class MemberLanguageMiddleware:
    """Speaks the language a signed-in member chose, on any browser; LocaleMiddleware has already picked the
    cookie's or the browser's for everyone else."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if code := languages.chosen(request):
            translation.activate(code)
            request.LANGUAGE_CODE = code
        return self.get_response(request)


class MemberTimezoneMiddleware:
    """Shows times in the member's own time zone, which panel.js reads from the browser into a cookie."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        zone = member_zone(request.COOKIES.get("tz", ""))
        if zone:
            timezone.activate(zone)
        else:
            timezone.deactivate()
        return self.get_response(request)


@lru_cache(maxsize=128)
def member_zone(name: str) -> ZoneInfo | None:
    if not name or len(name) > 64:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


class SecondFactorRequiredMiddleware:
    """Takes a member whose role needs a second factor they have not set up (MFA_REQUIRED_ROLES) to set one up,
    before any page but signing in and out, the second factor pages themselves and the language menu."""

    OPEN = ("/accounts/", "/language/", "/healthz", "/favicon.ico", "/static/")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(self.OPEN) or not second_factors.setup_required(request):
            return self.get_response(request)
        messages.warning(
            request, _("Your role needs a second factor before you go on: set up an authenticator app or a passkey.")
        )
        target = reverse("mfa_index")
        return HttpResponseClientRedirect(target) if request.headers.get("HX-Request") else redirect(target)
