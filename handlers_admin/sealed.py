"""Values the panel must keep for a while but must not keep readable (an import's rows, secrets included):
encrypted with a key drawn from SECRET_KEY, and dropped as soon as they are used."""

import base64
import hashlib
import json

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


def _fernet() -> MultiFernet:
    # Sealed with SECRET_KEY; what was sealed with a key in SECRET_KEY_FALLBACKS can still be read while it is there.
    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return MultiFernet(
        [
            Fernet(base64.urlsafe_b64encode(hashlib.sha256(f"handlers-admin sealed values\n{key}".encode()).digest()))
            for key in keys
        ]
    )


def seal(value: object) -> str:
    return _fernet().encrypt(json.dumps(value).encode()).decode()


def unseal(sealed: str) -> object:
    """The value sealed, or None when it cannot be read (another SECRET_KEY, a damaged value)."""
    try:
        return json.loads(_fernet().decrypt(sealed.encode()))
    except (InvalidToken, ValueError):
        return None
