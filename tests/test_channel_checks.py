"""The silent checks of channels: each service is asked exactly what tells whether a channel is alive, and never
sent a message; what it says becomes a finding in plain words; many channels are checked a few at a time for each
host, waiting when a service asks to."""

import json
import os
import re
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import oauthlib.oauth1
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.conf import settings as django_settings

from handlers_admin.api import Handler, State
from handlers_admin.channel_checks import X_ME_URL, Finding, check, check_all
from handlers_admin.checks import check_test_send_settings
from handlers_admin.models import Health
from handlers_admin.words import describe_check
from tests.dns_server import DnsServer, running_dns_server
from tests.receiver import PUBLIC, Receiver, Reply, running_receiver

DISCORD = "https://discord.com/api/webhooks/1/SECRET-TOKEN"
DISCORD_PATH = "/api/webhooks/1/SECRET-TOKEN"
SLACK = "https://hooks.slack.com/services/T1/B1/SECRET-TOKEN"
SLACK_PATH = "/services/T1/B1/SECRET-TOKEN"
GOOGLE_CHAT = "https://chat.googleapis.com/v1/spaces/A/messages?key=k&token=SECRET-TOKEN"
GOOGLE_CHAT_PATH = "/v1/spaces/A/messages?key=k&token=SECRET-TOKEN"
TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
X_KEYS = {
    "x_consumer_key": "consumer-key",
    "x_consumer_secret": "consumer-SECRET",
    "x_access_token": "access-token",
    "x_access_token_secret": "access-SECRET",
}


def channel(type: str, values: dict[str, str] | None = None, *, id: int = 1, state: State = State.ON) -> Handler:
    return Handler(id, type, "Ops", values or {}, state, None, None)


def checked(handler: Handler) -> tuple[Finding, str]:
    """The finding and its words, after making sure neither holds anything secret."""
    finding = check(handler)
    words = describe_check(finding.details, handler.type)
    assert words and "SECRET" not in json.dumps(finding.details) + words
    return finding, words


def asked(receiver: Receiver) -> list[tuple[str, str]]:
    return [(request["method"], request["path"]) for request in receiver.requests]


def wait_for(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 2
    while not condition():
        assert time.monotonic() < deadline, "the receiver never got there"
        time.sleep(0.01)


def answer(status: int, body: dict | str, headers: dict[str, str] | None = None) -> Reply:
    return Reply(status, body.encode() if isinstance(body, str) else json.dumps(body).encode(), headers or {})


# Discord


def test_discord_is_asked_with_a_get_and_a_live_webhook_is_working(receiver: Receiver) -> None:
    receiver.routes[DISCORD_PATH] = answer(200, {"id": "1", "name": "alerts", "token": "SECRET-TOKEN"})
    finding, words = checked(channel("discord", {"discord": DISCORD}))
    assert finding == Finding(Health.WORKING, {"code": "webhook_known"})
    assert words == "Discord knows this webhook; nothing was posted."
    assert asked(receiver) == [("GET", DISCORD_PATH)]
    assert receiver.requests[0]["body"] == b"" and receiver.requests[0]["headers"]["Host"] == "discord.com"


@pytest.mark.parametrize(
    ("status", "body", "details", "words"),
    [
        (
            404,
            {"message": "Unknown Webhook", "code": 10015},
            {"code": "refused", "status": 404, "reason": "unknown_webhook", "said": "Unknown Webhook"},
            "Discord says the webhook does not exist (Unknown Webhook).",
        ),
        (
            401,
            {"message": "Invalid Webhook Token", "code": 50027},
            {"code": "refused", "status": 401, "reason": "invalid_webhook_token", "said": "Invalid Webhook Token"},
            "Discord says the webhook's token is not valid (Invalid Webhook Token).",
        ),
        # Words the panel does not know are not kept: only the status is.
        (
            404,
            {"message": "Webhook SECRET-TOKEN is gone", "code": 1},
            {"code": "refused", "status": 404},
            "Discord says this address no longer exists (404).",
        ),
    ],
)
def test_a_dead_discord_webhook_is_broken_in_discords_words(
    receiver: Receiver, status: int, body: dict, details: dict, words: str
) -> None:
    receiver.routes[DISCORD_PATH] = answer(status, body)
    assert checked(channel("discord", {"discord": DISCORD})) == (Finding(Health.BROKEN, details), words)
    assert asked(receiver) == [("GET", DISCORD_PATH)]


# Slack


@pytest.mark.parametrize("said", ["no_text", "invalid_payload"])
def test_slack_gets_an_empty_post_which_a_live_webhook_refuses(receiver: Receiver, said: str) -> None:
    receiver.routes[SLACK_PATH] = answer(400, said)
    finding, words = checked(channel("slack", {"slack": SLACK}))
    assert finding == Finding(Health.WORKING, {"code": "webhook_known"})
    assert words == "Slack knows this webhook; nothing was posted."
    assert asked(receiver) == [("POST", SLACK_PATH)]
    sent = receiver.requests[0]
    assert json.loads(sent["body"]) == {} and sent["headers"]["Content-Type"] == "application/json"


@pytest.mark.parametrize(
    ("status", "said", "words"),
    [
        (404, "no_service", "Slack says the webhook does not exist or was removed."),
        (403, "invalid_token", "Slack says the webhook's token is not valid."),
        (403, "action_prohibited", "Slack says an administrator has blocked the webhook."),
        (410, "channel_is_archived", "Slack says the channel was archived."),
    ],
)
def test_a_dead_slack_webhook_is_broken_in_slacks_words(receiver: Receiver, status: int, said: str, words: str) -> None:
    receiver.routes[SLACK_PATH] = answer(status, said)
    finding, found_words = checked(channel("slack", {"slack": SLACK}))
    assert finding == Finding(Health.BROKEN, {"code": "refused", "status": status, "reason": said, "said": said})
    assert found_words == words


# Google Chat


@pytest.mark.parametrize(
    ("status", "health", "words"),
    [
        (400, Health.WORKING, "Google Chat knows this webhook; nothing was posted."),
        (404, Health.BROKEN, "Google Chat says the space or its webhook was removed (404)."),
        (401, Health.BROKEN, "Google Chat says the webhook's key is not valid (401)."),
        (403, Health.BROKEN, "Google Chat says the webhook's key is not valid (403)."),
    ],
)
def test_google_chat_gets_an_empty_post(receiver: Receiver, status: int, health: Health, words: str) -> None:
    receiver.routes[GOOGLE_CHAT_PATH] = answer(status, {"error": {"code": status, "message": "SECRET-ish words"}})
    finding, found_words = checked(channel("google_chat", {"google_chat": GOOGLE_CHAT}))
    assert (finding.health, found_words) == (health, words)
    assert asked(receiver) == [("POST", GOOGLE_CHAT_PATH)] and json.loads(receiver.requests[0]["body"]) == {}


# Telegram

GET_ME = f"/bot{TOKEN}/getMe"
GET_CHAT = f"/bot{TOKEN}/getChat?chat_id=-100123"
TELEGRAM = {"telegram": TOKEN, "telegram_chat_id": "-100123"}
ME = {"ok": True, "result": {"id": 123456789, "is_bot": True, "username": "ops_bot"}}


def test_telegram_asks_who_the_bot_is_then_about_the_chat(receiver: Receiver) -> None:
    receiver.routes[GET_ME] = answer(200, ME)
    receiver.routes[GET_CHAT] = answer(200, {"ok": True, "result": {"id": -100123, "type": "supergroup"}})
    finding, words = checked(channel("telegram", TELEGRAM))
    assert finding == Finding(Health.WORKING, {"code": "bot_sees_chat"})
    assert words == "The bot's token is valid and the bot can see the chat; nothing was sent."
    assert asked(receiver) == [("GET", GET_ME), ("GET", GET_CHAT)]
    assert {request["headers"]["Host"] for request in receiver.requests} == {"api.telegram.org"}


def test_a_telegram_token_that_is_not_valid_is_broken_and_the_chat_is_not_asked(receiver: Receiver) -> None:
    receiver.routes[GET_ME] = answer(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
    finding, words = checked(channel("telegram", TELEGRAM))
    assert finding == Finding(
        Health.BROKEN, {"code": "refused", "status": 401, "reason": "token_invalid", "said": "Unauthorized"}
    )
    assert words == "Telegram says the bot's token is not valid (401)."
    assert asked(receiver) == [("GET", GET_ME)]


@pytest.mark.parametrize(
    ("status", "said", "reason", "words"),
    [
        (
            400,
            "Bad Request: chat not found",
            "chat_not_found",
            "Telegram says the chat does not exist, or the bot was never added to it (Bad Request: chat not found).",
        ),
        (
            403,
            "Forbidden: bot was kicked from the group chat",
            "bot_kicked",
            "Telegram says the bot was removed from the chat (Forbidden: bot was kicked from the group chat).",
        ),
    ],
)
def test_a_telegram_chat_the_bot_cannot_reach_is_broken(
    receiver: Receiver, status: int, said: str, reason: str, words: str
) -> None:
    receiver.routes[GET_ME] = answer(200, ME)
    receiver.routes[GET_CHAT] = answer(status, {"ok": False, "error_code": status, "description": said})
    finding, found_words = checked(channel("telegram", TELEGRAM))
    assert finding == Finding(Health.BROKEN, {"code": "refused", "status": status, "reason": reason, "said": said})
    assert found_words == words


# X


def test_x_is_asked_who_the_keys_belong_to_with_a_signed_request(receiver: Receiver) -> None:
    receiver.routes["/2/users/me"] = answer(200, {"data": {"id": "1", "username": "ops"}})
    finding, words = checked(channel("x", X_KEYS))
    assert finding == Finding(Health.WORKING, {"code": "keys_accepted"})
    assert words == "X (Twitter) accepts the keys; nothing was posted."
    assert asked(receiver) == [("GET", "/2/users/me")]
    headers = receiver.requests[0]["headers"]
    assert headers["Host"] == "api.x.com"
    # Signed again with the same nonce and time, the four keys give the very same header.
    sent = headers["Authorization"]
    parameters = dict(re.findall(r'(\w+)="([^"]*)"', sent))
    nonce, timestamp = parameters["oauth_nonce"], parameters["oauth_timestamp"]
    client = oauthlib.oauth1.Client(
        client_key="consumer-key",
        client_secret="consumer-SECRET",
        resource_owner_key="access-token",
        resource_owner_secret="access-SECRET",
        nonce=nonce,
        timestamp=timestamp,
    )
    assert sent == client.sign(X_ME_URL, http_method="GET")[1]["Authorization"]
    assert 'oauth_consumer_key="consumer-key"' in sent and 'oauth_token="access-token"' in sent


@pytest.mark.parametrize("status", [401, 403])
def test_keys_x_does_not_accept_are_broken(receiver: Receiver, status: int) -> None:
    receiver.routes["/2/users/me"] = answer(status, {"title": "Unauthorized"})
    finding, words = checked(channel("x", X_KEYS))
    assert finding == Finding(Health.BROKEN, {"code": "refused", "status": status, "reason": "keys_refused"})
    assert words == f"X (Twitter) did not accept the keys ({status})."


# What no check ever does


def test_no_check_delivers_a_message(receiver: Receiver) -> None:
    handlers = [
        channel("discord", {"discord": DISCORD}),
        channel("slack", {"slack": SLACK}),
        channel("google_chat", {"google_chat": GOOGLE_CHAT}),
        channel("telegram", TELEGRAM),
        channel("x", X_KEYS),
        channel("webhook", {"webhook": "https://example.com/hooks/alerts"}),
        channel("microsoft_teams", {"microsoft_teams": "https://contoso.webhook.office.com/webhookb2/abc"}),
        channel("twilio", {"twilio": "+442083661177"}),
        channel("internal_notification"),
    ]
    receiver.routes[GET_ME] = answer(200, ME)
    receiver.routes[GET_CHAT] = answer(200, {"ok": True, "result": {}})
    for handler in handlers:
        check(handler)
    assert sorted(asked(receiver)) == sorted(
        [
            ("GET", DISCORD_PATH),
            ("POST", SLACK_PATH),
            ("POST", GOOGLE_CHAT_PATH),
            ("GET", GET_ME),
            ("GET", GET_CHAT),
            ("GET", "/2/users/me"),
        ]
    )
    assert all(request["body"] in (b"", b"{}") for request in receiver.requests)
    assert not any("sendMessage" in request["path"] for request in receiver.requests)


# What the guard refuses, and services that give no verdict


def test_a_slow_service_cannot_be_checked(receiver: Receiver, settings) -> None:
    settings.TEST_SEND_TIMEOUT = 0.3
    receiver.delay = 1.0
    finding, words = checked(channel("discord", {"discord": DISCORD}))
    assert finding == Finding(Health.CANNOT_CHECK, {"code": "timed_out", "seconds": "0.3"})
    assert words == "Timed out after 0.3 s: nothing was confirmed."


def test_a_service_name_on_a_private_address_is_not_called(receiver: Receiver, settings) -> None:
    settings.TEST_SEND_RESOLVER = PUBLIC | {"discord.com": ["162.159.1.1", "10.0.0.5"]}
    finding, words = checked(channel("discord", {"discord": DISCORD}))
    assert finding == Finding(Health.CANNOT_CHECK, {"code": "internal_address"})
    assert "private network" in words and receiver.requests == [] and receiver.connections == 0


def test_a_redirect_is_not_followed(receiver: Receiver) -> None:
    receiver.routes[SLACK_PATH] = Reply(302, b"", {"Location": "http://10.0.0.1/metadata"})
    finding, words = checked(channel("slack", {"slack": SLACK}))
    assert finding == Finding(Health.CANNOT_CHECK, {"code": "redirected", "status": 302})
    assert words == (
        "Slack answered with a redirect (302). The panel does not follow redirects, so it could not check."
    )
    assert asked(receiver) == [("POST", SLACK_PATH)]


@pytest.mark.parametrize(
    ("values", "details"),
    [
        ({"discord": "http://discord.com/api/webhooks/1/SECRET"}, {"code": "https_only"}),
        ({"discord": "https://discord.com.evil.example/api/webhooks/1/SECRET"}, {"code": "other_service"}),
    ],
)
def test_an_address_of_the_wrong_kind_is_not_called(receiver: Receiver, values: dict, details: dict) -> None:
    assert checked(channel("discord", values))[0] == Finding(Health.CANNOT_CHECK, details)
    assert receiver.requests == []


@pytest.mark.parametrize(
    ("reply", "details", "words"),
    [
        (
            answer(503, "SECRET down"),
            {"code": "service_problem", "status": 503},
            "Discord had a problem on its side (503). Try again later.",
        ),
        (
            answer(429, {"retry_after": 1}, {"Retry-After": "1"}),
            {"code": "slow_down"},
            "Discord asked the panel to slow down. Try again later.",
        ),
        (
            answer(400, "SECRET"),
            {"code": "unexpected_answer", "status": 400},
            "Discord gave an answer the panel does not understand (400).",
        ),
    ],
)
def test_a_service_that_gives_no_verdict_cannot_be_checked(
    receiver: Receiver, reply: Reply, details: dict, words: str
) -> None:
    receiver.routes[DISCORD_PATH] = reply
    assert checked(channel("discord", {"discord": DISCORD})) == (Finding(Health.CANNOT_CHECK, details), words)
    assert len(receiver.requests) == 1


# Email

RECORDS = {
    ("mx.example", "MX"): ["10 mail.mx.example."],
    ("nullmx.example", "MX"): ["0 ."],
    ("aonly.example", "A"): ["93.184.216.34"],
    ("v6only.example", "AAAA"): ["2606:2800:220:1::1"],
    ("nomail.example", "TXT"): ['"v=spf1 -all"'],
}


@pytest.fixture
def dns_server(settings) -> Iterator[DnsServer]:
    with running_dns_server(RECORDS, silent={"slow.example"}) as server:
        settings.CHECK_NAMESERVER = server.address
        yield server


@pytest.mark.parametrize(
    ("address", "health", "details", "words", "queries"),
    [
        (
            "ops@mx.example",
            Health.WORKING,
            {"code": "mail_server", "record": "MX"},
            "The domain has a mail server.",
            ["MX"],
        ),
        (
            "ops@NullMX.example",
            Health.BROKEN,
            {"code": "no_mail_server", "reason": "null_mx"},
            "The domain says it takes no mail (null MX).",
            ["MX"],
        ),
        (
            "ops@aonly.example",
            Health.WORKING,
            {"code": "mail_server", "record": "A"},
            "The domain has no mail server record, but an address that mail goes to.",
            ["MX", "A"],
        ),
        (
            "ops@v6only.example",
            Health.WORKING,
            {"code": "mail_server", "record": "AAAA"},
            "The domain has no mail server record, but an address that mail goes to.",
            ["MX", "A", "AAAA"],
        ),
        (
            "ops@nowhere.example",
            Health.BROKEN,
            {"code": "no_mail_server", "reason": "no_domain"},
            "The address's domain does not exist.",
            ["MX"],
        ),
        (
            "ops@nomail.example",
            Health.BROKEN,
            {"code": "no_mail_server", "reason": "no_records"},
            "The domain has no mail server and no address.",
            ["MX", "A", "AAAA"],
        ),
    ],
)
def test_an_email_address_needs_a_domain_with_a_mail_server(
    dns_server: DnsServer, address: str, health: Health, details: dict, words: str, queries: list[str]
) -> None:
    assert checked(channel("email", {"email": address})) == (Finding(health, details), words)
    domain = address.split("@")[1].lower()
    assert dns_server.queries == [(domain, rdtype) for rdtype in queries]


def test_an_address_waiting_for_confirmation_is_waiting_without_a_lookup(dns_server: DnsServer) -> None:
    finding, words = checked(channel("email", {"email": "ops@mx.example"}, state=State.PENDING))
    assert finding == Finding(Health.WAITING, {"code": "waiting"})
    assert words == "Waiting for the address's owner to confirm it." and dns_server.queries == []


def test_a_dns_server_that_does_not_answer_cannot_check(dns_server: DnsServer, settings) -> None:
    settings.TEST_SEND_TIMEOUT = 0.3
    finding, words = checked(channel("email", {"email": "ops@slow.example"}))
    assert finding == Finding(Health.CANNOT_CHECK, {"code": "dns_timed_out", "seconds": "0.3"})
    assert words == "The mail domain could not be looked up within 0.3 s."


# SMS


@pytest.mark.parametrize(
    ("number", "health"),
    [("+442083661177", Health.WORKING), ("+12015550123", Health.WORKING), ("+4420836", Health.BROKEN),
     ("+99912345678", Health.BROKEN), ("+1 201 555 01", Health.BROKEN), ("not a number", Health.BROKEN)],
)  # fmt: skip
def test_a_phone_number_must_be_valid_for_its_country(receiver: Receiver, number: str, health: Health) -> None:
    finding, words = checked(channel("twilio", {"twilio": number}))
    assert finding.health == health
    valid = health == Health.WORKING
    assert words == ("This is a valid phone number." if valid else "This is not a valid phone number.")
    assert receiver.requests == [] and receiver.connections == 0


# Webhooks of your own and Teams: only reached


@pytest.mark.parametrize(
    ("slug", "url"),
    [("webhook", "https://example.com/hooks/alerts"), ("microsoft_teams", "https://contoso.webhook.office.com/w/a")],
)
def test_a_webhook_is_only_reached_and_sent_nothing(receiver: Receiver, slug: str, url: str) -> None:
    # With an http:// receiver standing in, the probe is a plain TCP connection (no TLS to check).
    finding, words = checked(channel(slug, {slug: url}))
    assert finding == Finding(Health.REACHABLE, {"code": "reachable"})
    assert words == "Reachable; not tested, because a test would trigger it."
    wait_for(lambda: receiver.closed == 1)
    assert receiver.connections == 1 and receiver.requests == []


def test_a_webhook_whose_name_does_not_exist_is_broken(receiver: Receiver) -> None:
    finding, words = checked(channel("webhook", {"webhook": "https://nowhere.example/hook"}))
    assert finding == Finding(Health.BROKEN, {"code": "name_not_found"})
    assert words == "The address's name could not be found." and receiver.connections == 0


def test_a_webhook_on_a_private_address_is_not_reached(receiver: Receiver, settings) -> None:
    settings.TEST_SEND_RESOLVER = PUBLIC | {"inside.example": ["192.168.1.10"]}
    finding, _words = checked(channel("webhook", {"webhook": "https://inside.example/hook"}))
    assert finding == Finding(Health.CANNOT_CHECK, {"code": "internal_address"})
    assert receiver.connections == 0


@pytest.fixture(scope="module")
def certificates(tmp_path_factory) -> dict[str, Path]:
    """A certificate authority of the tests' own, and a certificate it signed for example.com."""
    where = tmp_path_factory.mktemp("tls")
    now = datetime.now(UTC)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Channel checks test CA")])

    def builder(subject: x509.Name, public_key: ec.EllipticCurvePublicKey) -> x509.CertificateBuilder:
        return (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(ca_name)
            .public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(hours=1))
            .not_valid_after(now + timedelta(days=1))
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        )

    usage = dict.fromkeys(
        ("content_commitment", "key_encipherment", "data_encipherment", "key_agreement", "encipher_only"), False
    )
    ca = (
        builder(ca_name, ca_key.public_key())
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(digital_signature=False, key_cert_sign=True, crl_sign=True, decipher_only=False, **usage),
            critical=True,
        )
        .sign(ca_key, hashes.SHA256())
    )
    leaf = (
        builder(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "example.com")]), key.public_key())
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("example.com")]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    paths = {"ca": where / "ca.pem", "cert": where / "cert.pem", "key": where / "key.pem"}
    paths["ca"].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths["cert"].write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    paths["key"].write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return paths


@pytest.fixture
def tls_receiver(settings, certificates: dict[str, Path]) -> Iterator[Receiver]:
    """A receiver that speaks TLS with the certificate for example.com, so that the probe's handshake is real."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certificates["cert"], certificates["key"])
    with running_receiver(context) as server:
        settings.TEST_SEND_RECEIVER = f"https://127.0.0.1:{server.server_address[1]}"
        settings.TEST_SEND_RESOLVER = PUBLIC | {"other.example": ["93.184.216.34"]}
        yield server


def test_a_webhook_with_a_certificate_nobody_vouches_for_cannot_be_checked(tls_receiver: Receiver) -> None:
    finding, words = checked(channel("webhook", {"webhook": "https://example.com/hook"}))
    assert finding == Finding(Health.CANNOT_CHECK, {"code": "insecure"})
    assert words == "Your server's secure connection could not be checked."


def test_a_webhook_with_a_valid_certificate_for_its_name_is_reachable(
    tls_receiver: Receiver, certificates: dict[str, Path], monkeypatch
) -> None:
    # The tests' authority is trusted as the system's would be: OpenSSL reads SSL_CERT_FILE at each handshake.
    monkeypatch.setenv("SSL_CERT_FILE", str(certificates["ca"]))
    assert check(channel("webhook", {"webhook": "https://example.com/hook"})) == Finding(
        Health.REACHABLE, {"code": "reachable"}
    )
    assert tls_receiver.requests == []
    # The same certificate for another name is refused.
    other = check(channel("webhook", {"webhook": "https://other.example/hook"}))
    assert other == Finding(Health.CANNOT_CHECK, {"code": "insecure"})


def test_a_check_over_https_refuses_a_certificate_nobody_vouches_for(tls_receiver: Receiver) -> None:
    assert check(channel("discord", {"discord": DISCORD})) == Finding(Health.CANNOT_CHECK, {"code": "insecure"})
    assert tls_receiver.requests == []


# Nothing to check, or nothing to check it with


@pytest.mark.parametrize(
    ("handler", "finding", "words"),
    [
        (channel("internal_notification"), Finding(Health.WORKING, {"code": "in_app"}),
         "Nothing to check: the product shows these itself."),
        (channel(""), Finding(Health.CANNOT_CHECK, {"code": "damaged"}),
         "The product no longer has this channel's type or settings."),
        (channel("slack", {"": ""}), Finding(Health.CANNOT_CHECK, {"code": "damaged"}),
         "The product no longer has this channel's type or settings."),
        (channel("pagerduty", {"key": "SECRET"}), Finding(Health.CANNOT_CHECK, {"code": "uncheckable"}),
         "The panel does not know how to check this type."),
        (channel("discord", {"discord": " "}), Finding(Health.BROKEN, {"code": "missing_setting", "field": "discord"}),
         "Discord webhook URL is empty."),
    ],
)  # fmt: skip
def test_channels_with_nothing_to_ask(receiver: Receiver, handler: Handler, finding: Finding, words: str) -> None:
    assert checked(handler) == (finding, words)
    assert receiver.requests == []


# Checking many


def test_many_channels_are_checked_at_most_per_host_at_a_time_for_each_host(receiver: Receiver) -> None:
    receiver.delay = 0.15
    handlers = [channel("discord", {"discord": f"https://discord.com/api/webhooks/{n}/t"}, id=n) for n in range(6)]
    handlers += [channel("slack", {"slack": f"https://hooks.slack.com/services/T/B/{n}"}, id=10 + n) for n in range(6)]
    found: list[tuple[int, Health, int]] = []
    check_all(
        handlers,
        per_host=2,
        on_finding=lambda handler, finding: found.append((handler.id, finding.health, threading.get_ident())),
    )
    assert sorted(handler_id for handler_id, _health, _thread in found) == [h.id for h in handlers]
    assert {health for _id, health, _thread in found} == {Health.WORKING}
    # Every finding was heard in the calling thread.
    assert {thread for _id, _health, thread in found} == {threading.get_ident()}
    assert receiver.most_at_once == {"discord.com": 2, "hooks.slack.com": 2}
    assert receiver.most_in_all >= 3


def test_a_service_asking_to_wait_is_waited_for_then_asked_again(receiver: Receiver) -> None:
    receiver.routes[DISCORD_PATH] = [answer(429, {"retry_after": 1}, {"Retry-After": "1"}), answer(200, {})]
    found: list[Finding] = []
    started = time.monotonic()
    check_all([channel("discord", {"discord": DISCORD})], per_host=4, on_finding=lambda _h, f: found.append(f))
    assert time.monotonic() - started >= 1
    assert found == [Finding(Health.WORKING, {"code": "webhook_known"})]
    assert asked(receiver) == [("GET", DISCORD_PATH), ("GET", DISCORD_PATH)]


def test_a_channel_is_tried_a_few_times_at_most(receiver: Receiver) -> None:
    receiver.routes[DISCORD_PATH] = answer(429, "", {"Retry-After": "0"})
    found: list[Finding] = []
    check_all([channel("discord", {"discord": DISCORD})], per_host=4, on_finding=lambda _h, f: found.append(f))
    assert found == [Finding(Health.CANNOT_CHECK, {"code": "slow_down"})] and len(receiver.requests) == 3


def test_a_wait_longer_than_the_cap_is_not_waited_and_the_host_is_left_alone(receiver: Receiver) -> None:
    receiver.routes[DISCORD_PATH] = answer(429, "", {"Retry-After": "3600"})
    handlers = [channel("discord", {"discord": DISCORD}, id=n) for n in range(3)]
    found: list[Finding] = []
    started = time.monotonic()
    check_all(handlers, per_host=1, on_finding=lambda _h, f: found.append(f))
    assert time.monotonic() - started < 5
    assert found == [Finding(Health.CANNOT_CHECK, {"code": "slow_down"})] * 3 and len(receiver.requests) == 1


# Settings


def test_the_resolver_table_can_come_from_the_environment() -> None:
    script = "import django; django.setup(); from django.conf import settings; print(repr(settings.TEST_SEND_RESOLVER))"
    environment = os.environ | {"DJANGO_SETTINGS_MODULE": "tests.settings"}

    def resolver(value: str | None) -> str:
        env = {k: v for k, v in environment.items() if k != "TEST_SEND_RESOLVER"}
        if value is not None:
            env["TEST_SEND_RESOLVER"] = value
        run = subprocess.run(
            [sys.executable, "-c", script], env=env, cwd=django_settings.BASE_DIR, capture_output=True, text=True
        )
        assert run.returncode == 0, run.stderr
        return run.stdout.strip()

    assert resolver('{"hooks.slack.com": ["52.4.1.1", "52.4.1.2"]}') == "{'hooks.slack.com': ['52.4.1.1', '52.4.1.2']}"
    assert resolver(None) == resolver("") == "None"


def test_check_deploy_warns_when_email_checks_ask_another_dns_server(settings) -> None:
    assert check_test_send_settings() == []
    settings.CHECK_NAMESERVER = "127.0.0.1:5353"
    assert [warning.id for warning in check_test_send_settings()] == ["handlers_admin.W002"]
    settings.TEST_SEND_RESOLVER = {}
    assert [warning.id for warning in check_test_send_settings()] == ["handlers_admin.W001", "handlers_admin.W002"]


def test_a_code_the_panel_does_not_know_has_no_words() -> None:
    assert describe_check({"code": "from-the-future"}, "slack") == ""
