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
    """The most a member may do, read from the permissions Django has already loaded for the request."""
    for role, mark in ((Role.ADMIN, DELETE), (Role.EDITOR, CHANGE), (Role.VIEWER, VIEW)):
        if user.has_perm(mark):
            return role
    return None


def assign_role(user: User, role: Role) -> None:
    user.groups.remove(*Group.objects.filter(name__in=Role.values))
    user.groups.add(Group.objects.filter(name=role.value).first() or ensure_role_group(role))
    user.is_staff = role == Role.ADMIN
    user.save(update_fields=["is_staff"])
