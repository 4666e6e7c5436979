"""Scripted replies of the fake Anthropic upstream, as Anthropic SSE events."""

import itertools
import json
from dataclasses import dataclass, field

UPSTREAM_MODEL = "claude-sonnet-4-5-20250929"
_ids = itertools.count(1)


@dataclass
class Reply:
    """What the fake upstream answers to one POST /v1/messages."""

    events: list = field(default_factory=list)
    status: int = 200
    error: dict | None = None
    delay: float = 0.0  # seconds before each event
    hang: float = 0.0  # seconds to wait before answering at all
    cut_after: int | None = None  # drop the connection after this many events
    stall_after: int | None = None  # after this many events, say nothing for `stall` seconds
    stall: float = 0.0
    headers: dict = field(default_factory=dict)  # sent with it, over the upstream's own
    gate: object = None  # a threading.Event the reply waits for before answering at all

    def as_message(self):
        """The same reply as one non-streaming message."""
        message = dict(self.events[0]["message"])
        blocks = {}
        for event in self.events[1:]:
            if event["type"] == "content_block_start":
                blocks[event["index"]] = dict(event["content_block"])
            elif event["type"] == "content_block_delta":
                block, delta = blocks[event["index"]], event["delta"]
                if delta["type"] == "text_delta":
                    block["text"] += delta["text"]
                elif delta["type"] == "thinking_delta":
                    block["thinking"] += delta["thinking"]
                elif delta["type"] == "input_json_delta":
                    block["_json"] = block.get("_json", "") + delta["partial_json"]
            elif event["type"] == "message_delta":
                message.update(event["delta"])
                message["usage"] = {**message["usage"], **event["usage"]}
        for block in blocks.values():
            if "_json" in block:
                block["input"] = json.loads(block.pop("_json"))
        message["content"] = [blocks[i] for i in sorted(blocks)]
        return message


def _message_start(input_tokens=11):
    return {
        "type": "message_start",
        "message": {
            "id": f"msg_fake{next(_ids):04d}",
            "type": "message",
            "role": "assistant",
            "model": UPSTREAM_MODEL,
            "content": [],
            "stop_reason": None,
            "stop_sequence": None,
            "usage": {
                "input_tokens": input_tokens,
                "output_tokens": 1,
                "cache_creation_input_tokens": 0,
                "cache_read_input_tokens": 0,
            },
        },
    }


def _text_block(index, text, chunks):
    size = max(1, -(-len(text) // chunks))
    parts = [text[i : i + size] for i in range(0, len(text), size)] or [""]
    yield {"type": "content_block_start", "index": index, "content_block": {"type": "text", "text": ""}}
    for part in parts:
        yield {"type": "content_block_delta", "index": index, "delta": {"type": "text_delta", "text": part}}
    yield {"type": "content_block_stop", "index": index}


def _finish(stop_reason, output_tokens):
    yield {
        "type": "message_delta",
        "delta": {"stop_reason": stop_reason, "stop_sequence": None},
        "usage": {"output_tokens": output_tokens},
    }
    yield {"type": "message_stop"}


def text(content, *, stop_reason="end_turn", chunks=3, input_tokens=11, output_tokens=7, **options):
    events = [_message_start(input_tokens), *_text_block(0, content, chunks), *_finish(stop_reason, output_tokens)]
    return Reply(events=events, **options)


def thinking_then_text(thought, content, **options):
    events = [
        _message_start(),
        {"type": "content_block_start", "index": 0, "content_block": {"type": "thinking", "thinking": "", "signature": ""}},
        {"type": "content_block_delta", "index": 0, "delta": {"type": "thinking_delta", "thinking": thought}},
        {"type": "content_block_delta", "index": 0, "delta": {"type": "signature_delta", "signature": "c2lnbmF0dXJl"}},
        {"type": "content_block_stop", "index": 0},
        *_text_block(1, content, 2),
        *_finish("end_turn", 9),
    ]
    return Reply(events=events, **options)


def thinking_then_tool_use(thought, name, tool_input, *, tool_id, signature="c2lnbmF0dXJl", **options):
    """One model turn that thinks, then calls a tool (Claude's turn before a tool call, thinking on)."""
    encoded = json.dumps(tool_input)
    events = [
        _message_start(),
        {"type": "content_block_start", "index": 0, "content_block": {"type": "thinking", "thinking": "", "signature": ""}},
        {"type": "content_block_delta", "index": 0, "delta": {"type": "thinking_delta", "thinking": thought}},
        {"type": "content_block_delta", "index": 0, "delta": {"type": "signature_delta", "signature": signature}},
        {"type": "content_block_stop", "index": 0},
        {"type": "content_block_start", "index": 1, "content_block": {"type": "tool_use", "id": tool_id, "name": name, "input": {}}},
        {"type": "content_block_delta", "index": 1, "delta": {"type": "input_json_delta", "partial_json": encoded}},
        {"type": "content_block_stop", "index": 1},
        *_finish("tool_use", 12),
    ]
    return Reply(events=events, **options)


def tool_use(name, tool_input, *, tool_id=None, preamble="Let me check.", **options):
    return tool_calls((name, tool_input, tool_id), preamble=preamble, **options)


def tool_calls(*calls, preamble="Let me check.", **options):
    """One model turn with a text block, then a tool_use block per (name, input, id)."""
    events = [_message_start(), *_text_block(0, preamble, 1)]
    for index, (name, tool_input, tool_id) in enumerate(calls, start=1):
        tool_id = tool_id or f"toolu_fake{next(_ids):04d}"
        encoded = json.dumps(tool_input)
        half = len(encoded) // 2  # the input arrives in two parts, as the API streams it
        events += [
            {"type": "content_block_start", "index": index, "content_block": {"type": "tool_use", "id": tool_id, "name": name, "input": {}}},
            {"type": "content_block_delta", "index": index, "delta": {"type": "input_json_delta", "partial_json": encoded[:half]}},
            {"type": "content_block_delta", "index": index, "delta": {"type": "input_json_delta", "partial_json": encoded[half:]}},
            {"type": "content_block_stop", "index": index},
        ]
    events += _finish("tool_use", 12)
    return Reply(events=events, **options)


ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    402: "billing_error",
    403: "permission_error",
    429: "rate_limit_error",
    500: "api_error",
    529: "overloaded_error",
}


def error(status, message=None, **options):
    error_type = ERROR_TYPES.get(status, "api_error")
    body = {"type": "error", "error": {"type": error_type, "message": message or f"fake upstream {status}"}}
    return Reply(status=status, error=body, **options)


def hang(seconds, **options):
    """Accept the request, then say nothing for `seconds` before a short text."""
    return text("late answer", hang=seconds, **options)


def cut(content="This answer is cut off mid", **options):
    """Start streaming, then drop the connection before message_stop."""
    reply = text(content, chunks=4, **options)
    reply.cut_after = 4
    return reply
