from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, Group
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


def role_of(user: AbstractBaseUser | AnonymousUser) -> Role | None:
    if not user.is_authenticated:
        return None
    if user.is_superuser:
        return Role.ADMIN
    names = {group.name for group in user.groups.all()}
    return next((role for role in reversed(Role) if role.value in names), None)


def assign_role(user: AbstractBaseUser, role: Role) -> None:
    user.groups.remove(*Group.objects.filter(name__in=Role.values))
    user.groups.add(Group.objects.get(name=role.value))
    user.is_staff = role == Role.ADMIN
    user.save(update_fields=["is_staff"])
