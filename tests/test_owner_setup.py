"""The model sees what the client sent: nothing of the machine owner's Claude Code setup.

The people who run the proxy use Claude Code themselves: their home holds memory files,
rules, hooks, an output style, agents, skills, commands and MCP servers, and so may the
work dir. A proxy on such a machine runs none of it and sends none of it upstream, on
every wire, with and without the client's tools, in both modes, on a subscription login.
"""

import json

import httpx
import pytest

from tests.helpers import message_body
from tests.proxy_server import ProxyServer
from tests.upstream import replies

OWNER = "owner@example.com"
# Every text of the owner's setup carries one of these: none may reach the upstream.
MARKERS = {
    "home CLAUDE.md": "OWNER-HOME-MEMORY-7f3a",
    "home rule": "OWNER-RULE-2b9c",
    "hook output": "OWNER-HOOK-OUTPUT-5d1e",
    "agent": "OWNER-AGENT-8c4d",
    "skill": "OWNER-SKILL-1a2b",
    "command": "OWNER-COMMAND-3c4d",
    "output style": "OWNER-STYLE-9e8f",
    "work dir CLAUDE.md": "OWNER-PROJECT-MEMORY-4e5f",
    "work dir CLAUDE.local.md": "OWNER-LOCAL-MEMORY-6a7b",
    "work dir rule": "OWNER-PROJECT-RULE-0c1d",
    "home MCP server": "owner-home-mcp",
    "work dir MCP server": "owner-project-mcp",
}
HOOK_EVENTS = (
    "SessionStart", "UserPromptSubmit", "PreToolUse", "PostToolUse", "Stop", "SubagentStop",
    "SessionEnd", "Notification", "PreCompact",
)  # fmt: skip
WEATHER = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}


def _hooks(ran, where):
    """Hooks of every event that leave a file in `ran` and print a marker for the model."""
    say = f"echo {MARKERS['hook output']}"
    return {
        event: [{"matcher": "", "hooks": [{"type": "command", "command": f"touch {ran}/{where}-{event}; {say}"}]}]
        for event in HOOK_EVENTS
    }


def _mcp_server(name, ran):
    return {name: {"type": "stdio", "command": "sh", "args": ["-c", f"touch {ran}/{name}; sleep 60"]}}


def _write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def furnish(root):
    """A home and a work dir as a Claude Code user's: (home, work dir, the hooks' folder)."""
    home, work, ran = root / "home", root / "work", root / "ran"
    config = home / ".claude"
    ran.mkdir(parents=True)
    _write(config / "CLAUDE.md", f"{MARKERS['home CLAUDE.md']}: always mention the owner's cat.\n")
    _write(config / "rules" / "style.md", f"{MARKERS['home rule']}: answer in French.\n")
    _write(
        config / "settings.json",
        json.dumps({"hooks": _hooks(ran, "home"), "outputStyle": "owner-style", "enableAllProjectMcpServers": True}),
    )
    _write(
        config / "output-styles" / "owner-style.md",
        f"---\nname: owner-style\ndescription: the owner's style\n---\n{MARKERS['output style']}: end with a haiku.\n",
    )
    _write(config / "agents" / "owner-agent.md", f"---\nname: owner-agent\ndescription: {MARKERS['agent']}\n---\nHelp.\n")
    _write(
        config / "skills" / "owner-skill" / "SKILL.md",
        f"---\nname: owner-skill\ndescription: {MARKERS['skill']}\n---\nDo it.\n",
    )
    _write(config / "commands" / "owner-cmd.md", f"---\ndescription: {MARKERS['command']}\n---\nRun it.\n")
    _write(
        config / ".claude.json",
        json.dumps({
            "oauthAccount": {"emailAddress": OWNER},
            "mcpServers": _mcp_server(MARKERS["home MCP server"], ran),
            "hasCompletedOnboarding": True,
        }),
    )  # fmt: skip
    _write(work / "CLAUDE.md", f"{MARKERS['work dir CLAUDE.md']}: the owner's project notes.\n")
    _write(work / "CLAUDE.local.md", f"{MARKERS['work dir CLAUDE.local.md']}: the owner's private notes.\n")
    _write(work / ".claude" / "rules" / "project.md", f"{MARKERS['work dir rule']}: use tabs.\n")
    _write(work / ".claude" / "settings.json", json.dumps({"hooks": _hooks(ran, "work")}))
    _write(work / ".mcp.json", json.dumps({"mcpServers": _mcp_server(MARKERS["work dir MCP server"], ran)}))
    return home, work, ran


@pytest.fixture(scope="module")
def owner(tmp_path_factory):
    return furnish(tmp_path_factory.mktemp("owner"))


def _owner_proxy(cli_env, owner, data_dir, **settings):
    home, work, _ = owner
    env = {
        **cli_env,
        "HOME": str(home),
        "CLAUDE_CONFIG_DIR": str(home / ".claude"),
        "CLAUDE_PROXY_WORKDIR": str(work),
        "ANTHROPIC_API_KEY": "",
        "CLAUDE_CODE_OAUTH_TOKEN": "sk-ant-oat01-fake-owner-subscription",
        **settings,
    }
    return ProxyServer(env, data_dir).start()


@pytest.fixture(scope="module", params=["passthrough", "internal"])
def owner_proxy(request, cli_env, owner, tmp_path_factory):
    """A proxy on the owner's machine, signed in with a subscription token, in each mode."""
    from tests.conftest import TEST_ROOT

    server = _owner_proxy(cli_env, owner, TEST_ROOT / "data", CLAUDE_PROXY_MODE=request.param)
    server.mode = request.param
    yield server
    server.stop()


def _anthropic(text, tools):
    extra = {"tools": [{"name": "get_weather", "description": "Weather", "input_schema": WEATHER}]} if tools else {}
    return "/v1/messages", message_body(text, stream=False, system="You are the client's assistant.", **extra)


def _chat(text, tools):
    extra = {"tools": [{"type": "function", "function": {"name": "get_weather", "parameters": WEATHER}}]} if tools else {}
    messages = [{"role": "system", "content": "You are the client's assistant."}, {"role": "user", "content": text}]
    return "/v1/chat/completions", {"model": "claude-sonnet-4-5", "messages": messages, **extra}


def _responses(text, tools):
    extra = {"tools": [{"type": "function", "name": "get_weather", "parameters": WEATHER}]} if tools else {}
    return "/v1/responses", {"model": "claude-sonnet-4-5", "instructions": "You are the client's assistant.", "input": text, **extra}


WIRES = {"anthropic": _anthropic, "chat": _chat, "responses": _responses}


def _sent(upstream):
    """Every byte the CLI sent upstream: each request's path, headers and body."""
    return [json.dumps([request.path, request.headers, request.body]) for request in upstream.requests]


def _offered_tools(upstream):
    return {tool["name"] for request in upstream.message_requests() for tool in (request.body.get("tools") or [])}


@pytest.mark.parametrize("tools", [False, True], ids=["no-tools", "client-tools"])
@pytest.mark.parametrize("wire", WIRES)
def test_it_sends_nothing_of_the_owners_setup(owner_proxy, upstream, owner, wire, tools):
    path, body = WIRES[wire](f"Owner check {wire} {tools} {owner_proxy.mode}", tools)

    response = httpx.post(f"{owner_proxy.url}{path}", json=body, timeout=60)

    assert response.status_code == 200, response.text
    assert len(upstream.message_requests()) == 1
    sent = "\n".join(_sent(upstream))
    assert [name for name, marker in MARKERS.items() if marker in sent] == []
    client_tools = {"mcp__client__get_weather"} if tools and owner_proxy.mode == "passthrough" else set()
    proxy_tools = {tool for tool in _offered_tools(upstream) if tool.startswith("mcp__opencode__")}
    assert _offered_tools(upstream) == client_tools | proxy_tools
    if owner_proxy.mode == "passthrough":
        assert proxy_tools == set()
        assert str(owner[1]) not in sent  # the CLI names its working directory to the model


def test_it_runs_none_of_the_owners_hooks_through_a_tool_round(owner_proxy, upstream, owner):
    """A tool round passes every hook event a turn has (prompt, tool use, stop): the
    client's tool in passthrough mode, the proxy's own in internal mode."""
    path, body = _anthropic(f"Owner tool round {owner_proxy.mode}", tools=True)
    if owner_proxy.mode == "internal":
        upstream.enqueue(replies.tool_use("mcp__opencode__glob", {"pattern": "nothing-*"}, tool_id="toolu_owner1"))
        response = httpx.post(f"{owner_proxy.url}{path}", json=body, timeout=60)
    else:
        upstream.enqueue(replies.tool_use("mcp__client__get_weather", {"city": "Paris"}, tool_id="toolu_owner1"))
        paused = httpx.post(f"{owner_proxy.url}{path}", json=body, timeout=60)
        assert paused.json()["stop_reason"] == "tool_use", paused.text
        result = {"type": "tool_result", "tool_use_id": "toolu_owner1", "content": "Sunny"}
        messages = [*body["messages"], {"role": "assistant", "content": paused.json()["content"]}, {"role": "user", "content": [result]}]
        response = httpx.post(f"{owner_proxy.url}{path}", json={**body, "messages": messages}, timeout=60)

    assert response.status_code == 200, response.text
    assert len(upstream.message_requests()) == 2  # the tool's result went back to the model
    sent = "\n".join(_sent(upstream))
    assert [name for name, marker in MARKERS.items() if marker in sent] == []
    # No hook of any event and no MCP server of the owner's ran, on any request so far.
    assert sorted(entry.name for entry in owner[2].iterdir()) == []
