import re

import pytest
import responses
from django.test import Client, override_settings
from hypothesis import given
from hypothesis import strategies as st

from handlers_admin.forms import HandlerForm
from handlers_admin.types import HANDLER_TYPES
from tests.api import CREATE_URL, LIST_URL, handler_json, one_url, page_json, sent_fields

HTMX = {"HX-Request": "true"}
VALID = {
    "email": {"email": "ops@example.com"},
    "webhook": {"webhook": "https://example.com/hooks/alerts"},
    "slack": {"slack": "https://hooks.slack.com/services/T0001/B0001/abcdefgh"},
    "discord": {"discord": "https://discord.com/api/webhooks/123/abcDEF"},
    "telegram": {"telegram": "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw", "telegram_chat_id": "-1001234567890"},
    "microsoft_teams": {"microsoft_teams": "https://contoso.webhook.office.com/webhookb2/abc"},
    "twilio": {"twilio": "+14155550123"},
    "x": {"x_consumer_key": "ck-123456", "x_consumer_secret": "cs-123456", "x_access_token": "at-123456", "x_access_token_secret": "ats-123456"},
    "google_chat": {"google_chat": "https://chat.googleapis.com/v1/spaces/AAAA/messages?key=k&token=t"},
    "internal_notification": {},
}
SECRETS = {
    "webhook": {"webhook": "https://example.com/hooks/SECRET-webhook-0001"},
    "slack": {"slack": "https://hooks.slack.com/services/T1/B1/SECRETslack0002"},
    "telegram": {"telegram": "987654321:SECRETtelegramtokenvalue0003", "telegram_chat_id": "-100555"},
    "x": {"x_consumer_key": "SECRETck0004", "x_consumer_secret": "SECRETcs0005", "x_access_token": "SECRETat0006",
          "x_access_token_secret": "SECRETats0007"},
}


@pytest.fixture
def api():
    with responses.RequestsMock() as mock:
        yield mock


def test_every_type_of_the_registry_has_a_valid_example() -> None:
    assert set(VALID) == set(HANDLER_TYPES)


@pytest.mark.parametrize("slug", list(VALID))
def test_create_every_type_sends_exactly_its_fields(api: responses.RequestsMock, editor_client: Client, slug: str) -> None:
    api.post(CREATE_URL, json={"data": {"id": 77}}, status=201)
    other = {"email": "stray@example.com"} if slug != "email" else {"webhook": "https://stray.example.com"}
    response = editor_client.post("/handlers/new/", {"name": f"My {slug}", "type": slug, "submit_token": f"t-{slug}"} | VALID[slug] | other)
    assert response.status_code == 302 and response["Location"] == "/handlers/77/"
    assert sent_fields(api.calls[0].request) == {"name": f"My {slug}", "type": slug} | VALID[slug]


@pytest.mark.parametrize(("slug", "field", "bad", "message"), [
    ("email", "email", "not-an-address", "Enter an email address"),
    ("webhook", "webhook", "http://example.com/hook", "starts with https://"),
    ("slack", "slack", "https://example.com/services/x", "not a Slack webhook address. It should look like https://hooks.slack.com/"),
    ("discord", "discord", "https://hooks.slack.com/services/x", "not a Discord webhook address"),
    ("microsoft_teams", "microsoft_teams", "https://teams.example.com/x", "not a Microsoft Teams webhook address"),
    ("google_chat", "google_chat", "https://chat.example.com/v1", "not a Google Chat webhook address"),
    ("telegram", "telegram", "just-a-token", "A bot token looks like"),
    ("telegram", "telegram_chat_id", "my chat", "numeric chat ID"),
    ("twilio", "twilio", "0415 555 0123", "international format"),
    ("x", "x_access_token", "has spaces in it", "no spaces"),
    ("webhook", "webhook", "https://example.com/" + "a" * 520, "at most 512 characters"),
    ("twilio", "twilio", "+1" + "2" * 31, "at most 32 characters"),
])
def test_each_rule_rejects_with_a_message_next_to_its_field(slug: str, field: str, bad: str, message: str) -> None:
    form = HandlerForm({"name": "n", "type": slug} | VALID[slug] | {field: bad})
    assert not form.is_valid()
    assert message in " ".join(form.errors[field])
    assert set(form.errors) == {field}


@pytest.mark.parametrize(("slug", "field", "good", "stored"), [
    ("twilio", "twilio", "+44 20 7946 0958", "+442079460958"),
    ("telegram", "telegram_chat_id", "@alerts_channel", "@alerts_channel"),
    ("telegram", "telegram_chat_id", "42", "42"),
    ("discord", "discord", "https://discordapp.com/api/webhooks/1/x", "https://discordapp.com/api/webhooks/1/x"),
    ("microsoft_teams", "microsoft_teams", "https://prod-01.westus.logic.azure.com/workflows/x", "https://prod-01.westus.logic.azure.com/workflows/x"),
])
def test_each_rule_accepts_what_people_really_paste(slug: str, field: str, good: str, stored: str) -> None:
    form = HandlerForm({"name": "n", "type": slug} | VALID[slug] | {field: good})
    assert form.is_valid(), form.errors
    assert form.api_fields()[field] == stored


@pytest.mark.parametrize("slug", [s for s in VALID if VALID[s]])
def test_every_field_of_the_chosen_type_is_needed(slug: str) -> None:
    form = HandlerForm({"name": "n", "type": slug})
    assert not form.is_valid()
    assert set(form.errors) == set(VALID[slug])
    assert all("needs this" in " ".join(errors) for errors in form.errors.values())


def test_the_name_and_type_are_needed() -> None:
    form = HandlerForm({"name": " "})
    assert not form.is_valid() and set(form.errors) == {"name", "type"}


@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_any_numeric_chat_id_is_accepted(chat_id: int) -> None:
    assert HandlerForm({"name": "n", "type": "telegram"} | VALID["telegram"] | {"telegram_chat_id": str(chat_id)}).is_valid()


@given(st.from_regex(r"\+[1-9][0-9]{6,14}", fullmatch=True))
def test_any_e164_number_is_accepted(number: str) -> None:
    assert HandlerForm({"name": "n", "type": "twilio", "twilio": number}).is_valid()


@given(st.text(alphabet=st.characters(blacklist_characters="@"), max_size=40))
def test_nothing_without_an_at_sign_is_an_email(text: str) -> None:
    assert not HandlerForm({"name": "n", "type": "email", "email": text}).is_valid()


def test_a_rejected_form_keeps_everything_typed(editor_client: Client) -> None:
    response = editor_client.post("/handlers/new/", {"name": "Café “ops”", "type": "telegram", "telegram": "bad", "telegram_chat_id": "-42", "submit_token": "t"})
    assert response.status_code == 200
    text = response.text
    assert 'value="Café “ops”"' in text and 'value="bad"' in text and 'value="-42"' in text
    assert re.search(r'value="telegram"[^>]*checked', text)
    assert "A bot token looks like" in text


def test_an_api_refusal_is_a_form_error_not_a_sign_out(api: responses.RequestsMock, editor_client: Client) -> None:
    api.post(CREATE_URL, status=401, json={"errors": [{"title": "You must fill all the required fields.", "status": 401}]})
    response = editor_client.post("/handlers/new/", {"name": "Ops", "type": "email", "email": "ops@example.com", "submit_token": "t1"})
    assert response.status_code == 200
    assert "You must fill all the required fields." in response.text and 'value="ops@example.com"' in response.text
    assert editor_client.get("/handlers/new/").status_code == 200
    api.post(CREATE_URL, json={"data": {"id": 5}}, status=201)
    assert editor_client.post("/handlers/new/", {"name": "Ops", "type": "email", "email": "ops@example.com", "submit_token": "t1"}).status_code == 302


def test_a_double_submit_creates_once(api: responses.RequestsMock, editor_client: Client) -> None:
    api.post(CREATE_URL, json={"data": {"id": 31}}, status=201)
    data = {"name": "Ops", "type": "email", "email": "ops@example.com", "submit_token": "same-token"}
    first = editor_client.post("/handlers/new/", data)
    second = editor_client.post("/handlers/new/", data)
    assert len(api.calls) == 1
    assert first["Location"] == second["Location"] == "/handlers/31/"
    messages = [str(m) for m in second.wsgi_request._messages]
    assert any("already sent once" in m for m in messages)


def test_the_type_fields_partial_shows_only_the_chosen_type(editor_client: Client) -> None:
    response = editor_client.get("/handlers/new/fields/?type=telegram&name=x&telegram_chat_id=-5", headers=HTMX)
    text = response.text
    assert text.lstrip().startswith('<div id="type-fields"')
    assert 'name="telegram"' in text and 'name="telegram_chat_id"' in text and 'value="-5"' in text
    assert 'name="email"' not in text and 'name="slack"' not in text
    assert "errorlist" not in text


def test_without_a_type_every_type_is_shown_grouped(editor_client: Client) -> None:
    text = editor_client.get("/handlers/new/").text
    for fields in VALID.values():
        for field in fields:
            assert f'name="{field}"' in text
    assert text.count('<fieldset class="nojs-only">') == len(VALID)


@override_settings(API_VARIANT="basic")
def test_the_basic_variant_does_not_offer_twilio(editor_client: Client) -> None:
    text = editor_client.get("/handlers/new/").text
    assert 'value="twilio"' not in text and 'name="twilio"' not in text
    assert not HandlerForm({"name": "n", "type": "twilio", "twilio": "+14155550123"}, variant="basic").is_valid()


def test_a_blank_secret_on_edit_keeps_the_stored_value(api: responses.RequestsMock, editor_client: Client) -> None:
    stored = handler_json(id=4, type="telegram", name="Bot", settings=SECRETS["telegram"])
    api.get(one_url(4), json={"data": stored})
    page = editor_client.get("/handlers/4/edit/").text
    assert SECRETS["telegram"]["telegram"] not in page and "Leave blank to keep the current value (••••0003)" in page
    api.post(one_url(4), json={"data": {"id": 4}})
    api.get(one_url(4), json={"data": stored | {"settings": {**SECRETS["telegram"], "telegram_chat_id": "-100777"}}})
    response = editor_client.post("/handlers/4/edit/", {"name": "Bot", "type": "telegram", "telegram": "", "telegram_chat_id": "-100777"})
    assert response.status_code == 302
    post = next(c for c in api.calls if c.request.method == "POST")
    # Real servers blank a setting left out, so the kept token travels with the changed chat id.
    assert sent_fields(post.request) == {"telegram": SECRETS["telegram"]["telegram"], "telegram_chat_id": "-100777"}


def test_an_edit_sends_only_what_changed(api: responses.RequestsMock, editor_client: Client) -> None:
    stored = handler_json(id=4, type="slack", name="Old", settings=SECRETS["slack"])
    api.get(one_url(4), json={"data": stored})
    api.post(one_url(4), json={"data": {"id": 4}})
    api.get(one_url(4), json={"data": stored | {"name": "New"}})
    editor_client.post("/handlers/4/edit/", {"name": "New", "type": "slack", "slack": ""})
    post = next(c for c in api.calls if c.request.method == "POST")
    assert sent_fields(post.request) == {"name": "New"}


def test_an_edit_changing_nothing_calls_nothing(api: responses.RequestsMock, editor_client: Client) -> None:
    api.get(one_url(4), json={"data": handler_json(id=4)})
    response = editor_client.post("/handlers/4/edit/", {"name": "Work email", "type": "email", "email": "hey@example.com"}, follow=True)
    assert "Nothing was changed." in response.text
    assert all(c.request.method == "GET" for c in api.calls)


def test_a_changed_type_asks_for_the_new_types_fields(api: responses.RequestsMock, editor_client: Client) -> None:
    api.get(one_url(4), json={"data": handler_json(id=4, type="slack", settings=SECRETS["slack"])})
    response = editor_client.post("/handlers/4/edit/", {"name": "Ops", "type": "discord", "discord": ""})
    assert response.status_code == 200 and "Discord needs this." in response.text
    assert "The type changes to Discord" in response.text
    api.post(one_url(4), json={"data": {"id": 4}})
    api.get(one_url(4), json={"data": handler_json(id=4, name="Ops", type="discord", settings=VALID["discord"])})
    editor_client.post("/handlers/4/edit/", {"name": "Ops", "type": "discord"} | VALID["discord"])
    post = next(c for c in api.calls if c.request.method == "POST")
    assert sent_fields(post.request) == {"name": "Ops", "type": "discord"} | VALID["discord"]


def test_the_read_back_says_exactly_what_differs(api: responses.RequestsMock, editor_client: Client) -> None:
    stored = handler_json(id=4, type="slack", name="Old", settings=SECRETS["slack"])
    api.get(one_url(4), json={"data": stored})
    api.post(one_url(4), json={"data": {"id": 4}})
    changed = {"name": "Mangled", "type": "webhook", "settings": {"webhook": "https://elsewhere.example/SECRETz"}}
    api.get(one_url(4), json={"data": stored | changed})
    response = editor_client.post("/handlers/4/edit/", {"name": "New", "type": "slack", "slack": "https://hooks.slack.com/services/T9/B9/newSECRET999"}, follow=True)
    text = response.text
    assert "the server stored something other than what was sent" in text
    assert "Name: sent “New”, stored “Mangled”" in text
    assert "Slack webhook URL: a different value was stored" in text
    assert "newSECRET999" not in text and "SECRETz" not in text


def test_an_edit_of_a_deleted_handler_says_so_and_keeps_the_form(api: responses.RequestsMock, editor_client: Client) -> None:
    api.get(one_url(4), json={"data": handler_json(id=4)})
    api.post(one_url(4), status=404, json={"errors": [{"title": "Not found", "status": 404}]})
    response = editor_client.post("/handlers/4/edit/", {"name": "Renamed", "type": "email", "email": "hey@example.com"})
    assert response.status_code == 200
    assert "deleted while you were editing it" in response.text and 'value="Renamed"' in response.text


def test_duplicate_prefills_everything_but_secrets(api: responses.RequestsMock, editor_client: Client) -> None:
    api.get(one_url(9), json={"data": handler_json(id=9, name="Bot", type="telegram", settings=SECRETS["telegram"])})
    text = editor_client.get("/handlers/9/duplicate/").text
    assert 'value="Copy of Bot"' in text and 'value="-100555"' in text
    assert re.search(r'value="telegram"[^>]*checked', text)
    assert SECRETS["telegram"]["telegram"] not in text and 'name="submit_token"' in text


@pytest.mark.parametrize("slug", list(SECRETS))
def test_no_secret_from_the_api_reaches_any_page(api: responses.RequestsMock, admin_client: Client, slug: str) -> None:
    handler = handler_json(id=3, type=slug, name="Secretive", settings=SECRETS[slug])
    api.get(one_url(3), json={"data": handler})
    api.get(LIST_URL, json=page_json([handler]))
    pages = [admin_client.get(url).text for url in ("/handlers/", "/handlers/3/", "/handlers/3/edit/", "/handlers/3/duplicate/", "/handlers/3/delete/")]
    pages.append(admin_client.get("/handlers/new/fields/?type=" + slug + "&handler=3", headers=HTMX).text)
    secrets = [v for k, v in SECRETS[slug].items() if k != "telegram_chat_id"]
    for page in pages:
        for secret in secrets:
            assert secret not in page
    assert "••••" in pages[1]


def test_the_detail_page_shows_fields_times_and_role_buttons(api: responses.RequestsMock, editor_client: Client, admin_client: Client, viewer_client: Client) -> None:
    api.get(one_url(3), json={"data": handler_json(id=3, type="telegram", settings=SECRETS["telegram"], last_datetime="2026-11-20 08:00:00")})
    editor_page = editor_client.get("/handlers/3/").text
    assert "-100555" in editor_page and "••••0003" in editor_page and "<time" in editor_page
    assert "/handlers/3/edit/" in editor_page and "/handlers/3/duplicate/" in editor_page and "/handlers/3/delete/" not in editor_page
    assert "/handlers/3/delete/" in admin_client.get("/handlers/3/").text
    viewer_page = viewer_client.get("/handlers/3/").text
    assert "/handlers/3/edit/" not in viewer_page and "Switch off" not in viewer_page


@pytest.mark.parametrize("method", ["get", "post"])
def test_viewers_and_editors_are_refused_delete(api: responses.RequestsMock, viewer_client: Client, editor_client: Client, method: str) -> None:
    for client in (viewer_client, editor_client):
        assert getattr(client, method)("/handlers/3/delete/").status_code == 403
    assert len(api.calls) == 0


@pytest.mark.parametrize("url", ["/handlers/new/", "/handlers/3/edit/", "/handlers/3/duplicate/", "/handlers/new/fields/"])
def test_viewers_cannot_create_or_edit(api: responses.RequestsMock, viewer_client: Client, url: str) -> None:
    assert viewer_client.get(url).status_code == 403
    assert viewer_client.post(url, {"name": "x", "type": "email"}).status_code == 403


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


def test_a_missing_handler_page_is_a_message_not_a_500(api: responses.RequestsMock, viewer_client: Client) -> None:
    api.get(one_url(404), status=404, json={"errors": [{"title": "Not found", "status": 404}]})
    response = viewer_client.get("/handlers/404/")
    assert response.status_code == 404 and "may have been deleted" in response.text


def test_error_reports_hide_the_secrets_a_form_posts(editor_client: Client) -> None:
    response = editor_client.post("/handlers/new/", {"name": "", "type": "slack", "slack": SECRETS["slack"]["slack"], "submit_token": "z"})
    assert set(response.wsgi_request.sensitive_post_parameters) >= {"slack", "webhook", "telegram", "x_consumer_secret"}


def test_a_refused_htmx_delete_sends_the_browser_back_to_the_handler(api: responses.RequestsMock, admin_client: Client) -> None:
    api.get(one_url(3), json={"data": handler_json(id=3)})
    api.delete(one_url(3), status=429, json={"errors": [{"title": "Too many", "status": 429}]}, headers={"X-RateLimit-Reset": "9"})
    response = admin_client.post("/handlers/3/delete/", headers=HTMX)
    assert response["HX-Redirect"] == "/handlers/3/"
    assert any("Try again in 9 seconds" in str(m) for m in response.wsgi_request._messages)


def test_a_failed_read_back_still_says_the_changes_were_saved(api: responses.RequestsMock, editor_client: Client) -> None:
    api.get(one_url(4), json={"data": handler_json(id=4)})
    api.post(one_url(4), json={"data": {"id": 4}})
    api.get(one_url(4), status=429, json={"errors": [{"title": "Too many", "status": 429}]}, headers={"X-RateLimit-Reset": "30"})
    response = editor_client.post("/handlers/4/edit/", {"name": "Renamed", "type": "email", "email": "hey@example.com"})
    assert response.status_code == 302 and response["Location"] == "/handlers/4/"
    assert any("were saved, but could not be read back" in str(m) for m in response.wsgi_request._messages)


CHANGED = {
    "email": {"email": "night@example.com"},
    "webhook": {"webhook": "https://example.com/hooks/night"},
    "slack": {"slack": "https://hooks.slack.com/services/T0002/B0002/zyxwvuts"},
    "discord": {"discord": "https://discord.com/api/webhooks/456/ghiJKL"},
    "telegram": {"telegram": "", "telegram_chat_id": "@night_alerts"},
    "microsoft_teams": {"microsoft_teams": "https://contoso.webhook.office.com/webhookb2/night"},
    "twilio": {"twilio": "+14155550999"},
    "x": {"x_consumer_key": "", "x_consumer_secret": "", "x_access_token": "at-999999", "x_access_token_secret": ""},
    "google_chat": {"google_chat": "https://chat.googleapis.com/v1/spaces/BBBB/messages?key=k&token=u"},
    "internal_notification": {},
}


@pytest.mark.parametrize("slug", list(VALID))
def test_edit_every_type_sends_exactly_the_changed_fields(api: responses.RequestsMock, editor_client: Client, slug: str) -> None:
    stored = handler_json(id=8, name="Before", type=slug, settings=VALID[slug])
    api.get(one_url(8), json={"data": stored})
    api.post(one_url(8), json={"data": {"id": 8}})
    api.get(one_url(8), json={"data": stored})
    editor_client.post("/handlers/8/edit/", {"name": "After", "type": slug} | CHANGED[slug])
    post = next(c for c in api.calls if c.request.method == "POST")
    # A blank secret keeps its stored value, which travels with the changed settings of its type.
    expected_settings = {name: value or VALID[slug][name] for name, value in CHANGED[slug].items()}
    assert sent_fields(post.request) == {"name": "After"} | expected_settings


def test_opening_then_saving_an_edit_costs_three_calls_in_all(api: responses.RequestsMock, editor_client: Client) -> None:
    stored = handler_json(id=4, name="Old")
    api.get(one_url(4), json={"data": stored})
    editor_client.get("/handlers/4/edit/")
    api.post(one_url(4), json={"data": {"id": 4}})
    editor_client.post("/handlers/4/edit/", {"name": "New", "type": "email", "email": "hey@example.com"})
    # The form's read is reused from the short cache; the save is the update and its read-back.
    assert [c.request.method for c in api.calls] == ["GET", "POST", "GET"]
