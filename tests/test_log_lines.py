"""The log: one line an event, naming the member; JSON when asked; never a secret; refusals without tracebacks."""

import io
import json
import logging

import pytest
import responses
from django.test import Client
from django.utils.module_loading import import_string

from handlers_admin.log_lines import JsonLines
from tests.api import HTMX, handler_json, one_url


@pytest.fixture
def log_output(settings):
    """What the console handler declared in settings writes, into a buffer."""
    declared = settings.LOGGING
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(logging.Formatter(declared["formatters"]["line"]["format"]))
    for name in declared["handlers"]["console"]["filters"]:
        handler.addFilter(import_string(declared["filters"][name]["()"])())
    loggers = [logging.getLogger(), logging.getLogger("django")]
    for logger in loggers:
        logger.addHandler(handler)
    yield buffer
    for logger in loggers:
        logger.removeHandler(handler)


def test_a_refusal_for_a_role_is_one_line_naming_the_member(viewer_client: Client, log_output: io.StringIO) -> None:
    assert viewer_client.get("/handlers/new/").status_code == 403
    lines = log_output.getvalue().splitlines()
    refused = [line for line in lines if "Forbidden" in line]
    assert len(refused) == 1 and "member=vera" in refused[0]
    assert "Traceback" not in log_output.getvalue()


def test_an_action_is_one_line_with_the_member_the_call_and_its_outcome(
    api: responses.RequestsMock, mirrored, editor_client: Client, log_output: io.StringIO, settings
) -> None:
    secret = "https://hooks.slack.com/services/T1/B1/NEVER-IN-THE-LOG"
    mirrored(handler_json(id=4, type="slack", settings={"slack": secret}))
    api.post(one_url(4), json={"data": {"id": 4}})
    editor_client.post("/handlers/4/toggle/", {}, headers=HTMX)
    text = log_output.getvalue()
    lines = text.splitlines()
    assert any("member=eddie" in line and "API POST /notification-handlers/4 -> 200 in" in line for line in lines)
    assert any("member=eddie" in line and "action=disable handler=4 outcome=done" in line for line in lines)
    assert secret not in text and settings.API_KEY not in text


def test_json_lines_carry_the_same_facts() -> None:
    message = ("API %s -> %s", ("GET /x", 200))
    record = logging.LogRecord("handlers_admin.client", logging.INFO, __file__, 1, *message, None)
    record.member = "eddie"
    line = json.loads(JsonLines().format(record))
    assert (line["level"], line["logger"], line["member"], line["message"]) == (
        "INFO",
        "handlers_admin.client",
        "eddie",
        "API GET /x -> 200",
    )
