"""CLI processes kept alive between a conversation's turns.

A live process answers the next turn in ~0.05 s; resuming a cold one takes ~0.6 s and
a new one ~1 s (DESIGN.md §1). Processes idle too long, or beyond the cap (least
recently used first), are closed; a cold resume from the transcript then takes over.
"""

import asyncio
import logging
import time
from collections import OrderedDict
from dataclasses import dataclass, field

from django.conf import settings

from .runner import running_processes

log = logging.getLogger("claude_proxy.pool")


@dataclass
class LiveProcess:
    process: object
    session_id: str
    signature: tuple  # what the process was started with that a turn must match
    idle_since: float = field(default_factory=time.monotonic)


class LivePool:
    def __init__(self):
        self._live = OrderedDict()  # conversation id -> LiveProcess
        self._reaper = None
        self._loop = None

    def take(self, conversation_id, session_id, signature):
        """The live process holding `session_id`, started alike, if there is one."""
        live = self._live.pop(conversation_id, None)
        if live is None:
            return None
        if live.session_id == session_id and live.signature == signature and live.process.alive:
            return live.process
        live.process.close()
        return None

    def keep(self, conversation_id, session_id, signature, process):
        self.end(conversation_id)
        self._loop = asyncio.get_running_loop()
        self._live[conversation_id] = LiveProcess(process, session_id, signature)
        while len(self._live) > settings.CLAUDE_PROXY_MAX_LIVE:
            _, oldest = self._live.popitem(last=False)
            oldest.process.close()
        if self._reaper is None or self._reaper.done():
            self._reaper = asyncio.get_running_loop().create_task(self._reap(), name="live-pool-reaper")

    def end(self, conversation_id):
        if (live := self._live.pop(conversation_id, None)) is not None:
            live.process.close()

    def end_soon(self, conversation_ids):
        """End these conversations' processes; callable from any thread (the admin's)."""
        if self._loop is not None:
            for conversation_id in conversation_ids:
                self._loop.call_soon_threadsafe(self.end, conversation_id)

    def describe(self):
        """Every CLI process: answering a turn, or idle here waiting for its conversation."""
        now = time.monotonic()
        idle = {id(live.process): live for live in list(self._live.values())}
        return [
            {
                "conversation_id": process.conversation_id,
                "claude_session_id": process.session_id,
                "state": "idle" if id(process) in idle else "answering",
                "idle_seconds": round(now - idle[id(process)].idle_since) if id(process) in idle else None,
            }
            for process in running_processes()
        ]

    def running(self):
        return {cid for cid, live in list(self._live.items()) if live.process.alive}

    async def _reap(self):
        idle_limit = settings.CLAUDE_PROXY_LIVE_IDLE_SECONDS
        while self._live:
            await asyncio.sleep(min(idle_limit, 30.0))
            now = time.monotonic()
            for conversation_id, live in list(self._live.items()):
                if now - live.idle_since >= idle_limit or not live.process.alive:
                    log.info("closing idle CLI process of conversation %s", conversation_id)
                    self.end(conversation_id)


live_processes = LivePool()
