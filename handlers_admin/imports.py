"""Creating many handlers from a CSV file: read, checked row by row with the type registry (nothing sent),
then created by a job. The rows wait for the member's confirmation and for the worker sealed (encrypted
with a key drawn from SECRET_KEY), and are dropped once used: the file itself is never kept."""

import csv
import io
import secrets
from _csv import Reader
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import User
from django.core.cache import cache
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from handlers_admin import channel_details, jobs
from handlers_admin.forms import HandlerForm
from handlers_admin.handler_types import ALL_FIELDS, HANDLER_TYPES, HandlerType, types_for
from handlers_admin.models import Job, JobItem, MirroredHandler
from handlers_admin.sealed import seal, unseal
from handlers_admin.words import labelled

MAX_BYTES = 1024 * 1024
MAX_ROWS = 1000
# How long a checked file waits for the member to confirm it.
WAITING_SECONDS = 3600
# Then the panel's own details of the channel, optional, which are never sent to the product.
IMPORT_COLUMNS = ["name", "type", *ALL_FIELDS, *channel_details.DETAILS_FIELDS]
# What separates the columns: commas, Excel's semicolons where a comma is the decimal mark, or the tabs of
# text pasted from a spreadsheet.
DELIMITERS = ",;\t"
# Enough of the file to tell the delimiter, little enough to tell it fast: the Sniffer takes a time that grows
# with the square of what it reads on some texts (seconds for 50 kB).
SNIFFED_LINES = 20
SNIFFED_CHARS = 4096
# Where Excel separates a list with semicolons, since the comma is the decimal mark.
SEMICOLON_LANGUAGES = frozenset({"fr", "pl", "de", "es"})
# What the template writes in a field that has no example; refused like the examples.
PLACEHOLDER = "your-value-here"
# An ignored column is named in the preview, at most this long.
SHOWN_COLUMN_LENGTH = 40


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
    # The panel's own details of the channel (labels, owner, notes), as checked; kept here, never sent.
    details: channel_details.Details = channel_details.NO_DETAILS

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True, kw_only=True)
class CheckedFile:
    rows: list[ImportRow]
    # The headers of the columns the panel does not know, as the file spells them: their values are not used.
    ignored_columns: list[str]

    @property
    def ready(self) -> int:
        return sum(row.ok for row in self.rows)


def read(text: str, *, variant: str, refused: dict[str, str] | None = None) -> CheckedFile:
    """Every row of the file, checked as the create form checks it; secrets are kept only in `fields`.

    Columns are separated by commas, semicolons or tabs, whichever the file uses; headers and types are
    read without case or surrounding spaces; blank rows are skipped."""
    if len(text.encode()) > MAX_BYTES:
        raise Unreadable(_("The file is larger than 1 MB: split it and import the parts one after the other."))
    text = text.lstrip("\ufeff")
    reader = csv.reader(io.StringIO(text), delimiter=_delimiter(text))
    try:
        header = next(reader, [])
        columns = [cell.strip().lower() for cell in header]
        if not {"name", "type"} <= set(columns):
            raise Unreadable(
                _(
                    "The first line must name the columns, with at least “name” and “type”. "
                    "Download the template to see how."
                )
            )
        if twice := next((column for column in IMPORT_COLUMNS if columns.count(column) > 1), None):
            raise Unreadable(
                _("The first line names the column “%(column)s” twice: keep only one.") % {"column": twice}
            )
        unknown = (
            cell for cell, column in zip(header, columns, strict=True) if column and column not in IMPORT_COLUMNS
        )
        ignored = list(dict.fromkeys(_shown(cell) for cell in unknown))
        rows = _check(reader, columns, variant=variant, refused=refused or {})
    except csv.Error as e:
        raise Unreadable(
            _("The file cannot be read as CSV: save it from your spreadsheet as “CSV UTF-8” and try again.")
        ) from e
    if not rows:
        raise Unreadable(_("There is nothing to import: the file has no rows under the line that names the columns."))
    return CheckedFile(rows=rows, ignored_columns=ignored)


def _delimiter(text: str) -> str:
    sample = "\n".join(text[:SNIFFED_CHARS].splitlines()[:SNIFFED_LINES])
    if len(text) > SNIFFED_CHARS and "\n" in sample:  # whole lines only
        sample = sample.rsplit("\n", 1)[0]
    try:
        return csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:  # It cannot tell, as with a single column: the comma, the format's own.
        return ","


def _shown(header: str) -> str:
    header = header.strip()
    return header if len(header) <= SHOWN_COLUMN_LENGTH else header[: SHOWN_COLUMN_LENGTH - 1] + "…"


def _check(reader: Reader, columns: list[str], *, variant: str, refused: dict[str, str]) -> list[ImportRow]:
    known = set(IMPORT_COLUMNS)
    examples = _example_names()
    existing = {name.casefold() for name in MirroredHandler.objects.values_list("name", flat=True)}
    seen: set[str] = set()
    rows: list[ImportRow] = []
    last_line = 1
    for record in reader:
        # A record may span lines (a quoted value with a line break): it is numbered by its first.
        line, last_line = last_line + 1, reader.line_num
        if not any(cell.strip() for cell in record):
            continue
        if len(rows) == MAX_ROWS:
            raise Unreadable(
                ngettext(
                    "The file has more than %(count)s row: import it in parts.",
                    "The file has more than %(count)s rows: import it in parts.",
                    MAX_ROWS,
                )
                % {"count": MAX_ROWS}
            )
        # A short record (a spreadsheet leaves out empty cells at the end) has its last columns blank.
        values = {column: cell.strip() for column, cell in zip(columns, record, strict=False) if column in known}
        values["type"] = values.get("type", "").lower()
        form = HandlerForm(values, variant=variant)
        problems = [] if form.is_valid() else _problems(form)
        problems += _example_problems(form, values, examples)
        if words := refused.get(values["type"]):
            problems.append(_("Not available on this product: %(words)s") % {"words": words})
        name = values.get("name", "")
        rows.append(
            ImportRow(
                line=line,
                name=name,
                type=values["type"],
                problems=problems,
                name_taken=name.casefold() in existing or name.casefold() in seen,
                fields=form.api_fields() if not problems else {},
                details=form.details() if not problems else channel_details.NO_DETAILS,
            )
        )
        seen.add(name.casefold())
    return rows


def _example_name(handler_type: HandlerType) -> str:
    return _("Example: %(type)s") % {"type": handler_type.label}


def _example_names() -> set[str]:
    """The names of the template's rows, in every language it can be downloaded in."""
    names: set[str] = set()
    for language in dict(settings.LANGUAGES):
        with translation.override(language):
            names |= {_example_name(handler_type).casefold() for handler_type in HANDLER_TYPES.values()}
    return names


def _example_problems(form: HandlerForm, values: dict[str, str], example_names: set[str]) -> list[str]:
    """The template's examples left in the row: a channel made of them would notify no one."""
    handler_type = HANDLER_TYPES.get(values["type"])
    left = ["name"] if values.get("name", "").casefold() in example_names else []
    left += [
        spec.name
        for spec in (handler_type.fields if handler_type else ())
        if (value := values.get(spec.name, "").casefold()) and value in {spec.example.casefold(), PLACEHOLDER}
    ]
    message = _("This is the template's example: replace it with the real value.")
    return [labelled(form.fields[field].label, message) for field in left if field not in form.errors]


def _problems(form: HandlerForm) -> list[str]:
    return [
        labelled(form.fields[field].label, message) if field in form.fields else str(message)
        for field, messages in form.errors.items()
        for message in messages
    ]


def keep_for_confirmation(rows: list[ImportRow]) -> str:
    """Keeps the good rows, sealed, until the member confirms; returns the key that finds them. A row's details go
    with its fields, for the job to keep once the channel is made (creates.create_recorded never sends them)."""
    key = secrets.token_urlsafe(16)
    kept = [row.fields | _details_fields(row.details) for row in rows if row.ok]
    cache.set(f"import:{key}", seal(kept), WAITING_SECONDS)
    return key


def _details_fields(details: channel_details.Details) -> dict[str, str]:
    return {name: value for name, value in details.as_fields().items() if value}


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
    """A file with the columns and one example row per type, which shows the format of each value and cannot be
    imported before they are replaced. It opens as UTF-8 in spreadsheets (the BOM), in columns where Excel
    separates them with semicolons."""
    out = io.StringIO()
    out.write("\ufeff")
    delimiter = ";" if translation.get_language() in SEMICOLON_LANGUAGES else ","
    writer = csv.DictWriter(out, fieldnames=IMPORT_COLUMNS, delimiter=delimiter)
    writer.writeheader()
    for handler_type in types_for(variant):
        row = {"name": _example_name(handler_type), "type": handler_type.slug}
        row |= {spec.name: spec.example or PLACEHOLDER for spec in handler_type.fields}
        writer.writerow(row)
    return out.getvalue()
