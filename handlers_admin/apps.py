from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HandlersAdminConfig(AppConfig):
    name = "handlers_admin"
    verbose_name = _("Notification handlers")
