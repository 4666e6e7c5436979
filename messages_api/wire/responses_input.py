"""A Responses API request (what Codex CLI sends) as the engine's Anthropic request.

Pure: no I/O. `input` items become Anthropic messages with real blocks: a message's
`input_text` / `output_text` parts text, `input_image` an image, `input_file` a
document; a `function_call` (the model's call, sent back) an assistant `tool_use` whose
id is its `call_id`; a `function_call_output` a user `tool_result` for that id.
Neighbouring items of one role make one message (an assistant's text and the calls
after it are one answer). `instructions` and the developer/system messages before the
first turn are the system prompt; a later one is a `role: "system"` message in place.
`reasoning` items are left out: another model's encrypted reasoning means nothing to
Claude. A `namespace` tool's functions are flat Anthropic tools named
`<namespace>__<function>` (`NameTable` maps them back).

Every refusal is a 400 naming the request's own field (`param`), as OpenAI does.
"""

import hashlib
import json
import logging
import re
from dataclasses import dataclass, field

from pydantic import ValidationError

from ..errors import invalid_request
from ..schemas import MAX_MODEL, MessagesRequest, _first_error

log = logging.getLogger("claude_proxy.wire")

TOOL_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
NAMESPACE_SEPARATOR = "__"
SYSTEM_ROLES = ("system", "developer")
# reasoning.effort -> the CLI's effort; "none" and "minimal" ask for the least there is.
EFFORTS = {"none": "low", "minimal": "low", "low": "low", "medium": "medium", "high": "high", "xhigh": "xhigh", "max": "max"}
# Accepted, and nothing the CLI can take a value for (README: Codex CLI and the Responses API).
UNHEEDED = ("temperature", "top_p", "text", "truncation", "service_tier", "top_logprobs", "user", "safety_identifier")
DATA_URL = re.compile(r"^data:(?P<media_type>[\w.+-]+/[\w.+-]+)(?:;[^,]*)?;base64,(?P<data>.*)$", re.DOTALL)


def bad(param, message):
    """A 400 in OpenAI's manner: the message and `param` name the field."""
    error = invalid_request(f"{param}: {message}" if param else message)
    error.param = param
    return error


def mapped_name(namespace, name):
    """The Anthropic tool name of function `name` in `namespace` (None: a plain function):
    `<namespace>__<name>`, kept to 64 chars of [A-Za-z0-9_-] (a hash tells long ones apart)."""
    if not namespace:
        return name
    joined = f"{namespace}{NAMESPACE_SEPARATOR}{name}"
    if TOOL_NAME.match(joined):
        return joined
    safe = re.sub(r"[^A-Za-z0-9_-]", "_", joined)
    return f"{safe[:55]}_{hashlib.sha256(joined.encode()).hexdigest()[:8]}"


@dataclass
class NameTable:
    """Anthropic tool names back to (namespace, name) as the client declared them."""

    namespaced: dict = field(default_factory=dict)

    def client_call(self, name):
        """{"name": …} or {"namespace": …, "name": …} for a tool_use block's name."""
        if name in self.namespaced:
            namespace, function = self.namespaced[name]
            return {"namespace": namespace, "name": function}
        return {"name": name}


@dataclass
class Translated:
    params: MessagesRequest
    names: NameTable
    items: list  # the whole input as items (a string input as its one message)


def _kind(value):
    return {str: "a string", bool: "a boolean", int: "an integer", float: "a number", list: "an array", dict: "an object"}.get(
        type(value), "null" if value is None else type(value).__name__
    )


def _expect(body, key, types, param=None, what=None):
    value = body.get(key)
    if value is None:
        return None
    types = types if isinstance(types, tuple) else (types,)
    if isinstance(value, bool) and bool not in types:
        raise bad(param or key, f"expected {what}, got a boolean")
    if not isinstance(value, types):
        raise bad(param or key, f"expected {what}, got {_kind(value)}")
    return value


def _text(value, param):
    if not isinstance(value, str):
        raise bad(param, f"expected a string, got {_kind(value)}")
    return value


def _image(part, param):
    url = part.get("image_url")
    if part.get("file_id") is not None and url is None:
        raise bad(f"{param}.file_id", "files are not supported; send the image as image_url (a data URL or an http URL)")
    if not isinstance(url, str) or not url:
        raise bad(f"{param}.image_url", "expected a data URL or an http(s) URL")
    if match := DATA_URL.match(url):
        return {"type": "image", "source": {"type": "base64", "media_type": match["media_type"], "data": match["data"]}}
    if url.startswith(("http://", "https://")):
        return {"type": "image", "source": {"type": "url", "url": url}}
    raise bad(f"{param}.image_url", "expected a data URL (data:image/png;base64,…) or an http(s) URL")


def _file(part, param):
    if isinstance(part.get("file_data"), str) and (match := DATA_URL.match(part["file_data"])):
        return {"type": "document", "source": {"type": "base64", "media_type": match["media_type"], "data": match["data"]}}
    if isinstance(part.get("file_url"), str) and part["file_url"].startswith(("http://", "https://")):
        return {"type": "document", "source": {"type": "url", "url": part["file_url"]}}
    raise bad(param, "expected file_data (a base64 data URL) or file_url; file_id is not supported")


PART_BLOCKS = {
    "input_text": lambda part, param: {"type": "text", "text": _text(part.get("text"), f"{param}.text")},
    "output_text": lambda part, param: {"type": "text", "text": _text(part.get("text"), f"{param}.text")},
    "refusal": lambda part, param: {"type": "text", "text": _text(part.get("refusal"), f"{param}.refusal")},
    "input_image": _image,
    "input_file": _file,
}


def content_blocks(content, param, allowed=tuple(PART_BLOCKS)):
    """A message's (or a tool output's) content, a string or parts, as Anthropic blocks."""
    if isinstance(content, str):
        return [{"type": "text", "text": content}] if content else []
    if not isinstance(content, list):
        raise bad(param, f"expected a string or an array of content parts, got {_kind(content)}")
    blocks = []
    for index, part in enumerate(content):
        where = f"{param}[{index}]"
        kind = part.get("type") if isinstance(part, dict) else None
        if kind not in allowed:
            raise bad(f"{where}.type", f"expected one of {', '.join(allowed)}, got {kind!r}")
        block = PART_BLOCKS[kind](part, where)
        if block["type"] != "text" or block["text"]:
            blocks.append(block)
    return blocks


def _arguments(item, param):
    arguments = item.get("arguments")
    if arguments is None or arguments == "":
        return {}
    if not isinstance(arguments, str):
        raise bad(f"{param}.arguments", f"expected a JSON string, got {_kind(arguments)}")
    try:
        value = json.loads(arguments)
    except ValueError:
        raise bad(f"{param}.arguments", "is not valid JSON") from None
    if not isinstance(value, dict):
        raise bad(f"{param}.arguments", "must be a JSON object")
    return value


def _call_id(item, param):
    call_id = item.get("call_id")
    if not isinstance(call_id, str) or not call_id:
        raise bad(f"{param}.call_id", "expected a non-empty string")
    return call_id


def as_items(value):
    """`input` as a list of items: a string is one user message."""
    if isinstance(value, str):
        return [{"type": "message", "role": "user", "content": [{"type": "input_text", "text": value}]}]
    if not isinstance(value, list):
        raise bad("input", f"expected a string or an array of input items, got {_kind(value)}")
    return value


def turns(items):
    """(system texts, messages): items as Anthropic messages, neighbours of a role joined.

    Roles of `items` as the request names them; only the leading developer/system
    messages are the system prompt."""
    system, messages = [], []

    def add(role, blocks):
        if not blocks:
            return
        if messages and messages[-1]["role"] == role and role != "system":
            messages[-1]["content"].extend(blocks)
        else:
            messages.append({"role": role, "content": list(blocks)})

    for index, item in enumerate(items):
        param = f"input[{index}]"
        if not isinstance(item, dict):
            raise bad(param, f"expected an input item (an object), got {_kind(item)}")
        kind = item.get("type", "message" if "role" in item else None)
        if kind == "message":
            role = item.get("role")
            if role not in ("user", "assistant", *SYSTEM_ROLES):
                raise bad(f"{param}.role", f"expected one of user, assistant, system, developer, got {role!r}")
            blocks = content_blocks(item.get("content"), f"{param}.content")
            if role in SYSTEM_ROLES:
                text = "\n".join(block["text"] for block in blocks if block["type"] == "text")
                if not messages:
                    system.append(text)
                else:
                    add("system", [{"type": "text", "text": text}] if text else [])
                continue
            add(role, blocks)
        elif kind == "function_call":
            name = item.get("name")
            if not isinstance(name, str) or not name:
                raise bad(f"{param}.name", "expected a non-empty string")
            namespace = item.get("namespace")
            tool_use = {"type": "tool_use", "id": _call_id(item, param), "name": mapped_name(namespace, name)}
            add("assistant", [{**tool_use, "input": _arguments(item, param)}])
        elif kind == "function_call_output":
            output = item.get("output")
            result = {"type": "tool_result", "tool_use_id": _call_id(item, param)}
            blocks = content_blocks("" if output is None else output, f"{param}.output")
            add("user", [{**result, "content": blocks}])
        elif kind == "reasoning":
            continue  # another model's reasoning: nothing Claude can read
        elif isinstance(kind, str):
            log.debug("input item of type %r left out", kind)
        else:
            raise bad(f"{param}.type", "expected a string")
    return system, messages


def tools(body):
    """(Anthropic tools, NameTable): functions, and a namespace's functions flattened."""
    declared = _expect(body, "tools", list, what="an array of tools")
    anthropic, names, seen = [], NameTable(), set()

    def add(function, param, namespace=None, namespace_description=""):
        name = function.get("name")
        if not isinstance(name, str) or not TOOL_NAME.match(name):
            raise bad(f"{param}.name", "expected a string of 1 to 64 characters from a-z, A-Z, 0-9, _ and -")
        flat = mapped_name(namespace, name)
        if flat in seen:
            raise bad(f"{param}.name", f"two tools are named {flat!r}")
        seen.add(flat)
        description = function.get("description") or ""
        if not isinstance(description, str):
            raise bad(f"{param}.description", f"expected a string, got {_kind(description)}")
        if namespace:
            names.namespaced[flat] = (namespace, name)
            description = f"{description}\n\n(One of the {namespace} tools: {namespace_description})".strip()
        schema = function.get("parameters")
        if schema is not None and not isinstance(schema, dict):
            raise bad(f"{param}.parameters", f"expected a JSON Schema object, got {_kind(schema)}")
        anthropic.append({"name": flat, "description": description, "input_schema": schema or {"type": "object", "properties": {}}})

    for index, tool in enumerate(declared or ()):
        param = f"tools[{index}]"
        kind = tool.get("type") if isinstance(tool, dict) else None
        if kind == "function":
            add(tool, param)
        elif kind == "namespace":
            namespace = tool.get("name")
            if not isinstance(namespace, str) or not namespace:
                raise bad(f"{param}.name", "expected a non-empty string")
            nested = tool.get("tools")
            if not isinstance(nested, list):
                raise bad(f"{param}.tools", f"expected an array of function tools, got {_kind(nested)}")
            for position, function in enumerate(nested):
                if isinstance(function, dict) and function.get("type", "function") == "function":
                    add(function, f"{param}.tools[{position}]", namespace, tool.get("description") or "")
                else:
                    log.debug("tool %s.tools[%d] of namespace %s is not a function: left out", param, position, namespace)
        elif isinstance(kind, str):
            # Hosted tools (web_search, file_search, …) run at OpenAI; Claude has no such tool here.
            log.debug("hosted tool %r (%s) left out", kind, param)
        else:
            raise bad(f"{param}.type", "expected a string")
    return anthropic or None, names


def tool_choice(body, anthropic_tools):
    choice, parallel = body.get("tool_choice"), _expect(body, "parallel_tool_calls", bool, what="a boolean")
    mapped = None
    if choice is None or choice == "auto":
        mapped = {"type": "auto"} if parallel is False else None
    elif choice in ("none", "required"):
        mapped = {"type": {"none": "none", "required": "any"}[choice]}
    elif isinstance(choice, dict) and choice.get("type") == "function":
        name = choice.get("name")
        flat = mapped_name(choice.get("namespace"), name) if isinstance(name, str) else None
        if flat not in {tool["name"] for tool in anthropic_tools or ()}:
            raise bad("tool_choice.name", f"no function named {name!r} in tools")
        mapped = {"type": "tool", "name": flat}
    elif isinstance(choice, dict) and isinstance(choice.get("type"), str):
        log.debug("tool_choice of type %r answered as auto", choice["type"])
    else:
        raise bad("tool_choice", "expected none, auto, required or an object with a type")
    if mapped is not None and parallel is False:
        mapped["disable_parallel_tool_use"] = True
    return mapped


def effort(body):
    reasoning = _expect(body, "reasoning", dict, what="an object")
    if not reasoning or reasoning.get("effort") is None:
        return None
    if reasoning["effort"] not in EFFORTS:
        raise bad("reasoning.effort", f"expected one of {', '.join(EFFORTS)}, got {reasoning['effort']!r}")
    return EFFORTS[reasoning["effort"]]


def check_fields(body):
    """The top-level fields the engine reads or the response echoes, by type."""
    model = body.get("model")
    if not isinstance(model, str) or not model or len(model) > MAX_MODEL:
        raise bad("model", f"expected a model name (a string of 1 to {MAX_MODEL} characters)")
    if "input" not in body or body["input"] is None:
        raise bad("input", "is required")
    for key in ("stream", "store", "background"):
        _expect(body, key, bool, what="a boolean")
    for key in ("instructions", "previous_response_id", "prompt_cache_key", "user"):
        _expect(body, key, str, what="a string")
    for key in ("metadata", "text"):
        _expect(body, key, dict, what="an object")
    _expect(body, "include", list, what="an array of strings")
    for key, low, high in (("temperature", 0, 2), ("top_p", 0, 1)):
        value = _expect(body, key, (int, float), what="a number")
        if value is not None and not low <= value <= high:
            raise bad(key, f"expected a number from {low} to {high}, got {value}")
    limit = _expect(body, "max_output_tokens", int, what="an integer")
    if limit is not None and limit < 1:
        raise bad("max_output_tokens", f"expected an integer of at least 1, got {limit}")
    if body.get("background"):
        raise bad("background", "background responses are not supported; leave it out or false")


def translate(body, earlier=()):
    """The engine's MessagesRequest for a Responses `body`; `earlier`: the items of the
    response it continues (previous_response_id), input and output, put before its input."""
    check_fields(body)
    items = [*earlier, *as_items(body["input"])]
    system, messages = turns(items)
    if instructions := body.get("instructions"):
        system.insert(0, instructions)
    if not messages:
        raise bad("input", "holds no message to answer")
    anthropic_tools, names = tools(body)
    if unheeded := [key for key in UNHEEDED if body.get(key) is not None]:
        log.debug("the CLI cannot honour %s: left out", ", ".join(unheeded))
    data = {
        "model": body["model"],
        "messages": messages,
        "stream": bool(body.get("stream")),
        "system": [{"type": "text", "text": text} for text in system if text] or None,
        "max_tokens": body.get("max_output_tokens"),
        "tools": anthropic_tools,
        "tool_choice": tool_choice(body, anthropic_tools),
        "output_config": {"effort": level} if (level := effort(body)) else None,
    }
    try:
        params = MessagesRequest.model_validate({key: value for key, value in data.items() if value is not None})
    except ValidationError as exc:
        raise bad("input", _first_error(exc)) from None
    return Translated(params, names, items)


def conversation_name(headers, body):
    """The conversation Codex names: its session or thread id (headers), the thread id in
    x-codex-turn-metadata, else the body's prompt_cache_key; "" when none is there."""
    for header in ("session-id", "session_id", "thread-id"):
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
