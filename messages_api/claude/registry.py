"""Every conversation's runtime (runtime.ConversationRuntime) under its key, the warm
spares, and the limits over them all: the process cap, the memory budget, the idle
reaper. The admin and the live page read and stop them only through `describe` and
`stop_soon`; the server's shutdown ends them through `shut_down`.
"""

import asyncio
import logging
import time

from django.conf import settings

from ..errors import SHUTTING_DOWN
from . import launch
from .runner import any_process_ended, running_processes
from .runtime import ConversationRuntime
from .spares import Spares

log = logging.getLogger("claude_proxy.runtime")


class Runtimes:
    def __init__(self):
        self._by_key = {}  # Conversation.runtime_key -> ConversationRuntime
        self._reaper = None
        self._loop = None
        self.closing = False
        self._all_released = None  # set when the last turn is released while closing
        self.spares = Spares()

    def check_open(self):
        if self.closing:
            raise SHUTTING_DOWN

    async def hold(self, key):
        """Wait for the conversation's turn; the caller must `release` it."""
        self.check_open()
        runtime = self._by_key.get(key)
        if runtime is None:
            runtime = self._by_key[key] = ConversationRuntime(key, self)
        runtime.users += 1
        try:
            await runtime.lock.acquire()
        except BaseException:
            self._let_go(runtime)
            raise
        self._loop = asyncio.get_running_loop()
        return runtime

    def release(self, runtime):
        """The conversation's turn is over: the next request for it may go on. A spare
        taken by a new conversation is replaced now: a CLI starting beside the answering
        one would have taken the CPU it needed."""
        runtime.lock.release()
        runtime.client_turn = None
        runtime.idle_since = time.monotonic()
        refill, runtime.refill_spares_for = runtime.refill_spares_for, None
        self._let_go(runtime)
        if self.closing and not any(r.users for r in self._by_key.values()):
            self._all_released.set()
        self._enforce_cap()
        if refill is not None and not self.closing:
            params, login = refill
            self.spares.fill(launch.spare_key(params, login), lambda: launch.new_process(params, login, warm_up=True))
            self._enforce_budget()
        self._start_reaper()

    def _start_reaper(self):
        kept = any(r.process is not None for r in self._by_key.values()) or self.spares.processes()
        if kept and (self._reaper is None or self._reaper.done()):
            self._reaper = asyncio.get_running_loop().create_task(self._reap(), name="runtime-reaper")

    def _let_go(self, runtime):
        runtime.users -= 1
        if runtime.users == 0 and runtime.process is None:
            self._by_key.pop(runtime.key, None)

    def _enforce_cap(self):
        """At most CLAUDE_PROXY_MAX_LIVE idle processes: the least recently used go first.
        A turn paused on tool results is not idle: the client is about to answer it."""
        idle = sorted((r for r in self._by_key.values() if r.idle and r.paused is None), key=lambda r: r.idle_since)
        for runtime in idle[: max(0, len(idle) - settings.CLAUDE_PROXY_MAX_LIVE)]:
            self._end(runtime)
        self._enforce_budget()

    def _enforce_budget(self):
        """Idle processes and spares stay within CLAUDE_PROXY_LIVE_RSS_MB of memory: the
        least recently used go first (a paused turn is not idle: the client will answer)."""
        idle = [(r.idle_since, r) for r in self._by_key.values() if r.idle and r.paused is None]
        kept = sorted([*idle, *self.spares.processes()], key=lambda pair: pair[0])
        sizes = [(owner, (owner.process if isinstance(owner, ConversationRuntime) else owner).rss() or 0) for _, owner in kept]
        total, budget = sum(size for _, size in sizes), settings.CLAUDE_PROXY_LIVE_RSS_MB * 2**20
        for owner, size in sizes:
            if total <= budget:
                break
            log.info("over the memory budget (%s MB): closing %s", total // 2**20, getattr(owner, "key", "a warm spare"))
            if isinstance(owner, ConversationRuntime):
                self._end(owner)
            else:
                self.spares.close(owner)
            total -= size

    async def make_room(self):
        """Before a CLI process starts: at most CLAUDE_PROXY_MAX_PROCESSES run at once.
        Spares give way first, then kept processes, the least recently used first,
        paused turns last."""
        while len(running_processes()) >= settings.CLAUDE_PROXY_MAX_PROCESSES:
            kept = sorted((r for r in self._by_key.values() if r.idle), key=lambda r: (r.paused is not None, r.idle_since))
            if spares := self.spares.processes():
                self.spares.close(spares[0][1])
            elif kept:
                self._end(kept[0])
            # Answering ones are fewer than the slots, so some are closing: wait for one.
            await any_process_ended()

    def _end(self, runtime):
        runtime.end()
        runtime.conversation = None
        if runtime.users == 0:
            self._by_key.pop(runtime.key, None)

    def stop(self, key):
        if (runtime := self._by_key.get(key)) is not None:
            self._end(runtime)

    def stop_soon(self, keys):
        """Stop these conversations' processes; callable from any thread (the admin's)."""
        if self._loop is not None:
            for key in keys:
                self._loop.call_soon_threadsafe(self.stop, key)

    def held_conversations(self):
        """(the leases of the turns answering here now, ids of the conversations whose CLI
        is kept here, live or paused): what this instance's heartbeat renews."""
        runtimes = list(self._by_key.values())
        leases = [r.lease for r in runtimes if r.lease is not None]
        return leases, {r.conversation.pk for r in runtimes if r.conversation is not None and r.process is not None}

    def lose(self, lease):
        """Another instance took this turn over: its answer here ends now (TURN_LOST)."""
        for runtime in list(self._by_key.values()):
            if runtime.lease == lease and runtime.client_turn is not None:
                runtime.client_turn.lose()

    def running(self):
        """Keys of the conversations that keep a live CLI process."""
        return {key for key, runtime in list(self._by_key.items()) if runtime.process is not None and runtime.process.alive}

    def describe(self):
        """Every CLI process from its start: starting (the CLI has not said its session
        yet), answering a turn, idle, waiting for the client's tool results, or a spare
        started ahead for no conversation yet; and its memory."""
        now = time.monotonic()
        kept = {id(r.process): r for r in list(self._by_key.values()) if r.idle}
        described = []
        for process in running_processes():
            runtime = kept.get(id(process))
            state = "answering" if process.session_id and process._cli is not None else "starting"
            if process.conversation_id is None and process._cli is not None:
                state = "spare"
            if runtime is not None:
                state = "waiting_for_tool_result" if runtime.paused else "idle"
            rss = process.rss()
            described.append(
                {
                    "pid": process.pid,
                    "warmed_up": process.warmed_up,
                    "conversation_id": process.conversation_id,
                    "claude_session_id": process.session_id,
                    "state": state,
                    "rss_mb": None if rss is None else round(rss / 2**20, 1),
                    "idle_seconds": round(now - runtime.idle_since) if runtime else None,
                    "tool_calls": runtime.paused.tool_calls if runtime and runtime.paused else [],
                    "waiting_since": runtime.paused.since.isoformat() if runtime and runtime.paused else None,
                }
            )
        return described

    async def shut_down(self, seconds):
        """End every answer in progress with an error, wait (at most `seconds`) for the
        turns to be released, so their logs are written, then end every CLI process."""
        self.closing = True
        self._all_released = asyncio.Event()
        for runtime in list(self._by_key.values()):
            if runtime.client_turn is not None:
                runtime.client_turn.shut_down()
        deadline = time.monotonic() + seconds
        if any(runtime.users for runtime in self._by_key.values()):
            try:
                await asyncio.wait_for(self._all_released.wait(), max(0.0, deadline - time.monotonic()))
            except TimeoutError:
                log.warning("turns still running at shutdown: ending their CLI processes")
        for runtime in list(self._by_key.values()):
            runtime.end()
        self.spares.close_all()
        for process in running_processes():
            process.stop()
        while running_processes() and time.monotonic() < deadline:
            await asyncio.sleep(0.05)

    async def _reap(self):
        idle_limit, tool_wait = settings.CLAUDE_PROXY_LIVE_IDLE_SECONDS, settings.CLAUDE_PROXY_TOOL_WAIT
        while any(r.process is not None for r in self._by_key.values()) or self.spares.processes():
            await asyncio.sleep(min(idle_limit, tool_wait, 30.0))
            now = time.monotonic()
            self.spares.close_unasked(now - idle_limit)
            for runtime in list(self._by_key.values()):
                if not runtime.idle:
                    continue
                limit = tool_wait if runtime.paused else idle_limit
                if now - runtime.idle_since >= limit or not runtime.process.alive:
                    log.info("closing the idle CLI process of conversation %s", runtime.key)
                    self._end(runtime)


runtimes = Runtimes()
