"""Changes made in the product rather than through this panel (its own dashboard, another tool using the key, the
product itself), found when the mirror reads the account again: what the product lists is compared with the copy
the mirror had, and each change is recorded in the audit trail as made in the product. What the panel did itself
is left out, by its own audit entries and the marks of the changes it is sending (audit.being_sent). The same
entries tell a channel's real activity from the product's stamps of the panel's own changes (see real_activity).

The compare costs one query for the copy, one for the panel's recent changes of the channels that differ (in
chunks of 500) and one look at the cache, however large the account."""

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from handlers_admin import audit
from handlers_admin.api import State
from handlers_admin.audit import CHANGES, CLOCK_MARGIN, Action
from handlers_admin.handler_types import NAME_MAX_LENGTH, is_hidden
from handlers_admin.models import AuditEntry, MirroredHandler, in_chunks

Origin = AuditEntry.Origin
Outcome = AuditEntry.Outcome
# A refresh reads the list before it finishes, for as long as it may hold its lock (mirror.LOCK_SECONDS): a change
# the panel made in that time may be missing from the copy that refresh left.
LISTING_TIME = timedelta(seconds=300)
# The panel's changes that a read of the product may show: done, or sent and their answer never came.
MAYBE_MADE = (Outcome.DONE, Outcome.UNKNOWN)
UPDATES = (Action.EDIT, Action.ENABLE, Action.DISABLE)


@dataclass(frozen=True, slots=True, kw_only=True)
class Known:
    """The copy of one handler as it was before the product was read again."""

    id: int
    type: str
    name: str
    state: int
    settings: dict[str, str]
    last_activity: datetime | None
    real_activity: datetime | None
    fetched: datetime | None
    damaged: bool


_COLUMNS = ("id", "type", "name", "state", "shown_settings", "last_activity", "real_activity", "fetched", "damaged")


def known(handler_ids: Iterable[int] | None = None) -> dict[int, Known]:
    """The copy, or these handlers of it, in one query."""
    rows = MirroredHandler.objects.all()
    if handler_ids is not None:
        rows = rows.filter(id__in=list(handler_ids))
    return {
        values[0]: Known(
            id=values[0],
            type=values[1],
            name=values[2],
            state=values[3],
            settings=values[4],
            last_activity=values[5],
            real_activity=values[6],
            fetched=values[7],
            damaged=values[8],
        )
        for values in rows.values_list(*_COLUMNS)
    }


def _differs(was: Known, row: MirroredHandler) -> bool:
    return (
        was.last_activity != row.last_activity
        or was.state != row.state
        or was.name != row.name
        or was.type != row.type
        or was.settings != row.shown_settings
    )


class OwnChanges:
    """The changes this panel made to some handlers, sent without an answer, or is sending now, that a read of the
    product may show: loaded at once for every handler the read found changed."""

    def __init__(self, entries: Iterable[AuditEntry], *, sending: set[int], window: datetime) -> None:
        # Changes of the panel's recorded before `window` are in the copy already (see compare).
        self.window = window
        self.sending = sending
        self.entries: dict[int, list[AuditEntry]] = defaultdict(list)
        for entry in entries:
            if entry.handler_id is not None:
                self.entries[entry.handler_id].append(entry)

    @classmethod
    def load(
        cls, *, handler_ids: list[int], new: list[MirroredHandler], since: datetime, window: datetime
    ) -> "OwnChanges":
        """The panel's changes of these handlers recorded since `since`; `new`, those the copy lacks, may be what
        a create made whose answer never came (its entry knows no id yet)."""
        # The marks first: a change whose mark is gone has its entry written already.
        sending = audit.being_sent(handler_ids=handler_ids, new=[(row.id, row.type, row.name) for row in new])
        recent = AuditEntry.objects.filter(origin=Origin.PANEL, outcome__in=MAYBE_MADE, created__gte=since).only(
            "handler_id", "action", "created", "changes", "handler_name", "handler_type"
        )
        entries: list[AuditEntry] = []
        for chunk in in_chunks(handler_ids):
            entries += recent.filter(action__in=(*CHANGES, Action.DELETE), handler_id__in=chunk)
        if new:
            unanswered = recent.filter(action=Action.CREATE, handler_id__isnull=True, created__gte=window)
            entries += _claimed(list(unanswered), new)
        return cls(entries, sending=sending, window=window)

    def _recent(self, handler_id: int, actions: Iterable[str]) -> list[AuditEntry]:
        return [e for e in self.entries.get(handler_id, ()) if e.action in actions and e.created >= self.window]

    def stamped(self, handler_id: int, moment: datetime, *, read: datetime | None) -> bool:
        """Whether the product's `last_datetime` of a handler most likely stamps a change of the panel's (see
        real_activity); `read`: when the copy last read the handler."""
        if handler_id in self.sending:
            return True
        return any(
            entry.action in CHANGES
            and (abs(entry.created - moment) <= CLOCK_MARGIN or (read is not None and entry.created > read))
            for entry in self.entries.get(handler_id, ())
        )

    def created(self, handler_id: int) -> bool:
        return handler_id in self.sending or any(e.action == Action.CREATE for e in self.entries.get(handler_id, ()))

    def deleted(self, handler_id: int) -> bool:
        return handler_id in self.sending or bool(self._recent(handler_id, [Action.DELETE]))

    def switched(self, handler_id: int, *, on: bool) -> bool:
        return handler_id in self.sending or bool(self._recent(handler_id, [Action.ENABLE if on else Action.DISABLE]))

    def edited(self, handler_id: int, field: str) -> bool:
        """Whether the panel changed this field of the handler (a secret's value is not kept: its field is)."""
        return handler_id in self.sending or any(
            change.get("field") == field
            for entry in self._recent(handler_id, [Action.EDIT])
            for change in entry.changes
        )

    def updated(self, handler_id: int) -> bool:
        """Whether the panel sent an update of the handler: on real servers, that may erase its type and settings,
        and put an email address back to waiting for its confirmation."""
        return handler_id in self.sending or bool(self._recent(handler_id, UPDATES))


def _claimed(unanswered: list[AuditEntry], new: list[MirroredHandler]) -> list[AuditEntry]:
    """The creates whose answer never came, each given the id of the new handler it most likely made: the same
    name and type, created since it was sent (as outcomes.created_row finds it)."""
    claimed = []
    for entry in unanswered:
        made = [
            row
            for row in new
            if row.type == entry.handler_type
            and row.name == entry.handler_name[:NAME_MAX_LENGTH]
            and (row.created is None or row.created >= entry.created - CLOCK_MARGIN)
        ]
        if made:
            entry.handler_id = min(row.id for row in made)
            claimed.append(entry)
    return claimed


def real_activity(row: MirroredHandler, was: Known | None, own: OwnChanges) -> datetime | None:
    """A channel's real activity: the last activity the product recorded on it that was not a change made through
    this panel. Servers stamp `last_datetime` on every update, the panel's own included, by their own clock, which
    may be a little off the panel's.

    The rule: a `last_datetime` the copy did not have is real activity, unless the panel has a change of that
    channel (a create, an edit, a switch on or off; done, or sent and its answer never came) being sent right now,
    or recorded within CLOCK_MARGIN (2 minutes) of that time either way, or recorded after the copy last read the
    channel (so that a clock further off cannot pass the panel's own change for activity either; real activity
    in that same interval then waits for the next one). In those cases, and when the product gives no time, it
    stays what the copy had. A write's answer never moves it (mirror.patch), so a channel created through the
    panel starts with none ("never active", as one created in the product is until it is used): the idle filters
    count such a channel from its creation."""
    kept = was.real_activity if was else None
    moment = row.last_activity
    if moment is None or (was is not None and moment == was.last_activity):
        return kept
    if own.stamped(row.id, moment, read=was.fetched if was else None):
        return kept
    return moment


def compare(
    before: Mapping[int, Known], rows: list[MirroredHandler], *, gone: set[int], last_refresh: datetime | None
) -> list[AuditEntry]:
    """Sets the real activity of each row the product gave from the copy `before`, and returns the audit entries
    (not saved) of the changes made in the product since `last_refresh`, the previous whole refresh's end: none
    without one. `gone`: the handlers of `before` the product no longer has."""
    changed = []
    for row in rows:
        was = before.get(row.id)
        if was is not None and not _differs(was, row):
            row.real_activity = was.real_activity
        else:
            changed.append(row)
    if not changed and not gone:
        return []
    window = (last_refresh or timezone.now()) - LISTING_TIME
    starts = [window]
    for row in changed:
        if row.last_activity is not None:
            starts.append(row.last_activity - CLOCK_MARGIN)
        if (was := before.get(row.id)) is not None and was.fetched is not None:
            starts.append(was.fetched)
    own = OwnChanges.load(
        handler_ids=sorted({row.id for row in changed} | gone),
        new=[row for row in changed if row.id not in before],
        since=min(starts),
        window=window,
    )
    for row in changed:
        row.real_activity = real_activity(row, before.get(row.id), own)
    if last_refresh is None:
        return []
    return _found(before, changed, gone=gone, since=last_refresh, own=own)


def _found(
    before: Mapping[int, Known], rows: list[MirroredHandler], *, gone: set[int], since: datetime, own: OwnChanges
) -> list[AuditEntry]:
    entries = []
    for row in rows:
        was = before.get(row.id)
        if was is None:
            if _new(row, since=since) and not own.created(row.id):
                entries.append(_entry(Action.CREATE, row.id, row.name, row.type, _created(row), since=since))
            continue
        # A copy read after the refresh (a channel's page, a write's answer) narrows the window.
        entries += _changes(was, row, own=own, since=max(since, was.fetched or since))
    for handler_id in sorted(gone):
        was = before[handler_id]
        if not own.deleted(handler_id):
            entries.append(
                _entry(Action.DELETE, was.id, was.name, was.type, [], since=max(since, was.fetched or since))
            )
    return entries


def _new(row: MirroredHandler, *, since: datetime) -> bool:
    """Whether a handler the copy lacks was created since the previous refresh: one the product says is older was
    missed by that refresh's list (a page shifted while it was read)."""
    return row.created is None or row.created >= since - LISTING_TIME - CLOCK_MARGIN


def _changes(was: Known, row: MirroredHandler, *, own: OwnChanges, since: datetime) -> list[AuditEntry]:
    entries = []
    edits = []
    if row.name != was.name and not own.edited(row.id, "name"):
        edits.append(audit.change("name", was.name, row.name))
    if was.type and not row.type:
        if not own.updated(row.id):
            changes = [audit.change("type", was.type, row.type)]
            entries.append(_entry(Action.TYPE_LOST, row.id, row.name, was.type, changes, since=since))
    else:
        if row.type != was.type and not own.edited(row.id, "type"):
            edits.append(audit.change("type", was.type, row.type))
        if not (row.damaged and own.updated(row.id)):
            edits += _settings_changes(was, row, own=own)
    before, after = State(was.state), State(row.state)
    if before.is_switched(on=True) != after.is_switched(on=True):
        on = after.is_switched(on=True)
        if not own.switched(row.id, on=on):
            changes = [audit.change("is_enabled", before.name.lower(), after.name.lower())]
            action = Action.ENABLE if on else Action.DISABLE
            entries.append(_entry(action, row.id, row.name, row.type, changes, since=since))
    elif before != after and not own.updated(row.id):
        # An email address confirmed, or waiting for its confirmation again.
        edits.append(audit.change("is_enabled", before.name.lower(), after.name.lower()))
    if edits:
        entries.append(_entry(Action.EDIT, row.id, row.name, row.type or was.type, edits, since=since))
    return entries


def _settings_changes(was: Known, row: MirroredHandler, *, own: OwnChanges) -> list[dict[str, Any]]:
    # The key "" holds what real servers' update leaves of the settings: no setting of any type.
    names = [name for name in dict.fromkeys([*was.settings, *row.shown_settings]) if name]
    return [
        _setting(name, was.settings.get(name, ""), row.shown_settings.get(name, ""), types=(was.type, row.type))
        for name in names
        if was.settings.get(name, "") != row.shown_settings.get(name, "") and not own.edited(row.id, name)
    ]


def _setting(name: str, before: str | None, after: str | None, *, types: tuple[str, str]) -> dict[str, Any]:
    """One setting's change; a value the panel shows masked (a secret, any of a type it does not know) only as
    changed, never its values, not even their masked ends."""
    if any(is_hidden(handler_type, name) for handler_type in types):
        return {"field": name, "secret": True}
    return audit.change(name, before, after)


def _created(row: MirroredHandler) -> list[dict[str, Any]]:
    settings = [
        _setting(name, None, value, types=(row.type, row.type)) for name, value in row.shown_settings.items() if value
    ]
    return [audit.change("name", None, row.name), audit.change("type", None, row.type), *settings]


def _entry(
    action: str,
    handler_id: int,
    name: str,
    handler_type: str,
    changes: list[dict[str, Any]],
    *,
    since: datetime,
) -> AuditEntry:
    return AuditEntry(
        actor=None,
        actor_name="",
        action=action,
        handler_id=handler_id,
        handler_name=name[:512],
        handler_type=handler_type[:40],
        changes=changes,
        outcome=Outcome.DONE,
        origin=Origin.PRODUCT,
        since=since,
    )
