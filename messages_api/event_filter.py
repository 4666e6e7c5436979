"""The filter between the CLI's stream events and the client's.

The CLI may run several model turns for one request (its own MCP tools in between).
The client must see one Anthropic message: one message_start, its own blocks with
indices contiguous from 0, one message_delta and one message_stop at the end.
"""

import copy
import json

from .claude import mcp_names
from .claude.mcp_names import STRUCTURED_OUTPUT
from .json_schemas import accepts
from .message_builder import TOOL_BLOCKS, as_start_and_deltas
from .stops import StopSequences

THINKING_BLOCKS = ("thinking", "redacted_thinking")


def _text_delta(index, text):
    return {"type": "content_block_delta", "index": index, "delta": {"type": "text_delta", "text": text}}


def hide_internal_tools(name):
    """The default tool routing: the proxy's own MCP tools are hidden, others shown."""
    return None if mcp_names.is_mcp(name) else name


USAGE_KEYS = ("input_tokens", "output_tokens", "cache_creation_input_tokens", "cache_read_input_tokens")
# A model turn stopped so ends the answer, though the CLI would go on: at max_tokens it
# resumes the cut answer by itself; after a refusal (the API's safety classifier) it
# would tell the model so in a user message of its own and ask again.
EARLY_STOPS = ("max_tokens", "refusal")


def _usage(result_usage):
    return {key: int(result_usage.get(key) or 0) for key in USAGE_KEYS}


def _added(one, other):
    return {key: one[key] + other[key] for key in USAGE_KEYS}


class EventFilter:
    """Feed it the CLI's raw stream events; it returns the events the client sees.

    Pure: no I/O, so every sequence of internal turns can be tested as data.
    `tool_routing(name)` gives a tool block's name as the client sees it, or None to
    hide the block. A response ends one of three ways: `finish` (the CLI's turn is
    over), `close` (it failed), or paused: a model turn stopped on tool calls shown to the client
    (`paused_on` then holds their ids) while the CLI waits for their results.
    """

    def __init__(
        self,
        client_model,
        tool_routing=hide_internal_tools,
        seen_message_ids=(),
        input_menders=None,
        stop_sequences=None,
        show_thinking=True,
        structured=False,
    ):
        self.client_model = client_model
        # Structured outputs (`structured`: the schema): the answer is the JSON the CLI's
        # StructuredOutput tool took, one text block as the API gives it; the model's
        # prose is not shown. A call valid against the schema is the answer as soon as its
        # block ends (the CLI checks it the same way, then ends the turn); else the object
        # the CLI's result carries (finish).
        self.structured = structured
        self._structured_input = {}  # the model turn's index -> a StructuredOutput call's input so far
        self._answered = False
        self.tool_routing = tool_routing
        self.show_thinking = show_thinking
        # The answer ends at the first of these in its text, or at a model turn that
        # stopped for one of EARLY_STOPS.
        self._stops = StopSequences(stop_sequences)
        self.stopped_early = False
        # Client tool name -> a function that mends a call's input before the client
        # sees it; such a call's input is held back until it is complete.
        self.input_menders = input_menders or {}
        self._held_input = {}  # the model turn's index -> (the input so far, its mender)
        self.started = False
        self._next_index = 0
        self._index_map = {}  # the current model turn's index -> the client's index
        self._hidden = set()  # this turn's indices of internal tool blocks
        self._open = []  # client indices started and not yet stopped
        self._last_delta = None
        self._turn_usage = {}  # the model turn's usage: message_start's, then message_delta's
        self._turn_counted = False
        self._counted = None  # the usage of the model turns this response showed, added up
        self._turn_tool_ids = []  # this model turn's tool calls shown to the client
        self._turn_first_index = 0  # the client index of this model turn's first block
        self._withdrawn = []
        # Model turns an earlier response of the same CLI turn already showed.
        self._streamed_ids = set(seen_message_ids)
        self.finished = False
        self.paused_on = ()

    @property
    def ended(self):
        return self.finished or bool(self.paused_on)

    @property
    def seen_message_ids(self):
        return frozenset(self._streamed_ids)

    def feed(self, event):
        if self.finished:
            return []  # what the CLI does after an early stop is not the client's
        kind = event.get("type")
        handler = getattr(self, f"_on_{kind}", None)
        return handler(event) if handler else []

    def _structured_answer(self, given):
        """A StructuredOutput call's input as the answer, if it is one the schema takes."""
        if not self.structured or self._answered:
            return []
        try:
            value = json.loads(given) if given else {}
        except ValueError:
            return []
        if not accepts(self.structured, value):
            return []
        self._answered = True
        return self._text_block(json.dumps(value, ensure_ascii=False))

    def _forget_model_turn(self):
        self._structured_input.clear()
        self._index_map.clear()
        self._hidden.clear()
        self._held_input.clear()
        self._turn_tool_ids = []

    def _on_message_start(self, event):
        self._forget_model_turn()
        self._turn_first_index = self._next_index
        self._turn_usage = dict(event["message"].get("usage") or {})
        self._turn_counted = False
        self._last_delta = None
        self._streamed_ids.add(event["message"].get("id"))
        if self.started:
            return []
        self.started = True
        event = copy.deepcopy(event)
        event["message"]["model"] = self.client_model
        return [event]

    def feed_message(self, message_id, blocks, stop_reason=None, usage=None):
        """A whole model turn that arrived without stream events, as its events.

        When a stream breaks, the CLI asks again without streaming; that answer comes
        only as a complete message, and the client must still get it.
        """
        if self.finished or message_id in self._streamed_ids:
            # After an early stop the CLI may still finish a model turn before the
            # interrupt lands: like its stream events, it is not the client's.
            return []
        start = {
            "type": "message_start",
            "message": {
                "id": message_id,
                "type": "message",
                "role": "assistant",
                "model": self.client_model,
                "content": [],
                "stop_reason": None,
                "stop_sequence": None,
                "usage": usage or {"input_tokens": 0, "output_tokens": 0},
            },
        }
        events = self._on_message_start(start)
        for index, block in enumerate(blocks):
            shell, delta = as_start_and_deltas(block)
            events += self._on_content_block_start({"type": "content_block_start", "index": index, "content_block": shell})
            for part in delta:
                events += self._on_content_block_delta({"type": "content_block_delta", "index": index, "delta": part})
            events += self._on_content_block_stop({"type": "content_block_stop", "index": index})
        if stop_reason:
            events += self._on_message_delta(
                {"type": "message_delta", "delta": {"stop_reason": stop_reason, "stop_sequence": None}, "usage": {}}
            )
            events += self._on_message_stop({"type": "message_stop"})
        return events

    def _on_content_block_start(self, event):
        index, block = event["index"], event["content_block"]
        if block.get("name") == STRUCTURED_OUTPUT:
            self._hidden.add(index)
            self._structured_input[index] = ""
            return []
        if self.structured and block.get("type") == "text":
            self._hidden.add(index)
            return []
        if block.get("type") in TOOL_BLOCKS:
            name = self.tool_routing(str(block.get("name", "")))
            if name is None:
                self._hidden.add(index)
                return []
            block = {**block, "name": name}
            if block["type"] == "tool_use":
                self._turn_tool_ids.append(block["id"])
            if name in self.input_menders:
                self._held_input[index] = ("", self.input_menders[name])
        elif block.get("type") in THINKING_BLOCKS and not self.show_thinking:
            self._hidden.add(index)
            return []
        self._index_map[index] = self._next_index
        self._open.append(self._next_index)
        self._next_index += 1
        return [{**event, "index": self._index_map[index], "content_block": block}]

    def _on_content_block_delta(self, event):
        index = event["index"]
        if index in self._structured_input and event["delta"].get("type") == "input_json_delta":
            self._structured_input[index] += event["delta"]["partial_json"]
        if index in self._hidden or index not in self._index_map:
            return []
        if index in self._held_input and event["delta"].get("type") == "input_json_delta":
            held, mender = self._held_input[index]
            self._held_input[index] = (held + event["delta"]["partial_json"], mender)
            return []
        if self._stops and event["delta"].get("type") == "text_delta":
            return self._text_until_stop(self._index_map[index], event["delta"]["text"])
        return [{**event, "index": self._index_map[index]}]

    def _text_until_stop(self, client_index, text):
        seen = self._stops.feed(text)
        events = [_text_delta(client_index, seen)] if seen else []
        if self._stops.matched is not None:
            events += self._stop_early("stop_sequence", self._stops.matched)
        return events

    def _stop_early(self, stop_reason, stop_sequence=None):
        """End the answer here, though the CLI's turn goes on (the caller interrupts it)."""
        self.finished = self.stopped_early = True
        delta = {
            "type": "message_delta",
            "delta": {"stop_reason": stop_reason, "stop_sequence": stop_sequence},
            "usage": self.usage,
        }
        return [*self.close(), delta, {"type": "message_stop"}]

    @property
    def usage(self):
        """The upstream's usage of the model turns this response showed, added up (the
        CLI's own result counts its whole turn, which may span several responses)."""
        usage = self._counted
        if not self._turn_counted and self._turn_usage:
            usage = _added(usage, _usage(self._turn_usage)) if usage else _usage(self._turn_usage)
        return usage

    def _on_content_block_stop(self, event):
        if event["index"] in self._structured_input:
            return self._structured_answer(self._structured_input.pop(event["index"]))
        if event["index"] in self._hidden or event["index"] not in self._index_map:
            return []
        client_index = self._index_map[event["index"]]
        if client_index in self._open:
            self._open.remove(client_index)
        held_text = self._stops.flush() if self._stops else ""
        before = [_text_delta(client_index, held_text)] if held_text else []
        return [*before, *self._mended_input(event["index"], client_index), {**event, "index": client_index}]

    def _mended_input(self, index, client_index):
        if index not in self._held_input:
            return []
        held, mender = self._held_input.pop(index)
        try:
            tool_input = json.loads(held) if held else {}
        except ValueError:
            tool_input = None  # not JSON: the client gets it as the model wrote it
        mended = json.dumps(mender(tool_input)) if isinstance(tool_input, dict) else held
        delta = {"type": "input_json_delta", "partial_json": mended}
        return [{"type": "content_block_delta", "index": client_index, "delta": delta}]

    def _on_message_delta(self, event):
        # Held back: only the last model turn's stop_reason is the client's.
        self._last_delta = event
        self._turn_usage.update(event.get("usage") or {})
        return []

    def _on_message_stop(self, event):
        if self._last_delta is None:
            # A model turn ends with a stop_reason; the CLI closes a cut stream without
            # one, then asks again.
            self.abandon()
            return []
        self._counted, self._turn_counted = self.usage, True
        stop_reason = self._last_delta["delta"].get("stop_reason")
        if stop_reason in EARLY_STOPS:
            return self._stop_early(stop_reason)
        if stop_reason != "tool_use" or not self._turn_tool_ids or self.ended:
            return []
        # The model called the client's tools: the response ends here, and the CLI
        # waits for the results the client's next request brings.
        self.paused_on = tuple(self._turn_tool_ids)
        delta = {**copy.deepcopy(self._last_delta), "usage": self.usage}
        return [*self.close(), delta, {"type": "message_stop"}]

    def abandon(self):
        """The CLI gave up the model turn in progress to ask again: its blocks are void,
        and the retry's blocks take their client indices."""
        withdrawn = list(range(self._turn_first_index, self._next_index))
        self._withdrawn += withdrawn
        self._turn_usage = {}
        self._next_index = self._turn_first_index
        self._open = [index for index in self._open if index not in withdrawn]
        self._forget_model_turn()

    def take_withdrawn(self):
        """Client indices of blocks already produced for attempts the CLI gave up."""
        withdrawn, self._withdrawn = self._withdrawn, []
        return withdrawn

    def close(self):
        """Stop the blocks still open: the answer fails here (the caller sends the error)."""
        closing = [{"type": "content_block_stop", "index": index} for index in self._open]
        self._open.clear()
        return closing

    def finish(self, usage=None, stop_reason=None, structured_output=None):
        """The closing events, once the CLI's result has arrived; with structured outputs,
        the object the CLI checked against the schema as the answer's one text block."""
        if self.finished:
            return []
        self.finished = True
        answer = []
        if self.structured and structured_output is not None:
            stop_reason = "end_turn"
            if not self._answered:
                answer = self._text_block(json.dumps(structured_output, ensure_ascii=False))
        delta = copy.deepcopy(self._last_delta) or {
            "type": "message_delta",
            "delta": {"stop_reason": "end_turn", "stop_sequence": None},
            "usage": {},
        }
        if stop_reason:
            delta["delta"]["stop_reason"] = stop_reason
        if self.usage or usage:
            delta["usage"] = {**delta.get("usage", {}), **(self.usage or _usage(usage))}
        return [*self.close(), *answer, delta, {"type": "message_stop"}]

    def _text_block(self, text):
        index, self._next_index = self._next_index, self._next_index + 1
        return [
            {"type": "content_block_start", "index": index, "content_block": {"type": "text", "text": ""}},
            _text_delta(index, text),
            {"type": "content_block_stop", "index": index},
        ]
