"""Editing one channel: the form opened with a fresh read, its save, and re-creating a channel an edit damaged."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from handlers_admin import channel_details, creates, edits, services
from handlers_admin.api import ApiError, Handler, NotFound, Unconfirmed
from handlers_admin.forms import HandlerForm
from handlers_admin.handler_types import public_settings
from handlers_admin.roles import CHANGE
from handlers_admin.sealed import seal, unseal
from handlers_admin.views.access import (
    error_page,
    form_page,
    handler_view,
    hide_secrets,
    tell_failure,
)


def _edit_not_read(request: HttpRequest, handler_id: int, error: ApiError) -> HttpResponse:
    """The edit form's answer when the handler could not be read: a save keeps what was typed (secrets asked for
    again) rather than losing it on an error page."""
    if request.method != "POST":
        return error_page(request, error)
    posted = HandlerForm(request.POST, variant=settings.API_VARIANT)
    shown = services.handler_from_mirror(handler_id) or Handler.placeholder(
        handler_id, type=request.POST.get("type", ""), name=request.POST.get("name", "")
    )
    return form_page(request, posted.retyped(), current=shown, error=error.message)


def _edit_read(request: HttpRequest, handler_id: int) -> Handler:
    """Opening the form reads the handler from the product; its save uses that read, kept for it."""
    if request.method == "POST":
        return edits.edit_read(handler_id, request.POST.get("edit_read", ""))
    return services.handler_from_api(handler_id)


@hide_secrets
@permission_required(CHANGE, raise_exception=True)
@handler_view(updating=True, failed=_edit_not_read, read=_edit_read)
def handler_edit(request: HttpRequest, current: Handler) -> HttpResponse:
    if request.method != "POST":
        initial = {"name": current.name, "type": current.type} | public_settings(current)
        initial |= channel_details.initial(current.id)
        form = HandlerForm(variant=settings.API_VARIANT, current=current, initial=initial)
        return form_page(request, form, current=current, edit_read=edits.keep_edit_read(current))
    form = HandlerForm(request.POST, variant=settings.API_VARIANT, current=current)
    kept = request.POST.get("edit_read", "")
    if not form.is_valid():
        return form_page(request, form, current=current, edit_read=kept)
    body = edits.update_body(current, form.api_fields())
    if not body:
        # The details are the panel's own: saving only them calls nothing.
        if channel_details.save(request.user, current.id, form.details()):
            text = _("The labels, owner and notes of “%(name)s” were saved.")
            messages.success(request, text % {"name": current.name})
        else:
            messages.info(request, _("Nothing was changed."))
        return redirect("handler_detail", handler_id=current.id)
    try:
        result = edits.update(request.user, current, body)
    except NotFound:
        error = _("This channel was deleted while you were editing it, so your changes were not saved.")
        return form_page(request, form.retyped(), current=current, error=error)
    except ApiError as e:
        check_url = reverse("handler_detail", args=[current.id]) if isinstance(e, Unconfirmed) else ""
        return form_page(
            request,
            form.retyped(current=current),
            current=current,
            error=e.message,
            check_url=check_url,
            edit_read=kept,
        )
    channel_details.save(request.user, current.id, form.details())
    level, text = result.message(form.cleaned_data["name"])
    messages.add_message(request, messages.WARNING if level == "warning" else messages.SUCCESS, text)
    if result.damaged:
        # The fresh read before the change held the whole channel: it can be made again from it.
        request.session[recreate_key(current.id)] = seal(
            {"name": current.name, "type": current.type} | current.settings
        )
    return redirect("handler_detail", handler_id=current.id)


def recreate_key(handler_id: int) -> str:
    return f"recreate:{int(handler_id)}"


@require_POST
@permission_required(CHANGE, raise_exception=True)
def handler_recreate(request: HttpRequest, handler_id: int) -> HttpResponse:
    """Makes a damaged channel again as a new one, from the settings it had just before the change that erased it."""
    fields = unseal(request.session.get(recreate_key(handler_id), ""))
    if not isinstance(fields, dict):
        messages.error(request, _("The channel's earlier settings are not kept any more, so it cannot be re-created."))
        return redirect("handler_detail", handler_id=handler_id)
    try:
        saved, _entry = creates.create_recorded(request.user, fields)
    except ApiError as e:
        tell_failure(request, e)
        return redirect("handler_detail", handler_id=handler_id)
    request.session.pop(recreate_key(handler_id), None)
    if saved is not None:
        channel_details.save(request.user, saved.id, channel_details.details_of(handler_id))
    if saved is None:
        messages.warning(request, _("The product answered late: look for the new channel in the list in a minute."))
        return redirect("handler_list")
    text = _(
        "“%(name)s” was re-created as a new channel. Its ID changed (it was %(old)s, it is now %(new)s): point "
        "whatever used the old one in the product to the new one. The damaged one is still there; delete it when "
        "you are ready."
    )
    messages.success(request, text % {"name": fields.get("name", ""), "old": handler_id, "new": saved.id})
    return redirect("handler_detail", handler_id=saved.id)
