"""The CLI's environment carries what it needs and none of the proxy's own secrets."""

from pathlib import Path

import httpx
from django.conf import settings

from tests.helpers import message_body

SECRETS = {
    "CLAUDE_PROXY_API_KEY": "sk-proxy-key-5c1f",
    "CLAUDE_PROXY_ADMIN_PASSWORD": "admin-password-77ab",
    "DJANGO_SECRET_KEY": "django-secret-key-90de",
}


def test_it_keeps_the_proxys_secrets_out_of_the_cli_environment(start_proxy, upstream):
    database_url = f"sqlite:///{settings.DATABASES['default']['NAME']}"
    proxy = start_proxy(DATABASE_URL=database_url, **SECRETS)

    response = httpx.post(
        f"{proxy.url}/v1/messages",
        json=message_body(stream=False),
        headers={"x-api-key": SECRETS["CLAUDE_PROXY_API_KEY"], "x-session-id": "env-check"},
        timeout=60,
    )

    assert response.status_code == 200
    [cli] = proxy.clis()  # kept alive for the conversation's next turn
    environ = Path(f"/proc/{cli.pid}/environ").read_bytes().decode(errors="replace")
    leaked = [value for value in [*SECRETS.values(), database_url] if value in environ]
    assert leaked == []
    assert f"ANTHROPIC_BASE_URL={upstream.url}" in environ.split("\0")
