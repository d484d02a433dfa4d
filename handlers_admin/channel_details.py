"""The panel's own details of a channel: its labels, its owner (a member) and notes, kept in the panel's database
and never sent to the product. Reading and saving them (each change recorded in the audit trail), the comma list
of labels, the suggestions offered, and changes to a whole selection at once."""

import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from handlers_admin import audit
from handlers_admin.models import CHUNK, AuditEntry, ChannelDetails, Label, MirroredHandler, in_chunks

# The form fields and import columns of the details, as named in exports too.
DETAILS_FIELDS = ("labels", "owner", "notes")
LABEL_MAX_LENGTH = 40
MOST_LABELS = 20
NOTES_MAX_LENGTH = 5000

Actor = User | AnonymousUser


@dataclass(frozen=True, kw_only=True)
class Details:
    """A channel's details as plain values: labels as first written, in alphabetical order; the owner's username."""

    labels: tuple[str, ...] = ()
    owner: str = ""
    notes: str = ""

    @property
    def labels_text(self) -> str:
        return ", ".join(self.labels)

    @property
    def empty(self) -> bool:
        return not (self.labels or self.owner or self.notes)

    def as_fields(self) -> dict[str, str]:
        """The details as the forms and the import hold them."""
        return {"labels": self.labels_text, "owner": self.owner, "notes": self.notes}


NO_DETAILS = Details()


def clean_label(text: str) -> str:
    """A label as kept: control characters dropped, spaces collapsed. ValidationError when it is too long."""
    printable = "".join(" " if unicodedata.category(c).startswith(("C", "Z")) else c for c in text)
    label = " ".join(printable.split())
    if len(label) > LABEL_MAX_LENGTH:
        raise ValidationError(
            _("A label can have at most %(limit)s characters: “%(label)s” has %(count)s.")
            % {"limit": LABEL_MAX_LENGTH, "label": label, "count": len(label)}
        )
    return label


def parse_labels(text: str) -> tuple[str, ...]:
    """The labels of a comma-separated list, each once whatever its case (as first written there), in
    alphabetical order. ValidationError naming every problem: a label too long, or too many labels."""
    labels: dict[str, str] = {}
    problems: list[str] = []
    for part in text.split(","):
        try:
            label = clean_label(part)
        except ValidationError as e:
            problems.extend(e.messages)
            continue
        if label:
            labels.setdefault(label.casefold(), label)
    if len(labels) > MOST_LABELS:
        problems.append(
            ngettext(
                "A channel can have at most %(limit)s label (this list has %(count)s).",
                "A channel can have at most %(limit)s labels (this list has %(count)s).",
                MOST_LABELS,
            )
            % {"limit": MOST_LABELS, "count": len(labels)}
        )
    if problems:
        raise ValidationError(problems)
    return _sorted(labels.values())


def _sorted(labels: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted(labels, key=lambda label: (label.casefold(), label)))


def find_member(username: str) -> User | None:
    """The member of this username (case ignored when only one matches), None for a blank one; ValidationError
    when no member has it."""
    username = username.strip()
    if not username:
        return None
    if found := User.objects.filter(username=username).first():
        return found
    alike = list(User.objects.filter(username__iexact=username)[:2])
    if len(alike) == 1:
        return alike[0]
    raise ValidationError(_("No member is called “%(name)s”.") % {"name": username})


def member_names() -> list[str]:
    """Every member's username, for the owner's suggestions and the table's owner filter."""
    return list(User.objects.order_by("username").values_list("username", flat=True))


def label_suggestions() -> list[str]:
    """The labels channels have now, as first written."""
    return list(_sorted(Label.objects.filter(channels__isnull=False).distinct().values_list("name", flat=True)))


def details_for(handler_ids: Iterable[int] | None = None) -> dict[int, Details]:
    """The details of these channels (of every channel with `None`) that have any, by channel id."""
    if handler_ids is None:
        return _read(ChannelDetails.objects.all())
    wanted = set(handler_ids)
    if len(wanted) > CHUNK:
        # Fewer channels have details than an export or a long page lists: all of them in one go.
        return {handler_id: found for handler_id, found in details_for().items() if handler_id in wanted}
    return _read(ChannelDetails.objects.filter(channel_id__in=wanted))


def _read(rows: QuerySet[ChannelDetails]) -> dict[int, Details]:
    rows = rows.select_related("owner").prefetch_related("labels")
    return {
        row.channel_id: Details(
            labels=_sorted(label.name for label in row.labels.all()),
            owner=row.owner.username if row.owner else "",
            notes=row.notes,
        )
        for row in rows
    }


def details_of(handler_id: int) -> Details:
    return details_for([handler_id]).get(handler_id, NO_DETAILS)


def owners_of(handler_ids: Iterable[int]) -> dict[int, str]:
    """The usernames of these channels' owners, for the channels that have one."""
    found: dict[int, str] = {}
    for chunk in in_chunks(handler_ids):
        rows = ChannelDetails.objects.filter(channel_id__in=chunk, owner__isnull=False)
        found |= dict(rows.values_list("channel_id", "owner__username"))
    return found


def _find_label(text: str) -> Label | None:
    """The label of this name, case ignored. Read in Python rather than by the database, whose case folding
    stops at ASCII on SQLite; the labels in use are few."""
    wanted = text.casefold()
    return next((label for label in Label.objects.all() if label.name.casefold() == wanted), None)


def _label(text: str) -> Label:
    """The label of this name, created as written when there is none in any case."""
    if found := _find_label(text):
        return found
    try:
        with transaction.atomic():
            return Label.objects.create(name=text)
    except IntegrityError:
        # Another member created it meanwhile, in some case.
        found = _find_label(text)
        assert found is not None
        return found


def labelled(text: str) -> QuerySet[ChannelDetails, int] | list[int]:
    """The ids of the channels with this label, case ignored (the table's filter), as a query of them."""
    try:
        label = _find_label(clean_label(text))
    except ValidationError:
        label = None
    if label is None:
        return []
    return ChannelDetails.objects.filter(labels=label).values_list("channel_id", flat=True)


def _prune_labels() -> None:
    """Labels no channel has any more are forgotten, so that a label written again is as then written."""
    Label.objects.filter(channels__isnull=True).delete()


def _drop_empty(handler_ids: Iterable[int]) -> None:
    for chunk in in_chunks(handler_ids):
        ChannelDetails.objects.filter(channel_id__in=chunk, owner__isnull=True, notes="", labels__isnull=True).delete()


def _labels_change(before: Iterable[str], after: Iterable[str]) -> list[dict[str, str]]:
    return [{"field": "labels", "before": ", ".join(_sorted(before)), "after": ", ".join(_sorted(after))}]


def _changes(before: Details, after: Details) -> list[dict[str, str]]:
    """What a change of details changed, as the audit trail records it."""
    pairs = (
        ("labels", before.labels_text, after.labels_text),
        ("owner", before.owner, after.owner),
        ("notes", before.notes, after.notes),
    )
    return [{"field": field, "before": was, "after": now} for field, was, now in pairs if was != now]


def save(actor: Actor, handler_id: int, wanted: Details) -> bool:
    """Makes a channel's details the wanted ones, and records what changed; False when nothing changed, or the
    panel's copy does not know the channel (its details go with its row there). The owner is found by username
    (ValidationError when no member has it); a label is spelt as it was first written."""
    channel = MirroredHandler.objects.filter(id=handler_id).first()
    if channel is None:
        return False
    owner = find_member(wanted.owner)
    before = details_of(handler_id)
    existing = {label.name.casefold(): label.name for label in Label.objects.all()}
    spelt = _sorted(existing.get(label.casefold(), label) for label in wanted.labels)
    after = Details(labels=spelt, owner=owner.username if owner else "", notes=wanted.notes)
    changes = _changes(before, after)
    if not changes:
        return False
    entry = audit.recorded(
        actor,
        AuditEntry.Action.DETAILS,
        handler_id=channel.id,
        name=channel.name,
        handler_type=channel.type,
        changes=changes,
    )
    with transaction.atomic(), entry:
        if after.empty:
            ChannelDetails.objects.filter(channel_id=handler_id).delete()
        else:
            row, _created = ChannelDetails.objects.update_or_create(
                channel_id=handler_id, defaults={"owner": owner, "notes": after.notes}
            )
            row.labels.set([_label(label) for label in after.labels])
        _prune_labels()
    return True


def initial(handler_id: int) -> dict[str, str]:
    """A channel's details as a form's initial values."""
    return details_of(handler_id).as_fields()


def wanted_from(fields: Mapping[str, object]) -> Details:
    """The details an import row's fields ask for (see Details.as_fields); ValidationError for a bad list."""
    return Details(
        labels=parse_labels(str(fields.get("labels") or "")),
        owner=str(fields.get("owner") or "").strip(),
        notes=str(fields.get("notes") or "").strip(),
    )


def product_fields(fields: Mapping[str, str]) -> dict[str, str]:
    """A channel's fields without its details, which the product is never sent."""
    return {key: value for key, value in fields.items() if key not in DETAILS_FIELDS}


def keep_imported(handler_id: int | None, fields: Mapping[str, object], *, actor: Actor) -> None:
    """Gives a channel an import just created the labels, owner and notes of its row, checked in the preview. An
    owner removed since then is left out; the rest is kept."""
    if handler_id is None:
        return
    try:
        wanted = wanted_from(fields)
    except ValidationError:
        return
    if wanted.empty:
        return
    try:
        find_member(wanted.owner)
    except ValidationError:
        wanted = Details(labels=wanted.labels, notes=wanted.notes)
    save(actor, handler_id, wanted)


@dataclass(frozen=True, kw_only=True)
class BulkResult:
    # The channels whose details changed.
    changed: int
    # The channels left as they were because they have as many labels as a channel may.
    full: int = 0


def _known(handler_ids: Iterable[int]) -> dict[int, MirroredHandler]:
    """The channels of the panel's copy among these, by id: the others have no details to change."""
    found: dict[int, MirroredHandler] = {}
    for chunk in in_chunks(handler_ids):
        found |= {row.id: row for row in MirroredHandler.objects.filter(id__in=chunk).only("id", "name", "type")}
    return found


def _record_bulk(actor: Actor, channels: dict[int, MirroredHandler], changes: dict[int, list[dict[str, str]]]) -> None:
    """One audit entry for each channel changed, so that each channel's page shows it in its history."""
    AuditEntry.objects.bulk_create(
        [
            AuditEntry(
                actor=actor if actor.is_authenticated else None,
                actor_name=actor.get_username()[:150] if actor.is_authenticated else "",
                action=AuditEntry.Action.DETAILS,
                handler_id=handler_id,
                handler_name=channels[handler_id].name[:512],
                handler_type=channels[handler_id].type[:40],
                changes=changed,
            )
            for handler_id, changed in changes.items()
        ],
        batch_size=CHUNK,
    )


def _ensure_rows(handler_ids: Iterable[int]) -> None:
    ChannelDetails.objects.bulk_create(
        [ChannelDetails(channel_id=handler_id) for handler_id in handler_ids], ignore_conflicts=True, batch_size=CHUNK
    )


def add_label(actor: Actor, handler_ids: Iterable[int], text: str) -> BulkResult:
    """Adds a label to every channel of a selection that lacks it, in every case; a channel that has as many
    labels as it may is left as it is."""
    channels = _known(handler_ids)
    before = details_for(channels)
    wanted = clean_label(text)
    if not wanted or not channels:
        return BulkResult(changed=0)
    changes: dict[int, list[dict[str, str]]] = {}
    full = 0
    with transaction.atomic():
        label = _label(wanted)
        for handler_id in channels:
            was = before.get(handler_id, NO_DETAILS)
            if label.name.casefold() in {name.casefold() for name in was.labels}:
                continue
            if len(was.labels) >= MOST_LABELS:
                full += 1
                continue
            changes[handler_id] = _labels_change(was.labels, [*was.labels, label.name])
        _ensure_rows(changes)
        through = ChannelDetails.labels.through
        through.objects.bulk_create(
            [through(channeldetails_id=handler_id, label_id=label.pk) for handler_id in changes],
            ignore_conflicts=True,
            batch_size=CHUNK,
        )
        _record_bulk(actor, channels, changes)
        if not changes:
            _prune_labels()
    return BulkResult(changed=len(changes), full=full)


def remove_label(actor: Actor, handler_ids: Iterable[int], text: str) -> BulkResult:
    """Takes a label, in any case, off every channel of a selection that has it."""
    channels = _known(handler_ids)
    label = _find_label(clean_label(text))
    if label is None or not channels:
        return BulkResult(changed=0)
    before = details_for(channels)
    changes = {
        handler_id: _labels_change(was.labels, [name for name in was.labels if name != label.name])
        for handler_id, was in before.items()
        if label.name in was.labels
    }
    with transaction.atomic():
        through = ChannelDetails.labels.through
        for chunk in in_chunks(changes):
            through.objects.filter(label=label, channeldetails_id__in=chunk).delete()
        _drop_empty(changes)
        _prune_labels()
        _record_bulk(actor, channels, changes)
    return BulkResult(changed=len(changes))


def set_owner(actor: Actor, handler_ids: Iterable[int], username: str) -> BulkResult:
    """Makes a member (found by username, ValidationError when none has it) the owner of every channel of a
    selection; a blank username leaves them without one."""
    owner = find_member(username)
    name = owner.username if owner else ""
    channels = _known(handler_ids)
    before = details_for(channels)
    changes = {
        handler_id: [{"field": "owner", "before": was, "after": name}]
        for handler_id in channels
        if (was := before.get(handler_id, NO_DETAILS).owner) != name
    }
    with transaction.atomic():
        if owner:
            _ensure_rows(changes)
        for chunk in in_chunks(changes):
            ChannelDetails.objects.filter(channel_id__in=chunk).update(owner=owner)
        _drop_empty(changes)
        _record_bulk(actor, channels, changes)
    return BulkResult(changed=len(changes))
