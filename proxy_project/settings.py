"""Settings for claude-max-proxy, read from the environment with safe defaults.

With nothing configured it serves on 127.0.0.1:3456 and keeps its SQLite database
and secret key in ./data. Every CLAUDE_PROXY_* variable is listed in docs/configuration.md.
"""

import os
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DATA_DIR = Path(env.str("CLAUDE_PROXY_DATA_DIR", default=str(BASE_DIR / "data"))).expanduser()
# The data dir holds transcripts, request logs and admin session keys: private, whatever the umask.
DATA_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)
os.chmod(DATA_DIR, 0o700)


def _private_sqlite_file(name):
    """Make the SQLite database at `name` mode 0600 before SQLite opens it.

    SQLite gives its -wal and -shm files the main file's mode, so an empty database
    file created 0600 here keeps all three private.
    """
    if not name or str(name) == ":memory:" or str(name).startswith("file:"):
        return
    path = Path(name)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass
    except FileNotFoundError:  # its directory is missing: SQLite will say so
        return
    for file in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        try:
            os.chmod(file, 0o600)
        except FileNotFoundError:
            pass


def _secret_key_from(path):
    """Read the key kept in `path`, creating it (mode 0600) on first run."""
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    from django.core.management.utils import get_random_secret_key

    key = get_random_secret_key()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process created it first
        return path.read_text().strip()
    with os.fdopen(fd, "w") as f:
        f.write(key)
    return key


SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="") or _secret_key_from(DATA_DIR / "secret_key")
DEBUG = env.bool("DJANGO_DEBUG", default=False)

CLAUDE_PROXY_HOST = env.str("CLAUDE_PROXY_HOST", default="127.0.0.1")
CLAUDE_PROXY_PORT = env.int("CLAUDE_PROXY_PORT", default=3456)

# The Host header is checked so that a web page cannot reach the proxy through
# DNS rebinding and spend the subscription.
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"] + env.list("CLAUDE_PROXY_ALLOWED_HOSTS", default=[])
if CLAUDE_PROXY_HOST not in ("0.0.0.0", "::", *ALLOWED_HOSTS):
    ALLOWED_HOSTS.append(CLAUDE_PROXY_HOST)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "messages_api",
    "sessions_admin",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "messages_api.request_log.RequestLogMiddleware",
    "messages_api.api_key.ApiKeyMiddleware",
    "django.middleware.common.CommonMiddleware",
    "proxy_project.middleware.AdminOnlyMiddleware",
]
# Run by AdminOnlyMiddleware for /admin/ alone: the API has no use for them.
ADMIN_MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
# The admin's checks look for its middleware in MIDDLEWARE; it is in ADMIN_MIDDLEWARE.
SILENCED_SYSTEM_CHECKS = ["admin.E408", "admin.E409", "admin.E410"]

ROOT_URLCONF = "proxy_project.urls"
APPEND_SLASH = False

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

ASGI_APPLICATION = "proxy_project.asgi.application"

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{DATA_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    _private_sqlite_file(DATABASES["default"]["NAME"])
    # WAL lets the admin read while a request writes; IMMEDIATE avoids lock upgrades.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
STATIC_URL = "static/"

# --- The proxy ---------------------------------------------------------------

# Where the CLI works (its cwd); the server's own cwd when unset.
CLAUDE_PROXY_WORKDIR = env.str("CLAUDE_PROXY_WORKDIR", default="") or os.getcwd()
CLAUDE_PROXY_MAX_CONCURRENT = env.int("CLAUDE_PROXY_MAX_CONCURRENT", default=10)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's pool (psycopg_pool) hands out connections already open, each checked first
    # (one the server dropped, restarting, costs no request), and Django gives them back
    # at a request's end, as the pool requires (CONN_MAX_AGE 0). A turn holds one until
    # its answer ends: the rest are for the transcript's writes, the admin, other requests.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["default"]["OPTIONS"] = {
        **DATABASES["default"].get("OPTIONS", {}),
        "pool": {
            "min_size": env.int("CLAUDE_PROXY_DB_POOL_MIN", default=2),
            "max_size": env.int("CLAUDE_PROXY_DB_POOL_MAX", default=CLAUDE_PROXY_MAX_CONCURRENT + 10),
            # A query that waits this long for a free connection fails rather than hangs.
            "timeout": env.float("CLAUDE_PROXY_DB_POOL_TIMEOUT", default=10.0),
        },
    }
# The CLI retries failed upstream calls 10 times by default (a 401 took 178 s to surface).
CLAUDE_PROXY_UPSTREAM_RETRIES = env.int("CLAUDE_PROXY_UPSTREAM_RETRIES", default=2)
CLAUDE_PROXY_PING_SECONDS = env.float("CLAUDE_PROXY_PING_SECONDS", default=15.0)
# A turn that hears nothing from the CLI for this long ends with 504 timeout_error.
CLAUDE_PROXY_IDLE_TIMEOUT = env.float("CLAUDE_PROXY_IDLE_TIMEOUT", default=600.0)
# The Messages API accepts up to 32 MB; so do we.
CLAUDE_PROXY_MAX_BODY_BYTES = env.int("CLAUDE_PROXY_MAX_BODY_BYTES", default=32 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = CLAUDE_PROXY_MAX_BODY_BYTES

from sessions_admin.durations import parse_duration  # noqa: E402

# A conversation unused for this long is no longer resumed (a new Claude session starts).
CLAUDE_PROXY_SESSION_TTL = parse_duration(env.str("CLAUDE_PROXY_SESSION_TTL", default="24h"))
# CLI processes kept alive between a conversation's turns, and for how long when idle.
CLAUDE_PROXY_MAX_LIVE = env.int("CLAUDE_PROXY_MAX_LIVE", default=8)
# Five minutes: the prompt cache's lifetime; after it a cold resume costs little more
# than the upstream call, which then pays for a fresh cache anyway.
CLAUDE_PROXY_LIVE_IDLE_SECONDS = env.float("CLAUDE_PROXY_LIVE_IDLE_SECONDS", default=300.0)
# CLI processes started ahead for new conversations, per set of options asked for recently.
CLAUDE_PROXY_WARM_SPARES = env.int("CLAUDE_PROXY_WARM_SPARES", default=1)
# Memory of idle live processes and spares together; the least recently used go first.
CLAUDE_PROXY_LIVE_RSS_MB = env.int("CLAUDE_PROXY_LIVE_RSS_MB", default=1024)
# CLI processes at once, answering, kept or closing (each ~180 MB, growing ~0.3 MB a
# turn): at least one per concurrent turn.
CLAUDE_PROXY_MAX_PROCESSES = max(
    env.int("CLAUDE_PROXY_MAX_PROCESSES", default=CLAUDE_PROXY_MAX_CONCURRENT + CLAUDE_PROXY_MAX_LIVE),
    CLAUDE_PROXY_MAX_CONCURRENT,
)
# A kept process whose memory grew past this is recycled when its turn ends.
CLAUDE_PROXY_PROCESS_RSS_MB = env.int("CLAUDE_PROXY_PROCESS_RSS_MB", default=600)
# Slow clients: a connection silent this long between requests is closed, and so is one
# that takes longer than the second to send a request's headers and body.
CLAUDE_PROXY_CLIENT_IDLE_SECONDS = env.float("CLAUDE_PROXY_CLIENT_IDLE_SECONDS", default=60.0)
CLAUDE_PROXY_REQUEST_READ_SECONDS = env.float("CLAUDE_PROXY_REQUEST_READ_SECONDS", default=60.0)
# How long a stopping server gives open answers to end and their CLIs to exit.
CLAUDE_PROXY_SHUTDOWN_SECONDS = env.float("CLAUDE_PROXY_SHUTDOWN_SECONDS", default=10.0)
# passthrough: Claude calls the client's tools; internal: the proxy's own tools, run here
# in CLAUDE_PROXY_WORKDIR. The seed's CLAUDE_PROXY_PASSTHROUGH (1/true/yes or 0/false/no)
# is read when CLAUDE_PROXY_MODE is not set.
CLAUDE_PROXY_MODE = env.str(
    "CLAUDE_PROXY_MODE",
    default="passthrough" if env.bool("CLAUDE_PROXY_PASSTHROUGH", default=True) else "internal",
).lower()
if CLAUDE_PROXY_MODE not in ("passthrough", "internal"):
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(f"CLAUDE_PROXY_MODE must be passthrough or internal, not {CLAUDE_PROXY_MODE!r}")
# Internal mode: which of the tools exist, how long `bash` may run, and how many model
# steps one request may take.
CLAUDE_PROXY_INTERNAL_TOOLS = env.list("CLAUDE_PROXY_INTERNAL_TOOLS", default=["read", "write", "edit", "bash", "glob", "grep"])
CLAUDE_PROXY_BASH_TIMEOUT = env.float("CLAUDE_PROXY_BASH_TIMEOUT", default=120.0)
CLAUDE_PROXY_MAX_TURNS = env.int("CLAUDE_PROXY_MAX_TURNS", default=100)
# How long Claude waits, on a live process, for the result of a client tool call.
CLAUDE_PROXY_TOOL_WAIT = parse_duration(env.str("CLAUDE_PROXY_TOOL_WAIT", default="15m")).total_seconds()

# Several instances on one database (docs/operating.md: Several instances): this one's name (default
# host:port), how often it says it is alive, and how long a lease of its lasts unrenewed.
CLAUDE_PROXY_INSTANCE = env.str("CLAUDE_PROXY_INSTANCE", default="")
CLAUDE_PROXY_HEARTBEAT_SECONDS = env.float("CLAUDE_PROXY_HEARTBEAT_SECONDS", default=10.0)
CLAUDE_PROXY_LEASE_SECONDS = env.float("CLAUDE_PROXY_LEASE_SECONDS", default=30.0)
# How long a request waits for a conversation's turn another instance is answering.
CLAUDE_PROXY_REMOTE_TURN_WAIT = parse_duration(env.str("CLAUDE_PROXY_REMOTE_TURN_WAIT", default="5m")).total_seconds()
# Prompt text goes to the log only when asked for.
CLAUDE_PROXY_LOG_PROMPTS = env.bool("CLAUDE_PROXY_LOG_PROMPTS", default=False)
# Required from clients of /v1/* and /messages when set (x-api-key or Authorization: Bearer).
CLAUDE_PROXY_API_KEY = env.str("CLAUDE_PROXY_API_KEY", default="")
# Whether a request may be served from the account's extra usage once a plan window is
# spent: allow (as Claude Code does) or never (the window's 429 instead); a key may say otherwise.
CLAUDE_PROXY_EXTRA_USAGE = env.str("CLAUDE_PROXY_EXTRA_USAGE", default="allow").lower()
if CLAUDE_PROXY_EXTRA_USAGE not in ("allow", "never"):
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(f"CLAUDE_PROXY_EXTRA_USAGE must be allow or never, not {CLAUDE_PROXY_EXTRA_USAGE!r}")
# Claude logins besides the default one (`manage.py claude_login --login NAME`): each in
# its own config dir here. Several instances on one machine name one dir for all.
CLAUDE_PROXY_LOGINS_DIR = Path(env.str("CLAUDE_PROXY_LOGINS_DIR", default=str(DATA_DIR / "logins"))).expanduser()
# Whether a conversation of CLAUDE_PROXY_API_KEY (or of an open proxy) moves to the next
# login when its own is refused; a key row says it for itself.
CLAUDE_PROXY_LOGIN_FALLBACK = env.bool("CLAUDE_PROXY_LOGIN_FALLBACK", default=False)
# Browsers may call the API's paths only from these origins (CORS); none by default.
CLAUDE_PROXY_CORS_ORIGINS = [origin.rstrip("/") for origin in env.list("CLAUDE_PROXY_CORS_ORIGINS", default=[])]
if CLAUDE_PROXY_CORS_ORIGINS:
    from urllib.parse import urlsplit  # noqa: E402

    from corsheaders.defaults import default_headers  # noqa: E402

    from proxy_project.endpoints import api_path_pattern  # noqa: E402
    from django.core.exceptions import ImproperlyConfigured  # noqa: E402

    for _origin in CLAUDE_PROXY_CORS_ORIGINS:
        _parts = urlsplit(_origin)
        if _parts.scheme not in ("http", "https") or not _parts.netloc or _parts.path or _parts.query:
            raise ImproperlyConfigured(
                f"CLAUDE_PROXY_CORS_ORIGINS: {_origin!r} is not an origin such as http://localhost:5173"
            )
    INSTALLED_APPS.append("corsheaders")
    # After the request log, so a preflight is logged too; before the API key, because a
    # browser sends its preflight without credentials, and it must be answered, not refused.
    MIDDLEWARE.insert(MIDDLEWARE.index("messages_api.api_key.ApiKeyMiddleware"), "corsheaders.middleware.CorsMiddleware")
    CORS_ALLOWED_ORIGINS = CLAUDE_PROXY_CORS_ORIGINS
    CORS_URLS_REGEX = api_path_pattern()  # every path the API serves (proxy_project/endpoints.py)
    CORS_ALLOW_METHODS = ("GET", "POST", "OPTIONS")
    # What the Anthropic SDKs (their x-stainless-* telemetry too) and OpenCode send.
    CORS_ALLOW_HEADERS = (
        *default_headers,
        "x-api-key",
        "x-claude-login",
        "anthropic-version",
        "anthropic-beta",
        "anthropic-dangerous-direct-browser-access",
        "x-request-id",
        "x-opencode-session",
        "x-session-affinity",
        "x-session-id",
        "x-stainless-arch",
        "x-stainless-async",
        "x-stainless-helper",
        "x-stainless-helper-method",
        "x-stainless-lang",
        "x-stainless-os",
        "x-stainless-package-version",
        "x-stainless-raw-response",
        "x-stainless-read-timeout",
        "x-stainless-retry-count",
        "x-stainless-runtime",
        "x-stainless-runtime-version",
        "x-stainless-stream-helper",
        "x-stainless-timeout",
    )
    # Headers a page's script may read: the ids a client shows or logs, and retry advice.
    CORS_EXPOSE_HEADERS = ("request-id", "x-request-id", "x-claude-session-id", "retry-after")
# The Claude Code CLI: the one bundled in claude-agent-sdk unless set.
CLAUDE_PROXY_CLI_PATH = env.str("CLAUDE_PROXY_CLI_PATH", default="")
# Seconds a `claude auth status` answer is trusted by /health.
CLAUDE_PROXY_AUTH_CACHE_SECONDS = env.float("CLAUDE_PROXY_AUTH_CACHE_SECONDS", default=60.0)

# Live activity reaches the admin through channels: in memory, or Redis when REDIS_URL is set.
if env.str("REDIS_URL", default=""):
    # redis-py 8 times a socket read out after 5 s by default, which cuts the channel
    # layer's blocking pop (it waits 5 s itself): a longer read timeout keeps it whole.
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [{"address": env.str("REDIS_URL"), "socket_timeout": 30}]},
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
        "nowhere": {"class": "logging.NullHandler"},
    },
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "claude_proxy": {
            "handlers": ["console"],
            "level": "DEBUG" if env.bool("CLAUDE_PROXY_DEBUG", default=False) else "INFO",
            "propagate": False,
        },
        # A refused Host is the client's 400 and a row in the request log; a traceback
        # for each would let anyone fill the server's log.
        "django.security.DisallowedHost": {"handlers": ["nowhere"], "propagate": False},
    },
}
