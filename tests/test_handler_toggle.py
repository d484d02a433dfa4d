import re

import pytest
import responses
from django.test import Client

from tests.api import HTMX, handler_json, one_url, sent_fields


@pytest.mark.parametrize(("checked", "sent"), [(True, "1"), (False, "0")])
def test_a_toggle_makes_exactly_one_api_call(
    api: responses.RequestsMock, editor_client: Client, mirrored, checked: bool, sent: str
) -> None:
    mirrored(handler_json(id=7, name="Ops", type="slack", is_enabled=0 if checked else 1))
    api.post(one_url(7), json={"data": {"id": 7}})
    data = {"enabled": "on"} if checked else {}
    response = editor_client.post("/handlers/7/toggle/", data, headers=HTMX)
    assert len(api.calls) == 1 and sent_fields(api.calls[0].request) == {"type": "slack", "is_enabled": sent}
    assert response.text.lstrip().startswith('<form class="toggle"')
    assert ("checked" in response.text) is checked
    assert 'aria-label="Enabled: Ops"' in response.text


def test_a_toggle_takes_the_state_from_the_answer_when_there_is_one(
    api: responses.RequestsMock, editor_client: Client, mirrored
) -> None:
    mirrored(handler_json(id=7, is_enabled=0))
    api.post(one_url(7), json={"data": handler_json(id=7, is_enabled=2)})
    response = editor_client.post("/handlers/7/toggle/", {"enabled": "on"}, headers=HTMX)
    assert "Waiting for confirmation" in response.text


def test_a_failed_toggle_shows_the_true_state_and_the_error(
    api: responses.RequestsMock, editor_client: Client, mirrored
) -> None:
    mirrored(handler_json(id=7, name="Ops", type="slack", is_enabled=1))
    api.post(one_url(7), status=404, json={"errors": [{"title": "Not found", "status": 404}]})
    response = editor_client.post("/handlers/7/toggle/", {}, headers=HTMX)
    assert response.status_code == 200
    assert "checked" in response.text and "may have been deleted" in response.text


def test_viewers_cannot_toggle(api: responses.RequestsMock, viewer_client: Client) -> None:
    assert viewer_client.post("/handlers/7/toggle/", {"enabled": "on"}, headers=HTMX).status_code == 403
    assert len(api.calls) == 0


def test_a_toggle_without_javascript_redirects_with_a_message(
    api: responses.RequestsMock, editor_client: Client, mirrored
) -> None:
    mirrored(handler_json(id=7, name="Ops", type="slack", settings={"slack": "https://hooks.slack.com/x"}))
    api.post(one_url(7), json={"data": {"id": 7}})
    response = editor_client.post(
        "/handlers/7/toggle/", {"name": "Ops", "type": "slack", "was": "1", "next": "/handlers/7/"}, follow=False
    )
    assert response.status_code == 302 and response["Location"] == "/handlers/7/"
    response = editor_client.post("/handlers/7/toggle/", {"name": "Ops", "was": "1", "next": "https://evil.example/"})
    assert response["Location"] == "/handlers/"


def test_toggles_need_the_csrf_token(editor) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    assert client.post("/handlers/7/toggle/", {"enabled": "on"}, headers=HTMX).status_code == 403


def test_a_handler_the_mirror_does_not_know_is_read_first(api: responses.RequestsMock, editor_client: Client) -> None:
    api.get(one_url(7), json={"data": handler_json(id=7, name="New upstream", type="slack", settings={"slack": "x"})})
    api.post(one_url(7), json={"data": {"id": 7}})
    response = editor_client.post("/handlers/7/toggle/", {"enabled": "on"}, headers=HTMX)
    assert [call.request.method for call in api.calls] == ["GET", "POST"]
    assert 'aria-label="Enabled: New upstream"' in response.text


def test_a_switched_row_that_leaves_the_filters_says_so_and_paging_keeps_its_place(
    api: responses.RequestsMock, editor_client: Client, mirrored
) -> None:
    mirrored(*[handler_json(id=i, name=f"H{i:02d}", type="slack", settings={"slack": "x"}) for i in range(1, 31)])
    api.post(one_url(30), json={"data": {"id": 30}})
    shown = ",".join(str(i) for i in range(30, 20, -1))
    data = {"is_enabled": "1", "results_per_page": "10", "shown": shown, "page": "1", "shift": "0"}
    response = editor_client.post("/handlers/30/toggle/", data, headers=HTMX)
    assert "No longer matches the filters" in response.text
    assert 'id="pager" hx-swap-oob="true"' in response.text
    next_link = re.search(r'href="([^"]+)"[^>]*>Next<', response.text)[1]
    assert "shift=1" in next_link and "page=2" in next_link and "is_enabled=1" in next_link


def test_a_switch_the_budget_refuses_says_when_to_try_again_and_its_history_stays_true_later(
    api: responses.RequestsMock, editor_client: Client, mirrored, settings
) -> None:
    settings.API_RATE_LIMIT = 1
    mirrored(handler_json(id=7, name="Ops", type="slack", is_enabled=1))
    api.post(one_url(7), json={"data": {"id": 7}})
    editor_client.post("/handlers/7/toggle/", {}, headers=HTMX)
    refused = editor_client.post("/handlers/7/toggle/", {"enabled": "on"}, headers=HTMX)
    assert len(api.calls) == 1 and re.search(r"Try again in \d+ seconds?\.", refused.text)
    history = editor_client.get("/handlers/7/").text
    assert "Not sent: the team had used all the requests the product allowed in that minute." in history
    assert "Try again in" not in history
