import sys
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from handlers_admin import channel_health
from handlers_admin.api import ApiError


class Command(BaseCommand):
    help = (
        "Checks every notification channel without sending anything, for a scheduler (cron, a systemd timer, a "
        "Kubernetes CronJob). Prints a summary, emails the admins when a channel newly broke, and exits with 1 then."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--no-email", action="store_true", help="do not email the admins, only print")

    def handle(self, *args: Any, no_email: bool, **options: Any) -> None:
        try:
            run = channel_health.check_everything(tell=not no_email)
        except ApiError as e:
            # 2, so that a scheduler can tell a run that could not check from one that found something broken.
            raise CommandError(e.message, returncode=2) from e
        for line in channel_health.summary(run):
            self.stdout.write(line)
        if run.broke:
            sys.exit(1)
