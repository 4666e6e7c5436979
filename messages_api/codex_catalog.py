"""A model catalog for Codex CLI: Claude's models as Codex's `model_catalog_json` lists
them, so Codex knows their window (and compacts at it) and stops warning that it has no
metadata for them.

Codex reads a model's context window only from its catalog (a `model_context_window` in
config.toml does not reach a model it has no entry for), and every entry must carry the
model's `base_instructions`, which Codex sends as its prompt. For a model it does not know,
Codex sends its own model-neutral prompt; an entry copied from one of its GPT models
would tell Claude it is GPT, so each entry carries that model-neutral prompt, asked of the
person's own Codex (`codex_instructions`): nothing of Codex's is stored here.
"""

import json
import os
import subprocess
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from .catalog import CONTEXT_WINDOW, MODELS
from .wire.openai_common import EFFORTS

# A model Codex has no entry for, so that it sends its model-neutral prompt.
UNKNOWN_MODEL = "claude-model-not-in-codexs-catalog"
# Codex's own reasoning levels that are Claude efforts too (Codex knows no `max`).
REASONING_LEVELS = ("low", "medium", "high", "xhigh")


def catalog(base_instructions):
    """Codex's ModelsResponse for the models the proxy serves, newest first."""
    return {"models": [entry(model_id, name, base_instructions, priority) for priority, (model_id, name, _) in enumerate(MODELS)]}


def entry(model_id, display_name, base_instructions, priority):
    """One model as Codex's ModelInfo: Claude's window, the efforts the proxy maps, the
    tools Codex offers a model it does not know (its exec_command session, no apply_patch
    of its own kind), and reasoning summaries, which the proxy answers with Claude's thinking."""
    return {
        "slug": model_id,
        "display_name": display_name,
        "description": f"{display_name} through claude-max-proxy",
        "default_reasoning_level": "medium",
        "supported_reasoning_levels": [{"effort": level, "description": f"Claude's {EFFORTS[level]} effort"} for level in REASONING_LEVELS],
        "shell_type": "unified_exec",
        "visibility": "list",
        "supported_in_api": True,
        "priority": priority,
        "upgrade": None,
        "base_instructions": base_instructions,
        "supports_reasoning_summaries": True,
        "support_verbosity": False,
        "default_verbosity": None,
        "apply_patch_tool_type": None,
        "truncation_policy": {"mode": "tokens", "limit": 10000},
        "supports_parallel_tool_calls": True,
        "context_window": CONTEXT_WINDOW,
        "max_context_window": CONTEXT_WINDOW,
        "experimental_supported_tools": [],
        "input_modalities": ["text", "image"],
    }


def config_lines(base_url, catalog_path, model=MODELS[1][0]):
    """The lines of Codex's config.toml that point it at the proxy and at the catalog."""
    return (
        f'model = "{model}"\n'
        'model_provider = "claude-max-proxy"\n'
        f'model_catalog_json = "{catalog_path}"\n'
        "\n"
        "[model_providers.claude-max-proxy]\n"
        'name = "claude-max-proxy"\n'
        f'base_url = "{base_url}/v1"\n'
        'wire_api = "responses"\n'
        'env_key = "PROXY_KEY"\n'
    )


def codex_instructions(codex, timeout=60):
    """The prompt `codex` sends for a model it has no metadata for, read off the first
    request of one `codex exec` made to a listener here, which then refuses it (so no
    model is asked). Codex runs with a home of its own: the person's config is not read."""
    seen = []

    class Listener(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("content-length") or 0))
            seen.append(json.loads(body or b"{}"))
            refusal = json.dumps({"error": {"message": "read, not answered", "type": "invalid_request_error"}}).encode()
            self.send_response(400)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(refusal)))
            self.end_headers()
            self.wfile.write(refusal)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Listener)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with tempfile.TemporaryDirectory() as home:
            with open(os.path.join(home, "config.toml"), "w") as config:
                config.write(
                    f'model = "{UNKNOWN_MODEL}"\nmodel_provider = "listener"\n'
                    f'[model_providers.listener]\nname = "listener"\nbase_url = "http://127.0.0.1:{server.server_port}/v1"\n'
                    'wire_api = "responses"\nenv_key = "LISTENER_KEY"\nrequest_max_retries = 0\nstream_max_retries = 0\n'
                )
            env = {"PATH": os.environ.get("PATH", ""), "HOME": home, "CODEX_HOME": home, "LISTENER_KEY": "none"}
            subprocess.run(
                [codex, "exec", "--skip-git-repo-check", "-s", "read-only", "."],
                cwd=home, env=env, stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout, check=False,
            )  # fmt: skip
    finally:
        server.shutdown()
        server.server_close()
    instructions = base_instructions(seen[0]) if seen else None
    if not isinstance(instructions, str) or not instructions.strip():
        raise ValueError(f"{codex} sent no instructions to read")
    return instructions


def base_instructions(request):
    """A Codex request's base prompt: its `instructions`, or (Codex 0.169 sends it so) the
    text of the developer message that opens its input."""
    if isinstance(request.get("instructions"), str):
        return request["instructions"]
    first = (request.get("input") or [{}])[0]
    if isinstance(first, dict) and first.get("role") == "developer":
        parts = first.get("content") or []
        if len(parts) == 1 and isinstance(parts[0], dict) and parts[0].get("type") == "input_text":
            return parts[0].get("text")
    return None
