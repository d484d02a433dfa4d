"""One channel: its page, the create, edit and duplicate forms with their per-type fields, test sends, delete."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from handlers_admin import channel_details, channel_health, creates, send_test, server_profile, services
from handlers_admin.api import ApiError, Handler, Unconfirmed
from handlers_admin.budget import whole_number
from handlers_admin.forms import DetailsForm, HandlerForm
from handlers_admin.handler_types import HANDLER_TYPES, is_damaged, public_settings
from handlers_admin.models import AuditEntry
from handlers_admin.roles import CHANGE, DELETE
from handlers_admin.rows import handler_row, setting_rows
from handlers_admin.views import edit
from handlers_admin.views.access import (
    HtmxRequest,
    form_page,
    hide_secrets,
    shown_handler,
    tell_failure,
    with_handler,
)
from handlers_admin.words import type_label


@shown_handler()
def handler_detail(request: HttpRequest, shown: services.Shown) -> HttpResponse:
    return detail_page(request, shown)


def detail_page(
    request: HttpRequest, shown: services.Shown, *, details_form: DetailsForm | None = None
) -> HttpResponse:
    """A channel's page; `details_form` is its details' form sent with errors, shown again as it was typed."""
    handler = shown.handler
    details = channel_details.details_of(handler.id)
    context = {
        "handler": handler,
        "as_of": shown.as_of,
        "row": handler_row(handler),
        "history": AuditEntry.objects.filter(handler_id=handler.id)[:20],
        "activity_cause": services.activity_cause(handler),
        "change_refusal": services.change_refusal(handler.type, damaged=is_damaged(handler)),
        "handler_type": HANDLER_TYPES.get(handler.type),
        "settings": setting_rows(handler, masked=True),
        "damaged": is_damaged(handler),
        "product_url": server_profile.product_page(handler.id),
        "can_recreate": edit.recreate_key(handler.id) in request.session,
        "type_refused": server_profile.refused_types().get(handler.type, ""),
        "update_refusal": services.known_update_refusal(),
        "details": details,
        "details_form": details_form or DetailsForm(initial=details.as_fields()),
        "details_open": details_form is not None,
    } | _health_context(handler.id)
    return render(request, "handlers_admin/handler_detail.html", context)


def _health_context(handler_id: int) -> dict[str, object]:
    health = channel_health.last_check(handler_id)
    return {"health": health, "health_row": {"health": health.health.value, "health_label": health.health.label}}


def _form_current(handler_id: int | None) -> Handler | ApiError | None:
    """The handler a create or edit form names, as the product has it now; the error when it cannot be read."""
    if handler_id is None:
        return None
    try:
        return services.handler_from_api(handler_id)
    except ApiError as e:
        return e


@hide_secrets
@permission_required(CHANGE, raise_exception=True)
def handler_create(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        form = HandlerForm(variant=settings.API_VARIANT, refused=server_profile.refused_types())
        return form_page(request, form, submit_token=creates.submit_token())
    form = HandlerForm(request.POST, variant=settings.API_VARIANT, refused=server_profile.refused_types())
    token = request.POST.get("submit_token", "")
    if not form.is_valid():
        return form_page(request, form, submit_token=token)
    name = form.cleaned_data["name"]
    warned = creates.already_sent(token) or same_name(request.POST.get("confirm_name", ""), name)
    if not warned and (taken := services.name_in_use(name)):
        # Said, not refused: sent again as it is, the form creates the channel.
        return form_page(request, form, submit_token=token, **name_note(taken, name, sent=True))
    try:
        submission = creates.create_once(request.user, form.api_fields(), token=token)
    except creates.FormExpired:
        messages.error(request, _("This form had expired. Please fill it in again."))
        return redirect("handler_create")
    except ApiError as e:
        check_url = reverse("handler_list") if isinstance(e, Unconfirmed) else ""
        # A name already warned of stays confirmed when the form is sent again.
        confirmed = request.POST.get("confirm_name", "")
        return form_page(
            request, form.retyped(), submit_token=token, error=e.message, check_url=check_url, confirm_name=confirmed
        )
    if submission.repeated:
        messages.info(request, _("This form was already sent once, so nothing was created twice."))
    elif submission.late:
        messages.success(request, _("Done: the product answered late, but “%(name)s” was created.") % {"name": name})
    else:
        messages.success(request, _("“%(name)s” was created.") % {"name": name})
    if submission.handler_id is None:
        return redirect("handler_list")
    if not submission.repeated:
        channel_details.save(request.user, submission.handler_id, form.details())
    return redirect("handler_detail", handler_id=submission.handler_id)


def same_name(one: str, other: str) -> bool:
    return one.strip().casefold() == other.strip().casefold()


def name_note(taken: Handler | None, name: str, *, sent: bool) -> dict[str, object]:
    """What the note under a create form's name says: another channel already has the name (`taken`); `sent`
    when the form was sent, and not created for that. The name warned of goes back with the form, which then
    creates the channel."""
    return {"name_taken": taken, "confirm_name": name if taken else "", "name_sent": sent}


@permission_required(CHANGE, raise_exception=True)
@require_GET
def handler_type_fields(request: HttpRequest) -> HttpResponse:
    """The chosen type's fields; on the create form, also the note under the name, if another channel has it."""
    handler_id = whole_number(request.GET.get("handler", ""))
    current = _form_current(handler_id)
    known = current if isinstance(current, Handler) else None
    refused = server_profile.refused_types()
    form = HandlerForm(variant=settings.API_VARIANT, current=known, initial=request.GET.dict(), refused=refused)
    if handler_id is not None:
        return render(request, "handlers_admin/handler_form.html#fields", {"form": form})
    name = request.GET.get("name", "").strip()
    note = name_note(services.name_in_use(name), name, sent=False)
    return render(request, "handlers_admin/handler_form.html#create_fields", {"form": form, **note})


@permission_required(CHANGE, raise_exception=True)
@shown_handler(changing=True)
def handler_duplicate(request: HttpRequest, shown: services.Shown) -> HttpResponse:
    original = shown.handler
    initial = {"name": _("Copy of %(name)s") % {"name": original.name}, "type": original.type}
    initial |= public_settings(original) | channel_details.initial(original.id)
    form = HandlerForm(variant=settings.API_VARIANT, initial=initial, refused=server_profile.refused_types())
    return form_page(request, form, submit_token=creates.submit_token(), duplicate_of=original)


@permission_required(DELETE, raise_exception=True)
@shown_handler()
def handler_delete(request: HtmxRequest, shown: services.Shown) -> HttpResponse:
    handler = shown.handler
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


@require_POST
@permission_required(CHANGE, raise_exception=True)
@with_handler
def handler_check(request: HtmxRequest, handler: Handler) -> HttpResponse:
    """Checks the channel without sending anything, with its stored settings read fresh from the API."""
    checked = channel_health.check_one(handler)
    if not request.htmx:
        messages.info(request, checked.said)
        return redirect("handler_detail", handler_id=handler.id)
    return render(request, "handlers_admin/handler_detail.html#health", _health_context(handler.id))


def test_result(request: HttpRequest, result: send_test.TestResult) -> HttpResponse:
    return render(request, "includes/handler_parts.html#test_result", {"result": result})


@require_POST
@permission_required(CHANGE, raise_exception=True)
@with_handler
def handler_send_test(request: HttpRequest, handler: Handler) -> HttpResponse:
    """Sends a test to a saved handler, with its stored settings read fresh from the API."""
    handler_type = HANDLER_TYPES.get(handler.type)
    if handler_type is None:
        return test_result(request, send_test.TestResult(delivered=False, text=services.change_refusal(handler.type)))
    result = services.send_test(
        request.user, handler_type=handler_type, name=handler.name, values=handler.settings, handler_id=handler.id
    )
    return test_result(request, result)


@hide_secrets
@require_POST
@permission_required(CHANGE, raise_exception=True)
def form_send_test(request: HttpRequest) -> HttpResponse:
    """Sends a test with the values being typed in a create or edit form; on edit, a blank secret is the stored one."""
    current = _form_current(whole_number(request.POST.get("handler", "")))
    if isinstance(current, ApiError):
        return test_result(request, send_test.TestResult(delivered=False, text=current.message))
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
