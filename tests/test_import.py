"""Importing handlers from CSV: the preview checks every row with the registry, then a job creates them."""

import csv
import io

import pytest
import responses
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client

from handlers_admin import imports, jobs
from handlers_admin.handler_types import HANDLER_TYPES
from handlers_admin.models import AuditEntry, Job, JobItem
from tests.api import CREATE_URL, SECRETS, VALID, handler_json, sent_fields

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


def as_csv(rows: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=imports.IMPORT_COLUMNS)
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def test_the_template_has_one_valid_example_row_per_type(editor_client: Client, db) -> None:
    text = editor_client.get("/handlers/import/template.csv").content.decode()
    rows = imports.read(text, variant="full")
    assert [row.type for row in rows] == list(HANDLER_TYPES) and all(row.ok for row in rows)


@pytest.mark.parametrize("slug", list(HANDLER_TYPES))
def test_the_preview_accepts_a_good_row_and_explains_a_bad_one_for_every_type(db, slug: str) -> None:
    good = {"name": f"Good {slug}", "type": slug} | VALID[slug]
    rows = [good]
    if slug in BAD:
        rows.append({"name": f"Bad {slug}", "type": slug} | BAD[slug])
    checked = imports.read(as_csv(rows), variant="full")
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
    )
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
            {"name": "Inbox", "type": "email"} | VALID["email"],
            {"name": "Broken", "type": "email", "email": "nope"},
        ]
    )
    upload = SimpleUploadedFile("channels.csv", text.encode(), content_type="text/csv")
    preview = editor_client.post("/handlers/import/", {"action": "preview", "file": upload})
    assert "2 of 3 rows are ready" in preview.text and "Create 2 channels" in preview.text
    assert secret not in preview.text
    key = preview.text.split('name="key" value="')[1].split('"')[0]

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
    assert AuditEntry.objects.filter(job=job, action="create").count() == 2
    again = editor_client.post("/handlers/import/", {"action": "create", "key": key}, follow=True)
    assert "waited too long" in again.text and Job.objects.count() == 1


def test_viewers_cannot_import(viewer_client: Client, db) -> None:
    assert viewer_client.get("/handlers/import/").status_code == 403
    assert viewer_client.get("/handlers/import/template.csv").status_code == 403
