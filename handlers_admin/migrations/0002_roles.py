from django.contrib.auth.management import create_permissions
from django.db import migrations


def create_roles(apps, schema_editor):
    from handlers_admin.roles import Role, ensure_role_group

    # Permissions are normally created after all migrations; the groups need them now.
    for label in ("auth", "handlers_admin"):
        config = apps.get_app_config(label)
        config.models_module = True
        create_permissions(config, apps=apps, verbosity=0)
    for role in Role:
        ensure_role_group(role, apps)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=["viewer", "editor", "admin"]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("handlers_admin", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
