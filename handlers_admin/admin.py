from allauth.mfa.models import Authenticator
from allauth.socialaccount.models import SocialAccount, SocialApp, SocialToken
from allauth.usersessions.models import UserSession
from django.contrib import admin
from django.http import HttpRequest

from handlers_admin.models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """The trail can be read here, never changed: it is evidence."""

    list_display = ["created", "actor_name", "action", "handler_name", "handler_type", "outcome"]
    list_filter = ["action", "outcome", "handler_type"]
    search_fields = ["actor_name", "handler_name", "message"]
    date_hierarchy = "created"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AuditEntry | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AuditEntry | None = None) -> bool:
        return False


# The provider is configured from the environment and its tokens are not kept (SOCIALACCOUNT_STORE_TOKENS): rows
# added here would do nothing. Second factors, sessions and connected accounts are each member's own, managed on
# their page and /members/: here, their secrets and session keys would be shown, and could be planted.
for unused in (SocialApp, SocialToken, SocialAccount, Authenticator, UserSession):
    if admin.site.is_registered(unused):
        admin.site.unregister(unused)
