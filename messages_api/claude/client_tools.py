"""The client's tools as an in-process MCP server whose calls wait for the client.

When Claude calls one, the client's response ends with the `tool_use`; the CLI's
handler keeps waiting on the live process until the client's next request brings
the `tool_result`, which the handler returns. The CLI then sends the upstream a real
tool result for the same id and the turn goes on: one upstream call per model step.

The SDK runs MCP handlers one at a time and does not tell a handler its call's id,
so a PreToolUse hook (which sees the id just before the handler runs) hands it over.
"""

import asyncio
import hashlib
import json

from claude_agent_sdk import HookMatcher, SdkMcpTool, create_sdk_mcp_server
from django.conf import settings

from . import mcp_names
from .agents import SubagentCalls

SERVER_NAME = "client"
MEDIA_TYPES = ("image",)


def cli_name(name):
    return mcp_names.cli_name(SERVER_NAME, name)


def client_name(name):
    """The client's own name of a CLI tool name, or None for a tool not the client's."""
    return mcp_names.tool_of(SERVER_NAME, name)


def input_schema(tool):
    """The client's JSON Schema as the SDK takes it: an object schema with properties
    (the SDK reads a dict without both keys as a {name: python type} map)."""
    schema = dict(tool.input_schema or {})
    schema.setdefault("type", "object")
    schema.setdefault("properties", {})
    return schema


def offered(params):
    """The client's tools the CLI offers for a request: none with tool_choice `none`,
    which the proxy honours by leaving the tools out, so no call can happen; none in
    internal mode, where Claude works with the proxy's own tools."""
    choice = params.tool_choice
    if settings.CLAUDE_PROXY_MODE == "internal" or (choice is not None and choice.type == "none"):
        return []
    return params.tools or []


def tool_choice_note(choice):
    """What the model is told of a tool_choice the CLI cannot pass on (`any`, `tool`,
    `disable_parallel_tool_use`): an instruction, which it follows but is not bound by."""
    if choice is None:
        return None
    asks = []
    if choice.type == "any":
        asks.append("must call at least one of the available tools")
    elif choice.type == "tool":
        asks.append(f"must call the {choice.name} tool")
    if choice.disable_parallel_tool_use:
        asks.append("may call at most one tool")
    return f"<system-reminder>This answer {' and '.join(asks)}.</system-reminder>" if asks else None


def with_tool_choice(content, choice):
    """A prompt's content, with what the client's tool_choice asks of this answer."""
    note = tool_choice_note(choice)
    if note is None:
        return content
    blocks = [{"type": "text", "text": content}] if isinstance(content, str) else content
    return [*blocks, {"type": "text", "text": note}]


def tool_set_key(tools):
    """What identifies a tool set: a process offers exactly the tools it started with."""
    described = [[t.name, t.description, input_schema(t)] for t in sorted(tools or (), key=lambda t: t.name)]
    return hashlib.sha256(json.dumps(described, sort_keys=True).encode()).hexdigest()[:16]


def mcp_content(block, besides=()):
    """A client tool_result block's content (and texts the client sent beside it) as
    the MCP result the handler returns."""
    content = []
    for part in block.model_dump()["content"]:  # its images are ImageBlocks, the rest as sent
        kind, source = part.get("type"), part.get("source") or {}
        if kind == "text":
            content.append({"type": "text", "text": part.get("text", "")})
        elif kind in MEDIA_TYPES and source.get("type") == "base64":
            content.append({"type": "image", "data": source.get("data", ""), "mimeType": source.get("media_type", "")})
        else:
            # What MCP cannot carry (documents, search results) still reaches the model as text.
            content.append({"type": "text", "text": json.dumps(part)})
    content += [{"type": "text", "text": text} for text in besides]
    return {"content": content, "is_error": bool(block.is_error)}


class ToolBridge:
    """The client's tools for one CLI process, and the calls waiting for results."""

    def __init__(self, tools):
        self.tools = sorted(tools, key=lambda tool: tool.name)  # a stable prompt prefix
        self.subagents = SubagentCalls(self.tools)
        self._results = {}  # tool_use_id -> Future of the handler's result
        self._announced = []  # (id, input) of calls the hook saw whose handler has not started

    def mcp_servers(self):
        tools = [SdkMcpTool(tool.name, tool.description or tool.name, input_schema(tool), self._call) for tool in self.tools]
        return {SERVER_NAME: create_sdk_mcp_server(SERVER_NAME, tools=tools)}

    def allowed_tools(self):
        return [cli_name(tool.name) for tool in self.tools]

    def hooks(self):
        return {"PreToolUse": [HookMatcher(matcher=f"^{cli_name('')}", hooks=[self._announce])]}

    def resolve(self, block, besides=()):
        """Answer the call `block` (a client tool_result) is for."""
        future = self._future(block.tool_use_id)
        if not future.done():
            future.set_result(mcp_content(block, besides))

    def _future(self, tool_use_id):
        if tool_use_id not in self._results:
            self._results[tool_use_id] = asyncio.get_running_loop().create_future()
        return self._results[tool_use_id]

    async def _announce(self, hook_input, tool_use_id, context):
        self._announced.append((tool_use_id, hook_input.get("tool_input")))
        return {}

    async def _call(self, arguments):
        # Handlers run in the order the hook saw their calls, but the SDK may refuse a call
        # (its input against the schema) after the hook and before a handler: the call
        # whose input this is comes first, so a refused one never takes another's result.
        index = next((i for i, (_, given) in enumerate(self._announced) if given == arguments), 0)
        tool_use_id, _ = self._announced.pop(index)
        return await self._future(tool_use_id)
