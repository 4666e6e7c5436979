"""The SDK's messages read as the client's events: no I/O, no process, no request.

`Translation.read(message)` returns the client events one SDK message yields (through
an sse.EventFilter) and notes what the turn needs besides: the Claude session id, the
usage, and everything about a failure, which it raises classified as an ApiError.
"""

from claude_agent_sdk import (
    AssistantMessage,
    RateLimitEvent,
    ResultMessage,
    StreamEvent,
    SystemMessage,
    TextBlock,
    ThinkingBlock,
    ToolUseBlock,
)

from .claude import mcp_names
from .claude.internal_tools import SERVER_NAME
from .errors import NO_STRUCTURED_OUTPUT, classify

def block_dict(block):
    """An SDK content block as the API's dict, or None for what a client never sees."""
    if isinstance(block, TextBlock):
        return {"type": "text", "text": block.text}
    if isinstance(block, ThinkingBlock):
        return {"type": "thinking", "thinking": block.thinking, "signature": block.signature}
    if isinstance(block, ToolUseBlock):
        return {"type": "tool_use", "id": block.id, "name": block.name, "input": block.input}
    return None


class Translation:
    def __init__(self, event_filter, failure, stderr=lambda: ""):
        self.filter = event_filter
        self.failure = failure  # errors.Failure, filled in as the CLI tells
        self.stderr = stderr  # the CLI's stderr tail, read when a failure is classified
        self.session_id = ""
        self.usage = None
        self.withdrawn = []  # client indices of blocks of an attempt the CLI gave up
        self.last_entry = ""  # uuid of the latest assistant message: a point to resume at
        self.internal_calls = []  # the proxy's own tools Claude ran ({id, name, input})
        self.rate_limit = None  # the latest RateLimitEvent's raw dict: the subscription's windows

    def read(self, message):
        events = self._read(message)
        self.withdrawn = self.filter.take_withdrawn()
        return events

    def _read(self, message):
        if isinstance(message, StreamEvent):
            if message.parent_tool_use_id is None:  # a subagent's stream is not the client's
                return self.filter.feed(message.event)
        elif isinstance(message, SystemMessage):
            self._on_system(message)
        elif isinstance(message, AssistantMessage) and message.error:
            self.failure.assistant_error = message.error
            self.failure.text = " ".join(getattr(block, "text", "") for block in message.content).strip()
        elif isinstance(message, AssistantMessage) and message.parent_tool_use_id is None:
            self.last_entry = message.uuid or self.last_entry
            self.internal_calls += [
                {"id": block.id, "name": name, "input": block.input}
                for block in message.content
                if isinstance(block, ToolUseBlock) and (name := mcp_names.tool_of(SERVER_NAME, block.name))
            ]
            blocks = [block_dict(block) for block in message.content]
            return self.filter.feed_message(
                message.message_id, [b for b in blocks if b], message.stop_reason, message.usage
            )
        elif isinstance(message, ResultMessage):
            return self._on_result(message)
        elif isinstance(message, RateLimitEvent):
            # Sent when the windows' state changes; a refusal comes before the CLI's words.
            self.rate_limit = self.failure.rate_limit = message.rate_limit_info.raw
        return []

    def _on_result(self, message):
        self.usage = self.filter.usage or message.usage or {}
        if self.filter.stopped_early:
            return []  # the answer ended before the CLI's turn did (interrupted since)
        if message.is_error:
            self.failure.api_error_status = message.api_error_status
            self.failure.text = self.failure.text or message.result or ", ".join(message.errors or [])
            self.failure.stderr = self.stderr()
            raise classify(self.failure)
        if self.filter.structured and message.structured_output is None:
            raise NO_STRUCTURED_OUTPUT
        return self.filter.finish(message.usage, message.stop_reason, message.structured_output)

    def _on_system(self, message):
        if message.subtype == "init":
            self.session_id = message.data.get("session_id", "")
        elif message.subtype == "api_retry":
            # The call failed, maybe partway through its answer: what it said is void.
            self.filter.abandon()
            self.failure.retry_error = message.data.get("error")
            if self.failure.retry_error == "authentication_failed":
                # Retrying a refused login only delays the answer: end the turn now.
                self.failure.api_error_status = message.data.get("error_status")
                raise classify(self.failure)
