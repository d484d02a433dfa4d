"""The product connection, for admins: which server the panel talks to and what it knows of it."""

from datetime import UTC, datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from handlers_admin import budget, health, server_profile
from handlers_admin.views.access import MANAGE_MEMBERS


def _moment(epoch: float | None) -> datetime | None:
    return datetime.fromtimestamp(epoch, UTC) if epoch else None


@permission_required(MANAGE_MEMBERS, raise_exception=True)
def connection(request: HttpRequest) -> HttpResponse:
    last = health.last_api_answer()
    context = {
        "profile": server_profile.current(),
        "address": settings.API_BASE_URL,
        "refused": server_profile.refused_types(),
        "variant_mismatch": server_profile.variant_mismatch(),
        "limit": budget.limit(),
        "used": budget.used(),
        "window_ends": _moment(budget.window_ends()),
        "last_status": last[0] if last else None,
        "last_answer": _moment(last[1]) if last else None,
    }
    return render(request, "handlers_admin/connection.html", context)


@require_POST
@permission_required(MANAGE_MEMBERS, raise_exception=True)
def connection_check(request: HttpRequest) -> HttpResponse:
    """Runs the self-check again now: a scratch channel made, changed and deleted, at most 4 calls."""
    profile = server_profile.self_check()
    if profile.update_check == profile.Check.FAILED:
        messages.warning(request, _("The check could not finish: %(reason)s") % {"reason": profile.check_message})
    else:
        messages.success(request, _("Checked: %(result)s.") % {"result": profile.get_update_check_display()})
    return redirect("connection")
