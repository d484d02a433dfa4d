import secrets
from argparse import ArgumentParser, BooleanOptionalAction
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from sandbox.seed import foreign_rows, seed_rows
from sandbox.server import Quirks, SandboxApi, serve
from sandbox.store import Store


def open_store(path: Path, variant: str, *, reset: bool = False, foreign_types: bool = False) -> Store:
    """The sandbox's data as it was left, or the seed on first use or when asked."""
    path.parent.mkdir(parents=True, exist_ok=True)
    store = Store(path)
    if reset or store.is_empty():
        store.replace_all(seed_rows(variant) + (foreign_rows() if foreign_types else []))
    return store


class Command(BaseCommand):
    help = "Serve a stand-in of the remote notification-handlers API at http://127.0.0.1:PORT/api/."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--port", type=int, default=8001)
        parser.add_argument("--variant", choices=["full", "basic"], default="full")
        parser.add_argument("--rate-limit", type=int, default=60, help="calls a minute per key; 0 for none")
        parser.add_argument("--reset", action="store_true", help="restore the seed data")
        parser.add_argument("--key", default="", help="the API key to accept (default: API_KEY, or a new one)")
        parser.add_argument("--data", default=str(Path(settings.BASE_DIR) / "var" / "sandbox.sqlite3"))
        parser.add_argument("--verbose", action="store_true", help="log every request")
        parser.add_argument(
            "--foreign-types", action="store_true", help="seed a few handlers of types other products have"
        )
        quirks = parser.add_argument_group("real servers' behaviour (all on unless switched off with --no-…)")
        quirks.add_argument("--stamp-updates", action=BooleanOptionalAction, default=True)
        quirks.add_argument("--email-confirmation", action=BooleanOptionalAction, default=True)
        quirks.add_argument("--cut-names", action=BooleanOptionalAction, default=True)
        quirks.add_argument("--full-answers", action=BooleanOptionalAction, default=True)

    def handle(
        self,
        *args: Any,
        port: int,
        variant: str,
        rate_limit: int,
        reset: bool,
        key: str,
        data: str,
        verbose: bool,
        foreign_types: bool,
        **options: Any,
    ) -> None:
        store = open_store(Path(data), variant, reset=reset, foreign_types=foreign_types)
        quirks = Quirks(
            stamp_updates=options["stamp_updates"],
            email_confirmation=options["email_confirmation"],
            cut_names=options["cut_names"],
            full_answers=options["full_answers"],
        )
        key = key or settings.API_KEY or "sandbox-" + secrets.token_urlsafe(16)
        app = SandboxApi(store, key, variant=variant, rate_limit=rate_limit, quirks=quirks)
        server = serve(app, port=port, verbose=verbose)
        self.stdout.write(f"Sandbox API ({variant}) at http://127.0.0.1:{port}/api/ — key: {key[:12]}…")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
