"""FIFO concurrency slots: at most CLAUDE_PROXY_MAX_CONCURRENT turns run at once."""

import asyncio

from django.conf import settings

from ..server_state import server


def _semaphore():
    # One per event loop: daphne runs one; tests may start others.
    loop = asyncio.get_running_loop()
    if loop not in server.slots:
        server.slots[loop] = asyncio.Semaphore(settings.CLAUDE_PROXY_MAX_CONCURRENT)
    return server.slots[loop]


class Slot:
    def __init__(self):
        self._released = False

    def release(self):
        if not self._released:
            self._released = True
            _semaphore().release()


async def acquire_slot():
    """Wait, in arrival order, for a free slot."""
    await _semaphore().acquire()
    return Slot()
