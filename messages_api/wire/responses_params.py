"""The Responses API request's parameters and tools, as the engine's (Anthropic's).

Pure: no I/O. Every refusal is a 400 naming the request's own field (`param`), as
OpenAI does. A `namespace` tool's functions are flat Anthropic tools named
`<namespace>__<function>`; `NameTable` maps them back for the answer. Hosted tools
(web_search, …) run at OpenAI: there is no such tool here, so they are left out.
"""

import hashlib
import logging
import re
from dataclasses import dataclass, field

from ..schemas import MAX_MODEL
from . import bad, openai_common

log = logging.getLogger("claude_proxy.wire")

TOOL_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
NAMESPACE_SEPARATOR = "__"


def required_string(item, key, param):
    """item[key], which must be a non-empty string; a 400 naming `param.key` if not."""
    value = item.get(key)
    if not isinstance(value, str) or not value:
        raise bad(f"{param}.{key}", "expected a non-empty string")
    return value


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


def kind_of(value):
    return {str: "a string", bool: "a boolean", int: "an integer", float: "a number", list: "an array", dict: "an object"}.get(
        type(value), "null" if value is None else type(value).__name__
    )


def expect(body, key, types, param=None, what=None):
    value = body.get(key)
    if value is None:
        return None
    types = types if isinstance(types, tuple) else (types,)
    if isinstance(value, bool) and bool not in types:
        raise bad(param or key, f"expected {what}, got a boolean")
    if not isinstance(value, types):
        raise bad(param or key, f"expected {what}, got {kind_of(value)}")
    return value


def tools(body):
    """(Anthropic tools, NameTable, the client's field of each tool): functions, and a
    namespace's functions flattened."""
    declared = expect(body, "tools", list, what="an array of tools")
    anthropic, names, params = [], NameTable(), []

    def add(function, param, namespace=None, namespace_description=""):
        name = function.get("name")
        if not isinstance(name, str) or not TOOL_NAME.match(name):
            raise bad(f"{param}.name", "expected a string of 1 to 64 characters from a-z, A-Z, 0-9, _ and -")
        flat = mapped_name(namespace, name)
        description = function.get("description") or ""
        if not isinstance(description, str):
            raise bad(f"{param}.description", f"expected a string, got {kind_of(description)}")
        if namespace:
            names.namespaced[flat] = (namespace, name)
            description = f"{description}\n\n(One of the {namespace} tools: {namespace_description})".strip()
        schema = function.get("parameters")
        if schema is not None and not isinstance(schema, dict):
            raise bad(f"{param}.parameters", f"expected a JSON Schema object, got {kind_of(schema)}")
        anthropic.append({"name": flat, "description": description, "input_schema": schema or {"type": "object", "properties": {}}})
        params.append(param)

    for index, tool in enumerate(declared or ()):
        param = f"tools[{index}]"
        kind = tool.get("type") if isinstance(tool, dict) else None
        if kind == "function":
            add(tool, param)
        elif kind == "namespace":
            namespace = required_string(tool, "name", param)
            nested = tool.get("tools")
            if not isinstance(nested, list):
                raise bad(f"{param}.tools", f"expected an array of function tools, got {kind_of(nested)}")
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
    return anthropic or None, names, params


def tool_choice(body, anthropic_tools):
    choice, parallel = body.get("tool_choice"), expect(body, "parallel_tool_calls", bool, what="a boolean")
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


def output_format(body):
    """text.format as structured outputs (output_config.format): json_schema's schema,
    any object for json_object, none for text."""
    given = (body.get("text") or {}).get("format")
    if given is None:
        return None
    if not isinstance(given, dict):
        raise bad("text.format", f"expected an object, got {kind_of(given)}")
    kind = given.get("type")
    if kind == "text":
        return None
    if kind == "json_object":
        return openai_common.ANY_OBJECT
    if kind != "json_schema":
        raise bad("text.format.type", f"expected one of text, json_object, json_schema, got {kind!r}")
    schema = given.get("schema", {"type": "object"})
    if not isinstance(schema, dict):
        raise bad("text.format.schema", f"expected a JSON Schema object, got {kind_of(schema)}")
    return {"type": "json_schema", "schema": schema}


def effort(body):
    reasoning = expect(body, "reasoning", dict, what="an object") or {}
    return openai_common.effort(reasoning.get("effort"), "reasoning.effort")


def check_fields(body):
    """The top-level fields the engine reads or the response echoes, by type."""
    model = body.get("model")
    if not isinstance(model, str) or not model or len(model) > MAX_MODEL:
        raise bad("model", f"expected a model name (a string of 1 to {MAX_MODEL} characters)")
    if "input" not in body or body["input"] is None:
        raise bad("input", "is required")
    for key in ("stream", "store", "background"):
        expect(body, key, bool, what="a boolean")
    for key in ("instructions", "previous_response_id", "prompt_cache_key", "user"):
        expect(body, key, str, what="a string")
    for key in ("metadata", "text"):
        expect(body, key, dict, what="an object")
    expect(body, "include", list, what="an array of strings")
    for key, low, high in (("temperature", 0, 2), ("top_p", 0, 1)):
        value = expect(body, key, (int, float), what="a number")
        if value is not None and not low <= value <= high:
            raise bad(key, f"expected a number from {low} to {high}, got {value}")
    limit = expect(body, "max_output_tokens", int, what="an integer")
    if limit is not None and limit < 1:
        raise bad("max_output_tokens", f"expected an integer of at least 1, got {limit}")
    if body.get("background"):
        raise bad("background", "background responses are not supported; leave it out or false")
