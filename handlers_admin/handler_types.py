"""The one registry of handler types. Forms, tables, detail pages, exports and the sandbox's seed read it:
adding a type is adding one entry to HANDLER_TYPES."""

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from django.utils.translation import gettext_lazy as _

from handlers_admin import validators

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise

    from handlers_admin.api import Handler

InputKind = Literal["email", "url", "tel", "text", "secret"]
# How the panel sends a test message to a type's channel itself; "" where the product sends them itself.
TestFormat = Literal["webhook", "slack", "discord", "microsoft_teams", "google_chat", "telegram", ""]
Validator = validators.Validator

# What real servers keep: longer values are cut silently, so the forms refuse them instead.
NAME_MAX_LENGTH = 128
VALUE_MAX_LENGTH = 512
PHONE_MAX_LENGTH = 32

BOTH_VARIANTS = frozenset({"full", "basic"})


@dataclass(frozen=True, kw_only=True)
class TypeField:
    name: str
    label: "StrPromise"
    kind: InputKind
    help_text: "StrPromise"
    example: str = ""
    validate: Validator
    secret: bool = False
    max_length: int = VALUE_MAX_LENGTH
    # The service's own page on how to get the value, for whoever has never done it; "" where there is none.
    help_url: str = ""


@dataclass(frozen=True, kw_only=True)
class HandlerType:
    slug: str
    label: "StrPromise"
    # The icon: a few letters on a coloured square.
    glyph: str
    color: str
    description: "StrPromise"
    fields: tuple[TypeField, ...] = ()
    variants: frozenset[str] = BOTH_VARIANTS
    test_format: TestFormat = ""
    # The hosts (and their subdomains) its addresses must be on, and the only ones the panel calls for it; empty for
    # any host.
    hosts: tuple[str, ...] = ()


SLACK_HOSTS = ("hooks.slack.com",)
DISCORD_HOSTS = ("discord.com", "discordapp.com")
TEAMS_HOSTS = ("webhook.office.com", "logic.azure.com", "powerplatform.com")
GOOGLE_CHAT_HOSTS = ("chat.googleapis.com",)
TELEGRAM_API_HOST = "api.telegram.org"
X_API_HOST = "api.x.com"

SLACK_EXAMPLE = "https://hooks.slack.com/services/T0000/B0000/XXXXXXXX"
DISCORD_EXAMPLE = "https://discord.com/api/webhooks/123456/abcDEF"
TEAMS_EXAMPLE = "https://yourcompany.webhook.office.com/webhookb2/…"
GOOGLE_CHAT_EXAMPLE = "https://chat.googleapis.com/v1/spaces/AAAA/messages?key=…"

# Each service's own page on getting the value a field asks for.
SLACK_HELP = "https://api.slack.com/messaging/webhooks"
DISCORD_HELP = "https://support.discord.com/hc/en-us/articles/228383668-Intro-to-Webhooks"
TELEGRAM_TOKEN_HELP = "https://core.telegram.org/bots/features#botfather"
TELEGRAM_CHAT_HELP = "https://core.telegram.org/bots/api#getupdates"
TEAMS_HELP = (
    "https://support.microsoft.com/en-us/office/"
    "create-incoming-webhooks-with-workflows-for-microsoft-teams-8ae491c7-0394-4861-ba59-055e33f75498"
)
GOOGLE_CHAT_HELP = "https://developers.google.com/workspace/chat/quickstart/webhooks"
TWILIO_HELP = "https://www.twilio.com/docs/phone-numbers"
X_HELP = "https://developer.x.com/en/docs/authentication/oauth-1-0a/api-key-and-secret"


def _x_credential(name: str, label: "StrPromise") -> TypeField:
    return TypeField(
        name=name,
        label=label,
        kind="secret",
        help_text=_("From your app's “Keys and tokens” page in the X developer portal."),
        validate=validators.credential,
        secret=True,
        help_url=X_HELP,
    )


HANDLER_TYPES: dict[str, HandlerType] = {
    handler_type.slug: handler_type
    for handler_type in (
        HandlerType(
            slug="email",
            label=_("Email"),
            glyph="@",
            color="#2456c9",
            description=_("Sends notifications to an email address."),
            fields=(
                TypeField(
                    name="email",
                    label=_("Email address"),
                    kind="email",
                    help_text=_("Who receives the notifications."),
                    example="ops@example.com",
                    validate=validators.email,
                ),
            ),
        ),
        HandlerType(
            slug="webhook",
            label=_("Webhook"),
            glyph="{}",
            color="#5b6474",
            description=_("Posts each notification to a web address you run."),
            fields=(
                TypeField(
                    name="webhook",
                    label=_("Web address (URL)"),
                    kind="url",
                    help_text=_("Your server receives a POST here."),
                    example="https://example.com/hooks/alerts",
                    validate=validators.https_url,
                    secret=True,
                ),
            ),
            test_format="webhook",
        ),
        HandlerType(
            slug="slack",
            label=_("Slack"),
            glyph="S",
            color="#4a154b",
            description=_("Posts to a Slack channel through an incoming webhook."),
            fields=(
                TypeField(
                    name="slack",
                    label=_("Slack webhook URL"),
                    kind="url",
                    help_text=_("In Slack: Apps › Incoming Webhooks › Add to a channel."),
                    example=SLACK_EXAMPLE,
                    validate=validators.service_url("Slack", SLACK_HOSTS, SLACK_EXAMPLE),
                    secret=True,
                    help_url=SLACK_HELP,
                ),
            ),
            test_format="slack",
            hosts=SLACK_HOSTS,
        ),
        HandlerType(
            slug="discord",
            label=_("Discord"),
            glyph="D",
            color="#5865f2",
            description=_("Posts to a Discord channel through a webhook."),
            fields=(
                TypeField(
                    name="discord",
                    label=_("Discord webhook URL"),
                    kind="url",
                    help_text=_("In Discord: channel settings › Integrations › Webhooks."),
                    example=DISCORD_EXAMPLE,
                    validate=validators.service_url("Discord", DISCORD_HOSTS, DISCORD_EXAMPLE),
                    secret=True,
                    help_url=DISCORD_HELP,
                ),
            ),
            test_format="discord",
            hosts=DISCORD_HOSTS,
        ),
        HandlerType(
            slug="telegram",
            label=_("Telegram"),
            glyph="T",
            color="#229ed9",
            description=_("Sends messages from your Telegram bot to a chat."),
            fields=(
                TypeField(
                    name="telegram",
                    label=_("Bot token"),
                    kind="secret",
                    help_text=_("BotFather gives it when you create the bot."),
                    example="123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw",
                    validate=validators.pattern(
                        r"\d{3,}:[A-Za-z0-9_-]{20,}",
                        _("A bot token looks like 123456789:AAHdq…: digits, a colon, then letters and digits."),
                    ),
                    secret=True,
                    help_url=TELEGRAM_TOKEN_HELP,
                ),
                TypeField(
                    name="telegram_chat_id",
                    label=_("Chat ID"),
                    kind="text",
                    help_text=_("A number (groups start with -) or a public @channel name."),
                    example="-1001234567890",
                    validate=validators.pattern(
                        r"-?\d{1,20}|@[A-Za-z][A-Za-z0-9_]{4,31}",
                        _("Enter a numeric chat ID like -1001234567890, or a channel name like @alerts."),
                    ),
                    help_url=TELEGRAM_CHAT_HELP,
                ),
            ),
            test_format="telegram",
            hosts=(TELEGRAM_API_HOST,),
        ),
        HandlerType(
            slug="microsoft_teams",
            label=_("Microsoft Teams"),
            glyph="MT",
            color="#4b53bc",
            description=_("Posts to a Teams channel through a webhook."),
            fields=(
                TypeField(
                    name="microsoft_teams",
                    label=_("Teams webhook URL"),
                    kind="url",
                    help_text=_("In Teams: the channel's Workflows or Connectors › Incoming webhook."),
                    example=TEAMS_EXAMPLE,
                    validate=validators.service_url("Microsoft Teams", TEAMS_HOSTS, TEAMS_EXAMPLE),
                    secret=True,
                    help_url=TEAMS_HELP,
                ),
            ),
            test_format="microsoft_teams",
            hosts=TEAMS_HOSTS,
        ),
        HandlerType(
            slug="twilio",
            label=_("SMS (Twilio)"),
            glyph="☎",
            color="#f22f46",
            description=_("Sends a text message to a phone."),
            fields=(
                TypeField(
                    name="twilio",
                    label=_("Phone number"),
                    kind="tel",
                    help_text=_("In international format, with the country code."),
                    example="+14155550123",
                    validate=validators.pattern(
                        r"\+[1-9]\d{6,14}",
                        _(
                            "Enter the number in international format: + then country code and number, "
                            "like +14155550123."
                        ),
                        normalize=validators.phone,
                    ),
                    max_length=PHONE_MAX_LENGTH,
                    help_url=TWILIO_HELP,
                ),
            ),
            variants=frozenset({"full"}),
        ),
        HandlerType(
            slug="x",
            label=_("X (Twitter)"),
            glyph="X",
            color="#000000",
            description=_("Posts from an X account you own."),
            fields=(
                _x_credential("x_consumer_key", _("API key (consumer key)")),
                _x_credential("x_consumer_secret", _("API key secret (consumer secret)")),
                _x_credential("x_access_token", _("Access token")),
                _x_credential("x_access_token_secret", _("Access token secret")),
            ),
            # Only the silent check calls it (channel_checks), to see whether the keys are accepted.
            hosts=(X_API_HOST,),
        ),
        HandlerType(
            slug="google_chat",
            label=_("Google Chat"),
            glyph="GC",
            color="#1e8e3e",
            description=_("Posts to a Google Chat space through a webhook."),
            fields=(
                TypeField(
                    name="google_chat",
                    label=_("Google Chat webhook URL"),
                    kind="url",
                    help_text=_("In Google Chat: space menu › Apps & integrations › Webhooks."),
                    example=GOOGLE_CHAT_EXAMPLE,
                    validate=validators.service_url("Google Chat", GOOGLE_CHAT_HOSTS, GOOGLE_CHAT_EXAMPLE),
                    secret=True,
                    help_url=GOOGLE_CHAT_HELP,
                ),
            ),
            test_format="google_chat",
            hosts=GOOGLE_CHAT_HOSTS,
        ),
        HandlerType(
            slug="internal_notification",
            label=_("In-app notification"),
            glyph="!",
            color="#8a5a00",
            description=_("Shows notifications inside the product itself. Nothing to fill in."),
        ),
    )
}

ALL_FIELDS: dict[str, TypeField] = {spec.name: spec for t in HANDLER_TYPES.values() for spec in t.fields}
SECRET_FIELDS = frozenset(name for name, spec in ALL_FIELDS.items() if spec.secret)


def changeable_types(variant: str) -> frozenset[str]:
    """The types whose channels the panel can change through this variant's API."""
    return frozenset(t.slug for t in types_for(variant))


def types_for(variant: str) -> list[HandlerType]:
    return [t for t in HANDLER_TYPES.values() if variant in t.variants]


# The masking rule: what of a channel's settings may leave the server's answer. The mirror, the pages, the
# forms and the exports all go by it.


def mask(value: str) -> str:
    """A secret as the panel shows it: its last four characters, and only when it is long enough to spare them."""
    return "••••" + value[-4:] if len(value) > 8 else "••••"


def is_hidden(handler_type: str, field: str) -> bool:
    """Whether a setting's value is shown masked: every secret, and every value of a type the panel does not know."""
    return handler_type not in HANDLER_TYPES or field in SECRET_FIELDS


def shown_settings(handler: "Handler") -> dict[str, str]:
    """The handler's settings with hidden values masked, in the registry's order for its type."""
    known = HANDLER_TYPES.get(handler.type)
    names = [spec.name for spec in known.fields] if known else list(handler.settings)
    shown = {}
    for name in names:
        value = handler.settings.get(name, "")
        shown[name] = mask(value) if value and is_hidden(handler.type, name) else value
    return shown


def public_settings(handler: "Handler") -> dict[str, str]:
    """The settings a form may show as they are: none of a secret, nothing of an unknown type."""
    return {name: value for name, value in handler.settings.items() if not is_hidden(handler.type, name)}


def is_damaged(handler: "Handler") -> bool:
    """Whether the product holds the channel without its type, or with the settings real servers' update leaves
    (`{"": ""}`, shared/API.md): it no longer sends, and its address or token is gone."""
    return not handler.type or "" in handler.settings
