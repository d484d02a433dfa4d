"""Creating many handlers from a CSV file: read, checked row by row with the type registry (nothing sent),
then created by a job. The rows wait for the member's confirmation and for the worker sealed (encrypted
with a key drawn from SECRET_KEY), and are dropped once used: the file itself is never kept."""

import csv
import io
import secrets
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.core.cache import cache
from django.db import transaction
from django.utils.translation import gettext as _

from handlers_admin import jobs
from handlers_admin.forms import HandlerForm
from handlers_admin.handler_types import ALL_FIELDS, types_for
from handlers_admin.models import Job, JobItem, MirroredHandler
from handlers_admin.sealed import seal, unseal

MAX_BYTES = 1024 * 1024
MAX_ROWS = 1000
# How long a checked file waits for the member to confirm it.
WAITING_SECONDS = 3600
IMPORT_COLUMNS = ["name", "type", *ALL_FIELDS]


class Unreadable(Exception):
    """A file that cannot be read as the panel's CSV, in plain words."""


@dataclass(frozen=True, kw_only=True)
class ImportRow:
    line: int
    name: str
    type: str
    problems: list[str]
    # Another handler of that name exists already, or an earlier row has it.
    name_taken: bool
    # What the API would be sent; empty when the row has problems.
    fields: dict[str, str]

    @property
    def ok(self) -> bool:
        return not self.problems


def read(text: str, *, variant: str, refused: dict[str, str] | None = None) -> list[ImportRow]:
    """Every row of the file, checked as the create form checks it; secrets are kept only in `fields`."""
    if len(text.encode()) > MAX_BYTES:
        raise Unreadable(_("The file is larger than 1 MB: split it and import the parts one after the other."))
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    if not reader.fieldnames or not {"name", "type"} <= {name.strip() for name in reader.fieldnames}:
        raise Unreadable(
            _(
                "The first line must name the columns, with at least “name” and “type”. "
                "Download the template to see how."
            )
        )
    existing = {name.casefold() for name in MirroredHandler.objects.values_list("name", flat=True)}
    seen: set[str] = set()
    rows: list[ImportRow] = []
    for number, raw in enumerate(reader, start=2):
        if len(rows) == MAX_ROWS:
            raise Unreadable(_("The file has more than %(count)s rows: import it in parts.") % {"count": MAX_ROWS})
        values = {str(key).strip(): (value or "").strip() for key, value in raw.items() if key is not None}
        form = HandlerForm(values, variant=variant)
        problems = [] if form.is_valid() else _problems(form)
        if words := (refused or {}).get(values.get("type", "")):
            problems.append(_("Not available on this product: %(words)s") % {"words": words})
        name = values.get("name", "")
        rows.append(
            ImportRow(
                line=number,
                name=name,
                type=values.get("type", ""),
                problems=problems,
                name_taken=name.casefold() in existing or name.casefold() in seen,
                fields=form.api_fields() if not problems else {},
            )
        )
        seen.add(name.casefold())
    return rows


def _problems(form: HandlerForm) -> list[str]:
    return [
        f"{form.fields[field].label}: {message}" if field in form.fields else str(message)
        for field, messages in form.errors.items()
        for message in messages
    ]


def keep_for_confirmation(rows: list[ImportRow]) -> str:
    """Keeps the good rows, sealed, until the member confirms; returns the key that finds them."""
    key = secrets.token_urlsafe(16)
    cache.set(f"import:{key}", seal([row.fields for row in rows if row.ok]), WAITING_SECONDS)
    return key


def start(actor: User, key: str) -> Job | None:
    """Starts the job creating the rows kept under the key; None when they waited too long."""
    sealed = cache.get(f"import:{key}")
    cache.delete(f"import:{key}")
    if not sealed:
        return None
    fields_of_rows = unseal(sealed)
    if not isinstance(fields_of_rows, list):
        return None
    with transaction.atomic():
        job = Job.objects.create(kind=Job.Kind.IMPORT, created_by=actor, created_by_name=actor.get_username()[:150])
        JobItem.objects.bulk_create(
            JobItem(
                job=job, position=position, name=fields["name"], handler_type=fields["type"], sealed_fields=seal(fields)
            )
            for position, fields in enumerate(fields_of_rows)
        )
        jobs.enqueue(job)
    return job


def template_csv(*, variant: str) -> str:
    """A file with the columns and one example row per type."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=IMPORT_COLUMNS)
    writer.writeheader()
    for handler_type in types_for(variant):
        row = {"name": _("Example: %(type)s") % {"type": handler_type.label}, "type": handler_type.slug}
        row |= {spec.name: spec.example or "your-value-here" for spec in handler_type.fields}
        writer.writerow(row)
    return out.getvalue()
