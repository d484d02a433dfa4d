"""The panel's own details of a channel: labels, owner and notes, one channel's or a selection's."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from handlers_admin import channel_details, services, table
from handlers_admin.forms import BulkDetailsForm, DetailsForm
from handlers_admin.models import AuditEntry
from handlers_admin.roles import CHANGE
from handlers_admin.views.access import HtmxRequest, member_of, safe_next
from handlers_admin.views.handler import detail_page
from handlers_admin.words import labelled


@require_POST
@permission_required(CHANGE, raise_exception=True)
def handler_details(request: HtmxRequest, handler_id: int) -> HttpResponse:
    """Saves a channel's labels, owner and notes from its page; no call to the product."""
    handler = services.handler_from_mirror(handler_id)
    if handler is None:
        raise Http404
    form = DetailsForm(request.POST)
    saved = form.is_valid() and channel_details.save(member_of(request), handler.id, form.details())
    if form.is_valid():
        if saved:
            messages.success(request, _("The labels, owner and notes were saved."))
        else:
            messages.info(request, _("Nothing was changed."))
        if not request.htmx:
            return redirect("handler_detail", handler_id=handler.id)
        form = DetailsForm(initial=channel_details.initial(handler.id))
    elif not request.htmx:
        return detail_page(request, services.handler_to_show(handler.id), details_form=form)
    context = {
        "handler": handler,
        "details": channel_details.details_of(handler.id),
        "details_form": form,
        "details_open": True,
    }
    response = render(request, "handlers_admin/handler_detail.html#details", context)
    if saved:
        history = {"handler": handler, "history": AuditEntry.objects.filter(handler_id=handler.id)[:20], "oob": True}
        response.write(render_to_string("handlers_admin/handler_detail.html#history", history, request=request))
    return response


@require_POST
@permission_required(CHANGE, raise_exception=True)
def selection_details(request: HtmxRequest) -> HttpResponse:
    """Adds or removes a label, or sets the owner, of every selected channel at once: no call, no job."""
    back = safe_next(request) or reverse("handler_list")
    chosen = table.selected_ids(request)
    if not chosen:
        messages.error(request, _("Select the channels to change first."))
        return redirect(back)
    form = BulkDetailsForm(request.POST)
    if not form.is_valid():
        for name, errors in form.errors.items():
            for error in errors:
                messages.error(request, labelled(form.fields[name].label, error) if name in form.fields else str(error))
        return redirect(back)
    actor, action = member_of(request), form.cleaned_data["action"]
    label, owner = form.cleaned_data["label"], form.cleaned_data["owner"]
    if action == BulkDetailsForm.ADD_LABEL:
        result = channel_details.add_label(actor, chosen, label)
        text = ngettext(
            "The label “%(label)s” was added to %(count)s channel.",
            "The label “%(label)s” was added to %(count)s channels.",
            result.changed,
        )
    elif action == BulkDetailsForm.REMOVE_LABEL:
        result = channel_details.remove_label(actor, chosen, label)
        text = ngettext(
            "The label “%(label)s” was taken off %(count)s channel.",
            "The label “%(label)s” was taken off %(count)s channels.",
            result.changed,
        )
    else:
        result = channel_details.set_owner(actor, chosen, owner)
        text = (
            ngettext(
                "The owner of %(count)s channel is now %(owner)s.",
                "The owner of %(count)s channels is now %(owner)s.",
                result.changed,
            )
            if owner
            else ngettext(
                "%(count)s channel no longer has an owner.",
                "%(count)s channels no longer have an owner.",
                result.changed,
            )
        )
    if result.changed:
        messages.success(request, text % {"label": label, "owner": owner, "count": result.changed})
    elif not result.full:
        messages.info(request, _("Nothing was changed: the selected channels were already like that."))
    if result.full:
        full = ngettext(
            "%(count)s channel already has %(most)s labels, so it was left as it was.",
            "%(count)s channels already have %(most)s labels, so they were left as they were.",
            result.full,
        )
        messages.warning(request, full % {"count": result.full, "most": channel_details.MOST_LABELS})
    return redirect(back)
