"""Checks of the panel's own settings, run by `manage.py check`."""

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Tags, Warning, register


@register(Tags.security, deploy=True)
def check_test_send_settings(**kwargs: Any) -> list[CheckMessage]:
    found: list[CheckMessage] = []
    if settings.TEST_SEND_RECEIVER or settings.TEST_SEND_RESOLVER is not None:
        found.append(
            Warning(
                "TEST_SEND_RECEIVER or TEST_SEND_RESOLVER is set: test messages and channel checks do not go to the "
                "real services.",
                hint="These settings are for the test suite only; unset them in production.",
                id="handlers_admin.W001",
            )
        )
    if settings.CHECK_NAMESERVER:
        found.append(
            Warning(
                "CHECK_NAMESERVER is set: email checks ask that DNS server instead of the system's resolver.",
                hint="This setting is for the test suite; unset it in production unless you mean it.",
                id="handlers_admin.W002",
            )
        )
    return found
