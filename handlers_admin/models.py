from collections.abc import Iterable, Iterator

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from handlers_admin.api import Handler, State

# Databases limit how many parameters one query takes: long lists of ids are queried this many at a time.
CHUNK = 500


def in_chunks(ids: Iterable[int]) -> Iterator[list[int]]:
    """The ids, each once, in lists of at most CHUNK."""
    listed = list(dict.fromkeys(ids))
    for start in range(0, len(listed), CHUNK):
        yield listed[start : start + CHUNK]


class ChannelAccess(models.Model):
    """Holds no rows: the handlers live in the remote API. It only carries the roles' permissions."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [
            ("view_handlers", _("Can see notification channels")),
            ("change_handlers", _("Can create, edit and switch notification channels")),
            ("delete_handlers", _("Can delete notification channels")),
        ]

    def __str__(self) -> str:
        return "channel access"


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
        TYPE_LOST = "type_lost", _("Lost its type")
        DETAILS = "details", _("Changed labels, owner or notes")
        MEMBER_PASSWORD_RESET = "member_password", _("Reset a member's password")
        MEMBER_REMOVED = "member_removed", _("Removed a member")
        FACTOR_FAILED = "factor_failed", _("Failed second factor")
        FACTOR_ADDED = "factor_added", _("Added a second factor")
        FACTOR_REMOVED = "factor_removed", _("Removed a second factor")
        RECOVERY_CODES_RENEWED = "codes_renewed", _("Renewed recovery codes")
        FACTORS_RESET = "factors_reset", _("Reset a member's second factors")
        SESSIONS_ENDED = "sessions_ended", _("Signed out elsewhere")

    class Origin(models.TextChoices):
        PANEL = "panel", _("Made in the panel")
        # Found by a refresh of the mirror: the product's dashboard, another tool using the key, the product itself.
        PRODUCT = "product", _("Made in the product")

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
    handler_id = models.PositiveBigIntegerField(_("channel id"), null=True, blank=True, db_index=True)
    handler_name = models.CharField(_("channel name"), max_length=512, blank=True)
    handler_type = models.CharField(_("channel type"), max_length=40, blank=True)
    changes = models.JSONField(_("changes"), default=list, blank=True)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome, default=Outcome.DONE)
    # Words written down as they were said (the product's words of a refusal; a test's outcome before `details`).
    message = models.TextField(_("message"), blank=True)
    # What happened as a code and its values, put into words when shown, in the reader's language: a test's
    # outcome, {"code": "answered", "status": 404} (see words.entry_message).
    details = models.JSONField(_("details"), default=dict, blank=True)
    job = models.ForeignKey("Job", verbose_name=_("job"), null=True, blank=True, on_delete=models.SET_NULL)
    origin = models.CharField(_("made in"), max_length=8, choices=Origin, default=Origin.PANEL, db_index=True)
    # For a change found in the product: it happened after `since` (the copy before) and before `created`.
    since = models.DateTimeField(_("since"), null=True, blank=True)

    class Meta:
        ordering = ["-created", "-id"]
        default_permissions = ("view",)
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit trail")

    def __str__(self) -> str:
        return f"{self.created:%Y-%m-%d %H:%M} {self.actor_name} {self.action} {self.handler_name}"


class Health(models.TextChoices):
    """What a silent check of a channel found."""

    WORKING = "working", _("Working")
    BROKEN = "broken", _("Broken")
    REACHABLE = "reachable", _("Reachable, not tested")
    WAITING = "waiting", _("Waiting for confirmation")
    CANNOT_CHECK = "cannot_check", _("Cannot check")
    UNCHECKED = "unchecked", _("Not checked yet")


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
    # The product holds it without its type, or with settings that are not its type's (see handler_types.is_damaged).
    damaged = models.BooleanField(default=False, db_index=True)
    # When the product last said what this handler is (a refresh, a read or a write's answer).
    fetched = models.DateTimeField(null=True, blank=True)
    # The last activity that was not a change made through the panel: the product stamps `last_activity` on
    # every update, the panel's own switches included, which would make a channel being cleaned up look active.
    real_activity = models.DateTimeField(null=True, db_index=True)
    # The last silent check of the channel (see channel_checks): its finding, what it found as a code and
    # values put into words when shown (never a secret), and when.
    health = models.CharField(max_length=12, choices=Health, default=Health.UNCHECKED, db_index=True)
    health_details = models.JSONField(default=dict, blank=True)
    health_checked = models.DateTimeField(null=True, blank=True)

    class Meta:
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.id} {self.name}"

    def as_handler(self) -> Handler:
        """The copy as a Handler; its settings are the masked ones."""
        return Handler(
            id=self.id,
            type=self.type,
            name=self.name,
            settings=self.shown_settings,
            state=State(self.state),
            created=self.created,
            last_activity=self.last_activity,
        )


class Label(models.Model):
    """A word the team files channels under ("billing", "eu", "customer-acme"); one label whatever its case."""

    name = models.CharField(_("label"), max_length=40)

    class Meta:
        default_permissions = ()
        constraints = [models.UniqueConstraint(Lower("name"), name="label_name_unique_in_any_case")]

    def __str__(self) -> str:
        return self.name


class ChannelDetails(models.Model):
    """What the team knows of a channel that the product has no room for, kept here and never sent to it. It goes
    with the mirror's row: a channel deleted in the product loses its details at the refresh that finds it gone."""

    channel = models.OneToOneField(MirroredHandler, primary_key=True, on_delete=models.CASCADE, related_name="details")
    labels = models.ManyToManyField(Label, blank=True, related_name="channels", verbose_name=_("labels"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_channels",
    )
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        default_permissions = ()

    def __str__(self) -> str:
        return f"details of {self.channel_id}"


class MirrorRefresh(models.Model):
    """When the mirror was last brought up to date; one row."""

    finished = models.DateTimeField()
    calls = models.PositiveIntegerField()
    count = models.PositiveIntegerField()

    class Meta:
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.finished:%Y-%m-%d %H:%M:%S}: {self.count} handlers in {self.calls} calls"


class Job(models.Model):
    """Work on many handlers at once (a bulk action or an import), run by the worker, paced by the budget."""

    class Kind(models.TextChoices):
        ENABLE = "enable", _("Switch on")
        DISABLE = "disable", _("Switch off")
        DELETE = "delete", _("Delete")
        IMPORT = "import", _("Import")
        CHECK = "check", _("Check every channel")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting for the worker")
        RUNNING = "running", _("Running")
        DONE = "done", _("Finished")
        CANCELLED = "cancelled", _("Cancelled")

    kind = models.CharField(max_length=10, choices=Kind)
    status = models.CharField(max_length=10, choices=Status, default=Status.QUEUED)
    created = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_by_name = models.CharField(max_length=150)
    started = models.DateTimeField(null=True, blank=True)
    finished = models.DateTimeField(null=True, blank=True)
    # Set by the worker as it works: a job whose worker stopped is taken up again by the next worker.
    heartbeat = models.DateTimeField(null=True, blank=True)
    cancel_requested = models.BooleanField(default=False)
    # The switch job this one undoes.
    undoes = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="undone_by", verbose_name=_("undoes")
    )

    class Meta:
        ordering = ["-created", "-id"]
        default_permissions = ()
        # One undo of a job, however many members confirm it at once.
        constraints = [
            models.UniqueConstraint(
                fields=["undoes"], condition=models.Q(undoes__isnull=False), name="one_undo_of_a_job"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"


class JobItem(models.Model):
    class Outcome(models.TextChoices):
        PENDING = "pending", _("Waiting")
        # The call was sent and its answer not recorded yet: after a restart, it is checked before a retry.
        SENDING = "sending", _("Sending")
        DONE = "done", _("Done")
        SKIPPED = "skipped", _("Skipped")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveIntegerField()
    handler_id = models.BigIntegerField(null=True, blank=True)
    name = models.CharField(max_length=512, blank=True)
    handler_type = models.CharField(max_length=40, blank=True)
    # An import row's fields, secrets included, sealed; emptied as soon as the item is done with.
    sealed_fields = models.TextField(blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome, default=Outcome.PENDING, db_index=True)
    message = models.TextField(blank=True)
    sent = models.DateTimeField(null=True, blank=True)
    finished = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["position"]
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.job} item {self.position}"


class MemberSettings(models.Model):
    """What a member chose for themselves, kept from one sign-in to the next."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="panel_settings")
    # Empty: the browser's language.
    language = models.CharField(_("language"), max_length=10, blank=True)
    # Created with `manage.py create_member`: may still sign in with a password when OIDC_ONLY turns passwords off.
    break_glass = models.BooleanField(_("break-glass account"), default=False)

    class Meta:
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.user} settings"


class ServerProfile(models.Model):
    """What the panel knows of the product it talks to, one row for each address and key: whether its update
    keeps a channel whole (the self-check), and the types it refused to create."""

    class Check(models.TextChoices):
        KEEPS = "keeps", _("Changes keep a channel whole")
        ERASES = "erases", _("Changes erase a channel's type and settings")
        FAILED = "failed", _("The check could not finish")

    # A keyed hash of the address and the key, never the key itself.
    server = models.CharField(max_length=64, unique=True)
    address = models.CharField(max_length=500)
    update_check = models.CharField(max_length=10, choices=Check.choices, blank=True)
    # Why a check could not finish, in the product's or the panel's words; never a secret.
    check_message = models.TextField(blank=True)
    checked = models.DateTimeField(null=True, blank=True)
    check_seconds = models.FloatField(null=True, blank=True)
    check_calls = models.PositiveSmallIntegerField(default=0)
    # The types a create was refused for: slug → {"at": ISO time, "words": the product's own words}.
    refused_types = models.JSONField(default=dict)

    class Meta:
        default_permissions = ()

    def __str__(self) -> str:
        return self.address
