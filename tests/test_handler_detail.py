import pytest
import responses
from django.test import Client

from tests.api import HTMX, LIST_URL, SECRETS, handler_json, one_url, page_json


@pytest.mark.parametrize("slug", list(SECRETS))
def test_no_secret_from_the_api_reaches_any_page(api: responses.RequestsMock, admin_client: Client, slug: str) -> None:
    handler = handler_json(id=3, type=slug, name="Secretive", settings=SECRETS[slug])
    api.get(one_url(3), json={"data": handler})
    api.get(LIST_URL, json=page_json([handler]))
    pages = [
        admin_client.get(url).text
        for url in ("/handlers/", "/handlers/3/", "/handlers/3/edit/", "/handlers/3/duplicate/", "/handlers/3/delete/")
    ]
    pages.append(admin_client.get("/handlers/new/fields/?type=" + slug + "&handler=3", headers=HTMX).text)
    secrets = [v for k, v in SECRETS[slug].items() if k != "telegram_chat_id"]
    for page in pages:
        for secret in secrets:
            assert secret not in page
    assert "••••" in pages[1]


def test_the_detail_page_shows_fields_times_and_role_buttons(
    api: responses.RequestsMock, editor_client: Client, admin_client: Client, viewer_client: Client
) -> None:
    api.get(
        one_url(3),
        json={
            "data": handler_json(
                id=3, type="telegram", settings=SECRETS["telegram"], last_datetime="2026-11-20 08:00:00"
            )
        },
    )
    editor_page = editor_client.get("/handlers/3/").text
    assert "-100555" in editor_page and "••••0003" in editor_page and "<time" in editor_page
    assert (
        "/handlers/3/edit/" in editor_page
        and "/handlers/3/duplicate/" in editor_page
        and "/handlers/3/delete/" not in editor_page
    )
    assert "/handlers/3/delete/" in admin_client.get("/handlers/3/").text
    viewer_page = viewer_client.get("/handlers/3/").text
    assert "/handlers/3/edit/" not in viewer_page and "Switch off" not in viewer_page


def test_a_missing_handler_page_is_a_message_not_a_500(api: responses.RequestsMock, viewer_client: Client) -> None:
    api.get(one_url(404), status=404, json={"errors": [{"title": "Not found", "status": 404}]})
    response = viewer_client.get("/handlers/404/")
    assert response.status_code == 404 and "may have been deleted" in response.text
