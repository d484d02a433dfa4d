from collections.abc import Callable
from dataclasses import replace
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required, permission_required
from django.core.paginator import Paginator
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect, push_url

from handlers_admin import overview as ops
from handlers_admin import services
from handlers_admin.client import ApiError, Handler, NotFound, State
from handlers_admin.forms import AuditFilterForm, HandlerFilterForm, HandlerForm, pager_links, querystring, table_columns
from handlers_admin.models import AuditEntry
from handlers_admin.presenters import switch, table_rows
from handlers_admin.roles import CHANGE, DELETE
from handlers_admin.services import STATE_LABELS
from handlers_admin.types import SECRET_FIELDS, type_label


@login_not_required
def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "403_csrf.html", status=403)


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
        # Present, so that each row's switch finds it at once instead of missing it a thousand times.
        "toggle_error": None,
        "error": error,
        "columns": table_columns(query, sortable="order_by" in form.fields),
        "pager": pager_links(query, page.total_pages) if page else [],
        "clear_url": reverse("handler_list"),
        "export_query": querystring(replace(query, page=1, results_per_page=25)),
    }
    if request.htmx and not request.htmx.boosted:
        response = render(request, "handlers_admin/handler_list.html#table", context)
        return push_url(response, reverse("handler_list") + querystring(query))
    return render(request, "handlers_admin/handler_list.html", context)


def with_handler(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Fetches the handler of the URL for the view, or shows why the API could not give it."""

    @wraps(view)
    def wrapper(request: HttpRequest, handler_id: int) -> HttpResponse:
        try:
            handler = services.get_handler(handler_id)
        except ApiError as e:
            return render(request, "handlers_admin/api_error.html", {"error": e.message}, status=error_status(e))
        return view(request, handler)

    return wrapper


@with_handler
def handler_detail(request: HttpRequest, handler: Handler) -> HttpResponse:
    return render(request, "handlers_admin/handler_detail.html", {
        "h": handler,
        "switch": switch(handler.id, handler.name, handler.type, handler.state),
        "history": AuditEntry.objects.filter(handler_id=handler.id)[:20],
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
    try:
        summary = ops.build(services.all_handlers(), timezone.now(), settings.STALE_AFTER_DAYS)
    except ApiError as e:
        return render(request, "handlers_admin/overview.html", {"error": e.message})
    return render(request, "handlers_admin/overview.html", {"overview": summary, "stale": table_rows(summary.stale)})


@require_GET
def handler_export(request: HttpRequest, file_format: str) -> HttpResponse:
    form = HandlerFilterForm(request.GET, variant=settings.API_VARIANT)
    query = form.query()
    try:
        records = ops.export_records(services.all_handlers(query))
    except ApiError as e:
        messages.error(request, e.message)
        return redirect(reverse("handler_list") + querystring(query))
    name = f"handlers{'-filtered' if query.is_filtered else ''}-{timezone.localdate():%Y-%m-%d}.{file_format}"
    if file_format == "csv":
        response = HttpResponse(ops.to_csv(records), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(ops.to_json(records), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def audit(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET)
    page = Paginator(form.entries(), 25).get_page(request.GET.get("page"))
    template = "handlers_admin/audit.html#table" if request.htmx and not request.htmx.boosted else "handlers_admin/audit.html"
    return render(request, template, {"form": form, "page": page})


def form_page(request: HttpRequest, form: HandlerForm, **context: object) -> HttpResponse:
    return render(request, "handlers_admin/handler_form.html", {"form": form, **context})


# Error reports must not carry the secrets these forms post.
hide_secrets = sensitive_post_parameters(*SECRET_FIELDS)


@hide_secrets
@permission_required(CHANGE, raise_exception=True)
def handler_create(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return form_page(request, HandlerForm(variant=settings.API_VARIANT), submit_token=services.submit_token())
    form = HandlerForm(request.POST, variant=settings.API_VARIANT)
    token = request.POST.get("submit_token", "")
    if not form.is_valid():
        return form_page(request, form, submit_token=token)
    if not services.claim_submission(token):
        return already_submitted(request, token)
    try:
        saved = services.create_handler(request.user, form.api_fields())
    except ApiError as e:
        services.release_submission(token)
        form.add_error(None, e.message)
        return form_page(request, form, submit_token=token)
    services.record_submission(token, saved.id)
    messages.success(request, _("“%(name)s” was created.") % {"name": form.cleaned_data["name"]})
    return redirect("handler_detail", handler_id=saved.id)


def already_submitted(request: HttpRequest, token: str) -> HttpResponse:
    if not token:
        messages.error(request, _("This form had expired. Please fill it in again."))
        return redirect("handler_create")
    handler_id = services.submitted_handler(token)
    messages.info(request, _("This form was already sent once, so nothing was created twice."))
    return redirect("handler_detail", handler_id=handler_id) if handler_id else redirect("handler_list")


@permission_required(CHANGE, raise_exception=True)
@require_GET
def handler_type_fields(request: HttpRequest) -> HttpResponse:
    current = None
    if (handler_id := request.GET.get("handler", "")).isdigit():
        try:
            current = services.get_handler(int(handler_id))
        except ApiError:
            current = None
    form = HandlerForm(variant=settings.API_VARIANT, current=current, initial=request.GET.dict())
    return render(request, "handlers_admin/handler_form.html#fields", {"form": form})


@permission_required(CHANGE, raise_exception=True)
@with_handler
def handler_duplicate(request: HttpRequest, original: Handler) -> HttpResponse:
    initial = {"name": _("Copy of %(name)s") % {"name": original.name}, "type": original.type}
    initial |= services.public_settings(original)
    form = HandlerForm(variant=settings.API_VARIANT, initial=initial)
    return form_page(request, form, submit_token=services.submit_token(), duplicate_of=original)


@hide_secrets
@permission_required(CHANGE, raise_exception=True)
@with_handler
def handler_edit(request: HttpRequest, current: Handler) -> HttpResponse:
    if request.method != "POST":
        initial = {"name": current.name, "type": current.type} | services.public_settings(current)
        return form_page(request, HandlerForm(variant=settings.API_VARIANT, current=current, initial=initial), current=current)
    form = HandlerForm(request.POST, variant=settings.API_VARIANT, current=current)
    if not form.is_valid():
        return form_page(request, form, current=current)
    body = services.update_body(current, form.api_fields())
    if not body:
        messages.info(request, _("Nothing was changed."))
        return redirect("handler_detail", handler_id=current.id)
    try:
        read_back = services.update_handler(request.user, current, body)
    except NotFound:
        form.add_error(None, _("This handler was deleted while you were editing it, so your changes were not saved."))
        return form_page(request, form, current=current)
    except ApiError as e:
        form.add_error(None, e.message)
        return form_page(request, form, current=current)
    if read_back.failed:
        messages.warning(request, _("Your changes were saved, but could not be read back to check them: %(error)s") % {"error": read_back.failed})
    elif read_back.mismatches:
        messages.warning(request, mismatch_message(read_back.mismatches))
    else:
        messages.success(request, _("Your changes to “%(name)s” were saved.") % {"name": form.cleaned_data["name"]})
    return redirect("handler_detail", handler_id=current.id)


def mismatch_message(mismatches: list[services.Mismatch]) -> str:
    parts = [
        _("%(field)s: a different value was stored") % {"field": m.label} if m.sent is None
        else _("%(field)s: sent “%(sent)s”, stored “%(stored)s”") % {"field": m.label, "sent": m.sent, "stored": m.stored}
        for m in mismatches
    ]
    return _("Saved, but the server stored something other than what was sent. %(details)s. Please check and edit again.") % {
        "details": "; ".join(parts)
    }


@permission_required(DELETE, raise_exception=True)
@with_handler
def handler_delete(request: HttpRequest, handler: Handler) -> HttpResponse:
    if request.method != "POST":
        template = "handlers_admin/handler_delete.html" + ("#dialog" if request.htmx else "")
        return render(request, template, {"h": handler})
    try:
        services.delete_handler(request.user, handler)
    except ApiError as e:
        messages.error(request, e.message)
        target = reverse("handler_detail", args=[handler.id])
    else:
        messages.success(request, _("“%(name)s” (%(type)s) was deleted.") % {"name": handler.name, "type": type_label(handler.type)})
        target = reverse("handler_list")
    # From the dialog, the whole browser moves on, not just the dialog's form.
    return HttpResponseClientRedirect(target) if request.htmx else redirect(target)
