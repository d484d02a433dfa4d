"""Importing handlers from CSV: the preview checks every row with the registry, then a job creates them."""

import csv
import io
import time

import pytest
import responses
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.utils import translation

from handlers_admin import imports, jobs
from handlers_admin.handler_types import HANDLER_TYPES
from handlers_admin.models import AuditEntry, Job, JobItem
from tests.api import CREATE_URL, SECRETS, VALID, handler_json, sent_fields

# Good values that are not the template's examples, which the import refuses (see the template's tests).
REAL = VALID | {
    "email": {"email": "team@example.org"},
    "webhook": {"webhook": "https://hooks.example.org/alerts"},
    "telegram": {"telegram": "555555555:AAFakeTokenForTheTests0001", "telegram_chat_id": "-1009876543210"},
    "twilio": {"twilio": "+442079460000"},
}
EXAMPLE_WORDS = "the template's example"

BAD = {
    "email": {"email": "not an address"},
    "webhook": {"webhook": "http://example.com/plain"},
    "slack": {"slack": "https://example.com/not-slack"},
    "discord": {"discord": "https://hooks.slack.com/services/x"},
    "telegram": {"telegram": "12345", "telegram_chat_id": "-100"},
    "microsoft_teams": {"microsoft_teams": "https://example.com/teams"},
    "twilio": {"twilio": "0044 20 7946"},
    "x": {
        "x_consumer_key": "has spaces",
        "x_consumer_secret": "a",
        "x_access_token": "b",
        "x_access_token_secret": "c",
    },
    "google_chat": {"google_chat": "https://example.com/chat"},
}


def as_csv(rows: list[dict], *, delimiter: str = ",") -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=imports.IMPORT_COLUMNS, delimiter=delimiter)
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def preview(client: Client, text: str = "", *, upload: bytes | None = None) -> str:
    data: dict[str, str | SimpleUploadedFile] = {"action": "preview", "text": text}
    if upload is not None:
        data["file"] = SimpleUploadedFile("channels.csv", upload, content_type="text/csv")
    response = client.post("/handlers/import/", data)
    assert response.status_code == 200
    return response.text


def test_the_template_has_one_example_row_per_type_that_cannot_be_imported_as_it_is(editor_client: Client, db) -> None:
    text = editor_client.get("/handlers/import/template.csv").content.decode("utf-8-sig")
    rows = imports.read(text, variant="full").rows
    assert [row.type for row in rows] == list(HANDLER_TYPES)
    for row in rows:
        assert not row.ok and row.fields == {}, row.type
        assert all(EXAMPLE_WORDS in problem and "real value" in problem for problem in row.problems), row.problems
        # One refusal for the name and one for each field the example fills in.
        assert len(row.problems) == 1 + len(HANDLER_TYPES[row.type].fields), row.problems


def test_the_template_becomes_ready_once_its_examples_are_replaced(editor_client: Client, db) -> None:
    text = editor_client.get("/handlers/import/template.csv").content.decode("utf-8-sig")
    filled = [row | {"name": f"Real {row['type']}"} | REAL[row["type"]] for row in csv.DictReader(io.StringIO(text))]
    assert all(row.ok for row in imports.read(as_csv(filled), variant="full").rows)


def test_the_examples_of_a_template_downloaded_in_another_language_are_refused_too(db) -> None:
    with translation.override("fr"):
        text = imports.template_csv(variant="full")
    rows = imports.read(text.lstrip("\ufeff"), variant="full").rows
    internal = next(row for row in rows if row.type == "internal_notification")
    assert not internal.ok and EXAMPLE_WORDS in " ".join(internal.problems)


def test_the_template_refuses_a_placeholder_left_in_a_row(db) -> None:
    row = {"name": "Our X", "type": "x"} | REAL["x"] | {"x_access_token": "your-value-here"}
    (checked,) = imports.read(as_csv([row]), variant="full").rows
    assert not checked.ok and len(checked.problems) == 1 and EXAMPLE_WORDS in checked.problems[0]


def test_the_template_opens_in_a_spreadsheet_of_the_language(editor_client: Client, db) -> None:
    english = editor_client.get("/handlers/import/template.csv").content
    editor_client.cookies["django_language"] = "fr"
    with translation.override("en"):  # the French the request turns on stays in the request
        french = editor_client.get("/handlers/import/template.csv").content
    assert english.startswith("\ufeffname,type,".encode()) and french.startswith("\ufeffname;type;".encode())


@pytest.mark.parametrize("slug", list(HANDLER_TYPES))
def test_the_preview_accepts_a_good_row_and_explains_a_bad_one_for_every_type(db, slug: str) -> None:
    good = {"name": f"Good {slug}", "type": slug} | REAL[slug]
    rows = [good]
    if slug in BAD:
        rows.append({"name": f"Bad {slug}", "type": slug} | BAD[slug])
    checked = imports.read(as_csv(rows), variant="full").rows
    assert checked[0].ok, checked[0].problems
    if slug in BAD:
        assert not checked[1].ok and checked[1].problems and checked[1].fields == {}


def test_names_over_128_characters_unknown_types_and_taken_names_are_flagged(mirrored) -> None:
    mirrored(handler_json(id=1, name="Ops inbox"))
    rows = imports.read(
        as_csv(
            [
                {"name": "n" * 129, "type": "internal_notification"},
                {"name": "Pigeon", "type": "pigeon"},
                {"name": "ops INBOX", "type": "email", "email": "a@example.com"},
                {"name": "Twice", "type": "internal_notification"},
                {"name": "Twice", "type": "internal_notification"},
            ]
        ),
        variant="full",
    ).rows
    assert "at most 128 characters" in " ".join(rows[0].problems)
    assert rows[1].problems
    assert rows[2].ok and rows[2].name_taken
    assert not rows[3].name_taken and rows[4].name_taken


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("just,some,words\n1,2,3\n", "at least “name” and “type”"),
        ("", "at least “name” and “type”"),
        ("name,type\n" + "x,internal_notification\n" * 1001, "more than 1000 rows"),
        ("name,type,email,Email\nx,email,a@example.org,b@example.org\n", "“email” twice"),
        ("name,type,email\n" + "x" * 200_000 + ",email,a@example.org\n", "cannot be read as CSV"),
    ],
)
def test_unreadable_files_are_said_plainly(editor_client: Client, db, text: str, words: str) -> None:
    response = editor_client.post("/handlers/import/", {"action": "preview", "text": text})
    assert response.status_code == 200 and words in response.text


def test_a_file_that_is_not_utf8_is_said_plainly(editor_client: Client, db) -> None:
    upload = SimpleUploadedFile("x.csv", "name,type\nÉquipe,email\n".encode("latin-1"), content_type="text/csv")
    response = editor_client.post("/handlers/import/", {"action": "preview", "file": upload})
    assert "not UTF-8" in response.text


def test_the_preview_never_shows_a_secret_and_the_job_creates_the_ready_rows(
    api: responses.RequestsMock, editor_client: Client, mirrored
) -> None:
    mirrored()
    secret = SECRETS["slack"]["slack"]
    text = as_csv(
        [
            {"name": "Alerts", "type": "slack"} | SECRETS["slack"],
            {"name": "Inbox", "type": "email"} | REAL["email"],
            {"name": "Broken", "type": "email", "email": "nope"},
        ]
    )
    shown = preview(editor_client, upload=text.encode())
    assert "3 rows checked" in shown and "2 rows are ready" in shown and "Create 2 channels" in shown
    assert secret not in shown
    key = shown.split('name="key" value="')[1].split('"')[0]

    response = editor_client.post("/handlers/import/", {"action": "create", "key": key})
    job = Job.objects.get()
    assert response["Location"] == f"/jobs/{job.pk}/" and job.kind == "import"
    with connection.cursor() as cursor:  # nothing readable at rest, in any table
        cursor.execute("SELECT sealed_fields FROM handlers_admin_jobitem")
        assert all(secret not in value for (value,) in cursor.fetchall())

    api.post(CREATE_URL, json={"data": {"id": 71}}, status=201)
    api.post(CREATE_URL, json={"data": {"id": 72}}, status=201)
    jobs.process(job.pk)
    items = list(JobItem.objects.filter(job=job).values_list("name", "outcome", "handler_id", "sealed_fields"))
    assert items == [("Alerts", "done", 71, ""), ("Inbox", "done", 72, "")]
    assert sent_fields(api.calls[0].request) == {"name": "Alerts", "type": "slack"} | SECRETS["slack"]
    assert sent_fields(api.calls[1].request) == {"name": "Inbox", "type": "email"} | REAL["email"]
    assert AuditEntry.objects.filter(job=job, action="create").count() == 2
    again = editor_client.post("/handlers/import/", {"action": "create", "key": key}, follow=True)
    assert "waited too long" in again.text and Job.objects.count() == 1


def test_viewers_cannot_import(viewer_client: Client, db) -> None:
    assert viewer_client.get("/handlers/import/").status_code == 403
    assert viewer_client.get("/handlers/import/template.csv").status_code == 403


def test_pasted_text_is_never_in_an_error_report(editor_client: Client, db) -> None:
    response = editor_client.post("/handlers/import/", {"action": "preview", "text": "name,type\n"})
    assert response.wsgi_request.sensitive_post_parameters == "__ALL__"


def test_excel_semicolons_after_a_utf8_bom_are_read(editor_client: Client, db) -> None:
    """What Excel saves as “CSV UTF-8” in French, Polish, German or Spanish."""
    text = "name;type;email\r\nÉquipe, Paris;email;equipe@example.org\r\nBureau;email;nope\r\n"
    shown = preview(editor_client, upload=b"\xef\xbb\xbf" + text.encode())
    assert "Équipe, Paris" in shown and "2 rows checked" in shown and "1 row is ready" in shown
    rows = imports.read("\ufeff" + text, variant="full").rows
    assert rows[0].fields == {"name": "Équipe, Paris", "type": "email", "email": "equipe@example.org"}
    assert [row.line for row in rows] == [2, 3] and not rows[1].ok


def test_tabs_of_text_pasted_from_a_spreadsheet_are_read(editor_client: Client, db) -> None:
    text = "name\ttype\temail\r\nInbox\temail\tteam@example.org\r\nIn-app\tinternal_notification\t\r\n"
    shown = preview(editor_client, text)
    assert "2 rows are ready" in shown and "Create 2 channels" in shown
    rows = imports.read(text, variant="full").rows
    assert [row.fields for row in rows] == [
        {"name": "Inbox", "type": "email", "email": "team@example.org"},
        {"name": "In-app", "type": "internal_notification"},
    ]


def test_rows_are_numbered_by_their_line_in_the_file(db) -> None:
    text = 'name,type\n\nA,internal_notification\n"B\nsecond line",internal_notification\n,\nD,internal_notification\n'
    assert [row.line for row in imports.read(text, variant="full").rows] == [3, 4, 7]


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_each_delimiter_reads_every_type(db, delimiter: str) -> None:
    text = as_csv([{"name": f"Good {slug}", "type": slug} | REAL[slug] for slug in HANDLER_TYPES], delimiter=delimiter)
    rows = imports.read(text, variant="full").rows
    assert [row.type for row in rows] == list(HANDLER_TYPES) and all(row.ok for row in rows)


def test_headers_and_types_are_read_without_case_or_surrounding_spaces(db) -> None:
    text = "Name,Type, EMAIL \nInbox, EMAIL ,team@example.org\nIn-app,Internal_Notification,\n"
    rows = imports.read(text, variant="full").rows
    assert [row.type for row in rows] == ["email", "internal_notification"]
    assert rows[0].fields == {"name": "Inbox", "type": "email", "email": "team@example.org"} and rows[1].ok


@pytest.mark.parametrize(
    "text",
    ["name,type\n", "Name;Type;Email\r\n", "name\ttype\n\n\n", "name;type;email\r\n;;\r\n ; ; \r\n"],
)
def test_a_file_without_rows_says_there_is_nothing_to_import(editor_client: Client, db, text: str) -> None:
    shown = preview(editor_client, text)
    assert "nothing to import" in shown and "preview-title" not in shown


def test_a_column_the_panel_does_not_know_is_named_and_its_values_unused(editor_client: Client, db) -> None:
    # "owner" is a column of the panel's own (see test_channel_details): "Manager" is not.
    text = "name,type,email,Manager, Team ,\nInbox,email,team@example.org,Ada Lovelace,Ops,stray\n"
    shown = preview(editor_client, text)
    assert "Ignored columns: Manager, Team" in shown and shown.count("Ignored column") == 1
    assert "Ada Lovelace" not in shown and "stray" not in shown
    checked = imports.read(text, variant="full")
    assert checked.ignored_columns == ["Manager", "Team"]
    assert checked.rows[0].fields == {"name": "Inbox", "type": "email", "email": "team@example.org"}
    one = preview(editor_client, "name,type,manager\nIn-app,internal_notification,Ada Lovelace\n")
    assert "Ignored column: manager" in one and "Ada Lovelace" not in one


def test_known_columns_only_name_nothing(editor_client: Client, db) -> None:
    assert "Ignored column" not in preview(editor_client, as_csv([{"name": "In-app", "type": "internal_notification"}]))


def test_counts_read_right_for_one_row_and_for_several(editor_client: Client, db) -> None:
    one = preview(editor_client, "name,type\nIn-app,internal_notification\n")
    assert "1 row checked" in one and "1 row is ready" in one and "Create 1 channel<" in one
    assert "rows" not in one.split('id="preview-title"')[1].split("</section>")[0]
    several = preview(editor_client, "name,type\nA,internal_notification\nB,pigeon\nC,pigeon\n")
    assert "3 rows checked" in several and "1 row is ready" in several and "2 rows have problems" in several
    failing = preview(editor_client, "name,type\nB,pigeon\n")
    assert "1 row checked" in failing and "0 rows are ready" in failing and "1 row has problems" in failing


def test_a_file_made_to_slow_the_delimiter_guess_down_is_answered_at_once(editor_client: Client, db) -> None:
    """The Sniffer takes minutes on a megabyte of this; it reads only the file's beginning."""
    started = time.monotonic()
    shown = preview(editor_client, ';"a' * 300_000)
    assert "at least “name” and “type”" in shown and time.monotonic() - started < 5
