from typing import Any

from django.core.management.commands import compilemessages

from handlers_admin.management.commands.makemessages import NOT_THE_PANELS


class Command(compilemessages.Command):
    """Django's compilemessages, for the panel's catalogues only: not those of the packages in the virtualenv."""

    def handle(self, *args: Any, **options: Any) -> None:
        options["ignore_patterns"] = [*options["ignore_patterns"], *NOT_THE_PANELS]
        super().handle(*args, **options)
