from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

from handlers_admin.views import account

# Django's admin signs in through allauth too, so that second factors and the pause after failed attempts hold there.
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]

urlpatterns = [
    # allauth's pages this panel does not use: members are added by admins, who also reset passwords, and a
    # member's email address is no way in.
    path("accounts/signup/", account.not_here, name="account_signup"),
    path("accounts/password/reset/", account.not_here, name="account_reset_password"),
    path("accounts/password/reset/<path:rest>", account.not_here),
    path("accounts/password/set/", account.not_here, name="account_set_password"),
    # Single sign-on makes its accounts itself or refuses (handlers_admin/single_sign_on.py): no form to pick a name.
    path("accounts/3rdparty/signup/", account.not_here, name="socialaccount_signup"),
    path("accounts/email/", account.not_here, name="account_email"),
    path("accounts/confirm-email/", account.not_here),
    path("accounts/confirm-email/<path:rest>", account.not_here),
    path("accounts/me/", account.my_account, name="my_account"),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("", include("handlers_admin.urls")),
]
