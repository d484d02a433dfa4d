"""Which address a request comes from, for sign-in throttling."""

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str | None:
    """The connection's own address; behind a proxy (BEHIND_PROXY), the one the proxy appended last to
    X-Forwarded-For, which is the only part of that header a client cannot forge."""
    if settings.BEHIND_PROXY:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if forwarded:
            return forwarded[-1]
    return request.META.get("REMOTE_ADDR")
