from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    # The default shared cache lives in the database: `migrate` alone must leave the panel working.
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("handlers_admin", "0008_jobs")]

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
