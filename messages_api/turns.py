"""One request answered by Claude Code: slot, CLI process, filtered events, log record.

`start_turn` returns once the answer has begun (or failed), so an error that comes
before any output is a proper HTTP status; after that, it is an SSE `error` event.
"""

import logging
import time

from claude_agent_sdk import (
    AssistantMessage,
    ResultMessage,
    StreamEvent,
    SystemMessage,
    TextBlock,
    ThinkingBlock,
    ToolUseBlock,
)
from django.conf import settings

from sessions_admin.store import DjangoSessionStore

from .claude.limiter import acquire_slot
from .claude.options import build_options, cli_model
from .claude.pool import live_processes
from .claude.runner import ClaudeProcess, TurnEnded
from .errors import ApiError, Failure, classify
from .prompt import render_messages, user_message
from .sessions import open_session
from .sse import PING, EventFilter, MessageBuilder, frame

log = logging.getLogger("claude_proxy.turns")

CLIENT_CLOSED = ApiError(499, "client_closed", "The client closed the connection")
RESUME_REFUSED = "No conversation found"  # the CLI's words when it has no transcript to resume
OUTPUT_LIMIT = "max_output_tokens"  # AssistantMessage.error when the CLI stops resuming a cut answer


def block_dict(block):
    """An SDK content block as the API's dict, or None for what a client never sees."""
    if isinstance(block, TextBlock):
        return {"type": "text", "text": block.text}
    if isinstance(block, ThinkingBlock):
        return {"type": "thinking", "thinking": block.thinking, "signature": block.signature}
    if isinstance(block, ToolUseBlock):
        return {"type": "tool_use", "id": block.id, "name": block.name, "input": block.input}
    return None


class ClientTurn:
    """The CLI's answer to one request, as the client sees it."""

    def __init__(self, params, record, session, slot, process, messages):
        self.params = params
        self.record = record
        self.session = session
        self.slot = slot
        self.process = process
        self.turn = process.submit(user_message(render_messages(messages)))
        self.filter = EventFilter(params.model)
        self.reply = MessageBuilder()
        self.failure = Failure()
        self.ok = False
        self._items = self._client_items()
        self._first = None
        self._closed = False
        record.before_save(self.close)  # a body dropped unread still ends the turn first

    @property
    def headers(self):
        return {"X-Claude-Session-ID": self.record.claude_session_id} if self.record.claude_session_id else {}

    @property
    def resume_refused(self):
        return RESUME_REFUSED in f"{self.failure.text}\n{self.failure.stderr}"

    async def begin(self):
        """Read up to the first thing the client gets: an event, or a ping while waiting."""
        self._first = await anext(self._items)

    async def sse(self):
        """The response body: SSE bytes until message_stop, or an `error` event."""
        try:
            async for item in self._answer():
                if item is not PING:
                    self.record.first_byte()
                yield item if item is PING else frame(item)
        except ApiError as error:
            for event in self.filter.fail(error.envelope()):
                yield frame(event)

    async def message(self):
        """The whole answer as one message (a non-streaming request)."""
        async for item in self._answer():
            if item is not PING:
                self.record.first_byte()  # the model's first token, though the client waits for all
        return self.reply.result()

    async def _answer(self):
        try:
            async for item in self._rest():
                yield item
        except ApiError as error:
            self.record.fail(error, self.process.stderr)
            raise
        finally:
            await self.close()

    async def close(self):
        """End the turn, however it ended: keep the process for the conversation's next
        turn if all went well, else stop it; free the slot and the conversation."""
        if self._closed:
            return
        self._closed = True
        if not self.ok and not self.record.error_type:
            # Cancelled, or the body was dropped unread: the client has gone.
            self.record.fail(CLIENT_CLOSED)
            self.turn.interrupt()
        self.slot.release()
        conversation_id = self.session.conversation.id
        if self.ok:
            live_processes.keep(conversation_id, self.record.claude_session_id, signature(self.params), self.process)
        else:
            self.process.close()
        await self.session.close(
            ok=self.ok,
            claude_session_id=self.record.claude_session_id,
            model=self.params.model,
            reply=self.reply.message and self.reply.result()["content"],
        )

    def discard(self):
        """Drop this attempt without ending the conversation's turn: a retry takes over."""
        self._closed = True
        self.process.close()

    async def _rest(self):
        if self._first is not None:
            yield self._first
        async for item in self._items:
            yield item

    async def _client_items(self):
        """Client events (and PING while the CLI is quiet); raises ApiError on failure."""
        ping, idle_limit, quiet = settings.CLAUDE_PROXY_PING_SECONDS, settings.CLAUDE_PROXY_IDLE_TIMEOUT, 0.0
        while True:
            wait = min(ping, idle_limit - quiet)
            try:
                message = await self.turn.next(timeout=wait)
            except TimeoutError:
                quiet += wait
                if quiet >= idle_limit:
                    self.turn.interrupt()
                    self.failure.timed_out = True
                    raise classify(self.failure) from None
                yield PING
                continue
            except TurnEnded:
                return
            except Exception as exc:
                raise self._failed(exc) from None
            quiet = 0.0
            for event in self._read(message):
                self.reply.add(event)
                yield event
            if self.filter.finished:
                self.ok = True

    def _failed(self, exception):
        self.failure.exception = exception
        self.failure.exit_code = getattr(exception, "exit_code", None)
        self.failure.text = self.failure.text or str(exception)
        self.failure.stderr = self.process.stderr
        return classify(self.failure)

    def _read(self, message):
        """The client events one SDK message yields; notes what the log and errors need."""
        if isinstance(message, StreamEvent):
            if message.parent_tool_use_id is None:  # a subagent's stream is not the client's
                yield from self.filter.feed(message.event)
        elif isinstance(message, SystemMessage):
            self._on_system(message)
        elif isinstance(message, AssistantMessage) and message.error:
            self.failure.assistant_error = message.error
            self.failure.text = " ".join(getattr(block, "text", "") for block in message.content).strip()
        elif isinstance(message, AssistantMessage) and message.parent_tool_use_id is None:
            blocks = [block_dict(block) for block in message.content]
            yield from self.filter.feed_message(message.message_id, [b for b in blocks if b], message.stop_reason)
        elif isinstance(message, ResultMessage):
            self.record.usage = message.usage or {}
            if self.failure.assistant_error == OUTPUT_LIMIT:
                # The CLI resumed past max_tokens a few times, then gave up: the text so far
                # is the answer, cut short as the API would cut it.
                yield from self.filter.finish(message.usage, "max_tokens")
                return
            if message.is_error:
                self.failure.api_error_status = message.api_error_status
                self.failure.text = self.failure.text or message.result or ", ".join(message.errors or [])
                self.failure.stderr = self.process.stderr
                raise classify(self.failure)
            yield from self.filter.finish(message.usage, message.stop_reason)

    def _on_system(self, message):
        if message.subtype == "init":
            self.record.claude_session_id = self.process.session_id = message.data.get("session_id", "")
        elif message.subtype == "api_retry":
            self.failure.retry_error = message.data.get("error")
            if self.failure.retry_error == "authentication_failed":
                # Retrying a refused login only delays the answer: end the turn now.
                self.turn.interrupt()
                self.failure.api_error_status = message.data.get("error_status")
                raise classify(self.failure)


def signature(params):
    """What a live process must have been started with to take this request's turn."""
    return (cli_model(params.model),)


def _spawn(params, conversation_id, resume=None):
    options = build_options(params, resume=resume, session_store=DjangoSessionStore())
    return ClaudeProcess(options, conversation_id).start()


async def start_turn(params, record, headers):
    """Take the conversation's turn and a slot, hand the new messages to a CLI process,
    and read until the answer begins."""
    waiting_since = time.monotonic()
    session = await open_session(headers, params)
    try:
        slot = await acquire_slot()
    except BaseException:
        session.abandon()
        raise
    # Waiting counts from the start: for the conversation's previous turn, then for a slot.
    record.queue_wait_ms = round((time.monotonic() - waiting_since) * 1000)
    conversation = session.conversation
    process = None
    if session.resume_id:
        process = live_processes.take(conversation.id, session.resume_id, signature(params))
    else:
        live_processes.end(conversation.id)
    resumed = session.resume_id is not None
    process = process or _spawn(params, conversation.id, resume=session.resume_id)
    messages = params.messages[session.lineage.first_new :] if resumed else params.messages
    turn = ClientTurn(params, record, session, slot, process, messages)
    try:
        await turn.begin()
    except ApiError as error:
        if not (resumed and turn.resume_refused):
            record.fail(error, process.stderr)
            await turn.close()
            raise
        # The CLI has no transcript to resume: start over with the whole history, once.
        log.info("resume of %s refused; starting a fresh session", session.resume_id)
        turn.discard()
        session.start_fresh()
        turn = ClientTurn(params, record, session, slot, _spawn(params, conversation.id), params.messages)
        try:
            await turn.begin()
        except ApiError as error:
            record.fail(error, turn.process.stderr)
            await turn.close()
            raise
    return turn
