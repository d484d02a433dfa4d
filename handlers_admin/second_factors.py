"""Second factors (allauth's mfa: an authenticator app, recovery codes, passkeys): which roles must have one, which
members have which, and an admin's reset of a member's factors."""

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.http import HttpRequest
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from handlers_admin import member_sessions, words
from handlers_admin.audit import member_changed
from handlers_admin.models import AuditEntry
from handlers_admin.roles import role_of

# Recovery codes stand in for a lost factor; they are not one of their own.
FACTORS = [Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]
# The order factors are listed and recorded in.
ORDER = [Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN, Authenticator.Type.RECOVERY_CODES]


def has_factor(user: User) -> bool:
    return Authenticator.objects.filter(user=user, type__in=FACTORS).exists()


def setup_required(request: HttpRequest) -> bool:
    """Whether the signed-in member's role needs a second factor (MFA_REQUIRED_ROLES) that they have not set up."""
    user = request.user
    if not isinstance(user, User) or not user.is_authenticated:
        return False
    role = role_of(user)
    if role is None or role.value not in settings.MFA_REQUIRED_ROLES:
        return False
    return not has_factor(user)


@dataclass(frozen=True, kw_only=True)
class Factors:
    """What second factors a member has, as the members page lists them; in words as str()."""

    authenticator_app: bool = False
    security_keys: int = 0
    # The recovery codes not used yet; None when the member has none at all.
    recovery_codes: int | None = None

    @property
    def any(self) -> bool:
        return self.authenticator_app or self.security_keys > 0 or self.recovery_codes is not None

    def __str__(self) -> str:
        parts = words.factor_parts(
            authenticator_app=self.authenticator_app,
            security_keys=self.security_keys,
            recovery_codes=self.recovery_codes is not None,
            codes_left=self.recovery_codes,
        )
        return capfirst(", ".join(parts)) if parts else _("None")


def _unused_codes(used_mask: int | None, migrated_codes: list[str] | None) -> int:
    # Codes brought from another package are kept as a list and dropped once used; allauth's own are drawn from a
    # seed, and each used one sets a bit of used_mask.
    if migrated_codes is not None:
        return len(migrated_codes)
    return max(mfa_settings.RECOVERY_CODE_COUNT - (used_mask or 0).bit_count(), 0)


def factors_of(user_ids: Iterable[int]) -> dict[int, Factors]:
    """The second factors of each of these members, in one query; a member with none is missing. Only the count
    of used recovery codes is read, never a secret nor a seed."""
    apps: set[int] = set()
    keys: Counter[int] = Counter()
    codes: dict[int, int] = {}
    rows = Authenticator.objects.filter(user_id__in=list(user_ids)).values_list(
        "user_id", "type", "data__used_mask", "data__migrated_codes"
    )
    for user_id, kind, used_mask, migrated_codes in rows:
        if kind == Authenticator.Type.TOTP:
            apps.add(user_id)
        elif kind == Authenticator.Type.WEBAUTHN:
            keys[user_id] += 1
        elif kind == Authenticator.Type.RECOVERY_CODES:
            codes[user_id] = _unused_codes(used_mask, migrated_codes)
    return {
        user_id: Factors(
            authenticator_app=user_id in apps, security_keys=keys[user_id], recovery_codes=codes.get(user_id)
        )
        for user_id in apps | set(keys) | set(codes)
    }


class ResetRefused(Exception):
    """A reset of a member's second factors the panel will not make, in plain words."""


def reset_refusal(actor: User, member: User) -> str:
    """Why this actor cannot reset this member's second factors, in plain words; empty when they can."""
    if member.pk == actor.pk:
        # Their own last factor could go, and with it what their role asks of them: their own page asks again first.
        return _("You cannot reset your own second factors here: manage them on your own page.")
    if not Authenticator.objects.filter(user=member).exists():
        return _nothing_to_reset(member)
    return ""


def _nothing_to_reset(member: User) -> str:
    return _("%(name)s has no second factors to reset.") % {"name": member.get_username()}


def reset(actor: User, member: User) -> list[str]:
    """Removes all of a member's second factors (for a lost phone or key) and signs them out everywhere; returns the
    types removed, one for each factor. The audit entry says what was removed, never a secret."""
    if refusal := reset_refusal(actor, member):
        raise ResetRefused(refusal)
    with transaction.atomic():
        held = Authenticator.objects.select_for_update().filter(user=member)
        removed = sorted(held.values_list("type", flat=True), key=ORDER.index)
        if not removed:
            # Reset by another admin since this one asked.
            raise ResetRefused(_nothing_to_reset(member))
        held.delete()
        member_changed(
            actor, AuditEntry.Action.FACTORS_RESET, member=member.get_username(), details={"removed": ",".join(removed)}
        )
        member_sessions.end_all(member)
    return removed
