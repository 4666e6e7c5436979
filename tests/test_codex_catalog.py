"""`manage.py codex_catalog`: Codex CLI gets Claude's models in its own catalog format,
with their window and Codex's own prompt, so it runs without the metadata warning,
plans compaction at Claude's window, and still sends the model the prompt it sends today."""

import json
import re
import subprocess
import sys

import pytest

from messages_api.catalog import CONTEXT_WINDOW, MODELS
from messages_api.codex_catalog import base_instructions, catalog
from tests.helpers import codex_binary
from tests.proxy_server import REPO
from tests.upstream import replies

WARNING = "Model metadata for"


@pytest.mark.parametrize(
    ("request_body", "found"),
    [
        ({"instructions": "Be brief.", "input": []}, "Be brief."),
        ({"input": [{"type": "message", "role": "developer", "content": [{"type": "input_text", "text": "You are Codex's agent."}]}]}, "You are Codex's agent."),
        ({"input": [{"type": "message", "role": "user", "content": [{"type": "input_text", "text": "hi"}]}]}, None),
        ({"input": [{"role": "developer", "content": [{"type": "input_text", "text": "a"}, {"type": "input_text", "text": "b"}]}]}, None),
        ({"input": []}, None),
        ({}, None),
    ],
    ids=["instructions", "opening-developer-message", "user-first", "two-parts", "no-input", "empty"],
)
def test_it_reads_codexs_base_prompt_off_its_request(request_body, found):
    assert base_instructions(request_body) == found


def test_it_lists_every_model_served_with_claudes_window_and_the_prompt_given():
    models = catalog("Codex's own prompt.")["models"]

    assert [(model["slug"], model["display_name"]) for model in models] == [(id, name) for id, name, _ in MODELS]
    assert {model["context_window"] for model in models} == {CONTEXT_WINDOW}
    assert {model["base_instructions"] for model in models} == {"Codex's own prompt."}
    assert [model["priority"] for model in models] == list(range(len(MODELS)))
    assert [level["effort"] for level in models[0]["supported_reasoning_levels"]] == ["low", "medium", "high", "xhigh"]


@pytest.fixture
def codex_runs(proxy, tmp_path):
    binary = codex_binary()
    if binary is None:
        pytest.skip("Codex CLI is not installed (bash .ci/run installs it)")

    def run(config, name):
        home = tmp_path / name
        (home / "work").mkdir(parents=True)
        (home / "config.toml").write_text(config)
        env = {"PATH": "/usr/bin:/bin", "HOME": str(home), "CODEX_HOME": str(home), "PROXY_KEY": "dummy"}
        result = subprocess.run(
            [binary, "exec", "--skip-git-repo-check", "-s", "read-only", "Say hi"],
            cwd=home / "work", env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        # The window Codex plans with, as its session log records it.
        logs = "".join(log.read_text() for log in (home / "sessions").rglob("*.jsonl"))
        return result, {int(window) for window in re.findall(r'"model_context_window":(\d+)', logs)}

    run.binary = binary
    return run


def test_it_gives_codex_claudes_models_with_its_own_prompt(codex_runs, proxy, upstream, tmp_path):
    upstream.default_reply = lambda: replies.text("Hi from Claude.")
    written = tmp_path / "claude-models.json"
    command = subprocess.run(
        [sys.executable, "manage.py", "codex_catalog", "--codex", codex_runs.binary, "--output", str(written), "--url", proxy.url],
        cwd=REPO, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert command.returncode == 0, command.stderr
    config = command.stdout[command.stdout.index('model = "') : command.stdout.index("then run:")]
    assert f'model_catalog_json = "{written}"' in config
    assert f'base_url = "{proxy.url}/v1"' in config
    prompt = json.loads(written.read_text())["models"][0]["base_instructions"]

    fallback, fallback_windows = codex_runs(config.replace(f'model_catalog_json = "{written}"\n', ""), "without")
    listed, listed_windows = codex_runs(config, "with")

    assert fallback.returncode == listed.returncode == 0, listed.stderr
    assert WARNING in fallback.stderr
    assert WARNING not in listed.stderr
    assert listed.stdout.strip() == "Hi from Claude."
    # Codex's window: its catalog's, less the 5% it keeps for itself; 258,400 without it.
    assert (fallback_windows, listed_windows) == ({258_400}, {CONTEXT_WINDOW * 95 // 100})
    without, with_catalog = upstream.message_requests()
    assert prompt in with_catalog.system_text()
    # The same prompt as without the catalog, but for the home each run had.
    assert with_catalog.system_text().replace(str(tmp_path / "with"), "~") == without.system_text().replace(str(tmp_path / "without"), "~")
