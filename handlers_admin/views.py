from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required, permission_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_POST
from django.views.i18n import set_language
from django_htmx.http import HttpResponseClientRedirect, push_url
from django_htmx.middleware import HtmxDetails

from handlers_admin import exports, health, imports, jobs, languages, members, selection, send_test, services
from handlers_admin.budget import whole_number
from handlers_admin.client import ApiError, Handler, NotFound, State
from handlers_admin.forms import AuditFilterForm, HandlerFilterForm, HandlerForm, MemberForm, RoleForm, ToggleForm
from handlers_admin.handler_types import HANDLER_TYPES, SECRET_FIELDS
from handlers_admin.models import AuditEntry, Job, MirroredHandler
from handlers_admin.overview import summarize
from handlers_admin.presenters import handler_row, public_settings, setting_rows, table_rows, type_label
from handlers_admin.roles import CHANGE, DELETE, Role
from handlers_admin.table import ListQuery, export_query, header_cells, pager_links, querystring

# Error reports must not carry the secrets these forms post.
hide_secrets = sensitive_post_parameters(*SECRET_FIELDS)


class HtmxRequest(HttpRequest):
    """A request as django-htmx's middleware leaves it."""

    htmx: HtmxDetails


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


def handler_list(request: HtmxRequest) -> HttpResponse:
    form = HandlerFilterForm(request.GET, variant=settings.API_VARIANT)
    table = services.list_page(form.query())
    query, page = table.query, table.page
    can_change = request.user.has_perm(CHANGE)
    chosen = frozenset(selection.ids(request))
    context = {
        "form": form,
        "query": query,
        "page": page,
        "freshness": table.freshness,
        # An htmx answer also refreshes what sits outside the table: each filter's errors, the count set.
        "oob": bool(request.htmx),
        "rows": table_rows(page.items, can_change=can_change, selected=chosen if can_change else None),
        "selectable": can_change,
        "selected_count": len(chosen),
        "kinds": jobs.allowed_kinds(request.user),
        "columns": header_cells(query, sortable=True),
        "pager": pager_links(query, page.total_pages),
        "clear_url": reverse("handler_list"),
        "export_query": export_query(query),
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


def refusal_page(request: HttpRequest, handler: Handler | None) -> HttpResponse | None:
    """A page saying why the panel cannot change a handler of this type, or None when it can."""
    if handler and (refusal := services.change_refusal(handler.type)):
        return render(request, "handlers_admin/api_error.html", {"error": refusal}, status=409)
    return None


def with_changeable_handler(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Like with_handler, for a view that changes the handler: a type this panel cannot change is refused
    in plain words, before any call when the mirror already knows the type."""

    @wraps(view)
    def checked(request: HttpRequest, handler: Handler) -> HttpResponse:
        return refusal_page(request, handler) or view(request, handler)

    fetching = with_handler(checked)

    @wraps(view)
    def wrapper(request: HttpRequest, handler_id: int) -> HttpResponse:
        return refusal_page(request, services.known_handler(handler_id)) or fetching(request, handler_id)

    return wrapper


@with_handler
def handler_detail(request: HttpRequest, handler: Handler) -> HttpResponse:
    context = {
        "handler": handler,
        "row": handler_row(handler),
        "history": AuditEntry.objects.filter(handler_id=handler.id)[:20],
        "activity_cause": services.activity_cause(handler),
        "change_refusal": services.change_refusal(handler.type),
        "handler_type": HANDLER_TYPES.get(handler.type),
        "settings": setting_rows(handler),
    }
    return render(request, "handlers_admin/handler_detail.html", context)


def error_status(error: ApiError) -> int:
    """The status of a page that could not be built because the API failed: never a 500."""
    return {404: 404, 429: 429}.get(error.status or 0, 502)


@dataclass(frozen=True, kw_only=True)
class TablePlace:
    """The page of the table a switch was used on: its filters and the rows it shows."""

    query: ListQuery
    shown: list[int]

    @classmethod
    def posted(cls, request: HttpRequest) -> "TablePlace | None":
        shown = [number for text in request.POST.get("shown", "").split(",") if (number := whole_number(text))]
        if not shown:
            return None
        return cls(query=HandlerFilterForm(request.POST, variant=settings.API_VARIANT).query(), shown=shown)

    def left(self, handler_id: int) -> bool:
        """Whether the switched handler no longer matches the filters (it stays on the page until it is left)."""
        return self.query.is_filtered and services.rows_left(self.query, [handler_id]) == 1

    def pager(self, request: HttpRequest) -> str:
        """The pager again, so that the next page starts where rows that left the results would put it."""
        query, page = services.read_page(replace(self.query, shift=services.rows_left(self.query, self.shown)))
        context = {"page": page, "pager": pager_links(query, page.total_pages), "export_query": export_query(query)}
        return render_to_string(
            "handlers_admin/handler_list.html#pager", context | {"pager_oob": True}, request=request
        )


@require_POST
@permission_required(CHANGE, raise_exception=True)
def handler_toggle(request: HtmxRequest, handler_id: int) -> HttpResponse:
    failure, late = None, False
    try:
        toggled = services.toggle(request.user, handler_id, enabled=ToggleForm(request.POST).wanted_enabled)
        handler, late = toggled.handler, toggled.late
    except ApiError as e:
        failure, handler = e, services.known_handler(handler_id)
    if request.htmx:
        shown = handler or Handler(
            id=handler_id, type="", name="", settings={}, state=State.OFF, created=None, last_activity=None
        )
        place = TablePlace.posted(request)
        context = {
            "row": handler_row(shown),
            "toggle_error": failure.message if failure else "",
            "unconfirmed": isinstance(failure, services.Unconfirmed),
            "left_filters": place.left(handler_id) if place else False,
            "can_change": True,
        }
        if late:
            messages.success(request, _("Done: the product answered late, but the switch was changed."))
        response = render(request, "includes/handler_parts.html#switch", context)
        if handler and not failure:
            state = str(handler.state.label).lower()
            announcement = _("“%(name)s” is now %(state)s.") % {"name": handler.name, "state": state}
            response.write(render_to_string("includes/handler_parts.html#announce", {"announcement": announcement}))
        if place:
            response.write(place.pager(request))
        return response
    if failure:
        tell_failure(request, failure)
    elif handler:
        state = str(handler.state.label).lower()
        text = _("“%(name)s” is now %(state)s.") % {"name": handler.name, "state": state}
        messages.success(request, _("Done: the product answered late. %(text)s") % {"text": text} if late else text)
    return redirect(safe_next(request) or reverse("handler_list"))


@require_POST
def mirror_refresh(request: HttpRequest) -> HttpResponse:
    """Brings the panel's copy of the account up to date now, if the call budget allows."""
    freshness = services.refresh_mirror()
    if freshness.problem:
        messages.warning(request, freshness.problem)
    else:
        messages.success(request, _("The list is up to date."))
    return redirect(safe_next(request) or reverse("handler_list"))


@require_POST
@permission_required(CHANGE, raise_exception=True)
@with_handler
def handler_send_test(request: HttpRequest, handler: Handler) -> HttpResponse:
    """Sends a test to a saved handler, with its stored settings read fresh from the API."""
    handler_type = HANDLER_TYPES.get(handler.type)
    if handler_type is None:
        result = send_test.TestResult(delivered=False, text=services.change_refusal(handler.type))
    else:
        result = services.send_test(
            request.user, handler_type=handler_type, name=handler.name, values=handler.settings, handler_id=handler.id
        )
    return test_result(request, result)


@hide_secrets
@require_POST
@permission_required(CHANGE, raise_exception=True)
def form_send_test(request: HttpRequest) -> HttpResponse:
    """Sends a test with the values being typed in a create or edit form; on edit, a blank secret is the stored one."""
    current = None
    if (handler_id := whole_number(request.POST.get("handler", ""))) is not None:
        try:
            current = services.get_handler(handler_id)
        except ApiError as e:
            return test_result(request, send_test.TestResult(delivered=False, text=e.message))
    form = HandlerForm(request.POST, variant=settings.API_VARIANT, current=current)
    handler_type = form.chosen_type
    if handler_type is None or not form.is_valid():
        problems = [str(error) for name, errors in form.errors.items() if name != "name" for error in errors]
        text = _("Check the fields first: %(problems)s") % {"problems": " ".join(problems) or _("choose a type.")}
        return test_result(request, send_test.TestResult(delivered=False, text=text))
    fields = form.api_fields()
    stored = current.settings if current and current.type == handler_type.slug else {}
    result = services.send_test(
        request.user,
        handler_type=handler_type,
        name=fields["name"],
        values=stored | fields,
        handler_id=current.id if current else None,
    )
    return test_result(request, result)


def test_result(request: HttpRequest, result: send_test.TestResult) -> HttpResponse:
    return render(request, "includes/handler_parts.html#test_result", {"result": result})


def tell_failure(request: HttpRequest, error: ApiError) -> None:
    """A failed change as a message: a warning when it may have been made after all, an error otherwise."""
    level = messages.WARNING if isinstance(error, services.Unconfirmed) else messages.ERROR
    messages.add_message(request, level, error.message)


def safe_next(request: HttpRequest) -> str | None:
    """Where a plain form post goes back to: a path on this site, never a name to reverse or another site."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if not target.startswith("/") or target.startswith(("//", "/\\")):
        return None
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return None


STALE_SHOWN = 20


def overview(request: HttpRequest) -> HttpResponse:
    handlers, freshness = services.all_handlers()
    summary = summarize(handlers, now=timezone.now(), stale_after_days=settings.STALE_AFTER_DAYS)
    context = {
        "overview": summary,
        "freshness": freshness,
        # The first of them; a link opens the table with all.
        "stale": table_rows(summary.stale[:STALE_SHOWN], can_change=request.user.has_perm(CHANGE), edit_links=True),
        "columns": header_cells(ListQuery(), sortable=False),
    }
    return render(request, "handlers_admin/overview.html", context)


@require_GET
def handler_export(request: HttpRequest, file_format: str) -> HttpResponse:
    form = HandlerFilterForm(request.GET, variant=settings.API_VARIANT)
    query = form.query()
    handlers, _freshness = services.all_handlers(query)
    records = exports.records(handlers)
    name = f"handlers{'-filtered' if query.is_filtered else ''}-{timezone.localdate():%Y-%m-%d}.{file_format}"
    if file_format == "csv":
        response = HttpResponse(exports.to_csv(records), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(exports.to_json(records), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def audit(request: HtmxRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET)
    page = Paginator(form.entries(), 25).get_page(request.GET.get("page"))
    template = (
        "handlers_admin/audit.html#table" if request.htmx and not request.htmx.boosted else "handlers_admin/audit.html"
    )
    return render(request, template, {"form": form, "page": page})


def form_page(request: HttpRequest, form: HandlerForm, **context: object) -> HttpResponse:
    return render(request, "handlers_admin/handler_form.html", {"form": form, **context})


@hide_secrets
@permission_required(CHANGE, raise_exception=True)
def handler_create(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return form_page(request, HandlerForm(variant=settings.API_VARIANT), submit_token=services.submit_token())
    form = HandlerForm(request.POST, variant=settings.API_VARIANT)
    token = request.POST.get("submit_token", "")
    if not form.is_valid():
        return form_page(request, form, submit_token=token)
    try:
        submission = services.create_once(request.user, form.api_fields(), token=token)
    except services.FormExpired:
        messages.error(request, _("This form had expired. Please fill it in again."))
        return redirect("handler_create")
    except ApiError as e:
        check_url = reverse("handler_list") if isinstance(e, services.Unconfirmed) else ""
        return form_page(request, form.retyped(), submit_token=token, error=e.message, check_url=check_url)
    name = form.cleaned_data["name"]
    if submission.repeated:
        messages.info(request, _("This form was already sent once, so nothing was created twice."))
    elif submission.late:
        messages.success(request, _("Done: the product answered late, but “%(name)s” was created.") % {"name": name})
    else:
        messages.success(request, _("“%(name)s” was created.") % {"name": name})
    if submission.handler_id is None:
        return redirect("handler_list")
    return redirect("handler_detail", handler_id=submission.handler_id)


@permission_required(CHANGE, raise_exception=True)
@require_GET
def handler_type_fields(request: HttpRequest) -> HttpResponse:
    current = None
    if (handler_id := whole_number(request.GET.get("handler", ""))) is not None:
        try:
            current = services.get_handler(handler_id)
        except ApiError:
            current = None
    form = HandlerForm(variant=settings.API_VARIANT, current=current, initial=request.GET.dict())
    return render(request, "handlers_admin/handler_form.html#fields", {"form": form})


@permission_required(CHANGE, raise_exception=True)
@with_changeable_handler
def handler_duplicate(request: HttpRequest, original: Handler) -> HttpResponse:
    initial = {"name": _("Copy of %(name)s") % {"name": original.name}, "type": original.type}
    initial |= public_settings(original)
    form = HandlerForm(variant=settings.API_VARIANT, initial=initial)
    return form_page(request, form, submit_token=services.submit_token(), duplicate_of=original)


@hide_secrets
@permission_required(CHANGE, raise_exception=True)
def handler_edit(request: HttpRequest, handler_id: int) -> HttpResponse:
    if request.method != "POST":
        return edit_form(request, handler_id)
    if refused := refusal_page(request, services.known_handler(handler_id)):
        return refused
    try:
        current = services.get_handler(handler_id)
    except ApiError as e:
        # The typed changes are kept (secrets asked for again) rather than lost on an error page.
        posted = HandlerForm(request.POST, variant=settings.API_VARIANT)
        shown = services.known_handler(handler_id) or Handler(
            id=handler_id,
            type=request.POST.get("type", ""),
            name=request.POST.get("name", ""),
            settings={},
            state=State.OFF,
            created=None,
            last_activity=None,
        )
        return form_page(request, posted.retyped(), current=shown, error=e.message)
    return refusal_page(request, current) or save_edit(request, current)


@with_changeable_handler
def edit_form(request: HttpRequest, current: Handler) -> HttpResponse:
    initial = {"name": current.name, "type": current.type} | public_settings(current)
    form = HandlerForm(variant=settings.API_VARIANT, current=current, initial=initial)
    return form_page(request, form, current=current)


def save_edit(request: HttpRequest, current: Handler) -> HttpResponse:
    form = HandlerForm(request.POST, variant=settings.API_VARIANT, current=current)
    if not form.is_valid():
        return form_page(request, form, current=current)
    body = services.update_body(current, form.api_fields())
    if not body:
        messages.info(request, _("Nothing was changed."))
        return redirect("handler_detail", handler_id=current.id)
    try:
        result = services.update(request.user, current, body)
    except NotFound:
        error = _("This channel was deleted while you were editing it, so your changes were not saved.")
        return form_page(request, form.retyped(), current=current, error=error)
    except ApiError as e:
        check_url = reverse("handler_detail", args=[current.id]) if isinstance(e, services.Unconfirmed) else ""
        return form_page(request, form.retyped(current=current), current=current, error=e.message, check_url=check_url)
    level, text = result.message(form.cleaned_data["name"])
    messages.add_message(request, messages.WARNING if level == "warning" else messages.SUCCESS, text)
    return redirect("handler_detail", handler_id=current.id)


@permission_required(DELETE, raise_exception=True)
@with_handler
def handler_delete(request: HtmxRequest, handler: Handler) -> HttpResponse:
    if request.method != "POST":
        template = "handlers_admin/handler_delete.html" + ("#dialog" if request.htmx else "")
        return render(request, template, {"handler": handler})
    try:
        late = services.delete(request.user, handler)
    except ApiError as e:
        tell_failure(request, e)
        target = reverse("handler_detail", args=[handler.id])
    else:
        text = _("“%(name)s” (%(type)s) was deleted.") % {"name": handler.name, "type": type_label(handler.type)}
        messages.success(request, _("Done: the product answered late. %(text)s") % {"text": text} if late else text)
        target = reverse("handler_list")
    # From the dialog, the whole browser moves on, not just the dialog's form.
    return HttpResponseClientRedirect(target) if request.htmx else redirect(target)


MANAGE_MEMBERS = "auth.change_user"


def admin_of(request: HttpRequest) -> User:
    """The signed-in admin: every members view requires a permission no anonymous visitor has."""
    assert isinstance(request.user, User)
    return request.user


@never_cache  # the answer that adds a member shows their password
@permission_required(MANAGE_MEMBERS, raise_exception=True)
def member_list(request: HttpRequest) -> HttpResponse:
    """The team's members; adding one shows their one-time password on this answer only."""
    form, new_password = MemberForm(), ""
    if request.method == "POST":
        form = MemberForm(request.POST)
        if form.is_valid():
            try:
                new_password = members.add(
                    admin_of(request), username=form.cleaned_data["username"], role=Role(form.cleaned_data["role"])
                )
            except members.Refused as e:
                form.add_error("username", str(e))
            else:
                form = MemberForm()
    context = {"form": form, "members": members.listed(), "role_choices": Role.choices, "new_password": new_password}
    context["new_member"] = request.POST.get("username", "") if new_password else ""
    return render(request, "handlers_admin/members.html", context)


@require_POST
@permission_required(MANAGE_MEMBERS, raise_exception=True)
def member_role(request: HttpRequest, member_id: int) -> HttpResponse:
    member = get_object_or_404(User, pk=member_id)
    form = RoleForm(request.POST)
    if form.is_valid():
        try:
            members.change_role(admin_of(request), member, Role(form.cleaned_data["role"]))
            messages.success(
                request,
                _("%(name)s is now %(role)s.")
                % {"name": member.get_username(), "role": Role(form.cleaned_data["role"]).label},
            )
        except members.Refused as e:
            messages.error(request, str(e))
    return redirect("member_list")


@require_POST
@permission_required(MANAGE_MEMBERS, raise_exception=True)
def member_access(request: HttpRequest, member_id: int) -> HttpResponse:
    member = get_object_or_404(User, pk=member_id)
    allowed = request.POST.get("allowed") == "1"
    try:
        members.allow_sign_in(admin_of(request), member, allowed=allowed)
    except members.Refused as e:
        messages.error(request, str(e))
    else:
        text = _("%(name)s can sign in again.") if allowed else _("%(name)s can no longer sign in.")
        messages.success(request, text % {"name": member.get_username()})
    return redirect("member_list")


def job_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(Job.objects.all(), 25).get_page(request.GET.get("page"))
    rows = [(job, jobs.counts(job)) for job in page.object_list]
    return render(request, "handlers_admin/jobs.html", {"page": page, "rows": rows})


def job_detail(request: HtmxRequest, job_id: int) -> HttpResponse:
    job = get_object_or_404(Job.objects.select_related("created_by"), pk=job_id)
    context = {"job": job, "progress": jobs.progress(job), "items": job.items.all()[:1000]}
    template = "handlers_admin/job_detail.html"
    # While it runs, the page asks for its progress every few seconds and swaps it in.
    return render(request, template + ("#progress" if request.htmx and not request.htmx.boosted else ""), context)


@require_POST
@permission_required(CHANGE, raise_exception=True)
def job_cancel(request: HttpRequest, job_id: int) -> HttpResponse:
    job = get_object_or_404(Job, pk=job_id)
    jobs.cancel(job)
    messages.info(request, _("The job stops after the item it is on; the rest is left undone."))
    return redirect("job_detail", job_id=job.pk)


@require_POST
@permission_required(CHANGE, raise_exception=True)
def job_retry(request: HttpRequest, job_id: int) -> HttpResponse:
    job = get_object_or_404(Job, pk=job_id)
    if job.kind == Job.Kind.DELETE and not request.user.has_perm(DELETE):
        raise PermissionDenied
    count = jobs.retry_failed(job)
    messages.info(
        request,
        ngettext("%(count)d failed item is tried again.", "%(count)d failed items are tried again.", count)
        % {"count": count},
    )
    return redirect("job_detail", job_id=job.pk)


@permission_required(CHANGE, raise_exception=True)
def job_create(request: HttpRequest) -> HttpResponse:
    """Confirms a bulk action on the selection, naming the count and the first handlers, then starts it."""
    kind = request.POST.get("kind") or request.GET.get("kind", "")
    if kind not in jobs.allowed_kinds(request.user):
        raise PermissionDenied
    chosen = selection.ids(request)
    if not chosen:
        messages.error(request, _("Select the channels to act on first."))
        return redirect("handler_list")
    if request.method != "POST":
        order = {handler_id: position for position, handler_id in enumerate(chosen[:10])}
        first = sorted(MirroredHandler.objects.filter(id__in=order), key=lambda row: order[row.id])
        context = {"kind": Job.Kind(kind), "count": len(chosen), "first": first}
        return render(request, "handlers_admin/job_confirm.html", context)
    job = jobs.start_bulk(admin_of(request), kind, chosen)
    selection.clear(request)
    return redirect("job_detail", job_id=job.pk)


@require_POST
@permission_required(CHANGE, raise_exception=True)
def handler_selection(request: HtmxRequest) -> HttpResponse:
    """Changes the selection: one handler, the page shown, everything matching the filters, or nothing."""
    action = request.POST.get("action", "")
    shown = [number for text in request.POST.get("shown", "").split(",") if (number := whole_number(text))]
    if action == "one" and (handler_id := whole_number(request.POST.get("id", ""))):
        chosen = [handler_id]
        (selection.add if request.POST.get("selected") else selection.remove)(request, chosen)
        shown = []  # the box that was clicked already shows its state
    elif action == "page":
        selection.add(request, shown)
    elif action == "matching":
        selection.add_matching(request, HandlerFilterForm(request.POST, variant=settings.API_VARIANT).query())
    elif action == "clear":
        selection.clear(request)
    chosen_now = set(selection.ids(request))
    context = {"selected_count": len(chosen_now), "kinds": jobs.allowed_kinds(request.user), "selectable": True}
    response = render(request, "handlers_admin/handler_list.html#selection_bar", context)
    # The boxes of the page shown follow a change made for the whole page.
    names = dict(MirroredHandler.objects.filter(id__in=shown).values_list("id", "name"))
    for handler_id in shown:
        box = {
            "handler_id": handler_id,
            "handler_name": names.get(handler_id, ""),
            "selected": handler_id in chosen_now,
        }
        response.write(render_to_string("includes/handler_parts.html#select_box", box | {"oob_box": True}))
    return response


@hide_secrets
@never_cache
@permission_required(CHANGE, raise_exception=True)
def handler_import(request: HttpRequest) -> HttpResponse:
    """Checks a CSV file row by row, nothing sent; then, once confirmed, creates its handlers as a job."""
    if request.method != "POST":
        return render(request, "handlers_admin/import.html", {})
    if request.POST.get("action") == "create":
        job = imports.start(admin_of(request), request.POST.get("key", ""))
        if job is None:
            messages.error(request, _("The checked file waited too long: send it again."))
            return redirect("handler_import")
        return redirect("job_detail", job_id=job.pk)
    upload = request.FILES.get("file")
    try:
        raw = upload.read(imports.MAX_BYTES + 1) if upload else request.POST.get("text", "").encode()
        rows = imports.read(raw.decode("utf-8-sig"), variant=settings.API_VARIANT)
    except UnicodeDecodeError:
        return render(
            request,
            "handlers_admin/import.html",
            {"error": _("The file is not UTF-8 text: save it as CSV UTF-8 and try again.")},
        )
    except imports.Unreadable as e:
        return render(request, "handlers_admin/import.html", {"error": str(e)})
    ready = [row for row in rows if row.ok]
    context = {"rows": rows, "ready": len(ready), "key": imports.keep_for_confirmation(rows) if ready else ""}
    return render(request, "handlers_admin/import.html", context)


@permission_required(CHANGE, raise_exception=True)
def import_template(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(imports.template_csv(variant=settings.API_VARIANT), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="channels-import-template.csv"'
    return response
