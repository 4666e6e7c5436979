"""What the server keeps for as long as it runs, in one object (after uvicorn's
ServerState): the CLI processes running, the FIFO slots, the live page's feed, the
cached `claude auth status`. The conversations, the warm spares and whether the server
is shutting down are the registry's (claude/registry.py, `runtimes`), the other object.

No other module keeps mutable state at module level: tests/test_process_state.py lists
what does, and docs/architecture.md says why each is there.
"""

import asyncio
from dataclasses import dataclass, field


@dataclass
class LiveFeed:
    """The live page's feed (activity.py): requests in flight, and who watches."""

    in_flight: dict = field(default_factory=dict)  # request id -> the latest event about it
    ticker: asyncio.Task | None = None
    # Live pages open on this server, and until when one open on another instance (over
    # Redis) last said it watches (time.monotonic()).
    watchers: int = 0
    watched_elsewhere_until: float = 0.0


@dataclass
class ServerState:
    processes: set = field(default_factory=set)  # every CLI process started and not yet ended
    process_end_waiters: list = field(default_factory=list)  # futures waiting for one of them to end
    slots: dict = field(default_factory=dict)  # event loop -> its FIFO semaphore (limiter.py)
    feed: LiveFeed = field(default_factory=LiveFeed)
    auth_status: dict | None = None  # `claude auth status` as last asked (health.py)
    auth_status_at: float | None = None  # when, time.monotonic()


server = ServerState()
