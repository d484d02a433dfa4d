"""The checks of the values a channel's settings take, in the words a member reads: real servers check none of
them (shared/API.md), so the panel is the only guard against a broken channel."""

import re
from collections.abc import Callable
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise

Validator = Callable[[str], str]


def email(value: str) -> str:
    EmailValidator(message=_("Enter an email address, like ops@example.com."))(value)
    return value


# A host written as a number (2130706433, 0x7f000001, 127.1): another way of writing an IP address, not a name.
NUMERIC_HOST = re.compile(r"(?:0x[0-9a-f]*|[0-9]+)(?:\.(?:0x[0-9a-f]*|[0-9]+))*\.?", re.IGNORECASE)


def https_url(value: str) -> str:
    try:
        URLValidator(schemes=["https"], message=_("Enter a web address that starts with https://"))(value)
    except ValidationError:
        if host := numeric_https_host(value):
            raise ValidationError(
                _(
                    "“%(host)s” is a number, not the name of a web address. Enter the address with its name, "
                    "as in the example."
                )
                % {"host": host}
            ) from None
        raise
    return value


def numeric_https_host(value: str) -> str:
    """The host of an https address when it is written as a number, or ""."""
    try:
        parts = urlsplit(value.strip())
        host = parts.hostname or ""
    except ValueError:
        return ""
    return host if parts.scheme.lower() == "https" and NUMERIC_HOST.fullmatch(host) else ""


def service_url(service: str, hosts: tuple[str, ...], example: str) -> Validator:
    """An https address on one of a service's hosts (or their subdomains)."""

    def validate(value: str) -> str:
        https_url(value)
        host = (urlsplit(value).hostname or "").lower()
        if not any(host == allowed or host.endswith("." + allowed) for allowed in hosts):
            raise ValidationError(
                _("This is not a %(service)s webhook address. It should look like %(example)s")
                % {"service": service, "example": example}
            )
        return value

    return validate


def pattern(regex: str, message: "StrPromise", normalize: Callable[[str], str] = str.strip) -> Validator:
    compiled = re.compile(regex)

    def validate(value: str) -> str:
        value = normalize(value)
        if not compiled.fullmatch(value):
            raise ValidationError(message)
        return value

    return validate


def phone(value: str) -> str:
    return re.sub(r"[\s().-]", "", value)


def credential(value: str) -> str:
    if re.search(r"\s", value.strip()):
        raise ValidationError(_("Credentials contain no spaces: copy it again from the X developer portal."))
    return value.strip()
