"""The team's own accounts: adding members, changing their role, letting them sign in or not, resetting their
password and removing them; each audited. The list also says which second factors each has and how they sign in."""

import secrets
from dataclasses import dataclass, field

from allauth.socialaccount.models import SocialAccount
from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from handlers_admin import member_sessions, second_factors
from handlers_admin.audit import member_changed
from handlers_admin.models import AuditEntry, MemberSettings, MirroredHandler
from handlers_admin.roles import DELETE, Role, assign_role, role_from_relations, role_of


class MemberChangeRefused(Exception):
    """A change to a member the panel will not make, in plain words."""


@dataclass(frozen=True, kw_only=True)
class Member:
    user: User
    role: Role | None
    factors: second_factors.Factors = field(default_factory=second_factors.Factors)
    # The name of the provider the account signs in through (single sign-on); empty for a password account.
    provider: str = ""
    # May sign in with a password when OIDC_ONLY turns passwords off for the others.
    break_glass: bool = False


def provider_name(provider_id: str) -> str:
    """The name of a single sign-on provider, by the id allauth keeps with the accounts it signed in."""
    return settings.OIDC_PROVIDER_NAME if provider_id == settings.OIDC_PROVIDER_ID else provider_id


def _break_glass(user: User) -> bool:
    try:
        return user.panel_settings.break_glass
    except MemberSettings.DoesNotExist:
        return False


def listed() -> list[Member]:
    """Every member, in the same few queries however many there are."""
    # What a member's role is read from (see roles.role_from_relations): role_of would ask Django for an active
    # member's permissions, two queries for each.
    users = list(
        User.objects.order_by("username")
        .select_related("panel_settings")
        .prefetch_related("groups__permissions__content_type", "user_permissions__content_type")
    )
    ids = [user.pk for user in users]
    factors = second_factors.factors_of(ids)
    providers: dict[int, str] = {}
    for user_id, provider in (
        SocialAccount.objects.filter(user_id__in=ids).order_by("pk").values_list("user_id", "provider")
    ):
        providers.setdefault(user_id, provider_name(provider))
    return [
        Member(
            user=user,
            role=role_from_relations(user),
            factors=factors.get(user.pk, second_factors.Factors()),
            provider=providers.get(user.pk, ""),
            break_glass=_break_glass(user),
        )
        for user in users
    ]


@dataclass(frozen=True)
class OneTimePassword:
    """A password to show once. Its repr hides it: Django's debug logging of a template writes out the whole
    context, and error reports the locals, which would carry a plain string."""

    value: str = field(repr=False)

    def __str__(self) -> str:
        return self.value


def _one_time_password() -> OneTimePassword:
    return OneTimePassword(secrets.token_urlsafe(12))


def add(actor: User, *, username: str, role: Role) -> OneTimePassword:
    """Adds a member; returns their one-time password, shown once and kept nowhere."""
    if settings.OIDC_ONLY:
        raise MemberChangeRefused(_("Passwords are turned off for this panel: members sign in through its provider."))
    if User.objects.filter(username__iexact=username).exists():
        raise MemberChangeRefused(_("There is already a member called “%(name)s”.") % {"name": username})
    password = _one_time_password()
    with transaction.atomic():
        user = User.objects.create_user(username, password=password.value)
        assign_role(user, role)
        member_changed(actor, AuditEntry.Action.MEMBER_ADDED, member=username, changes={"role": (None, role.value)})
    return password


def change_role(actor: User, member: User, role: Role) -> None:
    if member.pk == actor.pk:
        raise MemberChangeRefused(_("You cannot change your own role: ask another admin."))
    set_role(actor, member, role)


def set_role(actor: User, member: User, role: Role, *, details: dict[str, str] | None = None) -> None:
    """Gives a member a role, audited when it is another than theirs (`details` as for audit.member_changed)."""
    before = role_of(member)
    if before == role:
        return
    with transaction.atomic():
        assign_role(member, role)
        member_changed(
            actor,
            AuditEntry.Action.MEMBER_CHANGED,
            member=member.get_username(),
            changes={"role": (before.value if before else None, role.value)},
            details=details,
        )


def allow_sign_in(actor: User, member: User, *, allowed: bool) -> None:
    if member.pk == actor.pk:
        raise MemberChangeRefused(_("You cannot stop yourself from signing in: ask another admin."))
    member.is_active = allowed
    with transaction.atomic():
        member.save(update_fields=["is_active"])
        action = AuditEntry.Action.MEMBER_ENABLED if allowed else AuditEntry.Action.MEMBER_DISABLED
        member_changed(actor, action, member=member.get_username())
        if not allowed:
            member_sessions.end_all(member)


def reset_password(actor: User, member: User) -> OneTimePassword:
    """Gives a member a new one-time password, returned to be shown once and kept nowhere. Their sessions end with
    the old one: Django checks each session against a hash of the password it began with."""
    if member.pk == actor.pk:
        # Here the admin's own session would end too; Django's own form keeps it and asks for the old password.
        raise MemberChangeRefused(_("You cannot reset your own password here: change it under “Your account”."))
    password = _one_time_password()
    member.set_password(password.value)
    with transaction.atomic():
        member.save(update_fields=["password"])
        member_changed(actor, AuditEntry.Action.MEMBER_PASSWORD_RESET, member=member.get_username())
    return password


def owned_channels(member: User) -> QuerySet[MirroredHandler]:
    """The channels whose details name this member as their owner, by name."""
    return MirroredHandler.objects.filter(details__owner=member).order_by("name", "id")


def _admins_who_can_sign_in() -> QuerySet[User]:
    """Accounts role_of reads as admins, among those that can sign in."""
    app_label, codename = DELETE.split(".")
    holds = (
        Q(is_superuser=True)
        | Q(groups__permissions__content_type__app_label=app_label, groups__permissions__codename=codename)
        | Q(user_permissions__content_type__app_label=app_label, user_permissions__codename=codename)
    )
    return User.objects.filter(holds, is_active=True).distinct()


def removal_refusal(actor: User, member: User) -> str:
    """Why this member cannot be removed by this actor, in plain words; empty when they can be."""
    if member.pk == actor.pk:
        return _("You cannot remove yourself: ask another admin.")
    if role_of(member) == Role.ADMIN and not _admins_who_can_sign_in().exclude(pk=member.pk).exists():
        return _(
            "%(name)s cannot be removed: no other admin could sign in. Make another member an admin, or let one "
            "sign in again, first."
        ) % {"name": member.get_username()}
    return ""


def remove(actor: User, member: User) -> int:
    """Deletes a member's account; returns how many channels were left without an owner. The audit trail keeps
    their name (AuditEntry.actor_name) where it loses the account."""
    with transaction.atomic():
        # Two admins removing each other at once: the second waits here, then finds the first gone and is refused.
        locked = User.objects.select_for_update().filter(Q(is_active=True) | Q(pk=member.pk)).order_by("pk")
        if member.pk not in locked.values_list("pk", flat=True):
            raise MemberChangeRefused(_("%(name)s was already removed.") % {"name": member.get_username()})
        if refusal := removal_refusal(actor, member):
            raise MemberChangeRefused(refusal)
        role, name, orphaned = role_of(member), member.get_username(), owned_channels(member).count()
        member.delete()
        member_changed(
            actor, AuditEntry.Action.MEMBER_REMOVED, member=name, changes={"role": (role.value if role else None, None)}
        )
    return orphaned
