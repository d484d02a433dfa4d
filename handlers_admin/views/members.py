"""The team's members, for admins: add one, change a role, stop or allow signing in."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.contrib.auth.models import User
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from handlers_admin import members
from handlers_admin.forms import MemberForm, RoleForm
from handlers_admin.roles import Role
from handlers_admin.views.access import MANAGE_MEMBERS, member_of


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
                    member_of(request), username=form.cleaned_data["username"], role=Role(form.cleaned_data["role"])
                )
            except members.MemberChangeRefused as e:
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
        role = Role(form.cleaned_data["role"])
        try:
            members.change_role(member_of(request), member, role)
        except members.MemberChangeRefused as e:
            messages.error(request, str(e))
        else:
            messages.success(
                request, _("%(name)s is now %(role)s.") % {"name": member.get_username(), "role": role.label}
            )
    return redirect("member_list")


@require_POST
@permission_required(MANAGE_MEMBERS, raise_exception=True)
def member_access(request: HttpRequest, member_id: int) -> HttpResponse:
    member = get_object_or_404(User, pk=member_id)
    allowed = request.POST.get("allowed") == "1"
    try:
        members.allow_sign_in(member_of(request), member, allowed=allowed)
    except members.MemberChangeRefused as e:
        messages.error(request, str(e))
    else:
        text = _("%(name)s can sign in again.") if allowed else _("%(name)s can no longer sign in.")
        messages.success(request, text % {"name": member.get_username()})
    return redirect("member_list")


def member_password(request: HttpRequest, **kwargs: int) -> HttpResponse:
    raise Http404  # placeholder until built


def member_remove(request: HttpRequest, **kwargs: int) -> HttpResponse:
    raise Http404  # placeholder until built
