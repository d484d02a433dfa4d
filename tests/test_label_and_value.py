"""A label and its value ("Bot token: …") are put together by a translatable pattern, so that French can put its
space before the colon, wherever the panel shows them."""

from django.test import Client
from django.utils import translation

from handlers_admin import server_profile
from handlers_admin.forms import HandlerFilterForm
from tests.helpers import translated

FRENCH = {"%(label)s: %(value)s": "%(label)s\u00a0: %(value)s"}
FR = {"Accept-Language": "fr"}


def test_the_forms_error_summary_puts_french_spacing_before_the_colon(editor_client: Client) -> None:
    posted = {"name": "Ops", "type": "telegram", "telegram": "bad", "telegram_chat_id": "-42", "submit_token": "t"}
    with translated("fr", FRENCH):
        page = editor_client.post("/handlers/new/", posted, headers=FR).text
    assert 'href="#id_telegram">Jeton du bot\u00a0: ' in page


def test_the_audit_filters_errors_put_french_spacing_before_the_colon(viewer_client: Client) -> None:
    with translated("fr", FRENCH):
        page = viewer_client.get("/audit/?date_from=soon", headers=FR).text
    assert "<li>Du\u00a0: Saisissez une date comme 2026-01-31.</li>" in page


def test_the_table_filters_errors_put_french_spacing_before_the_colon() -> None:
    with translated("fr", FRENCH), translation.override("fr"):
        form = HandlerFilterForm({"datetime_start": "soon"}, types=[])
        assert form.shown_errors == ["Créé à partir du\u00a0: Saisissez une date comme 2026-01-31."]


def test_the_types_a_product_refused_put_french_spacing_before_the_colon(admin_client: Client) -> None:
    profile = server_profile.current()
    profile.refused_types = {"twilio": {"at": "2026-01-01T00:00:00+00:00", "words": "Plan limit reached."}}
    profile.save()
    with translated("fr", FRENCH):
        page = admin_client.get("/connection/", headers=FR).text
    assert "<strong>SMS (Twilio)</strong>\u00a0: Plan limit reached.</li>" in page


def test_in_english_the_colon_follows_the_label() -> None:
    form = HandlerFilterForm({"datetime_start": "soon"}, types=[])
    assert form.shown_errors == ["Created from: Enter a date like 2026-01-31."]
