import pytest
import responses
from django.test import Client

from tests.api import HTMX, LIST_URL, SECRETS, handler_json, one_url, page_json


@pytest.mark.parametrize("method", ["get", "post"])
def test_viewers_and_editors_are_refused_delete(
    api: responses.RequestsMock, viewer_client: Client, editor_client: Client, method: str
) -> None:
    for client in (viewer_client, editor_client):
        assert getattr(client, method)("/handlers/3/delete/").status_code == 403
    assert len(api.calls) == 0


def test_delete_confirms_naming_the_handler_then_deletes(api: responses.RequestsMock, admin_client: Client) -> None:
    api.get(one_url(3), json={"data": handler_json(id=3, name="Night shift", type="slack", settings=SECRETS["slack"])})
    dialog = admin_client.get("/handlers/3/delete/", headers=HTMX).text
    assert dialog.lstrip().startswith("<dialog") and "“Night shift” (Slack) will be deleted" in dialog
    page = admin_client.get("/handlers/3/delete/").text
    assert "<html" in page and "Night shift" in page
    api.delete(one_url(3), body="")
    api.get(LIST_URL, json=page_json([]))
    response = admin_client.post("/handlers/3/delete/", follow=True)
    assert response.redirect_chain == [("/handlers/", 302)]
    assert "“Night shift” (Slack) was deleted." in response.text
    assert [c.request.method for c in api.calls].count("DELETE") == 1


def test_an_htmx_delete_redirects_the_browser(api: responses.RequestsMock, admin_client: Client) -> None:
    api.get(one_url(3), json={"data": handler_json(id=3)})
    api.delete(one_url(3), body="")
    response = admin_client.post("/handlers/3/delete/", headers=HTMX)
    assert response["HX-Redirect"] == "/handlers/"


def test_a_refused_htmx_delete_sends_the_browser_back_to_the_handler(
    api: responses.RequestsMock, admin_client: Client
) -> None:
    api.get(one_url(3), json={"data": handler_json(id=3)})
    api.delete(
        one_url(3),
        status=429,
        json={"errors": [{"title": "Too many", "status": 429}]},
        headers={"X-RateLimit-Reset": "9"},
    )
    response = admin_client.post("/handlers/3/delete/", headers=HTMX)
    assert response["HX-Redirect"] == "/handlers/3/"
    assert any("Try again in 9 seconds" in str(m) for m in response.wsgi_request._messages)
