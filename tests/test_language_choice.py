from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from handlers_admin.models import MemberSettings
from tests.api import handler_json
from tests.helpers import PASSWORD

pytestmark = pytest.mark.django_db


def test_the_browsers_language_is_the_default(viewer_client: Client) -> None:
    response = viewer_client.get("/handlers/", HTTP_ACCEPT_LANGUAGE="pl-PL,pl;q=0.9,en;q=0.5")
    assert '<html lang="pl">' in response.text and "Kanały powiadomień" in response.text
    assert response["Content-Language"] == "pl"
    english = viewer_client.get("/handlers/", HTTP_ACCEPT_LANGUAGE="ja")
    assert '<html lang="en">' in english.text and "Notification channels" in english.text


def test_the_menu_names_each_language_in_itself_whatever_the_page_speaks(client: Client) -> None:
    text = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="de").text
    for code, name in (("fr", "Français"), ("pl", "Polski"), ("de", "Deutsch"), ("es", "Español"), ("en", "English")):
        assert f'value="{code}" lang="{code}"' in text and f">{name}</button>" in text
    assert '<span class="sr-only">Sprache: </span><span lang="de">Deutsch</span>' in text


def test_a_choice_before_sign_in_is_kept_in_a_cookie(client: Client) -> None:
    response = client.post("/language/", {"language": "es", "next": "/accounts/login/"})
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert client.cookies["django_language"].value == "es"
    assert "Iniciar sesión" in client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="de").text


def test_a_members_choice_is_kept_on_their_account_for_the_next_sign_in_anywhere(viewer: User) -> None:
    laptop = Client()
    laptop.post("/accounts/login/", {"login": viewer.username, "password": PASSWORD})
    laptop.post("/language/", {"language": "fr", "next": "/handlers/"})
    assert MemberSettings.objects.get(user=viewer).language == "fr"
    assert "Canaux de notification" in laptop.get("/handlers/", HTTP_ACCEPT_LANGUAGE="de").text

    phone = Client()  # no cookie: the browser asks for German
    signed_in = phone.post(
        "/accounts/login/", {"login": viewer.username, "password": PASSWORD}, HTTP_ACCEPT_LANGUAGE="de", follow=True
    )
    assert '<html lang="fr">' in signed_in.text and "Canaux de notification" in signed_in.text


def test_an_unknown_language_or_a_foreign_next_changes_nothing_and_fails_nothing(viewer_client: Client) -> None:
    response = viewer_client.post("/language/", {"language": "xx", "next": "https://elsewhere.example/"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert "django_language" not in viewer_client.cookies
    assert not MemberSettings.objects.exists()


def test_the_menu_needs_a_post(client: Client) -> None:
    assert client.get("/language/?language=fr").status_code == 405


def test_times_and_dates_follow_the_language(viewer_client: Client, mirrored) -> None:
    created = timezone.now() - timedelta(days=3, hours=1)
    mirrored(handler_json(id=5, name="Inbox", datetime=created.strftime("%Y-%m-%d %H:%M:%S")))
    french = viewer_client.get("/handlers/", HTTP_ACCEPT_LANGUAGE="fr").text
    polish = viewer_client.get("/handlers/", HTTP_ACCEPT_LANGUAGE="pl").text
    assert "il y a 3 jours" in french and "3 dni temu" in polish
