from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.Model):
    """Holds no rows: the handlers live in the remote API. It only carries the roles' permissions."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [
            ("view_handlers", _("Can see notification handlers")),
            ("change_handlers", _("Can create, edit and switch notification handlers")),
            ("delete_handlers", _("Can delete notification handlers")),
        ]

    def __str__(self) -> str:
        return "channel"


class AuditEntry(models.Model):
    class Action(models.TextChoices):
        CREATE = "create", _("Created")
        EDIT = "edit", _("Edited")
        ENABLE = "enable", _("Switched on")
        DISABLE = "disable", _("Switched off")
        DELETE = "delete", _("Deleted")
        SIGN_IN = "sign_in", _("Signed in")
        SIGN_OUT = "sign_out", _("Signed out")
        SIGN_IN_FAILED = "sign_in_failed", _("Failed sign-in")
        TEST = "test", _("Sent a test")
        MEMBER_ADDED = "member_added", _("Added a member")
        MEMBER_CHANGED = "member_changed", _("Changed a member's role")
        MEMBER_DISABLED = "member_disabled", _("Stopped a member signing in")
        MEMBER_ENABLED = "member_enabled", _("Let a member sign in again")

    class Outcome(models.TextChoices):
        DONE = "done", _("Done")
        REFUSED = "refused", _("Refused")
        # The API's answer never came, and no check has settled it yet.
        UNKNOWN = "unknown", _("Not confirmed")
        NOT_DONE = "not_done", _("Not done")

    created = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("member"), null=True, blank=True, on_delete=models.SET_NULL
    )
    # Kept apart from the account so the trail survives a member's removal, and names failed sign-ins.
    actor_name = models.CharField(_("member name"), max_length=150)
    action = models.CharField(_("action"), max_length=20, choices=Action)
    handler_id = models.PositiveBigIntegerField(_("handler id"), null=True, blank=True, db_index=True)
    handler_name = models.CharField(_("handler name"), max_length=512, blank=True)
    handler_type = models.CharField(_("handler type"), max_length=40, blank=True)
    changes = models.JSONField(_("changes"), default=list, blank=True)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome, default=Outcome.DONE)
    message = models.TextField(_("message"), blank=True)

    class Meta:
        ordering = ["-created", "-id"]
        default_permissions = ("view",)
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit trail")

    def __str__(self) -> str:
        return f"{self.created:%Y-%m-%d %H:%M} {self.actor_name} {self.action} {self.handler_name}"


class MirroredHandler(models.Model):
    """The panel's copy of one handler of the account, so that tables, filters, the overview and exports
    cost no API calls. Secret settings are kept only as their masked tail."""

    id = models.BigIntegerField(primary_key=True)
    type = models.CharField(max_length=40, db_index=True)
    name = models.CharField(max_length=512)
    # The name lower-cased and without accents, for a search that ignores both.
    folded_name = models.CharField(max_length=512, db_index=True)
    state = models.PositiveSmallIntegerField(db_index=True)
    created = models.DateTimeField(null=True, db_index=True)
    last_activity = models.DateTimeField(null=True, db_index=True)
    shown_settings = models.JSONField(default=dict)

    class Meta:
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.id} {self.name}"


class MirrorRefresh(models.Model):
    """When the mirror was last brought up to date; one row."""

    finished = models.DateTimeField()
    calls = models.PositiveIntegerField()
    count = models.PositiveIntegerField()

    class Meta:
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.finished:%Y-%m-%d %H:%M:%S}: {self.count} handlers in {self.calls} calls"
