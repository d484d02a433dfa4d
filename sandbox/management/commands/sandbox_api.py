import secrets
from argparse import ArgumentParser, BooleanOptionalAction
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from handlers_admin.handler_types import HANDLER_TYPES
from sandbox.seed import foreign_rows, seed_rows
from sandbox.server import UPDATE_MODES, Quirks, SandboxApi, UpdateMode, serve
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
        parser.add_argument(
            "--update",
            choices=[mode.replace("_", "-") for mode in UPDATE_MODES],
            default="works",
            help="how an update treats type and settings: works (default), form-type (an update without type "
            "loses them) or erases (every update loses them, as the product's code does)",
        )
        parser.add_argument(
            "--types",
            default="",
            help="the types this install offers, comma-separated, e.g. email,webhook,slack "
            "(default: every type of the variant); a create of another is refused",
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
        update: str,
        types: str,
        **options: Any,
    ) -> None:
        enabled_types = parse_types(types)
        store = open_store(Path(data), variant, reset=reset, foreign_types=foreign_types)
        quirks = Quirks(
            stamp_updates=options["stamp_updates"],
            email_confirmation=options["email_confirmation"],
            cut_names=options["cut_names"],
            full_answers=options["full_answers"],
            update=update_mode(update),
        )
        key = key or settings.API_KEY or "sandbox-" + secrets.token_urlsafe(16)
        app = SandboxApi(store, key, variant=variant, rate_limit=rate_limit, quirks=quirks, enabled_types=enabled_types)
        server = serve(app, port=port, verbose=verbose)
        offered = ", ".join(app.types)
        self.stdout.write(
            f"Sandbox API ({variant}, updates: {update}) at http://127.0.0.1:{port}/api/ — key: {key[:12]}…\n"
            f"Types offered: {offered}"
        )
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()


def update_mode(option: str) -> UpdateMode:
    for mode in UPDATE_MODES:
        if option.replace("-", "_") == mode:
            return mode
    raise CommandError(f"--update must be one of {', '.join(m.replace('_', '-') for m in UPDATE_MODES)}")


def parse_types(option: str) -> frozenset[str] | None:
    """The --types list, or None for every type of the variant."""
    slugs = frozenset(slug.strip() for slug in option.split(",") if slug.strip())
    if not slugs:
        return None
    if unknown := sorted(slugs - set(HANDLER_TYPES)):
        raise CommandError(f"--types: unknown type(s) {', '.join(unknown)}; known: {', '.join(HANDLER_TYPES)}")
    return slugs
