"""The engine's answer in OpenAI Chat Completions shapes: a `chat.completion`, a
stream of `chat.completion.chunk`s (errors: openai_errors).

Pure: Anthropic messages and stream events (the engine's) in, OpenAI dicts out.
Thinking is not shown (the engine hides it unless thinking was asked for, and an
OpenAI request cannot ask); text blocks are joined with a newline, which is also what
the conversation's lineage reads when the client sends the answer back.
"""

import json
import time
import uuid

from .openai_common import token_counts

FINISH_REASONS = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "pause_turn": "stop",
    "max_tokens": "length",
    "model_context_window_exceeded": "length",
    "tool_use": "tool_calls",
    "refusal": "content_filter",
}
TEXT_JOINER = "\n"

def finish_reason(stop_reason):
    return FINISH_REASONS.get(stop_reason, "stop")


def usage(anthropic_usage):
    """Anthropic usage as a chat completion's (openai_common.token_counts)."""
    prompt, cached, _, completion = token_counts(anthropic_usage)
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
        "prompt_tokens_details": {"cached_tokens": cached},
    }


def completion_id(message_id=None):
    """chatcmpl-… after the Anthropic message's id, so the log and the client name one answer alike."""
    return f"chatcmpl-{(message_id or '').removeprefix('msg_') or uuid.uuid4().hex}"


def arguments(tool_input):
    return json.dumps(tool_input, ensure_ascii=False)


def completion(message, model, created=None):
    """A whole Anthropic message as a `chat.completion`."""
    texts = [block["text"] for block in message["content"] if block["type"] == "text"]
    calls = [block for block in message["content"] if block["type"] == "tool_use"]
    reply = {"role": "assistant", "content": TEXT_JOINER.join(texts) if texts else None}
    if calls:
        reply["tool_calls"] = [
            {"id": call["id"], "type": "function", "function": {"name": call["name"], "arguments": arguments(call["input"])}}
            for call in calls
        ]
    reply["refusal"] = None
    return {
        "id": completion_id(message.get("id")),
        "object": "chat.completion",
        "created": created or int(time.time()),
        "model": model,
        "choices": [{"index": 0, "message": reply, "finish_reason": finish_reason(message.get("stop_reason")), "logprobs": None}],
        "usage": usage(message.get("usage") or {}),
    }


class Chunks:
    """Anthropic stream events in, `chat.completion.chunk` dicts out (`feed`).

    The first chunk says the role; text deltas are content deltas; a tool call opens
    with its id, type, name and empty arguments at its index among the answer's calls,
    then its argument fragments; at message_stop one chunk carries the finish_reason,
    and a last one the usage when the client asked (`stream_options.include_usage`).
    """

    def __init__(self, model, include_usage=False, created=None):
        self.model, self.include_usage = model, include_usage
        self.created = created or int(time.time())
        self.id = completion_id()
        self._calls = {}  # Anthropic block index -> the call's index among the tool calls
        self._texts = 0
        self._usage = {}
        self._stop_reason = None

    def feed(self, event):
        handler = getattr(self, f"_on_{event['type']}", None)
        return handler(event) if handler else []

    def chunk(self, delta, finish=None):
        chunk = {
            "id": self.id,
            "object": "chat.completion.chunk",
            "created": self.created,
            "model": self.model,
            "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
        }
        return {**chunk, "usage": None} if self.include_usage else chunk

    def _on_message_start(self, event):
        message = event["message"]
        self.id = completion_id(message.get("id"))
        self._usage = dict(message.get("usage") or {})
        return [self.chunk({"role": "assistant", "content": ""})]

    def _on_content_block_start(self, event):
        block = event["content_block"]
        if block["type"] == "text":
            self._texts += 1
            text = (TEXT_JOINER if self._texts > 1 else "") + block.get("text", "")
            return [self.chunk({"content": text})] if text else []
        if block["type"] == "tool_use":
            index = self._calls[event["index"]] = len(self._calls)
            call = {"index": index, "id": block["id"], "type": "function", "function": {"name": block["name"], "arguments": ""}}
            return [self.chunk({"tool_calls": [call]})]
        return []

    def _on_content_block_delta(self, event):
        delta = event["delta"]
        if delta["type"] == "text_delta" and delta["text"]:
            return [self.chunk({"content": delta["text"]})]
        if delta["type"] == "input_json_delta" and event["index"] in self._calls and delta["partial_json"]:
            call = {"index": self._calls[event["index"]], "function": {"arguments": delta["partial_json"]}}
            return [self.chunk({"tool_calls": [call]})]
        return []

    def _on_message_delta(self, event):
        self._stop_reason = event["delta"].get("stop_reason")
        self._usage.update(event.get("usage") or {})
        return []

    def _on_message_stop(self, event):
        chunks = [self.chunk({}, finish=finish_reason(self._stop_reason))]
        if self.include_usage:
            chunks.append({**self.chunk({}), "choices": [], "usage": usage(self._usage)})
        return chunks
