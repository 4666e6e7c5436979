"""`manage.py serve`: apply migrations, then serve the API with daphne."""

import argparse
import errno
import os
import secrets
import socket
import sys
from contextlib import contextmanager
from urllib.parse import urlsplit

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import OperationalError, connection

from sessions_admin.api_keys import ApiKey

LOOPBACK = {"127.0.0.1", "localhost", "::1", "0.0.0.0", "::"}
# The addresses only this machine reaches: listening anywhere else wants a key.
ONLY_THIS_MACHINE = {"127.0.0.1", "localhost", "::1"}
# The key of PostgreSQL's advisory lock that instances take to migrate one at a time.
MIGRATION_LOCK = 0x436C6D78  # "Clmx"


def points_at(base_url, host, port):
    """Whether ANTHROPIC_BASE_URL names this server's own address."""
    try:
        url = urlsplit(base_url)
        url_port = url.port or (443 if url.scheme == "https" else 80)
    except ValueError:
        return False
    same_host = url.hostname == host or (url.hostname in LOOPBACK and host in LOOPBACK)
    return same_host and url_port == port


def banner(url):
    """What serve prints as it starts: where it listens, and how each kind of client is
    pointed at it (docs/clients.md has the rest)."""
    return (
        f"claude-max-proxy listening on {url}\n"
        f"  OpenCode: ANTHROPIC_BASE_URL={url} ANTHROPIC_API_KEY=dummy opencode\n"
        f"  Claude Code: ANTHROPIC_BASE_URL={url} ANTHROPIC_API_KEY=dummy claude\n"
        f"  OpenAI clients: base_url={url}/v1 api_key=dummy\n"
        f"  Codex CLI: python manage.py codex_catalog --url {url}  (writes its model catalog, prints its config.toml lines)"
    )


def port_is_free(host, port):
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return False
            if exc.errno == errno.EACCES:
                raise CommandError(f"Port {port} needs root on {host}: choose one above 1023 with --port.") from None
            raise CommandError(f"Cannot listen on {host}:{port}: {exc.strerror}. Is --host an address of this machine?") from None
    return True


def reach_database():
    """PostgreSQL is asked once outside the pool, which would retry until its timeout and
    then say only that: an unreachable server is said at once, in libpq's words."""
    if connection.vendor == "postgresql":
        with connection.wrap_database_errors:
            connection.Database.connect(**{"connect_timeout": 10, **connection.get_connection_params()}).close()


@contextmanager
def migrating_alone():
    """On PostgreSQL, one instance at a time: instances started together on a new database
    would each create the same tables (and the same admin user)."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [MIGRATION_LOCK])
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [MIGRATION_LOCK])


def port_number(text):
    """--port: a TCP port, 1-65535; argparse names the option when this raises."""
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (1-65535)") from None
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is not a port number (1-65535)")
    return port


def host_address(text):
    """--host: an address this machine can bind, or a name that resolves to one."""
    try:
        socket.getaddrinfo(text, None, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise argparse.ArgumentTypeError(f"{text!r} is not an address or a host name that resolves") from None
    return text


class Command(BaseCommand):
    help = "Apply migrations, then serve the Anthropic Messages API with daphne."

    def add_arguments(self, parser):
        parser.add_argument(
            "--host",
            type=host_address,
            default=settings.CLAUDE_PROXY_HOST,
            help=f"address to listen on (default {settings.CLAUDE_PROXY_HOST}, from CLAUDE_PROXY_HOST; "
            "0.0.0.0 listens on every interface)",
        )
        parser.add_argument(
            "--port",
            type=port_number,
            default=settings.CLAUDE_PROXY_PORT,
            help=f"TCP port to listen on, 1-65535 (default {settings.CLAUDE_PROXY_PORT}, from CLAUDE_PROXY_PORT)",
        )

    def handle(self, *args, host, port, **options):
        # Whatever the server or its CLI processes write (transcripts, logs) is the owner's alone.
        os.umask(0o077)
        base_url = os.environ.get("ANTHROPIC_BASE_URL", "")
        if base_url and points_at(base_url, host, port):
            raise CommandError(
                f"ANTHROPIC_BASE_URL={base_url} points at this proxy itself: Claude Code would call "
                "the proxy instead of Anthropic. Unset it in the proxy's environment (set it only for the client)."
            )
        if os.environ.get("ANTHROPIC_API_KEY"):
            self.stderr.write(
                "Warning: ANTHROPIC_API_KEY is set, so Claude Code will bill that API key instead of "
                "your Claude subscription. Unset it in the proxy's environment to use the subscription."
            )
        if not port_is_free(host, port):
            raise CommandError(
                f"Port {port} is already in use on {host}. Is the proxy already running? "
                f"Choose another port with --port {port + 1} or CLAUDE_PROXY_PORT={port + 1}."
            )
        try:
            reach_database()
            with migrating_alone():
                call_command("migrate", interactive=False, verbosity=0)
                self._ensure_admin(host, port)
        except OperationalError as error:
            first_line = str(error).strip().splitlines()[0]
            raise CommandError(f"Cannot use the database ({connection.vendor}, from DATABASE_URL): {first_line}") from None
        if host not in ONLY_THIS_MACHINE and not settings.CLAUDE_PROXY_API_KEY and not ApiKey.objects.exists():
            self.stderr.write(
                f"Warning: listening on {host} with no API key: anyone who reaches this port uses your subscription. "
                "Give each person a key (python manage.py create_api_key NAME) or set CLAUDE_PROXY_API_KEY."
            )
        settings.CLAUDE_PROXY_PORT = port  # this instance's name, unless CLAUDE_PROXY_INSTANCE gives one
        self._serve(host, port)

    def _ensure_admin(self, host, port):
        """On first run, an `admin` superuser, so the README's one command is enough to log in."""
        from django.contrib.auth import get_user_model

        users = get_user_model().objects
        if users.filter(is_superuser=True).exists():
            return
        password = os.environ.get("CLAUDE_PROXY_ADMIN_PASSWORD") or secrets.token_urlsafe(12)
        users.create_superuser("admin", password=password)
        shown = "from CLAUDE_PROXY_ADMIN_PASSWORD" if os.environ.get("CLAUDE_PROXY_ADMIN_PASSWORD") else password
        self.stdout.write(
            f"Created the admin user for http://{host}:{port}/admin/ — user: admin, password: {shown}\n"
            "  (shown once; change it with: python manage.py changepassword admin)"
        )

    def _serve(self, host, port):
        from daphne.endpoints import build_endpoint_description_strings

        from messages_api.server import GracefulServer
        from proxy_project.asgi import application

        self.stdout.write(banner(f"http://{host}:{port}"))
        sys.stdout.flush()
        GracefulServer(
            application=application,
            endpoints=build_endpoint_description_strings(host=host, port=port),
            # A long answer may stream for many minutes; never cut it off.
            http_timeout=None,
            application_close_timeout=10,
            server_name="claude-max-proxy",
        ).run()
        # Daphne has stopped (SIGTERM, Ctrl-C: see messages_api.server). anyio's worker threads, which the SDK
        # uses, idle for 10 s before they end and would hold the process that long.
        from messages_api.claude.runner import kill_orphans

        kill_orphans()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)
