"""Checks of the panel's own settings, run by `manage.py check`."""

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Tags, Warning, register


@register(Tags.security, deploy=True)
def check_test_send_settings(**kwargs: Any) -> list[CheckMessage]:
    if settings.TEST_SEND_RECEIVER or settings.TEST_SEND_RESOLVER is not None:
        return [
            Warning(
                "TEST_SEND_RECEIVER or TEST_SEND_RESOLVER is set: test messages do not go to the real services.",
                hint="These settings are for the test suite only; unset them in production.",
                id="handlers_admin.W001",
            )
        ]
    return []
