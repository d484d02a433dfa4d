import os

# Tests never read a developer's .env: every value they depend on is set here.
os.environ.update(
    {
        "READ_DOT_ENV": "false",
        "SECRET_KEY": "tests-only-secret-key-not-for-production-0123456789abcdef",
        "DEBUG": "false",
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "API_BASE_URL": "https://panel-tests.example/api",
        "API_KEY": "sk-test-0123456789abcdef",
        "CACHE_URL": "locmemcache://",
        # Playwright's sync API runs an event loop in the test thread.
        "DJANGO_ALLOW_ASYNC_UNSAFE": "true",
        "ALLOWED_HOSTS": "testserver,localhost,127.0.0.1",
    }
)
os.environ.setdefault("DATABASE_URL", "sqlite:///:memory:")

from config.settings import *  # noqa: F403

STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Tests of the panel's pages sign admins in without a second factor; tests of that rule set it themselves.
MFA_REQUIRED_ROLES = list[str]()
