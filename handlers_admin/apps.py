from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HandlersAdminConfig(AppConfig):
    name = "handlers_admin"
    verbose_name = _("Notification channels")

    def ready(self) -> None:
        from django.contrib.auth import signals

        from handlers_admin import audit, checks, languages  # noqa: F401 - registers the panel's checks

        signals.user_logged_in.connect(audit.signed_in, dispatch_uid="audit-sign-in")
        signals.user_logged_in.connect(languages.signed_in, dispatch_uid="language-sign-in")
        signals.user_logged_out.connect(audit.signed_out, dispatch_uid="audit-sign-out")
        signals.user_login_failed.connect(audit.sign_in_failed, dispatch_uid="audit-sign-in-failed")
