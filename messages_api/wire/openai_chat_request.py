"""An OpenAI Chat Completions request as the Anthropic Messages request the engine takes.

Pure: the decoded body in, a `Translation` out (the Anthropic request as a dict, and
where each of its parts came from in the client's body). Bad input raises a 400
naming the client's own field (`messages.2.tool_calls.0.function.arguments: ...`),
also when the engine's MessagesRequest refuses what the translation made of it.
"""

from dataclasses import dataclass

from .openai_chat_messages import as_list, as_object, as_string, bad, translate_messages
from .openai_common import ANY_OBJECT, Origins, effort, output_config

TOOL_CHOICES = {"auto": {"type": "auto"}, "none": {"type": "none"}, "required": {"type": "any"}}
# An Anthropic block's field -> the client's field it came from (below the block's origin).
BLOCK_FIELDS = {
    "tool_use": {"id": "id", "name": "function.name", "input": "function.arguments"},
    "tool_result": {"tool_use_id": "tool_call_id", "content": "content"},
    "image": {"source": "image_url.url"},
    "document": {"source": "file.file_data"},
}
TOOL_FIELDS = {"name": "function.name", "description": "function.description", "input_schema": "function.parameters"}


@dataclass
class Translation:
    request: dict  # the Anthropic Messages request
    origins: Origins
    include_usage: bool = False

    def validated(self):
        """The engine's MessagesRequest; what it refuses is named as the client wrote it."""
        return self.origins.validated(self.request)


def _refuse_unservable(body):
    """Parameters that would change the answer's shape, which one CLI answer cannot fill."""
    n = body.get("n")
    if n is not None and n != 1:
        raise bad("n", f"only 1 choice can be generated, not {n!r}")
    if body.get("logprobs"):
        raise bad("logprobs", "log probabilities are not available from Claude Code")
    if body.get("top_logprobs"):
        raise bad("top_logprobs", "log probabilities are not available from Claude Code")
    modalities = body.get("modalities")
    if (isinstance(modalities, list) and "audio" in modalities) or body.get("audio") is not None:
        raise bad("modalities", "audio output is not available; ask for text")
    for legacy in ("functions", "function_call"):
        if body.get(legacy) is not None:
            raise bad(legacy, "deprecated; send `tools` and `tool_choice` instead")


def _tools(tools):
    translated = []
    for index, tool in enumerate(as_list(tools, "tools")):
        path = f"tools.{index}"
        if as_object(tool, path).get("type", "function") != "function":
            raise bad(f"{path}.type", f"only 'function' tools are supported, not {tool['type']!r}")
        function = as_object(tool.get("function"), f"{path}.function")
        description = function.get("description")
        parameters = function.get("parameters")
        translated.append({
            "name": as_string(function.get("name"), f"{path}.function.name", empty=False),
            "description": "" if description is None else as_string(description, f"{path}.function.description"),
            "input_schema": None if parameters is None else as_object(parameters, f"{path}.function.parameters"),
        })  # fmt: skip
    return translated


def _tool_choice(choice, tools, parallel):
    if choice is None:
        translated = None
    elif isinstance(choice, str):
        if choice not in TOOL_CHOICES:
            raise bad("tool_choice", f"Input should be one of {list(TOOL_CHOICES)} or a function, not {choice!r}")
        translated = dict(TOOL_CHOICES[choice])
    else:
        if as_object(choice, "tool_choice").get("type") != "function":
            raise bad("tool_choice.type", f"Input should be 'function', not {choice.get('type')!r}")
        name = as_string(as_object(choice.get("function"), "tool_choice.function").get("name"), "tool_choice.function.name")
        if name not in {tool["name"] for tool in tools}:
            raise bad("tool_choice.function.name", f"no tool named {name!r} in tools")
        translated = {"type": "tool", "name": name}
    if parallel is not None and not isinstance(parallel, bool):
        raise bad("parallel_tool_calls", "Input should be a valid boolean")
    if parallel is False:
        translated = {**(translated or {"type": "auto"}), "disable_parallel_tool_use": True}
    return translated


def _output_format(response_format):
    """A response_format as structured outputs (output_config.format): json_schema's
    schema, any object for json_object, none for text."""
    if response_format is None:
        return None
    kind = as_object(response_format, "response_format").get("type")
    if kind == "text":
        return None
    if kind == "json_object":
        return ANY_OBJECT
    if kind != "json_schema":
        raise bad("response_format.type", f"Input should be one of ['text', 'json_object', 'json_schema'], not {kind!r}")
    spec = as_object(response_format.get("json_schema"), "response_format.json_schema")
    return {"type": "json_schema", "schema": as_object(spec.get("schema", {"type": "object"}), "response_format.json_schema.schema")}


def _max_tokens(body, translation):
    for name in ("max_completion_tokens", "max_tokens"):
        value = body.get(name)
        if value is None:
            continue
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise bad(name, f"Input should be an integer of at least 1, not {value!r}")
        translation.origins.names["max_tokens"] = name
        return value
    return None


def _stop(stop):
    if stop is None or isinstance(stop, str):
        return [stop] if stop else None
    for index, sequence in enumerate(as_list(stop, "stop")):
        as_string(sequence, f"stop.{index}", empty=False)
    return stop or None


def _flag(body, name, path=None):
    value = body.get(name)
    if value is not None and not isinstance(value, bool):
        raise bad(path or name, "Input should be a valid boolean")
    return bool(value)


def translate(body):
    """The whole request (a decoded JSON object) as a Translation."""
    _refuse_unservable(body)
    messages, origins, system, system_origins = translate_messages(body.get("messages"))
    names = {
        "tool_choice": "tool_choice", "output_config.effort": "reasoning_effort", "stop_sequences": "stop",
        "output_config.format": "response_format.json_schema.schema",
    }  # fmt: skip
    where = Origins(BLOCK_FIELDS, TOOL_FIELDS, made="messages", blocks=origins, system=system_origins, names=names)
    translation = Translation({}, where)
    tools = _tools(body["tools"]) if body.get("tools") is not None else []
    where.tools = [f"tools.{index}" for index in range(len(tools))]
    level = effort(body.get("reasoning_effort"), "reasoning_effort")
    output_format = _output_format(body.get("response_format"))
    stream_options = body.get("stream_options")
    if stream_options is not None:
        translation.include_usage = _flag(as_object(stream_options, "stream_options"), "include_usage", "stream_options.include_usage")
    request = {
        "model": body.get("model"),
        "messages": messages,
        "stream": _flag(body, "stream"),
        "system": system or None,
        "max_tokens": _max_tokens(body, translation),
        "stop_sequences": _stop(body.get("stop")),
        "tools": tools or None,
        "tool_choice": _tool_choice(body.get("tool_choice"), tools, body.get("parallel_tool_calls")),
        "output_config": output_config(level, output_format),
    }
    translation.request = {name: value for name, value in request.items() if value is not None}
    return translation
