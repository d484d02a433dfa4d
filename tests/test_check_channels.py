"""Checking every channel: `manage.py check_channels` and the "Check all channels" job read the settings with the
list calls only, ask each service a few at a time, keep each finding in the mirror, and tell the admins by one
email, through a real SMTP server, of what newly broke."""

import json
import socket
from collections.abc import Iterator
from email import message_from_bytes
from email.message import Message

import pytest
from aiosmtpd.controller import Controller
from django.core.management import call_command
from django.test import Client

from handlers_admin import jobs, mirror
from handlers_admin.models import Health, Job, JobItem, MirroredHandler
from handlers_admin.roles import Role
from tests.helpers import make_member, run_queued_tasks
from tests.receiver import Receiver, Reply

CHANNELS = 1000
# Every fourth channel of each service is dead.
DEAD_SLACK = {index for index in range(0, CHANNELS, 4) if index % 16 == 0}
DEAD_DISCORD = {index for index in range(1, CHANNELS, 4) if index % 16 == 1}


def _row(index: int) -> dict:
    kind = index % 4
    if kind == 0:
        channel = {
            "type": "slack",
            "settings": {"slack": f"https://hooks.slack.com/services/T{index}/B{index}/t{index}"},
        }
    elif kind == 1:
        channel = {"type": "discord", "settings": {"discord": f"https://discord.com/api/webhooks/{index}/t{index}"}}
    elif kind == 2:
        channel = {"type": "twilio", "settings": {"twilio": "+14155552671" if index % 8 == 2 else "+4812345"}}
    else:
        channel = {"type": "internal_notification", "settings": {}}
    return channel | {
        "name": f"Channel {index}",
        "is_enabled": 1,
        "last_datetime": None,
        "datetime": "2026-01-01 00:00:00",
    }


def _play_the_services(receiver: Receiver) -> None:
    """Slack refuses an empty post to a live webhook as empty; Discord describes a live webhook."""
    receiver.status, receiver.body = 400, b"no_text"
    for index in range(0, CHANNELS, 4):
        if index in DEAD_SLACK:
            receiver.routes[f"/services/T{index}/B{index}/t{index}"] = Reply(404, b"no_service")
    for index in range(1, CHANNELS, 4):
        dead = index in DEAD_DISCORD
        body = {"message": "Unknown Webhook", "code": 10015} if dead else {"id": str(index), "name": "alerts"}
        receiver.routes[f"/api/webhooks/{index}/t{index}"] = Reply(404 if dead else 200, json.dumps(body).encode())
    receiver.delay = 0.002


class Mailbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server, session, envelope) -> str:
        message = message_from_bytes(envelope.content)
        message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        self.messages.append(message)
        return "250 OK"


@pytest.fixture
def mailbox(settings) -> Iterator[Mailbox]:
    """A real SMTP server on loopback, and the panel's email pointed at it."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 5},
        }
    }
    try:
        yield box
    finally:
        controller.stop()


@pytest.fixture
def account(db, sandbox, receiver, settings):
    """1,000 channels in the sandbox, copied into the mirror; the receiver plays Slack and Discord."""
    server = sandbox(seed=False)
    server.app.store.replace_all([_row(index) for index in range(CHANNELS)])
    mirror.refresh()
    _play_the_services(receiver)
    settings.CHECK_PER_HOST = 3
    return server


def _text(message: Message) -> str:
    return message.get_payload(decode=True).decode()


def _run_command() -> int:
    try:
        call_command("check_channels")
    except SystemExit as stopped:
        return int(stopped.code or 0)
    return 0


def test_check_channels_costs_one_call_asks_a_few_at_a_time_and_emails_exactly_what_broke(
    account, receiver: Receiver, mailbox: Mailbox, capsys
) -> None:
    make_member("ada", Role.ADMIN)
    make_member("vera", Role.VIEWER)
    calls_before = len(account.app.requests)

    assert _run_command() == 1

    assert len(account.app.requests) - calls_before == 1
    assert 2 <= receiver.most_at_once["hooks.slack.com"] <= 3 and receiver.most_at_once["discord.com"] <= 3
    broken = set(MirroredHandler.objects.filter(health=Health.BROKEN).values_list("name", flat=True))
    dead_numbers = {f"Channel {index}" for index in range(2, CHANNELS, 4) if index % 8 != 2}
    expected = {f"Channel {index}" for index in DEAD_SLACK | DEAD_DISCORD} | dead_numbers
    assert broken == expected
    assert MirroredHandler.objects.filter(health=Health.WORKING).count() == CHANNELS - len(expected)
    # Nothing was delivered: Slack got only empty objects, Discord only reads.
    assert {request["body"] for request in receiver.requests if "/services/" in request["path"]} == {b"{}"}
    assert {request["method"] for request in receiver.requests if "/webhooks/" in request["path"]} == {"GET"}

    [message] = mailbox.messages
    assert message["X-Envelope-To"] == "ada@example.com"
    text = _text(message)
    named = {line.split("“")[1].split("”")[0] for line in text.splitlines() if line.startswith("- “")}
    assert named == expected
    assert "Slack says" in text and "Unknown Webhook" in text
    printed = capsys.readouterr().out
    assert f"Checked {CHANNELS} channels" in printed and "Newly broken: “Channel 0”" in printed

    # The same account again: nothing newly broken, so no email and a zero exit.
    assert _run_command() == 0 and len(mailbox.messages) == 1


def test_a_channel_that_works_again_is_named_in_the_next_report(
    account, receiver: Receiver, mailbox: Mailbox, settings
) -> None:
    settings.HEALTH_REPORT_TO = ["ops@example.com"]
    assert _run_command() == 1
    receiver.routes["/services/T0/B0/t0"] = Reply(400, b"no_text")
    receiver.routes["/services/T4/B4/t4"] = Reply(404, b"no_service")
    assert _run_command() == 1
    text = _text(mailbox.messages[-1])
    assert mailbox.messages[-1]["X-Envelope-To"] == "ops@example.com"
    assert "“Channel 4”" in text and "1 channel works again" in text and text.count("“Channel 0”") == 1
    assert text.index("works again") < text.index("“Channel 0”")


def test_check_all_channels_runs_as_a_job_in_the_worker(
    account, receiver: Receiver, mailbox: Mailbox, editor_client: Client, django_capture_on_commit_callbacks
) -> None:
    client = editor_client
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post("/handlers/check/")
    job = Job.objects.get()
    assert started.status_code == 302 and started["Location"] == f"/jobs/{job.pk}/" and job.kind == Job.Kind.CHECK
    # A second press while it waits shows the same job rather than starting another.
    assert client.post("/handlers/check/")["Location"] == f"/jobs/{job.pk}/" and Job.objects.count() == 1
    assert run_queued_tasks() == ["run_job"]
    job.refresh_from_db()
    assert job.status == Job.Status.DONE
    assert job.items.filter(outcome=JobItem.Outcome.DONE).count() == CHANNELS
    item = job.items.get(name="Channel 0")
    assert item.message.startswith("Broken: Slack says")
    page = client.get(f"/jobs/{job.pk}/").text
    assert "Check every channel" in page and "Broken: Slack says" in page


def test_a_viewer_cannot_start_a_check(viewer_client: Client) -> None:
    assert viewer_client.post("/handlers/check/").status_code == 403
    assert Job.objects.count() == 0


def test_a_cancelled_check_stops_soon_and_leaves_the_rest_undone(account, receiver: Receiver, editor) -> None:
    job = jobs.start_check(editor)
    Job.objects.filter(pk=job.pk).update(cancel_requested=True)
    jobs.process(job.pk)
    job.refresh_from_db()
    done = job.items.filter(outcome=JobItem.Outcome.DONE).count()
    assert job.status == Job.Status.CANCELLED
    assert jobs.CANCEL_LOOK_EVERY - 1 <= done < CHANNELS
    assert job.items.filter(outcome=JobItem.Outcome.CANCELLED).count() == CHANNELS - done
