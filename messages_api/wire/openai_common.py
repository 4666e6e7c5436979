"""What both OpenAI wires (Chat Completions, Responses) read the same way: one effort
table, a tool call's `arguments`, and where the client wrote each part of the Anthropic
request made of its body. Pure; a bad value is a 400 naming the client's field."""

import json
import re
from dataclasses import dataclass, field

from pydantic import ValidationError

from ..errors import invalid_request
from ..json_body import MAX_DEPTH, lone_surrogate, nested_deeper_than
from ..schemas import MessagesRequest
from . import bad

# data:image/png;base64,…, parameters such as ;charset=… allowed before ;base64.
DATA_URL = re.compile(r"data:(?P<media_type>[\w.+-]+/[\w.+-]+)(?:;[^;,]*)*;base64,(?P<data>.+)", re.S)

# OpenAI's reasoning efforts as Claude's. "none" and "minimal" ask for the least reasoning
# there is, which for Claude is `low` (no effort at all would be the CLI's default, medium).
EFFORTS = {"none": "low", "minimal": "low", "low": "low", "medium": "medium", "high": "high", "xhigh": "xhigh", "max": "max"}


def url_source(url):
    """An image's or a file's URL as the Anthropic source it names: base64 for a data URL,
    url for an http(s) one; None for anything else."""
    if source := _data_source(url):
        return source
    if url.startswith(("http://", "https://")):
        return {"type": "url", "url": url}
    return None


def _data_source(data_url):
    if isinstance(data_url, str) and (found := DATA_URL.fullmatch(data_url)):
        return {"type": "base64", "media_type": found["media_type"], "data": found["data"]}
    return None


def output_config(effort, output_format):
    """The Anthropic output_config of an effort and a structured-outputs format, or None."""
    return {key: value for key, value in (("effort", effort), ("format", output_format)) if value} or None


# json_object: any JSON object, as structured outputs (output_config.format) take it.
ANY_OBJECT = {"type": "json_schema", "schema": {"type": "object"}}


def image_block(url, param):
    """An image part's URL (a base64 data URL or an http(s) one) as an Anthropic image
    block, or a 400 naming `param`. Its bytes go by every wire's rules (schemas)."""
    if source := url_source(url):
        return {"type": "image", "source": source}
    raise bad(param, "expected an http(s) URL or a base64 data URL (data:image/png;base64,…)")


def document_block(data_url):
    """A file part's base64 data URL as an Anthropic document block, or None."""
    source = _data_source(data_url)
    return {"type": "document", "source": source} if source else None


def token_counts(anthropic):
    """Anthropic usage in OpenAI's terms, one rule for both wires: (prompt, cache reads,
    cache writes, output). OpenAI's prompt counts every input token, cached or not."""
    fresh, read, written, output = (int(anthropic.get(key) or 0) for key in (
        "input_tokens", "cache_read_input_tokens", "cache_creation_input_tokens", "output_tokens"))  # fmt: skip
    return fresh + read + written, read, written, output


def effort(value, param):
    """Claude's effort for an OpenAI reasoning effort, None when none is asked for."""
    if value is None:
        return None
    if not isinstance(value, str) or value not in EFFORTS:
        raise bad(param, f"expected one of {', '.join(EFFORTS)}, got {value!r}")
    return EFFORTS[value]


def arguments(value, param):
    """A tool call's arguments (a JSON text; chat also takes the object) as the object
    they must be, nested no deeper than a body may be."""
    if value is None or value == "":
        return {}
    escaped = False
    if isinstance(value, str):
        escaped = "\\u" in value
        try:
            value = json.loads(value)
        except ValueError as exc:
            raise bad(param, f"is not valid JSON ({exc})") from None
        except RecursionError:
            raise bad(param, f"is nested more than {MAX_DEPTH} levels deep") from None
    if not isinstance(value, dict):
        raise bad(param, "must be a JSON object")
    if nested_deeper_than(value, MAX_DEPTH) is not None:
        raise bad(param, f"is nested more than {MAX_DEPTH} levels deep")
    # The JSON text may escape half a UTF-16 pair, as a body may (json_body refuses that).
    if escaped and lone_surrogate(value) is not None:
        raise bad(param, "holds a lone UTF-16 surrogate, which is not valid text")
    return value


@dataclass
class Origins:
    """Where the client wrote each part of the Anthropic request a wire made of its body,
    so that what the engine's MessagesRequest refuses (its rules are every wire's) is
    named as the client wrote it: `tools[0].parameters`, not `tools.0.input_schema`."""

    block_fields: dict  # block type -> {Anthropic field: the client's, below the block's origin}
    tool_fields: dict  # Anthropic tool field -> the client's, below the tool's origin
    made: str  # the field for a place the translation made, not one the client wrote
    blocks: list = field(default_factory=list)  # per message: (block type, client path) per block
    system: list = field(default_factory=list)  # per system block: its client path
    tools: list = field(default_factory=list)  # per tool: its client path
    names: dict = field(default_factory=dict)  # Anthropic top-level field -> the client's

    def validated(self, request):
        """`request` (a dict) as the engine's MessagesRequest, or a 400 naming the client's field."""
        try:
            return MessagesRequest.model_validate(request)
        except ValidationError as exc:
            detail = exc.errors(include_url=False)[0]
            message = detail["msg"].split(" or instance of ")[0]
            # A model rule's own message names the Anthropic field it checked: "tools.1.name: …".
            loc, said = list(detail["loc"]), message.partition(": ")
            if not loc and said[1] and said[0].split(".")[0] in MessagesRequest.model_fields:
                loc, message = [int(step) if step.isdigit() else step for step in said[0].split(".")], said[2]
            path = self.client_path(loc)
            raise (bad(path, message) if path else invalid_request(message)) from None

    def client_path(self, loc):
        """The client's name for the place `loc` in the Anthropic request."""
        if not loc:
            return ""
        head, rest = loc[0], list(loc[1:])
        if head == "messages" and len(rest) >= 3 and rest[1] == "content" and rest[0] < len(self.blocks):
            blocks = self.blocks[rest[0]]
            if isinstance(rest[2], int) and rest[2] < len(blocks):
                kind, origin = blocks[rest[2]]
                inside = rest[4:] if rest[3:4] == [kind] else rest[3:]  # past the block type's tag
                below = self.block_fields.get(kind, {}).get(inside[0]) if inside else None
                return f"{origin}.{below}" if below else origin
        if head == "messages":
            return self.made
        if head == "system" and rest and rest[0] < len(self.system):
            return self.system[rest[0]]
        if head == "tools" and rest and isinstance(rest[0], int) and rest[0] < len(self.tools):
            below = self.tool_fields.get(rest[1]) if len(rest) > 1 else None
            return f"{self.tools[rest[0]]}.{below}" if below else self.tools[rest[0]]
        for depth in range(len(loc), 0, -1):  # the most exact name the wire gave
            if (named := ".".join(str(part) for part in loc[:depth])) in self.names:
                return self.names[named]
        return ".".join(str(part) for part in [head, *rest])
