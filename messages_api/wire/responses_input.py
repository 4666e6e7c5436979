"""A Responses API request (what Codex CLI sends) as the engine's Anthropic request.

Pure: no I/O. `input` items become Anthropic messages with real blocks: a message's
`input_text` / `output_text` parts text, `input_image` an image, `input_file` a
document; a `function_call` (the model's call, sent back) an assistant `tool_use` whose
id is its `call_id`; a `function_call_output` a user `tool_result` for that id.
Neighbouring items of one role make one message (an assistant's text and the calls
after it are one answer). `instructions` and the developer/system messages before the
first turn are the system prompt; a later one is a `role: "system"` message in place.
A `reasoning` item the proxy gave is Claude's thinking block again, first in its
assistant message (responses_reasoning); another model's reasoning means nothing to
Claude and is left out. Parameters and tools: responses_params. A bad item is a 400
naming its field.
"""

import json
import logging
from dataclasses import dataclass

from ..schemas import MessagesRequest
from . import bad
from .openai_common import Origins, arguments, document_block, image_block, output_config
from .responses_params import (
    NameTable, check_fields, effort, kind_of, mapped_name, output_format, required_string, tool_choice, tools,
)  # fmt: skip
from .responses_reasoning import Opener, thinking

log = logging.getLogger("claude_proxy.wire")

__all__ = ["NameTable", "Translated", "conversation_name", "mapped_name", "translate"]

SYSTEM_ROLES = ("system", "developer")
# Accepted, and nothing the CLI can take a value for (docs/clients.md: Codex CLI and the Responses API).
UNHEEDED = ("temperature", "top_p", "text", "truncation", "service_tier", "top_logprobs", "user", "safety_identifier")


# An Anthropic block's field -> the client's field it came from (below the block's origin).
BLOCK_FIELDS = {
    "tool_use": {"id": "call_id", "name": "name", "input": "arguments"},
    "tool_result": {"tool_use_id": "call_id", "content": "output"},
    "image": {"source": "image_url"},
    "document": {"source": "file_data"},
    "thinking": {"thinking": "encrypted_content", "signature": "encrypted_content"},
}
TOOL_FIELDS = {"name": "name", "description": "description", "input_schema": "parameters"}
NAMES = {
    "max_tokens": "max_output_tokens", "output_config.effort": "reasoning.effort", "output_config.format": "text.format.schema",
    "thinking": "reasoning", "tool_choice": "tool_choice",
}  # fmt: skip


@dataclass
class Translated:
    params: MessagesRequest
    names: NameTable
    items: list  # the whole input as items (a string input as its one message)


def _text(value, param):
    if not isinstance(value, str):
        raise bad(param, f"expected a string, got {kind_of(value)}")
    return value


def _image(part, param):
    url = part.get("image_url")
    if part.get("file_id") is not None and url is None:
        raise bad(f"{param}.file_id", "files are not supported; send the image as image_url (a data URL or an http URL)")
    if not isinstance(url, str) or not url:
        raise bad(f"{param}.image_url", "expected a data URL or an http(s) URL")
    return image_block(url, f"{param}.image_url")


def _file(part, param):
    if block := document_block(part.get("file_data")):
        return block
    if isinstance(part.get("file_url"), str) and part["file_url"].startswith(("http://", "https://")):
        return {"type": "document", "source": {"type": "url", "url": part["file_url"]}}
    raise bad(param, "expected file_data (a base64 data URL) or file_url; file_id is not supported")


TEXT_FIELDS = {"input_text": "text", "output_text": "text", "refusal": "refusal"}
PART_BLOCKS = {
    "input_text": lambda part, param: {"type": "text", "text": _text(part.get("text"), f"{param}.text")},
    "output_text": lambda part, param: {"type": "text", "text": _text(part.get("text"), f"{param}.text")},
    "refusal": lambda part, param: {"type": "text", "text": _text(part.get("refusal"), f"{param}.refusal")},
    "input_image": _image,
    "input_file": _file,
}


def content_blocks(content, param, allowed=tuple(PART_BLOCKS)):
    """A message's (or a tool output's) content, a string or parts, as (Anthropic blocks,
    the client's field of each)."""
    if isinstance(content, str):
        return ([{"type": "text", "text": content}], [param]) if content else ([], [])
    if not isinstance(content, list):
        raise bad(param, f"expected a string or an array of content parts, got {kind_of(content)}")
    blocks, wheres = [], []
    for index, part in enumerate(content):
        where = f"{param}[{index}]"
        kind = part.get("type") if isinstance(part, dict) else None
        if kind not in allowed:
            raise bad(f"{where}.type", f"expected one of {', '.join(allowed)}, got {kind!r}")
        block = PART_BLOCKS[kind](part, where)
        if block["type"] != "text" or block["text"]:
            blocks.append(block)
            wheres.append(f"{where}.{TEXT_FIELDS[kind]}" if kind in TEXT_FIELDS else where)
    return blocks, wheres


def _arguments(item, param):
    value = item.get("arguments")
    if value is not None and not isinstance(value, str):
        raise bad(f"{param}.arguments", f"expected a JSON string, got {kind_of(value)}")
    return arguments(value, f"{param}.arguments")


def as_items(value):
    """`input` as a list of items: a string is one user message."""
    if isinstance(value, str):
        return [{"type": "message", "role": "user", "content": [{"type": "input_text", "text": value}]}]
    if not isinstance(value, list):
        raise bad("input", f"expected a string or an array of input items, got {kind_of(value)}")
    return value


def turns(items):
    """(system texts, messages, Origins): items as Anthropic messages, neighbours of a
    role joined, and the client's field of each block and system text.

    Roles of `items` as the request names them; only the leading developer/system
    messages are the system prompt."""
    system, messages, opened = [], [], Opener()
    origins = Origins(BLOCK_FIELDS, TOOL_FIELDS, made="input", names=NAMES)

    def add(role, blocks, wheres):
        if not blocks:
            return
        if messages and messages[-1]["role"] == role and role != "system":
            messages[-1]["content"].extend(blocks)
            origins.blocks[-1].extend(zip([block["type"] for block in blocks], wheres, strict=True))
        else:
            messages.append({"role": role, "content": list(blocks)})
            origins.blocks.append(list(zip([block["type"] for block in blocks], wheres, strict=True)))

    for index, item in enumerate(items):
        param = f"input[{index}]"
        if not isinstance(item, dict):
            raise bad(param, f"expected an input item (an object), got {kind_of(item)}")
        kind = item.get("type", "message" if "role" in item else None)
        if kind == "message":
            role = item.get("role")
            if role not in ("user", "assistant", *SYSTEM_ROLES):
                raise bad(f"{param}.role", f"expected one of user, assistant, system, developer, got {role!r}")
            blocks, wheres = content_blocks(item.get("content"), f"{param}.content")
            if role in SYSTEM_ROLES:
                text = "\n".join(block["text"] for block in blocks if block["type"] == "text")
                if not messages:
                    system.append(text)
                    origins.system.append(f"{param}.content")
                else:
                    add("system", [{"type": "text", "text": text}] if text else [], [f"{param}.content"])
                continue
            add(role, blocks, wheres)
        elif kind == "function_call":
            name = required_string(item, "name", param)
            namespace = item.get("namespace")
            tool_use = {"type": "tool_use", "id": required_string(item, "call_id", param), "name": mapped_name(namespace, name)}
            add("assistant", [{**tool_use, "input": _arguments(item, param)}], [param])
        elif kind == "function_call_output":
            output = item.get("output")
            result = {"type": "tool_result", "tool_use_id": required_string(item, "call_id", param)}
            blocks, _ = content_blocks("" if output is None else output, f"{param}.output")
            add("user", [{**result, "content": blocks}], [param])
        elif kind == "reasoning":
            # Claude's own thinking when the proxy gave the item; another model's is nothing Claude can read.
            if block := opened(item, param):
                add("assistant", [block], [param])
        elif isinstance(kind, str):
            log.debug("input item of type %r left out", kind)
        else:
            raise bad(f"{param}.type", "expected a string")
    return system, messages, origins


def translate(body, earlier=()):
    """The engine's MessagesRequest for a Responses `body`; `earlier`: the items of the
    response it continues (previous_response_id), input and output, put before its input."""
    check_fields(body)
    items = [*earlier, *as_items(body["input"])]
    system, messages, origins = turns(items)
    if instructions := body.get("instructions"):
        system.insert(0, instructions)
        origins.system.insert(0, "instructions")
    if not messages:
        raise bad("input", "holds no message to answer")
    origins.system = [where for text, where in zip(system, origins.system, strict=True) if text]
    anthropic_tools, names, origins.tools = tools(body)
    if unheeded := [key for key in UNHEEDED if body.get(key) is not None]:
        log.debug("the CLI cannot honour %s: left out", ", ".join(unheeded))
    level, shape = effort(body), output_format(body)
    data = {
        "model": body["model"],
        "messages": messages,
        "stream": bool(body.get("stream")),
        "system": [{"type": "text", "text": text} for text in system if text] or None,
        "max_tokens": body.get("max_output_tokens"),
        "tools": anthropic_tools,
        "tool_choice": tool_choice(body, anthropic_tools),
        "output_config": output_config(level, shape),
        "thinking": thinking(body),
    }
    params = origins.validated({key: value for key, value in data.items() if value is not None})
    return Translated(params, names, items)


def conversation_name(headers, body):
    """The conversation Codex names: its session or thread id (headers), the thread id in
    x-codex-turn-metadata, else the body's prompt_cache_key; "" when none is there.

    A `session_id` header (underscore) never gets here: daphne and Django drop headers
    with underscores (CVE-2015-0219); Codex sends `session-id` and the same id in the others."""
    for header in ("session-id", "thread-id"):
        if value := headers.get(header, "").strip():
            return value
    try:
        metadata = json.loads(headers.get("x-codex-turn-metadata") or "{}")
    except ValueError:
        metadata = {}
    if isinstance(metadata, dict) and isinstance(metadata.get("thread_id"), str) and metadata["thread_id"].strip():
        return metadata["thread_id"].strip()
    key = body.get("prompt_cache_key")
    return key.strip() if isinstance(key, str) else ""
