from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HandlersAdminConfig(AppConfig):
    name = "handlers_admin"
    verbose_name = _("Notification channels")

    def ready(self) -> None:
        from allauth.mfa import signals as mfa_signals
        from django.contrib.auth import signals

        from handlers_admin import audit, checks, languages  # noqa: F401 - registers the panel's checks

        signals.user_logged_in.connect(audit.signed_in, dispatch_uid="audit-sign-in")
        signals.user_logged_in.connect(languages.signed_in, dispatch_uid="language-sign-in")
        signals.user_logged_out.connect(audit.signed_out, dispatch_uid="audit-sign-out")
        signals.user_login_failed.connect(audit.sign_in_failed, dispatch_uid="audit-sign-in-failed")
        Action = audit.AuditEntry.Action
        for signal, action in (
            (mfa_signals.authenticator_added, Action.FACTOR_ADDED),
            (mfa_signals.authenticator_removed, Action.FACTOR_REMOVED),
            (mfa_signals.authenticator_reset, Action.RECOVERY_CODES_RENEWED),
        ):
            signal.connect(audit.factor_changed(action), weak=False, dispatch_uid=f"audit-{action}")
        mfa_signals.authentication_failed.connect(audit.factor_failed, dispatch_uid="audit-factor-failed")
