"""One request answered by Claude Code: slot, CLI process, filtered events, log record.

A request either starts a CLI turn (a new user message) or, with client tools,
resumes one paused on the client's tool calls: its tool results resolve the waiting
handlers and the rest of the CLI turn is its answer. Either way the request's turn
ends with a stated outcome, and everything after it is read from that outcome.

`start_turn` returns once the answer has begun (or failed), so an error that comes
before any output is a proper HTTP status; after that, it is an SSE `error` event.
"""

import hashlib
import logging
import time
import uuid
from dataclasses import dataclass

from claude_agent_sdk import project_key_for_directory
from django.conf import settings
from django.utils import timezone

from sessions_admin.store import DjangoSessionStore

from .claude import client_tools, options
from .claude.limiter import acquire_slot
from .claude.options import build_options
from .claude.runner import ClaudeProcess, ShuttingDown, TurnEnded
from .claude.runtime import PausedTurn, runtimes
from .errors import SHUTTING_DOWN, ApiError, Failure, classify
from .events import Translation
from .history import prompt_content, split, system_in_place, transcript
from .prompt import api_blocks, user_message
from .sessions import open_session, tool_results
from .sse import PING, EventFilter, MessageBuilder, frame, hide_internal_tools

log = logging.getLogger("claude_proxy.turns")

CLIENT_CLOSED = ApiError(499, "client_closed", "The client closed the connection")
ANSWER_WITHDRAWN = ApiError(
    502, "api_error", "The upstream connection broke partway through the answer; retry the request"
)
RESUME_REFUSED = "No conversation found"
# Sampling parameters the CLI takes no value for (README: Parameters).
UNHEEDED_PARAMETERS = ("temperature", "top_p", "top_k")  # the CLI's words when it has no transcript to resume

ANSWERED = "answered"
FAILED = "failed"
CLIENT_GONE = "client_gone"
AWAITING_TOOL_RESULT = "awaiting_tool_result"
OUTCOMES = (
    (ANSWERED, "Answered"),
    (FAILED, "Failed"),
    (CLIENT_GONE, "Client gone"),
    (AWAITING_TOOL_RESULT, "Waiting for tool results"),
)


@dataclass(frozen=True)
class Outcome:
    kind: str
    error: ApiError | None = None
    tool_use_ids: tuple = ()


class ClientTurn:
    """The CLI's answer to one request, as the client sees it."""

    def __init__(self, params, record, session, slot, process, turn, seen_message_ids=()):
        self.params = params
        self.streaming = params.stream
        self.record = record
        self.session = session
        self.slot = slot
        self.process = process
        self.turn = turn  # runner.Turn: a new one, or the paused one this request resumes
        routing, menders = hide_internal_tools, {}
        if process.tools:
            routing, menders = client_tools.client_name, process.tools.subagents.input_menders()
        self.filter = EventFilter(
            params.model,
            routing,
            seen_message_ids,
            menders,
            stop_sequences=params.stop_sequences,
            show_thinking=bool(params.thinking and params.thinking.shown),
        )
        self.reply = MessageBuilder()
        self.failure = Failure()
        self.translation = Translation(self.filter, self.failure, lambda: process.stderr)
        self.outcome = None
        self._items = self._client_items()
        self._first = None
        self._closed = False
        # (spare key, start) of a spare to start once this turn is over: a CLI starting
        # beside the answering one would take the CPU it needs.
        self.warm_spare = None
        record.claude_session_id = record.claude_session_id or process.session_id
        record.before_save(self.close)  # a body dropped unread still ends the turn first

    @property
    def headers(self):
        return {"X-Claude-Session-ID": self.record.claude_session_id} if self.record.claude_session_id else {}

    @property
    def resume_refused(self):
        return RESUME_REFUSED in f"{self.failure.text}\n{self.failure.stderr}"

    async def begin(self):
        """Read up to the first event, so that a failure before it is an HTTP status.

        Pings go out only once the answer has begun: one sent earlier would commit the
        response to 200 before a 429 or a 401 could be its status.
        """
        self._first = await anext(self._items)
        while self._first is PING:
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
            self.outcome = Outcome(FAILED, error)
            raise
        finally:
            await self.close()

    async def close(self):
        """End the request's turn by its outcome: keep the process for the next turn,
        pause it on the client's tool calls, or stop it; free the slot; write the
        conversation and the request log."""
        if self._closed:
            return
        self._closed = True
        # No outcome: cancelled, or the body was dropped unread. The client has gone.
        outcome = self.outcome or Outcome(CLIENT_GONE, CLIENT_CLOSED)
        if outcome.error:
            self.record.fail(outcome.error, self.process.stderr)
        self.slot.release()
        runtime, key = self.session.runtime, process_key(self.params)
        reply = self.reply.message and self.reply.result()["content"]
        self.record.tool_calls = [
            {"id": block["id"], "name": block["name"]} for block in reply or [] if block["type"] == "tool_use"
        ] + [{**call, "internal": True} for call in self.translation.internal_calls]
        if outcome.kind == ANSWERED:
            runtime.keep(self.process, self.record.claude_session_id, key)
        elif outcome.kind == AWAITING_TOOL_RESULT:
            calls = [call for call in self.record.tool_calls if not call.get("internal")]
            paused = PausedTurn(self.turn, calls, self.filter.seen_message_ids)
            runtime.keep(self.process, self.record.claude_session_id, key, paused)
        else:
            self.turn.interrupt()
            self.process.close()
        await self.session.close(
            ok=outcome.kind in (ANSWERED, AWAITING_TOOL_RESULT),
            claude_session_id=self.record.claude_session_id,
            model=self.params.model,
            reply=reply,
            waiting_on=outcome.tool_use_ids,
            resume_at=self.translation.last_entry,
        )
        if self.warm_spare is not None and not runtimes.closing:
            runtimes.keep_warm(*self.warm_spare)

    def shut_down(self):
        """The server is stopping: end the answer with an error the client can read."""
        self.turn.end_now()

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
            except ShuttingDown:
                raise SHUTTING_DOWN from None
            except Exception as exc:
                raise (SHUTTING_DOWN if runtimes.closing else self._failed(exc)) from None
            quiet = 0.0
            events = self.translation.read(message)
            self._note()
            if self.translation.withdrawn:
                if self.streaming:
                    # Part of an answer the CLI gave up already reached the client: never
                    # splice a retry onto it.
                    raise ANSWER_WITHDRAWN
                self.reply.drop(self.translation.withdrawn)
            for event in events:
                self.reply.add(event)
                yield event
            if self.filter.paused_on:
                # The CLI waits in the client's tool handlers: this response is complete.
                self.outcome = Outcome(AWAITING_TOOL_RESULT, tool_use_ids=self.filter.paused_on)
                return
            if self.filter.finished and self.outcome is None:
                self.outcome = Outcome(ANSWERED)
                if self.filter.stopped_early:
                    self.turn.interrupt()  # a stop sequence or max_tokens: the CLI would go on

    def _note(self):
        if self.translation.session_id:
            self.record.claude_session_id = self.process.session_id = self.translation.session_id
        if self.translation.usage is not None:
            self.record.usage = self.translation.usage

    def _failed(self, exception):
        self.failure.exception = exception
        self.failure.exit_code = getattr(exception, "exit_code", None)
        self.failure.text = self.failure.text or str(exception)
        self.failure.stderr = self.process.stderr
        return classify(self.failure)


def process_key(params):
    return options.process_key(params, client_tools.offered(params))


def _with_tool_choice(content, params):
    """The prompt, with what the client's tool_choice asks of this answer."""
    note = client_tools.tool_choice_note(params.tool_choice)
    if note is None:
        return content
    blocks = [{"type": "text", "text": content}] if isinstance(content, str) else content
    return [*blocks, {"type": "text", "text": note}]


def spare_key(params):
    """What a warm spare must have been started with to start this request's conversation."""
    return (process_key(params), hashlib.sha256(params.system_text.encode()).hexdigest())


def _new_process(params, conversation_id=None, resume=None, resume_at=None, fork=False, warm_up=False):
    tools = client_tools.ToolBridge(offered) if (offered := client_tools.offered(params)) else None
    store = DjangoSessionStore()
    options = build_options(params, tools=tools, resume=resume, resume_at=resume_at, fork=fork, session_store=store)
    return ClaudeProcess(options, conversation_id, tools=tools, warm_up=warm_up).start()


async def _spawn(params, conversation_id, **resuming):
    await runtimes.make_room()
    return _new_process(params, conversation_id, **resuming)


async def _resume_paused(params, record, session, slot):
    """The client's tool results for the tool calls the conversation waits on: they
    resolve the handlers of the paused CLI turn, whose rest is the answer. When the
    process that waited is gone, a new one resumes the session at those calls and is
    sent the results as they came. None when the request brings no such results."""
    runtime, conversation = session.runtime, session.conversation
    results = None
    if session.lineage.resumes:
        new_messages = params.messages[session.lineage.first_new :]
        results = tool_results(session.waiting_on, new_messages, len(params.messages) - 1)
    paused = runtime.take_paused()
    if results is None:
        if paused is not None:
            runtime.end()  # the client went another way: the paused CLI turn is of no use
        return None
    record.tool_results = [{"tool_use_id": block.tool_use_id, "is_error": block.is_error} for block in results]
    process = runtime.take_process(session.resume_id, process_key(params)) if paused else None
    if process is None or not process.alive:
        log.info("the CLI turn waiting on %s is gone; resuming at its tool calls", session.waiting_on)
        process = await _spawn(params, conversation.id, resume=session.resume_id, resume_at=conversation.resume_at, fork=True)
        turn = process.submit(user_message(_with_tool_choice(api_blocks(new_messages[0]), params)))
        return ClientTurn(params, record, session, slot, process, turn)
    besides = [block.text for block in new_messages[0].content if block.type == "text"]
    besides += filter(None, [client_tools.tool_choice_note(params.tool_choice)])
    for block in results:
        # What the client wrote beside its results reaches the model with the last one.
        process.tools.resolve(block, besides if block is results[-1] else ())
    return ClientTurn(params, record, session, slot, process, paused.turn, paused.seen_message_ids)


async def _seed(history, params):
    """A new Claude session holding `history`: (its id, its last entry)."""
    session_id, workdir = str(uuid.uuid4()), settings.CLAUDE_PROXY_WORKDIR
    entries = transcript(history, session_id=session_id, cwd=workdir, model=params.model, now=timezone.now())
    await DjangoSessionStore().append({"project_key": project_key_for_directory(workdir), "session_id": session_id}, entries)
    return session_id, entries[-1]["uuid"]


async def _start(params, record, session, slot):
    """A new CLI turn: the live process, or a new one, is sent the messages it lacks.
    A fresh session with history resumes a transcript written from that history."""
    process, resume_at = None, None
    messages = system_in_place(params.messages)
    if session.resume_id:
        process = session.runtime.take_process(session.resume_id, process_key(params))
        resume, prompt = session.resume_id, messages[session.lineage.first_new :]
    else:
        session.runtime.end()
        history, prompt = split(messages)
        resume, resume_at = await _seed(history, params) if history else (None, None)
    if resume is None:
        # A new conversation: it can start on a warm spare, and the next one too.
        process = runtimes.spares.take(spare_key(params), session.conversation.id)
    process = process or await _spawn(params, session.conversation.id, resume=resume, resume_at=resume_at)
    turn = process.submit(user_message(_with_tool_choice(prompt_content(prompt), params)))
    client_turn = ClientTurn(params, record, session, slot, process, turn)
    if resume is None:
        client_turn.warm_spare = spare_key(params), lambda: _new_process(params, warm_up=True)
    return client_turn


async def start_turn(params, record, headers):
    """Take the conversation's turn and a slot, start or resume a CLI turn, and read
    until the answer begins."""
    waiting_since = time.monotonic()
    if unheeded := [name for name in UNHEEDED_PARAMETERS if getattr(params, name) is not None]:
        log.debug("request_id=%s the CLI cannot honour %s: left out", record.request_id, ", ".join(unheeded))
    opened = await open_session(headers, params)
    try:
        slot = await acquire_slot()
    except BaseException:
        opened.abandon()
        raise
    # Waiting counts from the start: for the conversation's previous turn, then for a slot.
    record.queue_wait_ms = round((time.monotonic() - waiting_since) * 1000)
    try:
        session = await opened.classify(params)
    except BaseException:
        slot.release()
        raise
    try:
        runtimes.check_open()  # the server began to stop while this request waited
        turn = await _resume_paused(params, record, session, slot) or await _start(params, record, session, slot)
    except BaseException:
        slot.release()
        session.abandon()
        raise
    session.runtime.client_turn = turn
    try:
        await turn.begin()
    except ApiError as error:
        if not (session.resume_id and turn.resume_refused):
            turn.outcome = Outcome(FAILED, error)
            await turn.close()
            raise
        # The CLI has no transcript to resume: start over with the whole history, once.
        log.info("resume of %s refused; starting a fresh session", session.resume_id)
        turn.discard()
        session.start_fresh()
        turn = session.runtime.client_turn = await _start(params, record, session, slot)
        try:
            await turn.begin()
        except ApiError as error:
            turn.outcome = Outcome(FAILED, error)
            await turn.close()
            raise
    return turn
