from collections.abc import Callable

from django.apps import apps as global_apps
from django.apps.registry import Apps
from django.contrib.auth.models import AnonymousUser, Group, User
from django.db import models
from django.utils.translation import gettext_lazy as _

VIEW = "handlers_admin.view_handlers"
CHANGE = "handlers_admin.change_handlers"
DELETE = "handlers_admin.delete_handlers"


class Role(models.TextChoices):
    # Ordered from least to most power; a member holds one.
    VIEWER = "viewer", _("Viewer")
    EDITOR = "editor", _("Editor")
    ADMIN = "admin", _("Admin")


ROLE_PERMISSIONS = {
    Role.VIEWER: [VIEW],
    Role.EDITOR: [VIEW, CHANGE],
    Role.ADMIN: [
        VIEW,
        CHANGE,
        DELETE,
        "auth.view_user",
        "auth.add_user",
        "auth.change_user",
        "auth.delete_user",
        "auth.view_group",
        "handlers_admin.view_auditentry",
    ],
}


def ensure_role_group(role: Role, apps: Apps = global_apps) -> Group:
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    group, _ = group_model.objects.get_or_create(name=role.value)
    for perm in ROLE_PERMISSIONS[role]:
        app_label, codename = perm.split(".")
        # A permission of a model not migrated yet is granted by the migration that adds it.
        if found := permission_model.objects.filter(content_type__app_label=app_label, codename=codename).first():
            group.permissions.add(found)
    return group


def role_of(user: User | AnonymousUser) -> Role | None:
    """The role a member holds, whatever their access. Django grants no permission to a member stopped from signing
    in (`has_perm` is False for an inactive account), so theirs are read from their account: "Stop signing in" must
    not read as a viewer, nor a role form posted unchanged demote them. Otherwise, the permissions Django has
    already loaded for the request."""
    if isinstance(user, User) and not user.is_active:
        return role_from_relations(user)
    return _strongest(user.has_perm)


def role_from_relations(user: User) -> Role | None:
    """The role an account's groups and own permissions give, whatever its access, read through the relations its
    caller prefetched, if any (see members.listed)."""
    if user.is_superuser:
        return Role.ADMIN
    return _strongest(_granted(user).__contains__)


def _strongest(holds: Callable[[str], bool]) -> Role | None:
    for role, mark in ((Role.ADMIN, DELETE), (Role.EDITOR, CHANGE), (Role.VIEWER, VIEW)):
        if holds(mark):
            return role
    return None


def _granted(user: User) -> set[str]:
    """What an account's groups and own permissions grant, as "app_label.codename"."""
    permissions = [*user.user_permissions.all(), *(p for group in user.groups.all() for p in group.permissions.all())]
    return {f"{permission.content_type.app_label}.{permission.codename}" for permission in permissions}


def assign_role(user: User, role: Role) -> None:
    user.groups.remove(*Group.objects.filter(name__in=Role.values))
    user.groups.add(Group.objects.filter(name=role.value).first() or ensure_role_group(role))
    user.is_staff = role == Role.ADMIN
    user.save(update_fields=["is_staff"])
