"""Helpers the tests call directly (fixtures live in conftest.py)."""

from collections.abc import Iterator
from contextlib import contextmanager

from django.contrib.auth.models import User
from django.test import Client

from handlers_admin.roles import Role, assign_role

PASSWORD = "a-long-test-password-42"


def make_member(username: str, role: Role) -> User:
    user = User.objects.create_user(username, f"{username}@example.com", PASSWORD)
    assign_role(user, role)
    return user


def signed_in(user: User, **kwargs) -> Client:
    client = Client(**kwargs)
    client.force_login(user)
    return client


def known_server(check: str = "keeps") -> None:
    """Records that the server of the current settings was checked and found so ("keeps" or "erases")."""
    from django.utils import timezone

    from handlers_admin import server_profile

    profile = server_profile.current()
    profile.update_check, profile.checked = check, timezone.now()
    profile.save()


@contextmanager
def translated(language: str, entries: dict[str | tuple[str, int], str]) -> Iterator[None]:
    """Adds entries to a language's loaded catalogue for the block, as a translator would have written them: a
    message by its msgid, a plural form by (msgid, form). For words whose translations come later."""
    from django.utils.translation import trans_real

    catalogue = trans_real.translation(language)._catalog._catalogs[0]
    missing = object()
    before = {key: catalogue.get(key, missing) for key in entries}
    catalogue.update(entries)
    try:
        yield
    finally:
        for key, value in before.items():
            if value is missing:
                del catalogue[key]
            else:
                catalogue[key] = value


def run_queued_tasks() -> list[str]:
    """Does what the worker would with the tasks queued so far, in order; returns their names."""
    from django.utils.module_loading import import_string
    from django_tasks_db.models import DBTaskResult

    done = []
    for queued in DBTaskResult.objects.ready().order_by("enqueued_at"):
        call = queued.args_kwargs
        import_string(queued.task_path).func(*call["args"], **call["kwargs"])
        queued.delete()
        done.append(queued.task_path.rsplit(".", 1)[-1])
    return done
