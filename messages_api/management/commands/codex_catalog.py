"""`manage.py codex_catalog`: write Codex CLI's model catalog for the proxy's models and
print the config.toml lines that use it."""

import json
import os
import shutil
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from messages_api.codex_catalog import catalog, codex_instructions, config_lines


def codex_home():
    return Path(os.environ.get("CODEX_HOME") or Path.home() / ".codex")


class Command(BaseCommand):
    help = "Write a model catalog for Codex CLI (Claude's models, their window, Codex's own prompt) and print its config lines."

    def add_arguments(self, parser):
        parser.add_argument("--codex", default="codex", help="the Codex CLI to ask for its prompt (default: codex on PATH)")
        parser.add_argument("--output", help="where to write the catalog (default: $CODEX_HOME/claude-max-proxy-models.json)")
        parser.add_argument("--url", default="http://127.0.0.1:3456", help="the proxy's address, for the config lines")

    def handle(self, *args, codex, output, url, **options):
        binary = shutil.which(codex)
        if binary is None:
            raise CommandError(f"Codex CLI not found: {codex} (npm install -g @openai/codex, or give --codex PATH)")
        try:
            instructions = codex_instructions(os.path.abspath(binary))
        except (OSError, ValueError) as exc:
            raise CommandError(f"Could not read Codex's prompt: {exc}") from None
        path = Path(output) if output else codex_home() / "claude-max-proxy-models.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(catalog(instructions), indent=2) + "\n")
        self.stdout.write(f"Wrote {path}. In Codex's config.toml ({codex_home() / 'config.toml'}):\n")
        self.stdout.write(config_lines(url.rstrip("/"), path))
        self.stdout.write("then run: PROXY_KEY=dummy codex  (PROXY_KEY: your CLAUDE_PROXY_API_KEY, if the proxy has one)")
