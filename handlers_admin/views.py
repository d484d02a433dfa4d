from dataclasses import replace

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required, permission_required
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django_htmx.http import push_url

from handlers_admin import services
from handlers_admin.client import ApiError, State
from handlers_admin.presenters import switch, table_rows
from handlers_admin.services import STATE_LABELS
from handlers_admin.forms import HandlerFilterForm, pager_links, querystring, table_columns
from handlers_admin.roles import CHANGE


@login_not_required
@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        database = "ok"
    except DatabaseError:
        database = "unavailable"
    healthy = database == "ok"
    return JsonResponse({"status": "ok" if healthy else "failing", "database": database}, status=200 if healthy else 503)


def handler_list(request: HttpRequest) -> HttpResponse:
    form = HandlerFilterForm(request.GET, variant=settings.API_VARIANT)
    query = form.query()
    page, error = None, None
    try:
        page = services.list_handlers(query)
        if not page.items and page.total and query.page > page.total_pages:
            query = replace(query, page=page.total_pages)
            page = services.list_handlers(query)
    except ApiError as e:
        error = e.message
    context = {
        "form": form,
        "query": query,
        "page": page,
        "rows": table_rows(page.items) if page else [],
        "toggle_error": None,
        "error": error,
        "columns": table_columns(query, sortable="order_by" in form.fields),
        "pager": pager_links(query, page.total_pages) if page else [],
        "clear_url": reverse("handler_list"),
    }
    if request.htmx and not request.htmx.boosted:
        response = render(request, "handlers_admin/handler_list.html#table", context)
        return push_url(response, reverse("handler_list") + querystring(query))
    return render(request, "handlers_admin/handler_list.html", context)


def handler_detail(request: HttpRequest, handler_id: int) -> HttpResponse:
    try:
        handler = services.get_handler(handler_id)
    except ApiError as e:
        return render(request, "handlers_admin/api_error.html", {"error": e.message}, status=error_status(e))
    return render(request, "handlers_admin/handler_detail.html", {
        "h": handler,
        "switch": switch(handler.id, handler.name, handler.type, handler.state),
        "fields": services.shown_settings(handler),
    })


def error_status(error: ApiError) -> int:
    """The status of a page that could not be built because the API failed: never a 500."""
    return {404: 404, 429: 429}.get(error.status or 0, 502)


@require_POST
@permission_required(CHANGE, raise_exception=True)
def handler_toggle(request: HttpRequest, handler_id: int) -> HttpResponse:
    was = State(int(request.POST.get("was", "0"))) if request.POST.get("was") in ("0", "1", "2") else State.OFF
    ref = services.HandlerRef(handler_id, request.POST.get("name", "")[:512], request.POST.get("type", "")[:40], was)
    enabled = request.POST.get("enabled") in ("on", "1", "true")
    error = None
    try:
        ref = services.set_enabled(request.user, ref, enabled)
    except ApiError as e:
        error = e.message
    if request.htmx:
        return render(request, "handlers_admin/handler_list.html#toggle", {"h": switch(ref.id, ref.name, ref.type, ref.state), "toggle_error": error})
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("“%(name)s” is now %(state)s.") % {"name": ref.name, "state": STATE_LABELS[ref.state].lower()})
    return redirect(safe_next(request) or reverse("handler_list"))


def safe_next(request: HttpRequest) -> str | None:
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return None


def overview(request: HttpRequest) -> HttpResponse:
    return render(request, "handlers_admin/overview.html")


def audit(request: HttpRequest) -> HttpResponse:
    return render(request, "handlers_admin/audit.html")
