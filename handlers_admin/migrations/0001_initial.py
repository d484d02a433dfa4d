from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = []

    operations = [
        migrations.CreateModel(
            name="Channel",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID"))
            ],
            options={
                "managed": False,
                "default_permissions": (),
                "permissions": [
                    ("view_handlers", "Can see notification handlers"),
                    ("change_handlers", "Can create, edit and switch notification handlers"),
                    ("delete_handlers", "Can delete notification handlers"),
                ],
            },
        ),
    ]
