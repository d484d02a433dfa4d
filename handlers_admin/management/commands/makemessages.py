from typing import Any

from django.core.management.commands import makemessages

# The sandbox plays the remote product, whose messages are its own; the rest is not the panel's text.
NOT_THE_PANELS = [".venv", "node_modules", "tests", "bench", "sandbox", "staticfiles", "var", "docs", "scripts"]


class Command(makemessages.Command):
    """Django's makemessages, reading only the panel's own code, with catalogues that change little from one run
    to the next (no line numbers, no wrapping)."""

    def handle(self, *args: Any, **options: Any) -> None:
        options["ignore_patterns"] = [*options["ignore_patterns"], *NOT_THE_PANELS]
        options["no_wrap"] = True
        options["add_location"] = options.get("add_location") or "file"
        super().handle(*args, **options)
