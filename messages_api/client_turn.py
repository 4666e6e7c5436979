"""The CLI's answer to one request, as the client sees it, and how that request's turn ended.

A ClientTurn reads the SDK messages of a CLI turn (a new one, or the one paused on the
client's tool calls that this request answers), turns them into the client's events
(`events.Translation` through an `sse.EventFilter`: Anthropic's event shapes, which
every wire format renders its own way) and states its `Outcome`. `end()` hands that
outcome to the held conversation, the one place a turn ends.
"""

import logging
from dataclasses import dataclass

from django.conf import settings

from sessions_admin.models import TurnOutcome
from sessions_admin.usage_windows import deciding

from .claude import client_tools
from .claude.registry import runtimes
from .claude.runner import Overtaken, ShuttingDown, TurnEnded
from .claude.runtime import PausedTurn
from .errors import SHUTTING_DOWN, TURN_LOST, ApiError, Failure, classify
from .event_filter import EventFilter, hide_internal_tools
from .events import Translation
from .message_builder import MessageBuilder
from .usage import after_turn

log = logging.getLogger("claude_proxy.turns")

# What the engine yields while the CLI is quiet: a wire format sends its keep-alive.
PING = object()

CLIENT_CLOSED = ApiError(499, "client_closed", "The client closed the connection")
ANSWER_WITHDRAWN = ApiError(
    502, "api_error", "The upstream connection broke partway through the answer; retry the request"
)
RESUME_REFUSED = "No conversation found"  # the CLI's words when it has no transcript to resume


@dataclass(frozen=True)
class Outcome:
    """How a request's turn ended, and what it leaves: all that is written after it."""

    kind: TurnOutcome
    error: ApiError | None = None
    stderr: str = ""
    model: str = ""
    claude_session_id: str = ""
    reply: list = ()  # the answer's content blocks, as the client got them
    tool_calls: list = ()  # [{id, name}] of the client's tools the answer called
    paused_on: tuple = ()  # ids of those calls the CLI waits on
    internal_calls: list = ()  # the proxy's own tools Claude ran ({id, name, input})
    tool_results: list = ()  # [{tool_use_id, is_error}] this request brought
    resume_at: str = ""  # the transcript entry holding the calls, for a resume without the process
    usage: dict | None = None
    lineage: str = ""
    queue_wait_ms: int | None = None
    rate_limit: dict | None = None  # the turn's RateLimitEvent (raw): the windows' new state
    usage_window: str = ""  # the subscription window the turn was answered or refused under
    usage_status: str = ""
    login: str = ""  # the Claude login (ClaudeLogin.name) the turn ran on


class ClientTurn:
    def __init__(self, held, process, turn, *, seen_message_ids=(), tool_results=()):
        self.held = held  # conversations.HeldConversation: what the turn holds, and ends
        self.params = params = held.params
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
            structured=params.output_schema,
        )
        self.reply = MessageBuilder()
        self.failure = Failure()
        self.translation = Translation(self.filter, self.failure, lambda: process.stderr)
        self.tool_results = [{"tool_use_id": block.tool_use_id, "is_error": block.is_error} for block in tool_results]
        self.claude_session_id = process.session_id  # a new process says its own once started
        self.outcome = None
        self._kind = self._error = None
        self._items = self._client_items()
        self._first = None

    @property
    def windows(self):
        """The subscription's windows as this turn leaves them (usage.after_turn)."""
        return after_turn(self.held.ask.windows, self.translation.rate_limit, self.held.ask.login)

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

    async def events(self):
        """The client's events (and PING while the CLI is quiet) to the end of the answer.
        On a failure, the events that close what is open, then the ApiError is raised."""
        try:
            if self._first is not None:
                yield self._first
            async for item in self._items:
                yield item
        except ApiError as error:
            self.fail(error)
            for event in self.filter.close():
                yield event
            raise
        finally:
            await self.end()

    def fail(self, error):
        """The answer failed with `error` (an ApiError): that is the turn's outcome."""
        self._kind, self._error = TurnOutcome.FAILED, error

    async def end(self):
        """State the turn's outcome and end it (once): the held conversation keeps, pauses
        or stops the process by it, writes the conversation, frees the slot and the lock.
        No outcome yet: the response was cancelled or dropped unread, the client has gone."""
        if self.outcome is None:
            self.outcome = self._outcome(self._kind or TurnOutcome.CLIENT_GONE)
            paused = None
            if self.outcome.kind == TurnOutcome.AWAITING_TOOL_RESULT:
                calls = [call for call in self.outcome.tool_calls if call["id"] in self.outcome.paused_on]
                paused = PausedTurn(self.turn, calls, self.filter.seen_message_ids)
            # The held conversation has the last word: a turn taken over is TURN_LOST.
            self.outcome = await self.held.end(self.outcome, paused) or self.outcome
        return self.outcome

    def _outcome(self, kind):
        error = {TurnOutcome.FAILED: self._error, TurnOutcome.CLIENT_GONE: CLIENT_CLOSED}.get(kind)
        reply = (self.reply.message and self.reply.result()["content"]) or []
        window = deciding(self.windows)
        return Outcome(
            kind=kind,
            error=error,
            stderr=self.process.stderr if error else "",
            model=self.params.model,
            claude_session_id=self.claude_session_id,
            reply=reply,
            tool_calls=[{"id": block["id"], "name": block["name"]} for block in reply if block["type"] == "tool_use"],
            paused_on=tuple(self.filter.paused_on),
            internal_calls=list(self.translation.internal_calls),
            tool_results=self.tool_results,
            resume_at=self.translation.last_entry,
            usage=self.translation.usage,
            lineage=self.held.lineage.kind,
            queue_wait_ms=self.held.queue_wait_ms,
            rate_limit=self.translation.rate_limit,
            usage_window=window.window if window else "",
            usage_status=window.status if window else "",
            login=self.held.ask.login,
        )

    def shut_down(self):
        """The server is stopping: end the answer with an error the client can read."""
        self.turn.end_now(ShuttingDown)

    def lose(self):
        """Another instance took the turn over: end the answer with an error the client can read."""
        self.turn.end_now(Overtaken)

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
            except Overtaken:
                raise TURN_LOST from None
            except Exception as exc:
                raise (SHUTTING_DOWN if runtimes.closing else self._failed(exc)) from None
            quiet = 0.0
            events = self.translation.read(message)
            if self.translation.session_id:
                self.claude_session_id = self.process.session_id = self.translation.session_id
            if self.translation.withdrawn:
                if self.params.stream:
                    # Part of an answer the CLI gave up already reached the client: never
                    # splice a retry onto it.
                    raise ANSWER_WITHDRAWN
                self.reply.drop(self.translation.withdrawn)
            for event in events:
                self.reply.add(event)
                yield event
            if self.filter.paused_on:
                # The CLI waits in the client's tool handlers: this response is complete.
                self._kind = TurnOutcome.AWAITING_TOOL_RESULT
                return
            if self.filter.finished and self._kind is None:
                self._kind = TurnOutcome.ANSWERED
                if self.filter.stopped_early:
                    self.turn.interrupt()  # a stop sequence, max_tokens or a refusal: the CLI would go on

    def _failed(self, exception):
        self.failure.exception = exception
        self.failure.exit_code = getattr(exception, "exit_code", None)
        self.failure.text = self.failure.text or str(exception)
        self.failure.stderr = self.process.stderr
        return classify(self.failure)
