"""The one message a non-streaming answer is: the client's events, folded."""

import copy
import json

TOOL_BLOCKS = ("tool_use", "server_tool_use")


def as_start_and_deltas(block):
    """A complete content block as a start event's empty block and the deltas that fill it."""
    kind = block["type"]
    if kind == "text":
        return {"type": "text", "text": ""}, [{"type": "text_delta", "text": block["text"]}]
    if kind == "thinking":
        deltas = [{"type": "thinking_delta", "thinking": block["thinking"]}]
        if block.get("signature"):
            deltas.append({"type": "signature_delta", "signature": block["signature"]})
        return {"type": "thinking", "thinking": "", "signature": ""}, deltas
    if kind in TOOL_BLOCKS:
        shell = {"type": kind, "id": block["id"], "name": block["name"], "input": {}}
        return shell, [{"type": "input_json_delta", "partial_json": json.dumps(block["input"])}]
    return block, []


def as_events(message):
    """A whole message as the events that stream it, renumbered from 0: what a wire that
    folds events itself (the Responses API's JSON) is fed, withdrawn attempts left out."""
    shell = {key: value for key, value in message.items() if key not in ("content", "stop_reason", "stop_sequence")}
    events = [{"type": "message_start", "message": {**shell, "content": [], "stop_reason": None, "stop_sequence": None}}]
    for index, block in enumerate(message["content"]):
        start, deltas = as_start_and_deltas(block)
        events.append({"type": "content_block_start", "index": index, "content_block": start})
        events += [{"type": "content_block_delta", "index": index, "delta": delta} for delta in deltas]
        events.append({"type": "content_block_stop", "index": index})
    ending = {"stop_reason": message.get("stop_reason"), "stop_sequence": message.get("stop_sequence")}
    events.append({"type": "message_delta", "delta": ending, "usage": message.get("usage") or {}})
    return [*events, {"type": "message_stop"}]


class MessageBuilder:
    """Folds the client's events into the one message a non-streaming request returns."""

    def __init__(self):
        self.message = None
        self._blocks = {}
        self._json = {}

    def add(self, event):
        kind = event["type"]
        if kind == "message_start":
            self.message = {**event["message"], "content": []}
        elif kind == "content_block_start":
            self._blocks[event["index"]] = copy.deepcopy(event["content_block"])
        elif kind == "content_block_delta":
            self._apply(event["index"], event["delta"])
        elif kind == "content_block_stop" and event["index"] in self._json:
            text = self._json.pop(event["index"])
            self._blocks[event["index"]]["input"] = json.loads(text) if text else {}
        elif kind == "message_delta":
            self.message.update(event["delta"])
            self.message["usage"] = {**self.message.get("usage", {}), **event.get("usage", {})}

    def drop(self, indices):
        """Forget blocks: an attempt the CLI abandoned is not part of the answer."""
        for index in indices:
            self._blocks.pop(index, None)
            self._json.pop(index, None)

    def _apply(self, index, delta):
        block = self._blocks[index]
        kind = delta["type"]
        if kind == "text_delta":
            block["text"] = block.get("text", "") + delta["text"]
        elif kind == "thinking_delta":
            block["thinking"] = block.get("thinking", "") + delta["thinking"]
        elif kind == "signature_delta":
            block["signature"] = delta["signature"]
        elif kind == "input_json_delta":
            self._json[index] = self._json.get(index, "") + delta["partial_json"]
        elif kind == "citations_delta":
            block.setdefault("citations", []).append(delta["citation"])

    def result(self):
        self.message["content"] = [self._blocks[index] for index in sorted(self._blocks)]
        return self.message
