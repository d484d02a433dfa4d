"""The team's members, for admins: add one, change a role, stop or allow signing in, reset a password or the second
factors, remove one."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from handlers_admin import members, second_factors
from handlers_admin.forms import MemberForm, RoleForm
from handlers_admin.roles import Role
from handlers_admin.views.access import MANAGE_MEMBERS, HtmxRequest, member_of


def members_page(
    request: HttpRequest,
    *,
    form: MemberForm,
    new_password: members.OneTimePassword | None = None,
    new_member: str = "",
    reset: bool = False,
) -> HttpResponse:
    """The members page; with `new_password`, the one-time password of `new_member`, just added or `reset`."""
    context = {
        "form": form,
        "members": members.listed(),
        "role_choices": Role.choices,
        "new_password": new_password,
        "new_member": new_member if new_password else "",
        "password_reset": reset,
    }
    return render(request, "handlers_admin/members.html", context)


@never_cache  # the answer that adds a member shows their password
@permission_required(MANAGE_MEMBERS, raise_exception=True)
def member_list(request: HttpRequest) -> HttpResponse:
    """The team's members; adding one shows their one-time password on this answer only."""
    form, new_password = MemberForm(), None
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
    return members_page(request, form=form, new_password=new_password, new_member=request.POST.get("username", ""))


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


@never_cache  # the answer shows the new password
@require_POST
@permission_required(MANAGE_MEMBERS, raise_exception=True)
def member_password(request: HttpRequest, member_id: int) -> HttpResponse:
    """A new one-time password for a member, shown on this answer only, as when adding one."""
    member = get_object_or_404(User, pk=member_id)
    try:
        new_password = members.reset_password(member_of(request), member)
    except members.MemberChangeRefused as e:
        messages.error(request, str(e))
        return redirect("member_list")
    return members_page(
        request, form=MemberForm(), new_password=new_password, new_member=member.get_username(), reset=True
    )


@require_POST
@permission_required(MANAGE_MEMBERS, raise_exception=True)
def member_factors(request: HtmxRequest, member_id: int) -> HttpResponse:
    """Asks first, saying what will be removed; once confirmed, removes the member's second factors (a lost phone or
    key) and signs them out everywhere."""
    member = get_object_or_404(User, pk=member_id)
    if request.POST.get("confirmed") != "1":
        template = "handlers_admin/member_factors.html" + ("#dialog" if request.htmx else "")
        context = {
            "member": member,
            "factors": second_factors.factors_of([member.pk]).get(member.pk, second_factors.Factors()),
            "refusal": second_factors.reset_refusal(member_of(request), member),
        }
        return render(request, template, context)
    try:
        second_factors.reset(member_of(request), member)
    except second_factors.ResetRefused as e:
        messages.error(request, str(e))
    else:
        text = _(
            "The second factors of %(name)s were removed, and they were signed out everywhere. They can set up new "
            "ones on their own page once signed in again."
        )
        messages.success(request, text % {"name": member.get_username()})
    target = reverse("member_list")
    return HttpResponseClientRedirect(target) if request.htmx else redirect(target)


@require_http_methods(["GET", "POST"])
@permission_required([MANAGE_MEMBERS, "auth.delete_user"], raise_exception=True)
def member_remove(request: HtmxRequest, member_id: int) -> HttpResponse:
    """Asks first, with the channels the member owns; then removes them."""
    member = get_object_or_404(User, pk=member_id)
    if request.method != "POST":
        template = "handlers_admin/member_remove.html" + ("#dialog" if request.htmx else "")
        context = {
            "member": member,
            "channels": list(members.owned_channels(member)),
            "refusal": members.removal_refusal(member_of(request), member),
        }
        return render(request, template, context)
    name = member.get_username()
    try:
        orphaned = members.remove(member_of(request), member)
    except members.MemberChangeRefused as e:
        messages.error(request, str(e))
    else:
        text = _("%(name)s was removed.") % {"name": name}
        if orphaned:
            left = ngettext(
                "%(count)s channel is left without an owner.", "%(count)s channels are left without an owner.", orphaned
            )
            text = f"{text} {left % {'count': orphaned}}"
        messages.success(request, text)
    target = reverse("member_list")
    # From the dialog, the whole browser moves on, not just the dialog's form.
    return HttpResponseClientRedirect(target) if request.htmx else redirect(target)
