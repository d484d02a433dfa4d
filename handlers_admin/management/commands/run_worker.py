import threading
import time
from argparse import ArgumentParser
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand

from handlers_admin import jobs

BEAT_SECONDS = 30


class Command(BaseCommand):
    help = "Runs the worker: takes up jobs a stopped worker left midway, then runs queued jobs as they come."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--interval", type=float, default=1, help="seconds between looks for new jobs")
        parser.add_argument("--batch", action="store_true", help="run what is queued, then stop")

    def handle(self, *args: Any, interval: float, batch: bool, **options: Any) -> None:
        jobs.beat()
        # The worker says it is alive while it waits for jobs too, for /healthz.
        threading.Thread(target=self.beat_forever, daemon=True).start()
        if taken := jobs.take_up_abandoned():
            self.stdout.write(f"Took up {taken} job(s) a stopped worker had left.")
        call_command("db_worker", interval=interval, batch=batch, reload=False, verbosity=options["verbosity"])

    @staticmethod
    def beat_forever() -> None:
        while True:
            time.sleep(BEAT_SECONDS)
            jobs.beat()
