"""Pages that are not about channels: the health report, the favicon, the language menu, CSRF failures."""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django.views.i18n import set_language

from handlers_admin import health, languages


@login_not_required
def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "403_csrf.html", status=403)


@login_not_required
@require_GET
def favicon(request: HttpRequest) -> HttpResponse:
    """Tools that ask for /favicon.ico get the panel's icon rather than a 404."""
    return HttpResponsePermanentRedirect(static("favicon.svg"))


@login_not_required
@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    parts, healthy = health.report()
    return JsonResponse(parts, status=200 if healthy else 503)


@login_not_required
@require_POST
def language(request: HttpRequest) -> HttpResponse:
    """The language menu, also on the sign-in page: Django's view sets the cookie; a member's account keeps it."""
    code = request.POST.get("language", "")
    if languages.is_offered(code):
        languages.choose(request, code)
    return set_language(request)
