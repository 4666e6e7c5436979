"""Warm spares: CLI processes started ahead, so a new conversation starts on a ready one.

A CLI takes ~0.3-1 s to start; a spare has done that already. A spare fits a request
only when it was started with the same options that cannot change in place (model,
system prompt, tools, thinking, ...): spares are kept by that key, CLAUDE_PROXY_WARM_SPARES
for each key asked for recently, and a used one is replaced at once. Keys nobody has
asked for within CLAUDE_PROXY_LIVE_IDLE_SECONDS lose their spares. Owned by
runtime.Runtimes, which also counts them against the process cap and the memory budget.
"""

import logging
import time

from django.conf import settings

from .runner import running_processes

log = logging.getLogger("claude_proxy.spares")


class Spares:
    def __init__(self):
        self._by_key = {}  # spare key -> [ClaudeProcess]
        self._asked = {}  # spare key -> when a new conversation last asked for it

    def take(self, key, conversation_id):
        """A ready process started with `key`, now the conversation's; or None."""
        self._asked[key] = time.monotonic()
        spares = self._by_key.get(key, [])
        while spares:
            process = spares.pop(0)
            if process.alive:
                process.conversation_id = conversation_id
                log.info("conversation %s starts on warm spare pid=%s", conversation_id, process.pid)
                return process
        return None

    def fill(self, key, start):
        """Start spares for `key` (with `start()`) up to CLAUDE_PROXY_WARM_SPARES, while
        the process cap leaves room: a spare never pushes out a conversation's process."""
        self._asked[key] = time.monotonic()
        spares = self._by_key.setdefault(key, [])
        spares[:] = [process for process in spares if process.alive]
        while len(spares) < settings.CLAUDE_PROXY_WARM_SPARES and len(running_processes()) < settings.CLAUDE_PROXY_MAX_PROCESSES:
            spares.append(start())

    def processes(self):
        """(when asked for, process) of every spare, the least recently asked first."""
        spares = [(self._asked.get(key, 0.0), process) for key, processes in self._by_key.items() for process in processes]
        return sorted(spares, key=lambda spare: spare[0])

    def close(self, process):
        for spares in self._by_key.values():
            if process in spares:
                spares.remove(process)
                process.close()

    def close_unasked(self, since):
        """Close the spares of keys nobody asked for since `since` (monotonic)."""
        for key in [key for key, asked in self._asked.items() if asked < since]:
            for process in self._by_key.pop(key, []):
                log.info("closing a warm spare nobody asked for: pid=%s", process.pid)
                process.close()
            del self._asked[key]

    def close_all(self):
        self.close_unasked(float("inf"))
