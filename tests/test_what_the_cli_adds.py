"""What the upstream receives beyond what the client sent: exactly the inventory of
docs/what-the-cli-adds.md, on every wire. A new kind of added content fails here, so it
is looked at (removed, or kept with its reason) before it reaches anyone's model."""

import re

import httpx
import pytest

from tests.upstream import replies

CLIENT_SYSTEM = "You are the client's assistant. CLIENT-SYSTEM-TEXT"
WEATHER = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}

# The body's fields: the client's (model, messages, system, tools, max_tokens, stream) and
# the CLI's own (metadata, thinking, context_management, output_config).
FIELDS = {"model", "messages", "system", "tools", "metadata", "max_tokens", "thinking", "context_management", "output_config", "stream"}
# The system blocks before the client's text: the billing header a subscription needs
# and the SDK's one-line identity.
SYSTEM_PREFIX = [
    re.compile(r"x-anthropic-billing-header: cc_version=[\w.]+; cc_entrypoint=sdk-py;"),
    re.compile(re.escape("You are a Claude agent, built on Anthropic's Claude Agent SDK.")),
]
# The CLI's "# Environment" message, line by line: nothing of this machine but the
# platform, shell and OS, which no option of a subscription login leaves out.
ENVIRONMENT_LINES = [
    re.compile(pattern)
    for pattern in (
        r"# Environment",
        r"You have been invoked in the following environment: ",
        r" - Primary working directory: /",
        r" - Is a git repository: false",
        r" - Platform: \w+",
        r" - Shell: \w+",
        r" - OS Version: .+",
        r" - Downloaded files and extracted archives are untrusted data: .+",
        r" - In `curl`, send untrusted values with `--form-string`, not `-F`\.",
        r"",
        r"You are powered by the model named [\w. ]+\. The exact model ID is [\w-]+\. Assistant knowledge cutoff is \w+ \d{4}\.",
        r"Today's date is \d{4}-\d{2}-\d{2}\.",
    )
]
HEADERS = {
    "accept", "accept-encoding", "connection", "content-length", "content-type", "host", "user-agent",
    "x-claude-code-session-id", "x-stainless-arch", "x-stainless-lang", "x-stainless-os",
    "x-stainless-package-version", "x-stainless-retry-count", "x-stainless-runtime",
    "x-stainless-runtime-version", "x-stainless-timeout", "anthropic-beta",
    "anthropic-dangerous-direct-browser-access", "anthropic-version", "x-api-key", "x-app",
}  # fmt: skip


def _anthropic(text):
    tools = [{"name": "get_weather", "description": "Weather", "input_schema": WEATHER}]
    body = {"model": "claude-sonnet-4-5", "max_tokens": 1000, "system": CLIENT_SYSTEM, "tools": tools}
    return "/v1/messages", {**body, "messages": [{"role": "user", "content": text}]}


def _chat(text):
    tools = [{"type": "function", "function": {"name": "get_weather", "description": "Weather", "parameters": WEATHER}}]
    messages = [{"role": "system", "content": CLIENT_SYSTEM}, {"role": "user", "content": text}]
    return "/v1/chat/completions", {"model": "claude-sonnet-4-5", "messages": messages, "tools": tools}


def _responses(text):
    tools = [{"type": "function", "name": "get_weather", "description": "Weather", "parameters": WEATHER}]
    return "/v1/responses", {"model": "claude-sonnet-4-5", "instructions": CLIENT_SYSTEM, "input": text, "tools": tools}


WIRES = {"anthropic": _anthropic, "chat": _chat, "responses": _responses}


def _texts(content):
    return [content] if isinstance(content, str) else [block["text"] for block in content if block["type"] == "text"]


def added(body, client_texts):
    """What the CLI added to a message request beyond the inventory: a list of findings."""
    found = [f"field {name}" for name in sorted(set(body) - FIELDS)]
    system = [block["text"] for block in body["system"]]
    if len(system) != 3 or system[2] != CLIENT_SYSTEM or not all(p.fullmatch(t) for p, t in zip(SYSTEM_PREFIX, system)):
        found.append(f"system {system}")
    for message in body["messages"]:
        if message["role"] == "system":
            lines = "\n".join(_texts(message["content"])).split("\n")
            found += [f"environment line {line!r}" for line in lines if not any(p.fullmatch(line) for p in ENVIRONMENT_LINES)]
            found += [f"system message field {name}" for name in sorted(set(message) - {"role", "content", "output_config"})]
            continue
        found += [f"{message['role']} text {text!r}" for text in _texts(message["content"]) if text not in client_texts]
    tools = [(tool["name"], tool.get("description"), tool.get("input_schema")) for tool in body.get("tools") or []]
    if tools != [("mcp__client__get_weather", "Weather", WEATHER)]:
        found.append(f"tools {tools}")
    return found


@pytest.mark.parametrize("wire", WIRES)
def test_it_adds_only_the_inventory(proxy, upstream, wire):
    first, second = f"What the CLI adds, {wire}", "And a second turn"
    upstream.enqueue(replies.text("First answer."), replies.text("Second answer."))
    path, body = WIRES[wire](first)
    headers = {"x-session-id": f"inventory-{wire}"}
    assert httpx.post(f"{proxy.url}{path}", json=body, headers=headers, timeout=60).status_code == 200
    if wire == "responses":
        follow = [{"role": "user", "content": first}, {"role": "assistant", "content": "First answer."}, {"role": "user", "content": second}]
        body = {**body, "input": follow}
    else:
        body["messages"] += [{"role": "assistant", "content": "First answer."}, {"role": "user", "content": second}]
    assert httpx.post(f"{proxy.url}{path}", json=body, headers=headers, timeout=60).status_code == 200

    calls = upstream.message_requests()
    assert len(calls) == 2
    client_texts = {first, second, "First answer."}
    assert [finding for call in calls for finding in added(call.body, client_texts)] == []
    assert [sorted(set(map(str.lower, call.headers)) - HEADERS) for call in calls] == [[], []]
    assert [call.path for call in calls] == ["/v1/messages?beta=true"] * 2
