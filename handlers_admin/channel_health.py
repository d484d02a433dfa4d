"""Running the silent checks of channel_checks and keeping what they found: one channel from its page, every
channel from a job or `manage.py check_channels`. The settings a check needs are read from the product
(one call for a channel, ⌈N/1000⌉ for all) and live only in memory; the mirror keeps the finding, never a
secret. When a run finds channels newly broken, the admins are told by one email, never through a channel."""

import logging
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.contrib.auth.models import User
from django.core.mail import send_mail
from django.db.models import Count, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from handlers_admin import budget, channel_checks, mirror, server_profile
from handlers_admin.api import Handler
from handlers_admin.channel_checks import Finding
from handlers_admin.models import Health, MirroredHandler
from handlers_admin.roles import Role
from handlers_admin.words import describe_check

log = logging.getLogger(__name__)

# What a channel that was broken can recover to.
ALIVE = frozenset({Health.WORKING, Health.REACHABLE, Health.WAITING})


@dataclass(frozen=True, kw_only=True)
class Checked:
    """One channel's finding, in words, with what the copy said before."""

    id: int
    name: str
    type: str
    finding: Finding
    before: str

    @property
    def words(self) -> str:
        return describe_check(self.finding.details, self.type)

    @property
    def said(self) -> str:
        """The finding and its words: "Broken: Slack says the channel was archived." """
        return f"{self.finding.health.label}: {self.words}"

    @property
    def broke(self) -> bool:
        return self.finding.health == Health.BROKEN and self.before != Health.BROKEN

    @property
    def recovered(self) -> bool:
        return self.before == Health.BROKEN and self.finding.health in ALIVE


@dataclass(kw_only=True)
class Run:
    """What one check of every channel found."""

    calls: int = 0
    found: Counter[str] = field(default_factory=Counter)
    broke: list[Checked] = field(default_factory=list)
    recovered: list[Checked] = field(default_factory=list)

    @property
    def checked(self) -> int:
        return sum(self.found.values())


@dataclass(frozen=True, kw_only=True)
class LastCheck:
    """A channel's last check as its page shows it."""

    health: Health
    words: str
    checked: datetime | None


def last_check(handler_id: int) -> LastCheck:
    row = MirroredHandler.objects.filter(id=handler_id).values("health", "health_details", "health_checked", "type")
    found = row.first() or {"health": Health.UNCHECKED, "health_details": {}, "health_checked": None, "type": ""}
    return LastCheck(
        health=Health(found["health"]),
        words=describe_check(found["health_details"], found["type"]) if found["health_details"] else "",
        checked=found["health_checked"],
    )


@dataclass(frozen=True, kw_only=True)
class Broken:
    """A broken channel as the overview lists it."""

    id: int
    name: str
    type: str
    words: str
    checked: datetime | None


def broken(*, most: int) -> tuple[list[Broken], int]:
    """The broken channels, the most recently found first (at most `most`), and how many there are."""
    rows = MirroredHandler.objects.filter(health=Health.BROKEN)
    first = rows.order_by("-health_checked", "id").values("id", "name", "type", "health_details", "health_checked")
    found = [
        Broken(
            id=row["id"],
            name=row["name"],
            type=row["type"],
            words=describe_check(row["health_details"], row["type"]),
            checked=row["health_checked"],
        )
        for row in first[:most]
    ]
    return found, rows.count()


def _keep(handler: Handler, finding: Finding, *, before: str | None) -> Checked:
    """Writes a finding into the copy; returns it with what the copy said before."""
    MirroredHandler.objects.filter(id=handler.id).update(
        health=finding.health, health_details=finding.details, health_checked=timezone.now()
    )
    return Checked(
        id=handler.id, name=handler.name, type=handler.type, finding=finding, before=before or Health.UNCHECKED
    )


def check_one(handler: Handler) -> Checked:
    """Checks one channel, with its settings as the product has them now, and keeps the finding."""
    before = MirroredHandler.objects.filter(id=handler.id).values_list("health", flat=True).first()
    return _keep(handler, channel_checks.check(handler), before=before)


def check_everything(*, on_checked: Callable[[Checked], None] | None = None, tell: bool = True) -> Run:
    """Checks every channel of the account, at most CHECK_PER_HOST at a time for each service; with `tell`, emails
    the admins when some broke. `on_checked` hears each channel as it is done, from one thread at a time."""
    with budget.background():
        listed, calls = mirror.read_account()
    handlers = [handler for handler in listed if not server_profile.is_scratch(handler.name)]
    before = dict(MirroredHandler.objects.values_list("id", "health"))
    run = Run(calls=calls)

    # check_all calls it from this thread, one finding at a time.
    def found(handler: Handler, finding: Finding) -> None:
        checked = _keep(handler, finding, before=before.get(handler.id))
        run.found[finding.health] += 1
        if checked.broke:
            run.broke.append(checked)
        elif checked.recovered:
            run.recovered.append(checked)
        if on_checked:
            on_checked(checked)

    channel_checks.check_all(handlers, per_host=settings.CHECK_PER_HOST, on_finding=found)
    if tell and run.broke:
        tell_admins(run)
    return run


def report_recipients() -> list[str]:
    """HEALTH_REPORT_TO, or the addresses of the admins who may sign in."""
    if settings.HEALTH_REPORT_TO:
        return list(settings.HEALTH_REPORT_TO)
    admins = User.objects.filter(Q(groups__name=Role.ADMIN) | Q(is_superuser=True), is_active=True)
    return sorted({address for address in admins.values_list("email", flat=True) if address})


def tell_admins(run: Run) -> bool:
    """One email listing what broke and what recovered; False when there was nobody to tell or it failed."""
    recipients = report_recipients()
    if not recipients:
        log.warning(
            "health: %s channel(s) broke, but no admin has an email address and HEALTH_REPORT_TO is empty",
            len(run.broke),
        )
        return False
    with translation.override(settings.LANGUAGE_CODE):
        subject = ngettext(
            "Notification channels: %(count)s channel stopped working",
            "Notification channels: %(count)s channels stopped working",
            len(run.broke),
        ) % {"count": len(run.broke)}
        body = render_to_string("email/health_report.txt", {"run": run, "panel_url": settings.PANEL_URL})
    try:
        send_mail(subject, body, None, recipients)
    except OSError as e:
        log.error("health: the report email could not be sent: %s", type(e).__name__)
        return False
    log.info("health: report sent to %s recipient(s)", len(recipients))
    return True


def counts() -> dict[str, int]:
    """How many channels each finding holds, every finding named."""
    found = dict(MirroredHandler.objects.values_list("health").annotate(n=Count("id")).values_list("health", "n"))
    return {health: found.get(health, 0) for health in Health.values}


def summary(run: Run) -> Iterable[str]:
    """The lines `check_channels` prints."""
    counted = ngettext("Checked %(count)s channel.", "Checked %(count)s channels.", run.checked) % {
        "count": run.checked
    }
    calls = ngettext(
        "The settings were read with %(calls)s call to the product.",
        "The settings were read with %(calls)s calls to the product.",
        run.calls,
    ) % {"calls": run.calls}
    yield f"{counted} {calls}"
    for health in Health:
        if run.found[health]:
            yield f"  {health.label}: {run.found[health]}"
    for checked in run.broke:
        yield _("Newly broken: “%(name)s” (%(id)s): %(words)s") % {
            "name": checked.name,
            "id": checked.id,
            "words": checked.words,
        }
    for checked in run.recovered:
        yield _("Working again: “%(name)s” (%(id)s)") % {"name": checked.name, "id": checked.id}
