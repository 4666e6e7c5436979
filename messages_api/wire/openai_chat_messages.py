"""OpenAI chat messages as Anthropic messages: roles, content parts, tool calls and
tool results, each block with the place in the client's body it came from.

Pure; bad input raises a 400 naming the client's field.
"""

from . import bad
from .openai_common import arguments as tool_arguments
from .openai_common import document_block, image_block

ROLES = ("system", "developer", "user", "assistant", "tool")


def as_string(value, path, *, empty=True):
    if not isinstance(value, str):
        raise bad(path, "Input should be a valid string" if value is not None else "Field required")
    if not empty and not value:
        raise bad(path, "String should have at least 1 character")
    return value


def as_object(value, path):
    if not isinstance(value, dict):
        raise bad(path, "Input should be an object" if value is not None else "Field required")
    return value


def as_list(value, path):
    if not isinstance(value, list):
        raise bad(path, "Input should be a valid list" if value is not None else "Field required")
    return value


def _image(part, path):
    image = part.get("image_url")
    if isinstance(image, str):
        url = as_string(image, f"{path}.image_url", empty=False)  # the short form some clients send
    else:
        url = as_string(as_object(image, f"{path}.image_url").get("url"), f"{path}.image_url.url", empty=False)
    return image_block(url, f"{path}.image_url.url")


def _file(part, path):
    file = as_object(part.get("file"), f"{path}.file")
    if file.get("file_id") is not None:
        raise bad(f"{path}.file.file_id", "uploaded files cannot be read here; send the file as file_data")
    data = as_string(file.get("file_data"), f"{path}.file.file_data", empty=False)
    if block := document_block(data):
        return block
    raise bad(f"{path}.file.file_data", "must be a base64 data URL (data:application/pdf;base64,...)")


def _parts(content, path, allowed):
    """A message's content as (Anthropic blocks, where each came from)."""
    if isinstance(content, str):
        return [{"type": "text", "text": content}], [("text", path)]
    blocks, origins = [], []
    for index, part in enumerate(as_list(content, path)):
        where = f"{path}.{index}"
        kind = as_object(part, where).get("type")
        if kind not in allowed:
            raise bad(f"{where}.type", f"type {kind!r} is not one of {list(allowed)}")
        if kind in ("text", "refusal"):
            blocks.append({"type": "text", "text": as_string(part.get(kind), f"{where}.{kind}")})
            where = f"{where}.{kind}"
        else:
            blocks.append(_image(part, where) if kind == "image_url" else _file(part, where))
        origins.append((blocks[-1]["type"], where))
    return blocks, origins


def _tool_calls(calls, path):
    blocks, origins = [], []
    for index, call in enumerate(as_list(calls, path)):
        where = f"{path}.{index}"
        if as_object(call, where).get("type", "function") != "function":
            raise bad(f"{where}.type", f"only 'function' tool calls are supported, not {call['type']!r}")
        function = as_object(call.get("function"), f"{where}.function")
        param, raw = f"{where}.function.arguments", function.get("arguments")
        arguments = tool_arguments(raw if isinstance(raw, dict) else as_string(raw, param), param)
        blocks.append({
            "type": "tool_use",
            "id": as_string(call.get("id"), f"{where}.id", empty=False),
            "name": as_string(function.get("name"), f"{where}.function.name", empty=False),
            "input": arguments,
        })  # fmt: skip
        origins.append(("tool_use", where))
    return blocks, origins


def _message_blocks(message, path):
    """(role, blocks, origins) of one non-system message."""
    role = message["role"]
    if role == "tool":
        tool_call_id = as_string(message.get("tool_call_id"), f"{path}.tool_call_id", empty=False)
        content = message.get("content")
        if content is None:
            content = []
        elif not isinstance(content, str):
            content, _ = _parts(content, f"{path}.content", ("text", "image_url"))
        return "user", [{"type": "tool_result", "tool_use_id": tool_call_id, "content": content}], [("tool_result", path)]
    if role == "user":
        blocks, origins = _parts(message.get("content"), f"{path}.content", ("text", "image_url", "file"))
        return "user", blocks, origins
    content = message.get("content")
    blocks, origins = ([], []) if content is None else _parts(content, f"{path}.content", ("text", "refusal"))
    # An empty text block is refused upstream; an answer that was only tool calls comes back as "".
    kept = [index for index, block in enumerate(blocks) if block["text"]]
    blocks, origins = [blocks[i] for i in kept], [origins[i] for i in kept]
    if message.get("tool_calls") is not None:
        calls, call_origins = _tool_calls(message["tool_calls"], f"{path}.tool_calls")
        blocks, origins = blocks + calls, origins + call_origins
    return "assistant", blocks, origins


def translate_messages(messages):
    """The client's messages as (Anthropic messages, where each message's blocks came
    from, the system blocks the leading system/developer messages make, where those
    came from).

    Tool messages answering one assistant turn's calls become one user message of
    tool_result blocks, and a user message right after them joins it: the API wants the
    results of parallel calls together. A system message after the conversation has
    begun stays in place, as system context where it stood (the engine reads
    `role: "system"` messages so), so that a later one does not change the
    conversation's identity.
    """
    anthropic, origins, system, system_origins, joinable = [], [], [], [], False
    for index, message in enumerate(as_list(messages, "messages")):
        path = f"messages.{index}"
        role = as_object(message, path).get("role")
        if role not in ROLES:
            raise bad(f"{path}.role", f"Input should be one of {list(ROLES)}, not {role!r}")
        if role in ("system", "developer"):
            blocks, where = _parts(message.get("content"), f"{path}.content", ("text",))
            if not anthropic:
                system += blocks
                system_origins += [origin for _, origin in where]
                continue
            role = "system"
        else:
            role, blocks, where = _message_blocks(message, path)
        if joinable and role == "user":
            anthropic[-1]["content"] += blocks
            origins[-1] += where
        else:
            anthropic.append({"role": role, "content": blocks})
            origins.append(where)
        joinable = message["role"] == "tool"
    return anthropic, origins, system, system_origins
