"""A Claude Code CLI process, owned by one task that requests talk to through a queue.

The SDK client must live inside the task that connected it, and a request's task can
be cancelled at any moment (the client hangs up), so no request touches the client:
it submits a Turn and reads the SDK messages the owner task puts on it.
"""

import asyncio
import logging
import secrets
from collections import deque

import psutil
from claude_agent_sdk import ClaudeSDKClient, HookMatcher

from ..server_state import server

log = logging.getLogger("claude_proxy.runner")

STDERR_LINES = 40
INTERRUPT_GRACE_SECONDS = 5.0
WARM_UP_PROMPT = "claude-max-proxy warm-up"
WARM_UP_REFUSAL = "a warm-up of a spare process, not part of the conversation"

def running_processes():
    return list(server.processes)


async def any_process_ended():
    """Wait until one of the running CLI processes ends."""
    waiter = asyncio.get_running_loop().create_future()
    server.process_end_waiters.append(waiter)
    await waiter


def _ended(process):
    server.processes.discard(process)
    while server.process_end_waiters:
        if not (waiter := server.process_end_waiters.pop()).done():
            waiter.set_result(None)


def kill_orphans():
    """Kill the CLI processes this server started that are still running: without
    their server they would finish a turn paused on a tool call with an error, and
    call the model for nothing."""
    for child in psutil.Process().children():
        if "claude" in " ".join(child.cmdline()):
            child.kill()


class TurnEnded(Exception):
    """The turn's last message has been read."""


class ShuttingDown(Exception):
    """The server is stopping: whoever reads the turn must end its answer now."""


class Overtaken(Exception):
    """Another instance took this turn over: whoever reads it must end its answer now."""


class Turn:
    """One user message sent to a process, and the SDK messages that answer it."""

    def __init__(self, message):
        self.message = message
        self._inbox = asyncio.Queue()
        self.interrupt_requested = asyncio.Event()

    async def next(self, timeout=None):
        """The next SDK message; TurnEnded after the last; the CLI's exception if it failed."""
        async with asyncio.timeout(timeout):  # not wait_for: on 3.11 it makes a task per message
            item = await self._inbox.get()
        if isinstance(item, BaseException):
            raise item
        return item

    def interrupt(self):
        """Ask the owner to stop this turn (the client left, or the answer is already known)."""
        self.interrupt_requested.set()

    def end_now(self, reason=ShuttingDown):
        """Make the reader's next `next()` raise `reason` (ShuttingDown, Overtaken)."""
        self._put(reason())

    def _put(self, item):
        self._inbox.put_nowait(item)


class ClaudeProcess:
    """`warm_up`: before its first turn, the process is sent a prompt that a hook of its
    own refuses, so that the CLI runs the code of a turn once before a client waits on
    it (a spare's first answer comes ~20 ms sooner). No model call is made, and nothing
    of it reaches the model later: the transcript keeps only a "blocked by hook" note."""

    def __init__(self, options, conversation_id=None, tools=None, warm_up=False, key=()):
        self.conversation_id = conversation_id
        self.tools = tools  # the client's tools (client_tools.ToolBridge), or None
        self.key = key  # what it was started with that cannot change in place (launch.process_key)
        self.session_id = ""  # the Claude session, once the CLI has said it
        self.stderr_tail = deque(maxlen=STDERR_LINES)
        options.stderr = self.stderr_tail.append
        self._warm_up_prompt = f"{WARM_UP_PROMPT} {secrets.token_hex(8)}" if warm_up else None
        self.warmed_up = not warm_up  # a warm-up's turn has run (or none was asked for)
        if warm_up:
            hooks = dict(options.hooks or {})
            hooks["UserPromptSubmit"] = [*hooks.get("UserPromptSubmit", []), HookMatcher(hooks=[self._refuse_warm_up])]
            options.hooks = hooks
        self.options = options
        self._inbox = asyncio.Queue()
        self._task = None
        self._playing = None  # the Turn in progress
        self._cli = None  # the CLI's OS process, once connected

    @property
    def alive(self):
        """The owner task runs and so does the CLI: a CLI killed while idle leaves its
        owner waiting for a turn it could never answer."""
        cli_ended = self._cli is not None and self._cli.returncode is not None
        return self._task is not None and not self._task.done() and not cli_ended

    @property
    def pid(self):
        return self._cli.pid if self._cli is not None else None

    def rss(self):
        """The CLI's resident memory in bytes, or None once it has ended."""
        try:
            return psutil.Process(self._cli.pid).memory_info().rss if self._cli is not None else None
        except psutil.Error:
            return None

    @property
    def stderr(self):
        return "\n".join(self.stderr_tail)

    def start(self):
        self._task = asyncio.get_running_loop().create_task(self._own(), name="claude-process")
        server.processes.add(self)
        return self

    def submit(self, message):
        turn = Turn(message)
        self._inbox.put_nowait(turn)
        return turn

    def close(self):
        """End the process once the turn in progress is over."""
        self._inbox.put_nowait(None)

    def stop(self):
        """End the process even if a turn is in progress (one paused on the client's tool
        results never ends by itself): interrupt it, so the CLI calls the model no more."""
        if self._playing is not None:
            self._playing.interrupt()
        self.close()

    async def _own(self):
        turn = None
        try:
            async with ClaudeSDKClient(self.options) as client:
                # The SDK does not expose its child process; without it a dead CLI looks alive.
                self._cli = getattr(getattr(client, "_transport", None), "_process", None)
                log.info("claude process started: pid=%s conversation=%s", self.pid, self.conversation_id)
                if self._warm_up_prompt:
                    await self._warm_up(client)
                while (turn := await self._inbox.get()) is not None:
                    self._playing = turn
                    await self._play(client, turn)
                    self._playing = turn = None
        except (Exception, asyncio.CancelledError) as exc:
            # The CLI died, never started, or was stopped: whoever waits must hear it.
            log.info("claude process ended: %r", exc)
            for waiting in (turn, *self._drain()):
                if waiting is not None:
                    waiting._put(exc)
            if isinstance(exc, asyncio.CancelledError):
                raise
        finally:
            _ended(self)

    def _drain(self):
        while not self._inbox.empty():
            yield self._inbox.get_nowait()

    async def _warm_up(self, client):
        await client.query(self._warm_up_prompt)
        async for _ in client.receive_response():
            pass
        self.warmed_up = True
        log.info("claude process warmed up: pid=%s", self.pid)

    async def _refuse_warm_up(self, hook_input, tool_use_id, context):
        if hook_input.get("prompt") == self._warm_up_prompt:
            return {"decision": "block", "reason": WARM_UP_REFUSAL}
        return {}

    async def _play(self, client, turn):
        async def one_message():
            yield turn.message

        await client.query(one_message())
        watcher = asyncio.create_task(self._interrupt_when_asked(client, turn))
        try:
            async for message in client.receive_response():
                turn._put(message)
        finally:
            watcher.cancel()
        turn._put(TurnEnded())

    async def _interrupt_when_asked(self, client, turn):
        await turn.interrupt_requested.wait()
        try:
            await asyncio.wait_for(client.interrupt(), INTERRUPT_GRACE_SECONDS)
        except Exception as exc:
            # An interrupt the CLI does not answer: end the process instead.
            log.info("interrupt failed (%r); stopping the process", exc)
            self._task.cancel()
