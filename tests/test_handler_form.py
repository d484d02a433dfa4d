import pytest
from django.test import Client, override_settings
from hypothesis import given
from hypothesis import strategies as st

from handlers_admin.forms import HandlerForm
from handlers_admin.handler_types import ALL_FIELDS, HANDLER_TYPES
from tests.api import HTMX, VALID


def test_every_type_of_the_registry_has_a_valid_example() -> None:
    assert set(VALID) == set(HANDLER_TYPES)


@pytest.mark.parametrize(
    ("slug", "field", "bad", "message"),
    [
        ("email", "email", "not-an-address", "Enter an email address"),
        ("webhook", "webhook", "http://example.com/hook", "starts with https://"),
        (
            "slack",
            "slack",
            "https://example.com/services/x",
            "not a Slack webhook address. It should look like https://hooks.slack.com/",
        ),
        ("discord", "discord", "https://hooks.slack.com/services/x", "not a Discord webhook address"),
        ("microsoft_teams", "microsoft_teams", "https://teams.example.com/x", "not a Microsoft Teams webhook address"),
        ("google_chat", "google_chat", "https://chat.example.com/v1", "not a Google Chat webhook address"),
        ("telegram", "telegram", "just-a-token", "A bot token looks like"),
        ("telegram", "telegram_chat_id", "my chat", "numeric chat ID"),
        ("twilio", "twilio", "0415 555 0123", "international format"),
        ("x", "x_access_token", "has spaces in it", "no spaces"),
        ("webhook", "webhook", "https://example.com/" + "a" * 520, "at most 512 characters"),
        ("twilio", "twilio", "+1" + "2" * 31, "at most 32 characters"),
    ],
)
def test_each_rule_rejects_with_a_message_next_to_its_field(slug: str, field: str, bad: str, message: str) -> None:
    form = HandlerForm({"name": "n", "type": slug} | VALID[slug] | {field: bad})
    assert not form.is_valid()
    assert message in " ".join(form.errors[field])
    assert set(form.errors) == {field}


@pytest.mark.parametrize(
    ("slug", "field", "good", "stored"),
    [
        ("twilio", "twilio", "+44 20 7946 0958", "+442079460958"),
        ("telegram", "telegram_chat_id", "@alerts_channel", "@alerts_channel"),
        ("telegram", "telegram_chat_id", "42", "42"),
        ("discord", "discord", "https://discordapp.com/api/webhooks/1/x", "https://discordapp.com/api/webhooks/1/x"),
        (
            "microsoft_teams",
            "microsoft_teams",
            "https://prod-01.westus.logic.azure.com/workflows/x",
            "https://prod-01.westus.logic.azure.com/workflows/x",
        ),
    ],
)
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
    assert HandlerForm(
        {"name": "n", "type": "telegram"} | VALID["telegram"] | {"telegram_chat_id": str(chat_id)}
    ).is_valid()


@given(st.from_regex(r"\+[1-9][0-9]{6,14}", fullmatch=True))
def test_any_e164_number_is_accepted(number: str) -> None:
    assert HandlerForm({"name": "n", "type": "twilio", "twilio": number}).is_valid()


@given(st.text(alphabet=st.characters(blacklist_characters="@"), max_size=40))
def test_nothing_without_an_at_sign_is_an_email(text: str) -> None:
    assert not HandlerForm({"name": "n", "type": "email", "email": text}).is_valid()


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


@pytest.mark.parametrize(
    ("slug", "url"),
    [
        ("webhook", "https://2130706433/x"),
        ("webhook", "https://0x7f000001/x"),
        ("webhook", "https://127.1/x"),
        ("slack", "https://2130706433/services/T/B/x"),
    ],
)
def test_a_numeric_host_is_refused_for_what_it_is(slug: str, url: str) -> None:
    form = HandlerForm({"name": "n", "type": slug, slug: url})
    assert not form.is_valid()
    errors = " ".join(form.errors[slug])
    assert "is a number, not the name of a web address" in errors and "starts with https://" not in errors


HELP_PAGES = {
    "slack": "https://api.slack.com/messaging/webhooks",
    "discord": "https://support.discord.com/hc/en-us/articles/228383668-Intro-to-Webhooks",
    "telegram": "https://core.telegram.org/bots/features#botfather",
    "telegram_chat_id": "https://core.telegram.org/bots/api#getupdates",
    "microsoft_teams": "https://support.microsoft.com/en-us/office/create-incoming-webhooks-with-workflows-for-microsoft-teams-8ae491c7-0394-4861-ba59-055e33f75498",
    "google_chat": "https://developers.google.com/workspace/chat/quickstart/webhooks",
    "twilio": "https://www.twilio.com/docs/phone-numbers",
    "x_consumer_key": "https://developer.x.com/en/docs/authentication/oauth-1-0a/api-key-and-secret",
    "x_consumer_secret": "https://developer.x.com/en/docs/authentication/oauth-1-0a/api-key-and-secret",
    "x_access_token": "https://developer.x.com/en/docs/authentication/oauth-1-0a/api-key-and-secret",
    "x_access_token_secret": "https://developer.x.com/en/docs/authentication/oauth-1-0a/api-key-and-secret",
}  # fmt: skip


def test_each_services_field_links_to_its_own_page_on_getting_the_value() -> None:
    assert {name: spec.help_url for name, spec in ALL_FIELDS.items() if spec.help_url} == HELP_PAGES


@pytest.mark.parametrize("slug", ["telegram", "x", "slack"])
def test_the_help_link_opens_in_a_new_tab_and_says_so(editor_client: Client, slug: str) -> None:
    text = editor_client.get(f"/handlers/new/fields/?type={slug}", headers=HTMX).text
    for spec in HANDLER_TYPES[slug].fields:
        link = (
            f'<a href="{spec.help_url}" target="_blank" rel="noopener noreferrer">How to get it'
            '<span class="sr-only"> (opens in a new tab)</span><span aria-hidden="true"> ↗</span></a>'
        )
        assert link in text
        # Inside the field's description, so that it is read with the field.
        described = text.split(f'id="id_{spec.name}_helptext">', 1)[1].split("</div>", 1)[0]
        assert spec.help_url in described


def test_the_full_form_shows_the_links_too(editor_client: Client) -> None:
    text = editor_client.get("/handlers/new/").text
    assert text.count('target="_blank" rel="noopener noreferrer"') == len(HELP_PAGES)
