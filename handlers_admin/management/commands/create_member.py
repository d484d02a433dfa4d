import getpass
import os
from argparse import ArgumentParser
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from handlers_admin.models import MemberSettings
from handlers_admin.roles import Role, assign_role


class Command(BaseCommand):
    help = (
        "Create a team member, or update an existing one's role and password; they can sign in with it even when "
        "OIDC_ONLY turns passwords off (a break-glass account)."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--role", choices=Role.values, required=True)
        parser.add_argument("--email", default="")

    def handle(self, *args: Any, username: str, role: str, email: str, **options: Any) -> None:
        User = get_user_model()
        user = User.objects.filter(username=username).first() or User(username=username, email=email)
        password = os.environ.get("MEMBER_PASSWORD") or self.prompt_password(user)
        try:
            validate_password(password, user)
        except ValidationError as e:
            raise CommandError(" ".join(e.messages)) from e
        created = user.pk is None
        with transaction.atomic():
            user.set_password(password)
            if email:
                user.email = email
            user.save()
            assign_role(user, Role(role))
            # The account that still signs in with a password when OIDC_ONLY turns passwords off for the others.
            MemberSettings.objects.update_or_create(user=user, defaults={"break_glass": True})
        verb = "Created" if created else "Updated"
        self.stdout.write(self.style.SUCCESS(f"{verb} {username} as {role}."))

    def prompt_password(self, user: Any) -> str:
        if not self.stdin_is_interactive():
            raise CommandError("Set MEMBER_PASSWORD, or run this command in a terminal to be asked for a password.")
        first = getpass.getpass(f"Password for {user.username}: ")
        if first != getpass.getpass("Password (again): "):
            raise CommandError("The two passwords differ.")
        return first

    def stdin_is_interactive(self) -> bool:
        return os.isatty(0)
