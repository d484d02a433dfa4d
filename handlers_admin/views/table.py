"""The table of channels: the list with its filters, the inline switch, the selection, exports and refreshes."""

import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import push_url

from handlers_admin import channel_details, exports, jobs, server_profile, services, table
from handlers_admin.api import ApiError, Handler, Unconfirmed, UpdateRefused
from handlers_admin.budget import whole_number
from handlers_admin.forms import HandlerFilterForm, ToggleForm
from handlers_admin.roles import CHANGE
from handlers_admin.rows import handler_row, table_rows
from handlers_admin.table import export_query, header_cells, pager_links, querystring
from handlers_admin.views.access import MANAGE_MEMBERS, HtmxRequest, safe_next, tell_failure


def filter_form(data: QueryDict) -> HandlerFilterForm:
    return HandlerFilterForm(
        data, types=table.type_choices(settings.API_VARIANT), members=channel_details.member_names()
    )


def shown_ids(request: HttpRequest) -> list[int]:
    """The rows the page a post came from shows, as it listed them."""
    return [number for text in request.POST.get("shown", "").split(",") if (number := whole_number(text))]


def handler_list(request: HtmxRequest) -> HttpResponse:
    form = filter_form(request.GET)
    query, page, freshness = services.list_page(form.query())
    can_change = request.user.has_perm(CHANGE)
    chosen = frozenset(table.selected_ids(request)) if can_change else frozenset()
    context = {
        "form": form,
        "query": query,
        "page": page,
        "freshness": freshness,
        # An htmx answer also refreshes what sits outside the table: each filter's errors, the count set.
        "oob": bool(request.htmx),
        "rows": table_rows(page.items, selected=chosen),
        "selectable": can_change,
        "updates_refused": services.known_update_refusal() if can_change else "",
        "variant_mismatch": server_profile.variant_mismatch() if request.user.has_perm(MANAGE_MEMBERS) else "",
        "selected_count": len(chosen),
        "kinds": jobs.allowed_kinds(request.user),
        "columns": header_cells(query, sortable=True),
        "pager": pager_links(query, page.total_pages),
        "clear_url": reverse("handler_list"),
        "mine_url": _mine_url(request, query),
        "export_query": export_query(query),
        # "Select all matching" selects what the table shows for the filters shown, not what the form holds now.
        "matching_vals": json.dumps({"action": "matching"} | query.url_params()),
    }
    if request.htmx and not request.htmx.boosted:
        response = render(request, "handlers_admin/handler_list.html#table", context)
        return push_url(response, reverse("handler_list") + querystring(query))
    return render(request, "handlers_admin/handler_list.html", context)


def _mine_url(request: HttpRequest, query: table.ListQuery) -> str:
    """The table of the signed-in member's channels, or "" when it is the one shown."""
    username = request.user.get_username()
    if not username or query.owner == username:
        return ""
    return reverse("handler_list") + querystring(table.ListQuery(owner=username))


def now_is(handler: Handler) -> str:
    return _("“%(name)s” is now %(state)s.") % {"name": handler.name, "state": str(handler.state.label).lower()}


@require_POST
@permission_required(CHANGE, raise_exception=True)
def handler_toggle(request: HtmxRequest, handler_id: int) -> HttpResponse:
    failure, late = None, False
    try:
        toggled = services.toggle(request.user, handler_id, enabled=ToggleForm(request.POST).wanted_enabled)
        handler, late = toggled.handler, toggled.late
    except ApiError as e:
        failure, handler = e, services.handler_from_mirror(handler_id)
    if not request.htmx:
        if failure:
            tell_failure(request, failure)
        elif handler:
            text = now_is(handler)
            messages.success(request, _("Done: the product answered late. %(text)s") % {"text": text} if late else text)
        return redirect(safe_next(request) or reverse("handler_list"))
    shown = shown_ids(request)
    # The filters of the page the switch was used on: the row stays, saying when it no longer matches them.
    query = filter_form(request.POST).query() if shown else None
    context = {
        "row": handler_row(handler or Handler.placeholder(handler_id)),
        "toggle_error": failure.message if failure else "",
        "product_link": isinstance(failure, UpdateRefused),
        "unconfirmed": isinstance(failure, Unconfirmed),
        "left_filters": bool(query and table.rows_left(query, [handler_id]) == 1),
        "can_change": True,
    }
    if late:
        messages.success(request, _("Done: the product answered late, but the switch was changed."))
    response = render(request, "includes/handler_parts.html#switch", context)
    if handler and not failure:
        announced = {"announcement": now_is(handler)}
        response.write(render_to_string("includes/handler_parts.html#announce", announced))
    if query:
        # The pager again, so that the next page starts where rows that left the results would put it.
        query, page = table.read_page(table.shifted(query, shown))
        pager = {"page": page, "pager": pager_links(query, page.total_pages), "export_query": export_query(query)}
        response.write(
            render_to_string("handlers_admin/handler_list.html#pager", pager | {"pager_oob": True}, request=request)
        )
    return response


@require_POST
def mirror_refresh(request: HttpRequest) -> HttpResponse:
    """Brings the panel's copy of the account up to date now, if the call budget allows."""
    freshness = services.refresh_mirror()
    if freshness.problem:
        messages.warning(request, freshness.problem)
    else:
        messages.success(request, _("The list is up to date."))
    return redirect(safe_next(request) or reverse("handler_list"))


@require_GET
def handler_export(request: HttpRequest, file_format: str) -> HttpResponse:
    query = filter_form(request.GET).query()
    handlers, _freshness = services.all_handlers(query)
    records = exports.records(handlers)
    name = f"handlers{'-filtered' if query.is_filtered else ''}-{timezone.localdate():%Y-%m-%d}.{file_format}"
    if file_format == "csv":
        response = HttpResponse(exports.to_csv(records), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(exports.to_json(records), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_POST
@permission_required(CHANGE, raise_exception=True)
def handler_selection(request: HtmxRequest) -> HttpResponse:
    """Changes the selection: one handler, the page shown, everything matching the filters, or nothing."""
    action = request.POST.get("action", "")
    shown = shown_ids(request)
    if action == "one" and (handler_id := whole_number(request.POST.get("id", ""))):
        (table.select if request.POST.get("selected") else table.unselect)(request, [handler_id])
        shown = []  # the box that was clicked already shows its state
    elif action == "page":
        table.select(request, shown)
    elif action == "matching":
        table.select_matching(request, filter_form(request.POST).query())
    elif action == "clear":
        table.clear_selection(request)
    chosen = frozenset(table.selected_ids(request))
    context = {"selected_count": len(chosen), "kinds": jobs.allowed_kinds(request.user), "selectable": True}
    response = render(request, "handlers_admin/handler_list.html#selection_bar", context)
    # The boxes of the page shown follow a change made for the whole page.
    known = {handler.id: handler for handler in services.handlers_from_mirror(shown)}
    for row in table_rows(
        [known.get(handler_id) or Handler.placeholder(handler_id) for handler_id in shown], selected=chosen
    ):
        response.write(render_to_string("includes/handler_parts.html#select_box", {"row": row, "oob_box": True}))
    return response
