"""The one registry of handler types: forms, tables, detail pages and the sandbox's seed read it."""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

InputKind = Literal["email", "url", "tel", "text", "secret"]
Validator = Callable[[str], str]
MAX_LENGTH = 512


@dataclass(frozen=True)
class TypeField:
    name: str
    label: Promise
    kind: InputKind
    help_text: Promise
    example: str
    validate: Validator
    secret: bool = False
    max_length: int = MAX_LENGTH


@dataclass(frozen=True)
class HandlerType:
    slug: str
    label: Promise
    glyph: str
    color: str
    description: Promise
    fields: tuple[TypeField, ...] = ()
    variants: frozenset[str] = field(default_factory=lambda: frozenset({"full", "basic"}))


def _email(value: str) -> str:
    EmailValidator(message=_("Enter an email address, like ops@example.com."))(value)
    return value


def _https_url(value: str) -> str:
    URLValidator(schemes=["https"], message=_("Enter a web address that starts with https://"))(value)
    return value


def _service_url(service: str, hosts: tuple[str, ...], example: str) -> Validator:
    def validate(value: str) -> str:
        _https_url(value)
        host = (urlsplit(value).hostname or "").lower()
        if not any(host == h or host.endswith("." + h) for h in hosts):
            raise ValidationError(
                _("This is not a %(service)s webhook address. It should look like %(example)s")
                % {"service": service, "example": example}
            )
        return value

    return validate


def _pattern(regex: str, message: Promise, normalize: Callable[[str], str] = str.strip) -> Validator:
    compiled = re.compile(regex)

    def validate(value: str) -> str:
        value = normalize(value)
        if not compiled.fullmatch(value):
            raise ValidationError(message)
        return value

    return validate


def _phone(value: str) -> str:
    return re.sub(r"[\s().-]", "", value)


def _credential(value: str) -> str:
    if re.search(r"\s", value.strip()):
        raise ValidationError(_("Credentials contain no spaces: copy it again from the X developer portal."))
    return value.strip()


SLACK = "https://hooks.slack.com/services/T0000/B0000/XXXXXXXX"
DISCORD = "https://discord.com/api/webhooks/123456/abcDEF"
TEAMS = "https://yourcompany.webhook.office.com/webhookb2/…"
GOOGLE_CHAT = "https://chat.googleapis.com/v1/spaces/AAAA/messages?key=…"
TELEGRAM_TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"


def _x_field(name: str, label: Promise) -> TypeField:
    return TypeField(
        name, label, "secret", _("From your app's “Keys and tokens” page in the X developer portal."), "", _credential,
        secret=True,
    )


HANDLER_TYPES: dict[str, HandlerType] = {
    t.slug: t
    for t in (
        HandlerType(
            "email", _("Email"), "@", "#2456c9", _("Sends notifications to an email address."),
            (TypeField("email", _("Email address"), "email", _("Who receives the notifications."), "ops@example.com", _email),),
        ),
        HandlerType(
            "webhook", _("Webhook"), "{}", "#5b6474", _("Posts each notification to a web address you run."),
            (TypeField("webhook", _("Webhook URL"), "url", _("Your server receives a POST here."),
                       "https://example.com/hooks/alerts", _https_url, secret=True),),
        ),
        HandlerType(
            "slack", _("Slack"), "S", "#4a154b", _("Posts to a Slack channel through an incoming webhook."),
            (TypeField("slack", _("Slack webhook URL"), "url", _("In Slack: Apps › Incoming Webhooks › Add to a channel."),
                       SLACK, _service_url("Slack", ("hooks.slack.com",), SLACK), secret=True),),
        ),
        HandlerType(
            "discord", _("Discord"), "D", "#5865f2", _("Posts to a Discord channel through a webhook."),
            (TypeField("discord", _("Discord webhook URL"), "url", _("In Discord: channel settings › Integrations › Webhooks."),
                       DISCORD, _service_url("Discord", ("discord.com", "discordapp.com"), DISCORD), secret=True),),
        ),
        HandlerType(
            "telegram", _("Telegram"), "T", "#229ed9", _("Sends messages from your Telegram bot to a chat."),
            (
                TypeField("telegram", _("Bot token"), "secret", _("BotFather gives it when you create the bot."),
                          TELEGRAM_TOKEN,
                          _pattern(r"\d{3,}:[A-Za-z0-9_-]{20,}",
                                   _("A bot token looks like 123456789:AAHdq…: digits, a colon, then letters and digits.")),
                          secret=True),
                TypeField("telegram_chat_id", _("Chat ID"), "text", _("A number (groups start with -) or a public @channel name."),
                          "-1001234567890",
                          _pattern(r"-?\d{1,20}|@[A-Za-z][A-Za-z0-9_]{4,31}",
                                   _("Enter a numeric chat ID like -1001234567890, or a channel name like @alerts."))),
            ),
        ),
        HandlerType(
            "microsoft_teams", _("Microsoft Teams"), "MT", "#4b53bc", _("Posts to a Teams channel through a webhook."),
            (TypeField("microsoft_teams", _("Teams webhook URL"), "url", _("In Teams: the channel's Workflows or Connectors › Incoming webhook."),
                       TEAMS, _service_url("Microsoft Teams", ("webhook.office.com", "logic.azure.com", "powerplatform.com"), TEAMS),
                       secret=True),),
        ),
        HandlerType(
            "twilio", _("SMS (Twilio)"), "☎", "#f22f46", _("Sends a text message to a phone."),
            (TypeField("twilio", _("Phone number"), "tel", _("In international format, with the country code."),
                       "+14155550123",
                       _pattern(r"\+[1-9]\d{6,14}",
                                _("Enter the number in international format: + then country code and number, like +14155550123."),
                                _phone),
                       max_length=32),),
            variants=frozenset({"full"}),
        ),
        HandlerType(
            "x", _("X (Twitter)"), "X", "#000000", _("Posts from an X account you own."),
            (
                _x_field("x_consumer_key", _("API key (consumer key)")),
                _x_field("x_consumer_secret", _("API key secret (consumer secret)")),
                _x_field("x_access_token", _("Access token")),
                _x_field("x_access_token_secret", _("Access token secret")),
            ),
        ),
        HandlerType(
            "google_chat", _("Google Chat"), "GC", "#1e8e3e", _("Posts to a Google Chat space through a webhook."),
            (TypeField("google_chat", _("Google Chat webhook URL"), "url", _("In Google Chat: space menu › Apps & integrations › Webhooks."),
                       GOOGLE_CHAT, _service_url("Google Chat", ("chat.googleapis.com",), GOOGLE_CHAT), secret=True),),
        ),
        HandlerType(
            "internal_notification", _("In-app notification"), "!", "#8a5a00",
            _("Shows notifications inside the product itself. Nothing to fill in."),
        ),
    )
}

ALL_FIELDS: dict[str, TypeField] = {f.name: f for t in HANDLER_TYPES.values() for f in t.fields}
SECRET_FIELDS = frozenset(name for name, spec in ALL_FIELDS.items() if spec.secret)


def types_for(variant: str) -> list[HandlerType]:
    return [t for t in HANDLER_TYPES.values() if variant in t.variants]


def type_label(slug: str) -> str:
    return str(HANDLER_TYPES[slug].label) if slug in HANDLER_TYPES else slug


def mask(value: str) -> str:
    return "••••" + value[-4:] if len(value) > 8 else "••••"
