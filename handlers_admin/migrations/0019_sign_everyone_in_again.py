from django.apps.registry import Apps
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor


def end_every_session(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    # Sessions begun before allauth are not in its list of each member's sessions, so "sign out other sessions" and
    # an admin's reset of a member's factors could not end them: everyone signs in once more.
    apps.get_model("sessions", "Session").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("handlers_admin", "0018_sign_in_with_allauth"),
        ("sessions", "0001_initial"),
    ]

    operations = [migrations.RunPython(end_every_session, migrations.RunPython.noop)]
