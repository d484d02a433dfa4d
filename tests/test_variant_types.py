"""A channel of a type the server's variant does not list (the basic variant has no Twilio) is shown and can be
deleted, like a type of another product, and the panel refuses to change it before any call."""

import html

import pytest
import responses
from django.test import Client

from tests.api import HTMX, handler_json, one_url

TWILIO = handler_json(id=7, name="CEO's phone", type="twilio", settings={"twilio": "+14155550123"})


@pytest.fixture
def basic(settings, mirrored):
    settings.API_VARIANT = "basic"
    mirrored(TWILIO, handler_json(id=8, name="Ops inbox"))


def test_a_twilio_channel_on_the_basic_variant_refuses_changes_before_any_call(
    basic, api: responses.RequestsMock, editor_client: Client
) -> None:
    switched = editor_client.post("/handlers/7/toggle/", {}, headers=HTMX)
    assert "cannot change channels of type" in html.unescape(switched.text)
    edit = editor_client.get("/handlers/7/edit/")
    assert edit.status_code == 409 and "cannot change channels of type" in html.unescape(edit.text)
    renamed = editor_client.post("/handlers/7/edit/", {"name": "CEO", "type": "twilio", "twilio": "+14155550123"})
    assert renamed.status_code == 409 and "Choose where the notifications should go" not in renamed.text
    assert len(api.calls) == 0
    table = editor_client.get("/handlers/", headers=HTMX).text
    twilio_row = table.split('<td class="opt muted id">7</td>')[1].split("</tr>")[0]
    assert 'role="switch"' not in twilio_row
    assert 'role="switch"' in table.split('<td class="opt muted id">8</td>')[1].split("</tr>")[0]


def test_a_twilio_channel_on_the_basic_variant_can_still_be_seen_and_deleted(
    basic, api: responses.RequestsMock, admin_client: Client
) -> None:
    page = admin_client.get("/handlers/7/")
    assert page.status_code == 200 and "/handlers/7/edit/" not in page.text and "/handlers/7/delete/" in page.text
    api.delete(one_url(7), body="")
    assert admin_client.post("/handlers/7/delete/").status_code == 302


def test_admins_are_told_when_the_variant_does_not_match_the_server(
    basic, admin_client: Client, editor_client: Client
) -> None:
    words = "set to the basic variant of the product's API, but the product lists SMS (Twilio) channels"
    assert words in html.unescape(admin_client.get("/handlers/").text)
    assert words in html.unescape(admin_client.get("/connection/").text)
    assert words not in html.unescape(editor_client.get("/handlers/").text)
