"""The runtime state of every conversation, under one key: (key kind, key, scope), the
conversation's identity, known from the request alone before any database work, so
turns take their lock and then their slot in arrival order.

A conversation's runtime is its turn lock, the CLI process it keeps alive between
turns, and (with client tools) the CLI turn paused on the client's tool results.
A conversation's runtime hands out the process for its next CLI turn (its live one, a
warm spare or a new one, under the process cap) and settles it by the turn's outcome:
kept for the next turn, paused on the client's tool calls, or stopped. One registry
(registry.Runtimes) owns them all.

A live process answers the next turn in ~0.05 s; resuming a cold one takes ~0.6 s
and a new one ~1 s (DESIGN.md §1).
"""

import asyncio
import logging
import time
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.utils import timezone

from sessions_admin.models import TurnOutcome

from . import launch

log = logging.getLogger("claude_proxy.runtime")


@dataclass
class PausedTurn:
    """A CLI turn waiting in its tool handlers for the client's next request."""

    turn: object  # runner.Turn: the SDK messages of the rest of the turn arrive on it
    tool_calls: list  # [{id, name}] of the calls the client was sent
    seen_message_ids: frozenset  # model turns the client already received
    since: datetime = field(default_factory=timezone.now)


@dataclass
class ConversationRuntime:
    key: tuple  # Conversation.runtime_key
    registry: object  # registry.Runtimes: the limits over every runtime
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    users: int = 0  # holders and waiters of the lock; the entry goes when none are left
    process: object = None  # a live runner.ClaudeProcess between turns
    session_id: str = ""  # the Claude session the live process holds
    paused: PausedTurn | None = None
    client_turn: object = None  # the request answering now (client_turn.ClientTurn), if any
    # The Conversation row as this server last wrote it: the next turn need not read it
    # again (only this server writes it; the admin clears it through `stop_soon`).
    conversation: object = None
    lease: object = None  # sessions_admin.leases.Lease of the turn answering now, if any
    idle_since: float = field(default_factory=time.monotonic)
    # A new conversation may take a warm spare: the request whose like to start after the turn.
    refill_spares_for: object = None

    async def process_for_start(self, params, login, conversation_id, *, resume=None, resume_at=None):
        """The process for a new CLI turn on `login`: the live one when it holds `resume`
        and was started alike; for a new Claude session a warm spare; else a new process."""
        if self.paused is not None:
            self.end()  # the client went another way: the paused CLI turn is of no use
        if resume and (process := self._take_process(resume, launch.process_key(params, login))):
            return process
        self.end()
        if resume is None:
            # A new conversation: it can start on a warm spare, and the next one too.
            self.refill_spares_for = (params, login)
            if process := self.registry.spares.take(launch.spare_key(params, login), conversation_id):
                return process
        await self.registry.make_room()
        return launch.new_process(params, login, conversation_id, resume=resume, resume_at=resume_at)

    async def process_for_resume(self, params, login, conversation_id, *, resume, resume_at, live=True):
        """(process, its paused turn) for the client's tool results. When the process that
        waited is gone (or on another login), or not `live` is asked for: a new one resumed
        at the tool calls (in a fork), and no paused turn."""
        paused, self.paused = self.paused, None
        process = self._take_process(resume, launch.process_key(params, login)) if paused and live else None
        if process is not None:
            return process, paused
        self.end()
        log.info("the CLI turn waiting on tool results of %s is not live; resuming at its tool calls", self.key)
        await self.registry.make_room()
        return launch.new_process(params, login, conversation_id, resume=resume, resume_at=resume_at, fork=True), None

    def _take_process(self, session_id, process_key):
        """The live process, if it holds `session_id` and was started alike; else None."""
        process, self.process = self.process, None
        if process is None:
            return None
        if process.alive and self.session_id == session_id and process.key == process_key:
            return process
        process.stop()
        return None

    def settle(self, process, outcome, paused=None):
        """Keep, pause or stop `process` by the outcome of its turn (client_turn.Outcome;
        None when no turn reached it)."""
        kind = outcome.kind if outcome is not None else TurnOutcome.FAILED
        if kind == TurnOutcome.ANSWERED:
            self._keep(process, outcome.claude_session_id)
        elif kind == TurnOutcome.AWAITING_TOOL_RESULT:
            self._keep(process, outcome.claude_session_id, paused)
        else:
            process.stop()

    def _keep(self, process, session_id, paused=None):
        """Keep `process` for the next turn: idle, or paused on tool results. One that
        grew past CLAUDE_PROXY_PROCESS_RSS_MB is recycled: the next turn resumes on a new one."""
        self.end()
        rss = (process.rss() or 0) if paused is None else 0
        if rss > settings.CLAUDE_PROXY_PROCESS_RSS_MB * 2**20:
            log.info("recycling the CLI process of conversation %s: %s MB", self.key, rss // 2**20)
            process.close()
            return
        self.process, self.session_id, self.paused = process, session_id, paused
        self.idle_since = time.monotonic()

    def end(self):
        """Stop the live process, whatever it is doing (a paused turn ends with it)."""
        process, self.process, self.paused = self.process, None, None
        if process is not None:
            process.stop()

    @property
    def idle(self):
        """Keeps a process that no request holds or waits for."""
        return self.process is not None and self.users == 0
