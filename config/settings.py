from pathlib import Path
from urllib.parse import urlsplit

import environ
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if env.bool("READ_DOT_ENV", default=True):
    environ.Env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DEBUG", default=False)
# Without a configured key the panel still starts (so the misconfiguration can be
# shown), but `check --deploy` flags the insecure default.
SECRET_KEY = env.str("SECRET_KEY", default="django-insecure-set-SECRET_KEY-in-the-environment")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "django_htmx",
    "django_tasks_db",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "allauth.usersessions",
    "handlers_admin",
    "sandbox",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Pages compressed here (whitenoise serves static files compressed already). Django's gzip pads each answer with
    # random bytes against BREACH, and its CSRF tokens are masked per answer.
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "handlers_admin.middleware.MemberTimezoneMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "allauth.usersessions.middleware.UserSessionsMiddleware",
    "handlers_admin.middleware.MemberLanguageMiddleware",
    "handlers_admin.middleware.MemberLogMiddleware",
    "handlers_admin.middleware.FailingPartMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "handlers_admin.middleware.SecondFactorRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "handlers_admin.middleware.HtmxMessagesMiddleware",
]

ROOT_URLCONF = "config.urls"
# Widgets render through the project's (cached) template engine, so templates/widgets/ can override them.
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "handlers_admin.context_processors.panel",
            ],
            "builtins": ["django.templatetags.i18n"],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'var' / 'panel.sqlite3'}")}
# Connections are kept between requests (checked before reuse), so a page does not pay for a new one.
DATABASES["default"] |= {"CONN_MAX_AGE": env.int("DATABASE_CONN_MAX_AGE", default=60), "CONN_HEALTH_CHECKS": True}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The API call budget, the mirror's refresh lock and the create forms' one-time tokens live here;
# every process and instance must share it, hence a database cache by default.
CACHES = {"default": env.cache("CACHE_URL", default="dbcache://panel_cache")}

AUTHENTICATION_BACKENDS = [
    # allauth's backend, which also returns a stopped member once their password is right, so that the sign-in page
    # can tell them; they still cannot sign in (handlers_admin/sign_in.py).
    "handlers_admin.sign_in.MemberBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
CSRF_FAILURE_VIEW = "handlers_admin.views.site.csrf_failure"
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "handler_list"
LOGOUT_REDIRECT_URL = "account_login"

# Signing in, through django-allauth: members sign in with their name and password (then a second factor if they
# have one), with a passkey alone, or through the team's OpenID Connect provider. Nobody signs up: admins add
# members, and the provider's groups give those it vouches for their role.
ACCOUNT_ADAPTER = "handlers_admin.sign_in.AccountAdapter"
ACCOUNT_FORMS = {
    "login": "handlers_admin.sign_in.SignInForm",
    "change_password": "handlers_admin.sign_in.PasswordChangeForm",
}
ACCOUNT_LOGIN_METHODS = {"username"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "password1*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_REAUTHENTICATION_TIMEOUT = 300
# Confirming who you are, before a change to how you sign in: a password or a second factor, never a code by email.
ACCOUNT_REAUTHENTICATION_METHODS = ["password", "mfa"]
# Failed sign-ins: SIGN_IN_FAILURE_LIMIT from one address pause signing in from it for SIGN_IN_PAUSE_MINUTES (the
# limit django-axes kept before); wrong second-factor codes count against the same address.
SIGN_IN_FAILURE_LIMIT = env.int("SIGN_IN_FAILURE_LIMIT", default=5)
SIGN_IN_PAUSE_MINUTES = env.int("SIGN_IN_PAUSE_MINUTES", default=15)
ACCOUNT_RATE_LIMITS = {
    "login_failed": f"{SIGN_IN_FAILURE_LIMIT}/{SIGN_IN_PAUSE_MINUTES}m/ip",
    "login": "30/m/ip",
    "change_password": "5/m/user",
    "reset_password": False,
    "signup": False,
}
# Whether a proxy in front terminates TLS: only then are its X-Forwarded-* headers believed.
BEHIND_PROXY = env.bool("BEHIND_PROXY", default=False)
# Behind it, a client's address is the one the proxy appended last to X-Forwarded-For, the only part of that header
# a client cannot forge (for the pause above and the list of a member's sessions).
ALLAUTH_TRUSTED_PROXY_COUNT = 1 if BEHIND_PROXY else 0

MFA_ADAPTER = "handlers_admin.sign_in.SecondFactorAdapter"
MFA_FORMS = {
    "authenticate": "handlers_admin.sign_in.SecondFactorForm",
    "reauthenticate": "handlers_admin.sign_in.ConfirmWithSecondFactorForm",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_PASSKEY_LOGIN_ENABLED = True
# Recovery codes are shown once, when made (and can be renewed); after that only how many are left.
MFA_RECOVERY_CODES_SHOW_ONCE = True
MFA_TOTP_ISSUER = env.str("MFA_TOTP_ISSUER", default="Notification channels panel")
# WebAuthn needs https, but for http://localhost while developing (and in the browser tests).
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = env.bool("MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN", default=DEBUG)
# The roles whose members must have a second factor (an authenticator app or a passkey) before any page.
MFA_REQUIRED_ROLES = env.list("MFA_REQUIRED_ROLES", default=["admin"])

USERSESSIONS_TRACK_ACTIVITY = False
USERSESSIONS_ADAPTER = "handlers_admin.member_sessions.SessionsAdapter"

# Single sign-on through the team's OpenID Connect provider, on when OIDC_SERVER_URL is set.
SOCIALACCOUNT_ADAPTER = "handlers_admin.single_sign_on.SingleSignOnAdapter"
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_LOGIN_ON_GET = False
SOCIALACCOUNT_STORE_TOKENS = False
OIDC_SERVER_URL = env.str("OIDC_SERVER_URL", default="")
# Where the provider's button sends the browser: allauth answers its POST with a redirect there, which browsers hold
# to the form-action of the Content-Security-Policy below.
OIDC_ORIGIN = urlsplit(OIDC_SERVER_URL)._replace(path="", query="", fragment="").geturl() if OIDC_SERVER_URL else ""
OIDC_PROVIDER_ID = env.str("OIDC_PROVIDER_ID", default="sso")
OIDC_PROVIDER_NAME = env.str("OIDC_PROVIDER_NAME", default="SSO")
OIDC_ROLE_CLAIM = env.str("OIDC_ROLE_CLAIM", default="groups")
# Which group gives which role: "ops-admins=admin,ops=editor,staff=viewer"; the most powerful one wins.
OIDC_ROLES = {
    group.strip(): role.strip()
    for group, role in (item.split("=", 1) for item in env.list("OIDC_ROLES", default=[]) if "=" in item)
}
# Passwords off for everyone but the break-glass admins created with `manage.py create_member`.
OIDC_ONLY = env.bool("OIDC_ONLY", default=False)
SOCIALACCOUNT_PROVIDERS = {
    "openid_connect": {
        "OAUTH_PKCE_ENABLED": True,
        "SCOPE": env.list("OIDC_SCOPES", default=["openid", "profile", "email"]),
        "APPS": [
            {
                "provider_id": OIDC_PROVIDER_ID,
                "name": OIDC_PROVIDER_NAME,
                "client_id": env.str("OIDC_CLIENT_ID", default=""),
                "secret": env.str("OIDC_CLIENT_SECRET", default=""),
                "settings": {"server_url": OIDC_SERVER_URL},
            }
        ]
        if OIDC_SERVER_URL
        else [],
    }
}

LANGUAGE_CODE = "en"
# Each language is named in itself, so that whoever needs it can find it in the menu.
LANGUAGES = [("fr", "Français"), ("pl", "Polski"), ("de", "Deutsch"), ("es", "Español"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_AGE = 365 * 24 * 60 * 60
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
USE_I18N = True
USE_TZ = True
# A web address written without its scheme in a channel's notes becomes an https:// link (Django's coming default).
URLIZE_ASSUME_HTTPS = True
# Shown to a member whose browser has not told its own time zone yet.
TIME_ZONE = env.str("TIME_ZONE", default="UTC")

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / env.str("STATIC_ROOT", default="staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF, *([OIDC_ORIGIN] if OIDC_ORIGIN else [])],
}

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
    CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)
    LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_PROXY else None
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# Bulk actions and imports run as jobs in a worker process (manage.py run_worker), queued in the database.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

# The remote API.
API_BASE_URL = env.str("API_BASE_URL", default="")
API_KEY = env.str("API_KEY", default="")
API_TIMEOUT = env.float("API_TIMEOUT", default=10.0)
API_VARIANT = env.str("API_VARIANT", default="full")
# Calls a minute the team's key may make, until the server says otherwise in its X-RateLimit-Limit header.
API_RATE_LIMIT = env.int("API_RATE_LIMIT", default=60)
# Calls of each minute that background work (mirror refreshes, jobs) leaves to people.
API_BUDGET_RESERVE = env.int("API_BUDGET_RESERVE", default=10)
# Seconds the panel's copy of the account serves pages before a page asks for a refresh.
MIRROR_MAX_AGE = env.int("MIRROR_MAX_AGE", default=30)
STALE_AFTER_DAYS = env.int("STALE_AFTER_DAYS", default=30)

# The silent channel checks: how many requests at a time go to one service.
CHECK_PER_HOST = env.int("CHECK_PER_HOST", default=4)
# Email, for the report of channels that broke: e.g. smtp+tls://user:password@mail.example.com:587; by default
# the machine's own mail server in production, and the console while DEBUG is on.
# Read by django-environ, then given as Django's MAILERS (its EMAIL_* settings are deprecated since 6.1).
_email = env.email_url_config(
    env.str("EMAIL_URL", default="") or ("consolemail://" if DEBUG else "smtp://localhost:25")
)
_smtp = {
    "host": _email["EMAIL_HOST"],
    "port": _email["EMAIL_PORT"],
    "username": _email["EMAIL_HOST_USER"] or "",
    "password": _email["EMAIL_HOST_PASSWORD"] or "",
    "use_tls": _email.get("EMAIL_USE_TLS", False),
    "use_ssl": _email.get("EMAIL_USE_SSL", False),
    "timeout": 10,
}
MAILERS = {
    "default": {
        "BACKEND": _email["EMAIL_BACKEND"],
        "OPTIONS": _smtp if _email["EMAIL_BACKEND"].endswith(".smtp.EmailBackend") else {},
    }
}
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="notification-channels-panel@localhost")
# Who gets that report (comma-separated addresses); empty: the admins who have an email address.
HEALTH_REPORT_TO = env.list("HEALTH_REPORT_TO", default=[])
# The panel's own address (https://panel.example.com), for links in emails.
PANEL_URL = env.str("PANEL_URL", default="")

# Test messages the panel sends to a channel itself; its silent checks use the same timeouts and the same guard.
TEST_SEND_PER_HOUR = env.int("TEST_SEND_PER_HOUR", default=20)
TEST_SEND_ALLOW_HTTP = env.bool("TEST_SEND_ALLOW_HTTP", default=False)
TEST_SEND_CONNECT_TIMEOUT = env.float("TEST_SEND_CONNECT_TIMEOUT", default=5.0)
TEST_SEND_TIMEOUT = env.float("TEST_SEND_TIMEOUT", default=10.0)
# For the test suite only: after every check of the guard, send tests and checks to this local receiver
# (http://127.0.0.1:PORT, or https:// for one with a certificate).
TEST_SEND_RECEIVER = env.str("TEST_SEND_RECEIVER", default="")
# For the test suite only: a fixed table of host names to addresses, instead of resolving names; in the
# environment as JSON, {"host": ["address", …]}; unset or empty for none.
TEST_SEND_RESOLVER: dict[str, list[str]] | None = (
    env.json("TEST_SEND_RESOLVER") if env.str("TEST_SEND_RESOLVER", default="") else None
)
# The DNS server the email checks ask, as host:port; empty for the system's resolver. Meant for the test suite.
CHECK_NAMESERVER = env.str("CHECK_NAMESERVER", default="")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "member": {"()": "handlers_admin.log_lines.WithMember"},
        "refusals": {"()": "handlers_admin.log_lines.RefusalsOnOneLine"},
    },
    "formatters": {
        "line": {"format": "%(asctime)s %(levelname)s %(name)s member=%(member)s %(message)s"},
        "json": {"()": "handlers_admin.log_lines.JsonLines"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if env.str("LOG_FORMAT", default="line") == "json" else "line",
            "filters": ["member", "refusals"],
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.server": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        # At DEBUG it would log the whole context of a template, second factors' secrets included.
        "django.template": {"level": "INFO"},
    },
}
