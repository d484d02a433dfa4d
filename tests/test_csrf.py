from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse


def test_csrf_is_enforced_on_posts(viewer: User) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(viewer)
    assert client.post(reverse("account_logout")).status_code == 403


def test_the_csrf_token_rides_on_the_body_for_htmx(viewer_client: Client) -> None:
    page = viewer_client.get(reverse("handler_list")).text
    assert 'hx-headers=\'{"X-CSRFToken": "' in page


def test_an_expired_form_says_what_to_do(viewer: User) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(viewer)
    response = client.post("/accounts/logout/")
    assert response.status_code == 403 and "This form had expired" in response.text
