"""The conversation a request continues: held for one turn, in which a CLI turn is
started, or the paused one whose tool calls the request answers is resumed.

`hold_conversation(ask)` waits for the conversation's turn (its runtime lock: one turn
at a time per conversation), then for a slot, both in arrival order and before any
database work; then it finds or starts the conversation's row and reads how the
request's history relates to what the Claude session holds (lineage). Everything the
turn holds (lock, slot, process) is released by one exit stack, in `end`: the one
place a turn ends, from its outcome alone.
"""

import asyncio
import dataclasses
import functools
import logging
import time
from contextlib import AsyncExitStack
from dataclasses import dataclass, field

from channels.db import database_sync_to_async
from django.conf import settings

from sessions_admin import leases
from sessions_admin import lineage as lineage_rules
from sessions_admin.models import Conversation, TranscriptEntry, TurnOutcome, UsageWindow

from . import instances, usage
from .claude.client_tools import tool_choice_note, with_tool_choice
from .claude.limiter import acquire_slot
from .claude.options import cli_cwd
from .claude.registry import runtimes
from .client_turn import ClientTurn
from .errors import TURN_BUSY_ELSEWHERE, ApiError
from .history import prompt_content, seed_session, split, system_in_place
from .prompt import api_blocks, user_message

log = logging.getLogger("claude_proxy.conversations")

# How often a turn another instance answers is looked at again.
TURN_POLL_SECONDS = 0.1
# How long a paused turn waits for the SDK's background mirror to store the tool calls.
STORED_WAIT_SECONDS, STORED_POLL_SECONDS = 5.0, 0.02


@dataclass
class Ask:
    """One request as the engine takes it, whatever its wire format: the Anthropic
    Messages request (whose shapes are the CLI's own) and the conversation it names."""

    params: object  # schemas.MessagesRequest
    key: tuple  # (key kind, key, scope): sessions_admin.lineage.conversation_key
    extra_usage: bool = True  # whether extra usage may serve it once a plan window is spent
    # The Claude logins it may use, in order (None: every one), the one its x-claude-login
    # header picks, and whether a refused conversation may move on (its API key's say).
    logins: list | None = None
    picked_login: str = ""
    fallback: bool = False
    # Set by usage.read and usage.route before the turn: the windows of those logins, the
    # login the turn runs on, and that login's windows.
    login_windows: list = field(default_factory=list)
    login: str = ""
    windows: list = field(default_factory=list)


def tool_results(waiting_on, new_messages):
    """The tool_result blocks that answer the tool calls (ids) a conversation waits on,
    or None if the new messages do not continue it (then the conversation starts over).
    Every call has its result: schemas refuses a reply that leaves one unanswered."""
    if not waiting_on or len(new_messages) != 1 or new_messages[0].role != "user":
        return None
    return [block for block in new_messages[0].content if block.type == "tool_result"] or None


async def hold_conversation(ask):
    """The conversation's turn, held: its lock, a slot, its row, lease and lineage."""
    waiting_since = time.monotonic()
    resources = AsyncExitStack()
    try:
        runtime = await runtimes.hold(ask.key)
        resources.callback(runtimes.release, runtime)
        held = HeldConversation(ask, runtime, resources)
        await held.take_turn()
        # Waiting counts from the start: for the conversation's previous turn, here or on
        # another instance, then for a slot.
        held.queue_wait_ms = round((time.monotonic() - waiting_since) * 1000)
        held.read_history()
        runtimes.check_open()  # the server began to stop while this request waited
    except BaseException:
        await resources.aclose()
        raise
    return held


async def _held_elsewhere(conversation_id):
    # Its connection given back before and after: a request that waits holds none (on
    # PostgreSQL ten waiting requests would hold ten of the pool's).
    return await database_sync_to_async(leases.held_elsewhere)(conversation_id, instances.name())


class HeldConversation:
    def __init__(self, ask, runtime, resources):
        self.ask, self.params = ask, ask.params
        self.runtime = runtime  # claude.runtime.ConversationRuntime
        self.queue_wait_ms = None
        self.conversation = self.lineage = self.results = None
        self.lease = None  # sessions_admin.leases.Lease, while the turn is this instance's
        self.message_hashes = []
        self.process = None  # the CLI process handed out for this turn
        self.on_turn = None  # called with the ClientTurn once one is opened (the edge's log follows it)
        self._slot = None
        self._outcome = self._paused = None
        self._resources = resources
        self._resources.push_async_callback(self._give_back)
        self._resources.callback(self._settle_process)  # the first to run: before lease, slot and lock
        self._ended = False

    async def take_turn(self):
        """A slot, then the conversation's turn for this instance (its lease). While another
        instance answers the conversation, the request waits for it without its slot (other
        conversations go on), at most CLAUDE_PROXY_REMOTE_TURN_WAIT."""
        deadline = None
        while True:
            self._slot = await acquire_slot()
            # A spent subscription window refuses the request here, before any CLI or row;
            # not earlier: a database read before the slot would let requests overtake each
            # other. Under the lease, the conversation's own login decides.
            await usage.read(self.ask)
            usage.route(self.ask, current=getattr(self.runtime.conversation, "login", ""))
            if await self._take_lease():
                usage.route(self.ask, current=self.conversation.login)
                if (was := self.conversation.login) and self.ask.login != was:
                    log.info("conversation %s moves from login %s to %s", self.conversation.pk, was, self.ask.login)
                return
            self._slot.release()
            if deadline is None:
                deadline = time.monotonic() + settings.CLAUDE_PROXY_REMOTE_TURN_WAIT
                log.info("conversation %s answers on another instance: waiting for its turn", self.conversation.pk)
            while await _held_elsewhere(self.conversation.pk):
                if time.monotonic() > deadline:
                    raise TURN_BUSY_ELSEWHERE
                await asyncio.sleep(TURN_POLL_SECONDS)

    async def _take_lease(self):
        """The row the runtime keeps serves while it is the latest: one UPDATE checks its
        version and takes the lease. Else the row is read again: a newer version means the
        conversation went on on another instance, so the live CLI here is behind and is
        ended (the turn resumes from the database's transcript). False while another
        instance answers it."""
        row = self.runtime.conversation
        while True:
            if row is None:
                kind, key, scope = self.runtime.key
                row = await Conversation.objects.afind_or_start(
                    kind, key, scope, model=self.params.model, workdir=cli_cwd(), title=self._title()
                )
            if lease := await leases.atake(row, instances.name()):
                if lease.taken_from:
                    log.warning("conversation %s: took over the turn of %s", row.pk, lease.taken_from)
                self.runtime.conversation, self.conversation = row, row
                self.lease = self.runtime.lease = lease
                return True
            latest = await Conversation.objects.filter(pk=row.pk).afirst()
            if latest is not None and latest.version != row.version and self.runtime.process is not None:
                log.info("conversation %s went on elsewhere: its CLI here is behind", row.pk)
                self.runtime.end()
            self.runtime.conversation = self.conversation = row = latest
            if latest is not None and await _held_elsewhere(latest.pk):
                return False

    @functools.cached_property
    def _messages(self):
        """The request's messages as plain dicts: what lineage hashes, and titles by."""
        return [message.model_dump() for message in self.params.messages]

    def _title(self):
        return lineage_rules.first_user_text(self._messages)

    def read_history(self):
        messages = self._messages
        self.message_hashes = [lineage_rules.message_hash(message) for message in messages]
        held = [] if self.conversation.is_expired else self.conversation.message_hashes
        waiting_on = [call["id"] for call in self.conversation.pending_tool_calls]
        self.lineage = lineage_rules.trace(
            held, self.conversation.reply_digest, messages, self.message_hashes, waiting_on
        )
        if self.lineage.resumes:
            new_messages = self.params.messages[self.lineage.first_new :]
            self.results = tool_results(waiting_on, new_messages)

    @property
    def resume_id(self):
        """The Claude session to continue, or None for a fresh one."""
        return self.conversation.claude_session_id if self.lineage.resumes else None

    @property
    def answers_paused_turn(self):
        """Whether the request brings the results of the tool calls the conversation waits on."""
        return self.results is not None

    async def start(self):
        """A new CLI turn, read up to its first event: the live process (or a spare, or a
        new one) is sent the messages it lacks; a fresh session with history resumes a
        transcript written from that history."""
        turn = await self._opened(self._new_turn)
        try:
            await turn.begin()
        except ApiError as error:
            if not (self.resume_id and turn.resume_refused):
                turn.fail(error)
                await turn.end()
                raise
            # The CLI has no transcript to resume: start over with the whole history, once.
            log.info("resume of %s refused; starting a fresh session", self.resume_id)
            self.process.close()
            self.process, self.lineage = None, lineage_rules.Lineage("new")
            turn = await self._opened(self._new_turn)
            await self._began(turn)
        return turn

    async def resume(self):
        """The paused CLI turn this request's tool results answer, read up to its first event."""
        turn = await self._opened(self._paused_turn)
        await self._began(turn)
        return turn

    async def end(self, outcome, paused=None):
        """End the turn by its outcome (None: nothing reached the CLI): the conversation
        written, the process kept, paused or stopped, the slot and the lock released."""
        if self._ended:
            return self._outcome
        self._ended = True
        self._outcome, self._paused = outcome, paused
        try:
            if outcome is not None and outcome.kind == TurnOutcome.AWAITING_TOOL_RESULT and outcome.resume_at:
                await self._stored(outcome.claude_session_id, outcome.resume_at)
            if outcome is not None:
                fields = self.conversation.turn_written(
                    outcome, message_hashes=self.message_hashes, lineage=self.lineage.kind,
                    instance=instances.name(), live_until=leases.lease_until(),
                )  # fmt: skip
                try:
                    await leases.acommit(self.lease, self.conversation, fields)
                    self.lease = self.runtime.lease = None
                except leases.TurnLost:
                    # Another instance took the turn over (this one's lease lapsed): its
                    # answer is the one kept, and the CLI here is behind.
                    log.warning("conversation %s: its turn went to another instance; not kept", self.conversation.pk)
                    self._outcome = dataclasses.replace(outcome, kind=TurnOutcome.TURN_LOST)
                    self.lease = self.runtime.lease = self.runtime.conversation = None
                if outcome.rate_limit:
                    await UsageWindow.objects.arecord(self.ask.login, outcome.rate_limit)
        finally:
            await self._resources.aclose()
        return self._outcome

    async def _give_back(self):
        """The lease back, nothing written, when the turn ends before an outcome; the slot."""
        if self.lease is not None:
            lease, self.lease = self.lease, None
            if self.runtime.lease is lease:
                self.runtime.lease = None
            await leases.arelease(lease, self.conversation)
        if self._slot is not None:
            self._slot.release()

    async def _stored(self, session_id, entry):
        """Wait until the database's transcript holds `entry` (the assistant message with
        the tool calls): any instance, or this one after a restart, can then resume there
        with the results, even if this one dies the moment the client has the calls."""
        deadline = time.monotonic() + STORED_WAIT_SECONDS
        while not await TranscriptEntry.objects.aholds(session_id, entry):
            if time.monotonic() > deadline:
                log.warning("the tool calls of %s were not stored in %s s", session_id, STORED_WAIT_SECONDS)
                return
            await asyncio.sleep(STORED_POLL_SECONDS)

    def _settle_process(self):
        if self.process is not None:
            self.runtime.settle(self.process, self._outcome, self._paused)

    async def _opened(self, make_turn):
        try:
            turn = await make_turn()
        except BaseException:
            await self.end(None)
            raise
        self.runtime.client_turn = turn
        if self.on_turn is not None:
            self.on_turn(turn)  # the caller's: a turn's end is its report (ClientTurn.end's Outcome)
        return turn

    async def _began(self, turn):
        try:
            await turn.begin()
        except ApiError as error:
            turn.fail(error)
            await turn.end()
            raise

    async def _new_turn(self):
        params, resume, resume_at = self.params, self.resume_id, None
        messages = system_in_place(params.messages)
        if resume:
            prompt = messages[self.lineage.first_new :]
        else:
            history, prompt = split(messages)
            elsewhere = self.lineage.answered_elsewhere_from
            resume, resume_at = await seed_session(history, params, elsewhere) if history else (None, None)
        self.process = await self.runtime.process_for_start(
            params, self.ask.login, self.conversation.id, resume=resume, resume_at=resume_at
        )
        turn = self.process.submit(user_message(with_tool_choice(prompt_content(prompt), params.tool_choice)))
        return ClientTurn(self, self.process, turn)

    async def _paused_turn(self):
        params, results = self.params, self.results
        reply = params.messages[self.lineage.first_new]
        # The live CLI takes only tool results for its calls: words the client wrote beside
        # them would reach the model inside the last result, as tool output. Such a reply
        # is answered by a CLI resumed at the calls, sent the results and the words as the
        # one user message the API has them in.
        words = any(block.type != "tool_result" for block in reply.content)
        self.process, paused = await self.runtime.process_for_resume(
            params, self.ask.login, self.conversation.id,
            resume=self.resume_id, resume_at=self.conversation.resume_at, live=not words,
        )  # fmt: skip
        if paused is None:
            # A new process resumed at the tool calls is sent the reply.
            turn = self.process.submit(user_message(with_tool_choice(api_blocks(reply), params.tool_choice)))
            return ClientTurn(self, self.process, turn, tool_results=results)
        note = list(filter(None, [tool_choice_note(params.tool_choice)]))
        for block in results:
            # A tool_choice the reply changes reaches the model with the last result.
            self.process.tools.resolve(block, note if block is results[-1] else ())
        return ClientTurn(
            self, self.process, paused.turn, seen_message_ids=paused.seen_message_ids, tool_results=results
        )
