"""OpenCode itself (npm `opencode-ai` 1.18.33) runs on the proxy, offline (DESIGN.md §1b)."""

import json
import os
import subprocess
from pathlib import Path

import pytest

from sessions_admin.models import Conversation
from tests.upstream import replies

REPO = Path(__file__).resolve().parent.parent
OPENCODE_VERSION = "1.18.33"


def _opencode_binary():
    if configured := os.environ.get("OPENCODE_BIN"):
        return Path(configured)
    found = sorted(REPO.glob("node_modules/opencode-linux-*/bin/opencode"), key=lambda path: "baseline" in str(path))
    return found[0] if found else None


BINARY = _opencode_binary()
pytestmark = pytest.mark.skipif(
    BINARY is None and not os.environ.get("CI"), reason="opencode-ai is not installed (.ci/run installs it)"
)


class OpenCode:
    """`opencode run` in a home of its own, configured to call the proxy."""

    def __init__(self, root, proxy_url):
        self.root = root
        self.work = root / "work"
        config_dir = root / "config" / "opencode"
        plugin = config_dir / "node_modules" / "@opencode-ai" / "plugin"
        for folder in (self.work, root / "home", root / "data", root / "state", root / "cache", plugin):
            folder.mkdir(parents=True, exist_ok=True)
        # With its plugin package in place, OpenCode starts no npm install of its own.
        dependency = {"@opencode-ai/plugin": OPENCODE_VERSION}
        (config_dir / "package.json").write_text(json.dumps({"dependencies": dependency}))
        (plugin / "package.json").write_text(json.dumps({"name": "@opencode-ai/plugin", "version": OPENCODE_VERSION}))
        lock = {
            "lockfileVersion": 3,
            "packages": {"": {"dependencies": dependency}, "node_modules/@opencode-ai/plugin": {"version": OPENCODE_VERSION}},
        }
        (config_dir / "package-lock.json").write_text(json.dumps(lock))
        self.config = root / "opencode.json"
        self.config.write_text(
            json.dumps(
                {
                    "model": "anthropic/claude-sonnet-4-5",
                    "provider": {"anthropic": {"options": {"baseURL": f"{proxy_url}/v1", "apiKey": "dummy"}}},
                }
            )
        )

    def run(self, prompt, *args):
        env = {
            "PATH": os.environ["PATH"],
            "HOME": str(self.root / "home"),
            "XDG_CONFIG_HOME": str(self.root / "config"),
            "XDG_DATA_HOME": str(self.root / "data"),
            "XDG_STATE_HOME": str(self.root / "state"),
            "XDG_CACHE_HOME": str(self.root / "cache"),
            "OPENCODE_CONFIG": str(self.config),
            "OPENCODE_DISABLE_MODELS_FETCH": "1",
            "OPENCODE_DISABLE_AUTOUPDATE": "1",
            "OPENCODE_DISABLE_PROJECT_CONFIG": "1",
            "OPENCODE_PERMISSION": json.dumps({"bash": "allow", "edit": "allow", "read": "allow"}),
            "PWD": str(self.work),
        }
        result = subprocess.run(
            [str(BINARY), "run", "--format", "json", *args],
            input=prompt,  # an argument with spaces would arrive quoted
            cwd=self.work,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr
        return [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]


def _texts(events):
    return [event["part"]["text"] for event in events if event["type"] == "text"]


@pytest.fixture
def opencode(proxy, tmp_path):
    return OpenCode(tmp_path, proxy.url)


def test_it_answers_opencode_through_the_real_cli(opencode, upstream):
    upstream.default_reply = lambda: replies.text("Hello from the fake upstream via OpenCode.")

    events = opencode.run("Say hello please")

    assert _texts(events) == ["Hello from the fake upstream via OpenCode."]
    session_id = events[0]["sessionID"]
    prompts = [request for request in upstream.message_requests() if "title generator" not in request.system_text()]
    assert prompts[-1].history()[-1] == ("user", "Say hello please")
    assert "You are OpenCode" in prompts[-1].system_text()
    # The title request and the chat share OpenCode's session header but not a conversation.
    lanes = Conversation.objects.filter(key=session_id, key_kind="header")
    assert lanes.count() == 2


def test_it_continues_an_opencode_session_on_its_claude_session(opencode, upstream):
    upstream.default_reply = lambda: replies.text("Noted.")
    first = opencode.run("Remember the word heron")
    session_id = first[0]["sessionID"]
    chat = Conversation.objects.get(key=session_id, model="claude-sonnet-4-5")  # the title lane is haiku's
    claude_session = chat.claude_session_id

    upstream.default_reply = lambda: replies.text("The word was heron.")
    second = opencode.run("Which word?", "--session", session_id)

    assert _texts(second) == ["The word was heron."]
    chat.refresh_from_db()
    assert (chat.claude_session_id, chat.last_lineage) == (claude_session, "continuation")
    last = upstream.message_requests()[-1]
    assert last.history() == [("user", "Remember the word heron"), ("assistant", "Noted."), ("user", "Which word?")]


def _is_title_request(request):
    return "title generator" in request.system_text()


def test_it_lets_opencode_run_the_tools_claude_calls(opencode, upstream):
    notes = opencode.work / "notes.txt"
    notes.write_text("The launch code is 7-4-1.\n")
    marker = opencode.work / "marker.txt"
    upstream.unscripted = _is_title_request
    upstream.default_reply = lambda: replies.text("A title")
    upstream.enqueue(
        replies.tool_use("mcp__client__read", {"filePath": str(notes)}, tool_id="toolu_oc_read"),
        replies.tool_use("mcp__client__bash", {"command": "echo MARKER_OK > marker.txt", "description": "Write a marker"}, tool_id="toolu_oc_bash"),
        replies.text("The code is 7-4-1 and the marker is written."),
    )

    events = opencode.run("Read notes.txt, then write the marker")

    assert _texts(events)[-1] == "The code is 7-4-1 and the marker is written."
    assert marker.read_text() == "MARKER_OK\n"
    chat = [request for request in upstream.message_requests() if not _is_title_request(request)]
    assert len(chat) == 3  # one upstream call per model step
    results = [
        block
        for request in chat[1:]
        for block in request.body["messages"][-1]["content"]
        if block.get("type") == "tool_result"
    ]
    assert [block["tool_use_id"] for block in results] == ["toolu_oc_read", "toolu_oc_bash"]
    read_text = json.dumps(results[0]["content"])
    assert "The launch code is 7-4-1." in read_text
    assert [tool["name"] for tool in chat[0].body["tools"]][:3] == ["mcp__client__bash", "mcp__client__edit", "mcp__client__glob"]
