from django.contrib.auth.management import create_permissions
from django.db import migrations

# Frozen here on purpose: a migration must not change when roles.py does.
ROLES = {
    "viewer": ["handlers_admin.view_handlers"],
    "editor": ["handlers_admin.view_handlers", "handlers_admin.change_handlers"],
    "admin": [
        "handlers_admin.view_handlers",
        "handlers_admin.change_handlers",
        "handlers_admin.delete_handlers",
        "auth.view_user",
        "auth.add_user",
        "auth.change_user",
        "auth.delete_user",
        "auth.view_group",
    ],
}


def create_roles(apps, schema_editor):
    # Permissions are normally created after all migrations; the groups need them now.
    for label in ("auth", "handlers_admin"):
        config = apps.get_app_config(label)
        config.models_module = True
        create_permissions(config, apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, perms in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        for perm in perms:
            app_label, codename = perm.split(".")
            group.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("handlers_admin", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
