"""The team's own accounts: adding members, changing their role, letting them sign in or not; each audited."""

import secrets
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext as _

from handlers_admin.audit import member_changed
from handlers_admin.models import AuditEntry
from handlers_admin.roles import Role, assign_role, role_of


class MemberChangeRefused(Exception):
    """A change to a member the panel will not make, in plain words."""


@dataclass(frozen=True, kw_only=True)
class Member:
    user: User
    role: Role | None


def listed() -> list[Member]:
    # What role_of reads for a member stopped from signing in, whose permissions Django does not load.
    users = User.objects.order_by("username").prefetch_related(
        "groups__permissions__content_type", "user_permissions__content_type"
    )
    return [Member(user=user, role=role_of(user)) for user in users]


def add(actor: User, *, username: str, role: Role) -> str:
    """Adds a member; returns their one-time password, shown once and kept nowhere."""
    if User.objects.filter(username__iexact=username).exists():
        raise MemberChangeRefused(_("There is already a member called “%(name)s”.") % {"name": username})
    password = secrets.token_urlsafe(12)
    with transaction.atomic():
        user = User.objects.create_user(username, password=password)
        assign_role(user, role)
        member_changed(actor, AuditEntry.Action.MEMBER_ADDED, member=username, changes={"role": (None, role.value)})
    return password


def change_role(actor: User, member: User, role: Role) -> None:
    if member.pk == actor.pk:
        raise MemberChangeRefused(_("You cannot change your own role: ask another admin."))
    before = role_of(member)
    with transaction.atomic():
        assign_role(member, role)
        member_changed(
            actor,
            AuditEntry.Action.MEMBER_CHANGED,
            member=member.get_username(),
            changes={"role": (before.value if before else None, role.value)},
        )


def allow_sign_in(actor: User, member: User, *, allowed: bool) -> None:
    if member.pk == actor.pk:
        raise MemberChangeRefused(_("You cannot stop yourself from signing in: ask another admin."))
    member.is_active = allowed
    with transaction.atomic():
        member.save(update_fields=["is_active"])
        action = AuditEntry.Action.MEMBER_ENABLED if allowed else AuditEntry.Action.MEMBER_DISABLED
        member_changed(actor, action, member=member.get_username())
