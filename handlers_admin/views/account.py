"""A member's own page (their role, how they sign in, their second factors and sessions), and allauth's pages this
panel does not use."""

from allauth.mfa.models import Authenticator
from allauth.socialaccount.models import SocialAccount
from allauth.usersessions.models import UserSession
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from handlers_admin import single_sign_on
from handlers_admin.sign_in import may_use_password
from handlers_admin.views.access import member_of


def my_account(request: HttpRequest) -> HttpResponse:
    member = member_of(request)
    context = {
        "factors": list(Authenticator.objects.filter(user=member).order_by("type", "created_at")),
        "sessions": UserSession.objects.filter(user=member).count(),
        "provider_accounts": list(SocialAccount.objects.filter(user=member)),
        "single_sign_on": single_sign_on.is_configured(),
        "password": member.has_usable_password() and may_use_password(member),
    }
    return render(request, "account/my_account.html", context)


@login_not_required
def not_here(request: HttpRequest, rest: str = "") -> HttpResponse:
    return render(request, "account/not_here.html", status=404)
