"""Test messages the panel sends to a channel itself, since the API has no way to, through the guard of
guarded_http: only to the service the type names, on a public address, following no redirect."""

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from handlers_admin import guarded_http
from handlers_admin.guarded_http import Details, Refused
from handlers_admin.handler_types import HandlerType
from handlers_admin.words import describe_test


@dataclass(frozen=True, kw_only=True)
class TestResult:
    delivered: bool
    # What happened, in plain words: never the address, the token or the answer's body.
    text: str
    # What happened as a code and its values ({"code": "answered", "status": 404}), which words.describe_test says:
    # the audit trail keeps these, so that each reader reads them in their own language. Empty when nothing was
    # tried (a form to correct, the hourly limit).
    details: Details = field(default_factory=dict)
    answer_bytes: int = 0


def _result(
    handler_type: HandlerType, details: Details, *, delivered: bool = False, answer_bytes: int = 0
) -> TestResult:
    return TestResult(
        delivered=delivered,
        text=describe_test(details, handler_type.slug),
        details=details,
        answer_bytes=answer_bytes,
    )


def message(*, handler_name: str, member: str) -> str:
    return _(
        "This is a test from the notification channels panel for “%(name)s”, sent by %(member)s. "
        "If you can read it, the channel works."
    ) % {"name": handler_name or _("(no name)"), "member": member}


def request_for(handler_type: HandlerType, values: dict[str, str], *, text: str, member: str) -> tuple[str, dict]:
    """The address and JSON body of a test, in each service's own message format."""
    match handler_type.test_format:
        case "telegram":
            url = f"https://{handler_type.hosts[0]}/bot{values.get('telegram', '')}/sendMessage"
            return url, {"chat_id": values.get("telegram_chat_id", ""), "text": text}
        case "discord":
            return values.get("discord", ""), {"content": text}
        case "webhook":
            return values.get("webhook", ""), {"event": "test", "text": text, "sent_by": member}
        case "slack" | "microsoft_teams" | "google_chat" as service:
            return values.get(service, ""), {"text": text}
    raise Refused("untestable")


def untestable_reason() -> str:
    return describe_test({"code": "untestable"}, "")


def send(handler_type: HandlerType, url: str, body: dict) -> TestResult:
    """Sends one test, or says why it will not."""
    try:
        answer = guarded_http.request("POST", url, handler_type=handler_type, json_body=body)
    except Refused as refusal:
        return _result(handler_type, refusal.details)
    return _result(
        handler_type,
        {"code": "answered", "status": answer.status},
        delivered=200 <= answer.status < 300,
        answer_bytes=len(answer.body),
    )
