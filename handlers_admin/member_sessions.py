"""Where members are signed in (allauth's usersessions): a member signing out their other sessions, audited, and all
of a member's sessions ended when an admin stops their access or resets their factors."""

from collections.abc import Iterable

from allauth.usersessions.adapter import DefaultUserSessionsAdapter
from allauth.usersessions.models import UserSession
from django.contrib.auth.models import User

from handlers_admin.audit import member_changed
from handlers_admin.models import AuditEntry


class SessionsAdapter(DefaultUserSessionsAdapter):
    def end_sessions(self, sessions: Iterable[UserSession]) -> None:
        ended = list(sessions)
        super().end_sessions(ended)
        if ended:
            user = ended[0].user
            member_changed(user, AuditEntry.Action.SESSIONS_ENDED, member=user.get_username())


def end_all(member: User) -> None:
    """Signs a member out everywhere at once."""
    for session in UserSession.objects.filter(user=member):
        session.end()
