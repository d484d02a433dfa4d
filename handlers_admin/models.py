from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.Model):
    """Holds no rows: the handlers live in the remote API. It only carries the roles' permissions."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [
            ("view_handlers", _("Can see notification handlers")),
            ("change_handlers", _("Can create, edit and switch notification handlers")),
            ("delete_handlers", _("Can delete notification handlers")),
        ]
