"""The engine's events (Anthropic's stream events) as a Responses API response.

Pure: `ResponseEvents` is fed the client's Anthropic events one by one and returns the
Responses events they make, each with its `sequence_number`; its `response` is the
whole response object so far, which is also the non-streaming answer. A text block is a
`message` item (one `output_text` part), a `tool_use` block a `function_call` item whose
`call_id` is the tool_use id, so the client's `function_call_output` answers the call
the CLI waits on; a thinking block, when the request asked for reasoning output, a
`reasoning` item (responses_reasoning). One ending: `response.completed`,
`response.incomplete` (max tokens) or `response.failed`.
"""

import copy
import time
import uuid

from .openai_common import token_counts
from .openai_errors import error_object
from .responses_reasoning import ReasoningOutput, sealed

# Anthropic stop reasons that leave a response incomplete, and why (OpenAI's words).
INCOMPLETE = {"max_tokens": "max_output_tokens", "refusal": "content_filter"}
THINKING_BLOCKS = ("thinking", "redacted_thinking")
FAILURE_CODES = ("rate_limit_exceeded", "insufficient_quota", "context_length_exceeded")


def new_id(prefix):
    return f"{prefix}_{uuid.uuid4().hex}"


def output_item_id(prefix, response_id, output_index):
    """An output item's id names the response it is in, so that a later request's
    `item_reference` to it (what @ai-sdk/openai sends of its earlier answers) is found
    in that stored response by its key."""
    return f"{prefix}_{response_id.removeprefix('resp_')}_{output_index}"


def response_of(item_id):
    """The id of the response an output item is in (see output_item_id), or None."""
    head, _, output_index = item_id.rpartition("_")
    _, _, response = head.partition("_")
    return f"resp_{response}" if response and output_index.isdigit() else None


def usage(anthropic):
    """Anthropic usage as a response's (openai_common.token_counts)."""
    prompt, read, written, output = token_counts(anthropic)
    return {
        "input_tokens": prompt,
        "input_tokens_details": {"cached_tokens": read, "cache_write_tokens": written},
        "output_tokens": output,
        "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": prompt + output,
    }


def failure_code(error):
    """response.failed's error.code for an ApiError: OpenAI's code (openai_errors) when it
    is one of the three Codex acts on, else server_error."""
    code = error_object(error)["code"]
    return code if code in FAILURE_CODES else "server_error"


def response_shell(body, response_id=None, created_at=None):
    """The response object before any output: what the request asked for, echoed."""
    reasoning = body.get("reasoning") if isinstance(body.get("reasoning"), dict) else {}
    return {
        "id": response_id or new_id("resp"),
        "object": "response",
        "created_at": created_at or int(time.time()),
        "status": "in_progress",
        "background": False,
        "error": None,
        "incomplete_details": None,
        "instructions": body.get("instructions"),
        "max_output_tokens": body.get("max_output_tokens"),
        "model": body["model"],
        "output": [],
        "parallel_tool_calls": body.get("parallel_tool_calls", True),
        "previous_response_id": body.get("previous_response_id"),
        "prompt_cache_key": body.get("prompt_cache_key"),
        "reasoning": {"effort": reasoning.get("effort"), "summary": reasoning.get("summary")},
        "store": body.get("store", True),
        "temperature": body.get("temperature"),
        "text": body.get("text") or {"format": {"type": "text"}},
        "tool_choice": body.get("tool_choice", "auto"),
        "tools": body.get("tools") or [],
        "top_p": body.get("top_p"),
        "truncation": body.get("truncation", "disabled"),
        "usage": None,
        "metadata": body.get("metadata") or {},
    }


class ResponseEvents:
    """Anthropic events in, Responses events out (see the module's doc)."""

    def __init__(self, shell, names, reasoning=ReasoningOutput()):
        self.response = copy.deepcopy(shell)
        self.names = names  # responses_input.NameTable: tool names back to the client's
        self.reasoning = reasoning  # what the request asked to see of Claude's thinking
        self._sequence = 0
        self._items = {}  # Anthropic block index -> (output index, item)
        self._thinking = {}  # Anthropic block index -> the thinking block, as its deltas fill it
        self._sealed = {}  # reasoning item id -> its encrypted_content, shown or not
        self._usage = {}
        self._stop_reason = None
        self._ending_at = None  # the sequence number of the ending, once there is one
        self.ended = False

    def _event(self, kind, **fields):
        event = {"type": kind, "sequence_number": self._sequence, **fields}
        self._sequence += 1
        return event

    def _snapshot(self):
        return copy.deepcopy(self.response)

    @property
    def kept_output(self):
        """The output as it is stored: each reasoning item with its encrypted_content, so
        that previous_response_id and item_reference give Claude its thinking back."""
        output = self.response["output"]
        return [{**item, "encrypted_content": self._sealed[item["id"]]} if item["id"] in self._sealed else item for item in output]

    def start(self):
        """The first two events, before any output."""
        return [
            self._event("response.created", response=self._snapshot()),
            self._event("response.in_progress", response=self._snapshot()),
        ]

    def feed(self, event):
        handler = getattr(self, f"_on_{event.get('type')}", None)
        return handler(event) if handler and not self.ended else []

    def _on_message_start(self, event):
        self._usage.update(event["message"].get("usage") or {})
        return []

    def _add(self, index, prefix, fields):
        """A new output item for the Anthropic block at `index`: (its output index, it)."""
        output_index = len(self.response["output"])
        item = {"id": output_item_id(prefix, self.response["id"], output_index), **fields}
        self.response["output"].append(item)
        self._items[index] = (output_index, item)
        return output_index, item

    def _on_content_block_start(self, event):
        block = event["content_block"]
        if block.get("type") == "text":
            fields = {"type": "message", "status": "in_progress", "role": "assistant", "content": []}
            output_index, item = self._add(event["index"], "msg", fields)
            part = {"type": "output_text", "text": block.get("text", ""), "annotations": [], "logprobs": []}
            added = self._event("response.output_item.added", output_index=output_index, item=copy.deepcopy(item))
            item["content"].append(part)
            return [
                added,
                self._event(
                    "response.content_part.added", item_id=item["id"], output_index=output_index, content_index=0,
                    part=copy.deepcopy(part),
                ),
            ]  # fmt: skip
        if block.get("type") == "tool_use":
            fields = {
                "type": "function_call", "status": "in_progress", "call_id": block["id"],
                **self.names.client_call(block["name"]), "arguments": "",
            }  # fmt: skip
            output_index, item = self._add(event["index"], "fc", fields)
            return [self._event("response.output_item.added", output_index=output_index, item=copy.deepcopy(item))]
        if block.get("type") in THINKING_BLOCKS and self.reasoning:
            output_index, item = self._add(event["index"], "rs", {"type": "reasoning", "summary": []})
            self._thinking[event["index"]] = dict(block)
            return [self._event("response.output_item.added", output_index=output_index, item=copy.deepcopy(item))]
        return []  # thinking not asked for, or what else Claude may add

    def _on_content_block_delta(self, event):
        if event["index"] not in self._items:
            return []
        output_index, item = self._items[event["index"]]
        delta = event["delta"]
        if delta.get("type") == "text_delta" and item["type"] == "message":
            item["content"][0]["text"] += delta["text"]
            return [
                self._event(
                    "response.output_text.delta", item_id=item["id"], output_index=output_index, content_index=0,
                    delta=delta["text"], logprobs=[],
                )
            ]  # fmt: skip
        if delta.get("type") == "input_json_delta" and item["type"] == "function_call" and delta["partial_json"]:
            item["arguments"] += delta["partial_json"]
            return [
                self._event(
                    "response.function_call_arguments.delta", item_id=item["id"], output_index=output_index,
                    delta=delta["partial_json"],
                )
            ]  # fmt: skip
        if delta.get("type") == "thinking_delta" and item["type"] == "reasoning":
            self._thinking[event["index"]]["thinking"] += delta["thinking"]
            return self._summarize(output_index, item, delta["thinking"])
        if delta.get("type") == "signature_delta" and item["type"] == "reasoning":
            self._thinking[event["index"]]["signature"] = delta["signature"]
        return []

    def _summarize(self, output_index, item, text):
        """Thinking text as the reasoning item's one summary part, when it was asked for."""
        if not (self.reasoning.summary and text):
            return []
        events = []
        if not item["summary"]:
            item["summary"].append({"type": "summary_text", "text": ""})
            events.append(
                self._event(
                    "response.reasoning_summary_part.added", item_id=item["id"], output_index=output_index, summary_index=0,
                    part=copy.deepcopy(item["summary"][0]),
                )
            )  # fmt: skip
        item["summary"][0]["text"] += text
        events.append(
            self._event(
                "response.reasoning_summary_text.delta", item_id=item["id"], output_index=output_index, summary_index=0,
                delta=text,
            )
        )  # fmt: skip
        return events

    def _on_content_block_stop(self, event):
        if event["index"] not in self._items:
            return []
        output_index, item = self._items.pop(event["index"])
        ending = {"message": self._message_done, "function_call": self._call_done, "reasoning": self._reasoning_done}
        events = ending[item["type"]](event["index"], output_index, item)
        return [*events, self._event("response.output_item.done", output_index=output_index, item=copy.deepcopy(item))]

    def _message_done(self, index, output_index, item):
        item["status"] = "completed"
        part = item["content"][0]
        return [
            self._event(
                "response.output_text.done", item_id=item["id"], output_index=output_index, content_index=0,
                text=part["text"], logprobs=[],
            ),
            self._event(
                "response.content_part.done", item_id=item["id"], output_index=output_index, content_index=0,
                part=copy.deepcopy(part),
            ),
        ]  # fmt: skip

    def _call_done(self, index, output_index, item):
        item["status"] = "completed"
        events = []
        if not item["arguments"]:
            # A call without input: its arguments are still a JSON object.
            item["arguments"] = "{}"
            events.append(
                self._event("response.function_call_arguments.delta", item_id=item["id"], output_index=output_index, delta="{}")
            )
        events.append(
            self._event(
                "response.function_call_arguments.done", item_id=item["id"], output_index=output_index,
                arguments=item["arguments"],
            )
        )  # fmt: skip
        return events

    def _reasoning_done(self, index, output_index, item):
        # Kept whether or not the client sees it: a stored response gives it back.
        self._sealed[item["id"]] = sealed(self._thinking.pop(index))
        if self.reasoning.encrypted:
            item["encrypted_content"] = self._sealed[item["id"]]
        if not item["summary"]:
            return []
        part = item["summary"][0]
        return [
            self._event(
                "response.reasoning_summary_text.done", item_id=item["id"], output_index=output_index, summary_index=0,
                text=part["text"],
            ),
            self._event(
                "response.reasoning_summary_part.done", item_id=item["id"], output_index=output_index, summary_index=0,
                part=copy.deepcopy(part),
            ),
        ]  # fmt: skip

    def _on_message_delta(self, event):
        self._stop_reason = (event.get("delta") or {}).get("stop_reason") or self._stop_reason
        self._usage.update(event.get("usage") or {})
        return []

    def _on_message_stop(self, event):
        self.ended, self._ending_at = True, self._sequence
        response = self.response
        response["usage"] = usage(self._usage)
        response["completed_at"] = int(time.time())
        if reason := INCOMPLETE.get(self._stop_reason):
            response["status"], response["incomplete_details"] = "incomplete", {"reason": reason}
            return [self._event("response.incomplete", response=self._snapshot())]
        response["status"] = "completed"
        return [self._event("response.completed", response=self._snapshot())]

    def fail(self, error):
        """The ending of a response the engine failed (an ApiError); it replaces an
        ending the caller has not sent (the answer failed after its last event)."""
        if self._ending_at is not None:
            self._sequence = self._ending_at
        self.ended = True
        for _, item in self._items.values():
            item["status"] = "incomplete"
        self._items.clear()
        self.response["status"] = "failed"
        self.response["error"] = {"code": failure_code(error), "message": error.message}
        self.response["usage"] = usage(self._usage) if self._usage else None
        return [self._event("response.failed", response=self._snapshot())]
