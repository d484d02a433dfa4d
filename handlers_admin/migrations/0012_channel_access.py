from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("handlers_admin", "0011_member_settings")]

    # The model only carries the roles' permissions: the content type (and the permissions on it) is renamed too.
    operations = [migrations.RenameModel(old_name="Channel", new_name="ChannelAccess")]
