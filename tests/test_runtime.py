"""The middle layer between requests and CLI processes, without a CLI: a conversation's
runtime (which process a turn gets, what is kept after it) and the registry of them all
(turn order, the caps on live processes and memory, the reaper, what the admin sees).

The processes are fakes: the registry only reads `alive`, `pid`, `key`, `session_id`,
`conversation_id`, `_cli`, `rss()` and calls `stop()` / `close()`. Like a real one, a
fake leaves runner's running set one loop step after it was told to end.
"""

import asyncio
import itertools
import threading
import time
from datetime import datetime, timezone

import pytest
from django.test import override_settings

from messages_api import server_state
from messages_api.claude import launch, runner
from messages_api.claude.registry import Runtimes
from messages_api.claude.runtime import PausedTurn
from messages_api.client_turn import Outcome
from messages_api.errors import SHUTTING_DOWN, ApiError
from messages_api.schemas import MessagesRequest
from sessions_admin.logins import DEFAULT as DEFAULT_LOGIN
from sessions_admin.models import TurnOutcome

MB = 2**20
PARAMS = MessagesRequest.model_validate(
    {"model": "claude-sonnet-4-5", "max_tokens": 1024, "messages": [{"role": "user", "content": "Hi"}]}
)
# Another model: a process started for PARAMS cannot answer it.
OTHER_PARAMS = MessagesRequest.model_validate(
    {"model": "claude-opus-4-1", "max_tokens": 1024, "messages": [{"role": "user", "content": "Hi"}]}
)
TOOL_CALLS = [{"id": "toolu_1", "name": "lookup"}]
SINCE = datetime(2025, 1, 2, 3, 4, 5, tzinfo=timezone.utc)


def key(name):
    return ("session", name, "")


def run(coroutine):
    return asyncio.run(asyncio.wait_for(coroutine, 5))


class FakeProcess:
    _pids = itertools.count(1000)

    def __init__(
        self, log, name, *, key=None, session_id="", conversation_id=None, rss_mb=100, cli=True, warmed_up=True
    ):
        self.log = log  # the ("stop" | "close", name) of every fake, in order
        self.name = name
        self.alive = True
        self.pid = next(self._pids)
        self.key = launch.process_key(PARAMS, DEFAULT_LOGIN) if key is None else key
        self.session_id = session_id
        self.conversation_id = conversation_id
        self._cli = object() if cli else None
        self.warmed_up = warmed_up
        self.tools = None
        self.rss_bytes = None if rss_mb is None else int(rss_mb * MB)
        self.calls = []
        self.told_to_end = asyncio.Event()
        self.told_at = None  # time.monotonic() of the first stop() or close()
        server_state.server.processes.add(self)

    def rss(self):
        return self.rss_bytes

    def stop(self):
        self._told("stop")

    def close(self):
        self._told("close")

    def _told(self, how):
        self.calls.append(how)
        self.log.append((how, self.name))
        self.told_at = self.told_at or time.monotonic()
        self.told_to_end.set()
        asyncio.get_running_loop().call_soon(self.finish)

    def finish(self):
        """The process ends (its CLI exited): it leaves the running set."""
        self.alive = False
        runner._ended(self)

    def __repr__(self):
        return f"FakeProcess({self.name!r})"


class Processes:
    """Makes fakes; stands in for launch.new_process, recording how it was called."""

    def __init__(self):
        self.log = []
        self.launched = []  # {conversation_id, **options} of each launch.new_process call

    def new(self, name, **fields):
        return FakeProcess(self.log, name, **fields)

    def new_process(self, params, login, conversation_id=None, **options):
        self.launched.append({"conversation_id": conversation_id, "login": login, **options})
        name = f"launched-{len(self.launched)}"
        return self.new(name, key=launch.process_key(params, login), conversation_id=conversation_id)


@pytest.fixture
def processes(monkeypatch):
    # A server state of the test's own: its fake processes are the only ones running.
    monkeypatch.setattr(server_state.server, "processes", set())
    monkeypatch.setattr(server_state.server, "process_end_waiters", [])
    fakes = Processes()
    monkeypatch.setattr(launch, "new_process", fakes.new_process)
    return fakes


def answered(session_id="session-1"):
    return Outcome(kind=TurnOutcome.ANSWERED, claude_session_id=session_id)


def awaiting(session_id="session-1"):
    return Outcome(kind=TurnOutcome.AWAITING_TOOL_RESULT, claude_session_id=session_id)


def paused_turn():
    return PausedTurn(turn=None, tool_calls=TOOL_CALLS, seen_message_ids=frozenset({"msg_1"}), since=SINCE)


async def keep(runtimes, name, process, *, paused=None, session_id="session-1"):
    """A turn of conversation `name` that ends answered (or paused), keeping `process`."""
    runtime = await runtimes.hold(key(name))
    outcome = awaiting(session_id) if paused else answered(session_id)
    runtime.settle(process, outcome, paused)
    runtimes.release(runtime)
    return runtime


# ConversationRuntime: the process for a turn.


def test_it_starts_a_new_conversation_on_a_warm_spare_and_replaces_the_spare_after_the_turn(processes):
    async def scenario():
        runtimes = Runtimes()
        spare = processes.new("spare")
        runtimes.spares.fill(launch.spare_key(PARAMS, DEFAULT_LOGIN), lambda: spare)

        runtime = await runtimes.hold(key("a"))
        process = await runtime.process_for_start(PARAMS, DEFAULT_LOGIN, "conv-a")

        assert process is spare
        assert spare.conversation_id == "conv-a"
        assert processes.launched == []
        runtime.settle(process, answered())
        runtimes.release(runtime)
        assert processes.launched == [{"conversation_id": None, "login": DEFAULT_LOGIN, "warm_up": True}]
        assert processes.log == []

    run(scenario())


@pytest.mark.parametrize(
    "spare_params, spare_login",
    [
        pytest.param(OTHER_PARAMS, DEFAULT_LOGIN, id="other-options"),
        # A spare runs on one Claude login: another login's conversation cannot take it.
        pytest.param(PARAMS, "work", id="other-login"),
    ],
)
def test_it_starts_a_new_process_when_no_spare_was_started_alike(processes, spare_params, spare_login):
    async def scenario():
        runtimes = Runtimes()
        other_spare = processes.new("other spare")
        runtimes.spares.fill(launch.spare_key(spare_params, spare_login), lambda: other_spare)

        runtime = await runtimes.hold(key("a"))
        process = await runtime.process_for_start(PARAMS, DEFAULT_LOGIN, "conv-a")

        assert process.name == "launched-1"
        assert processes.launched == [{"conversation_id": "conv-a", "login": DEFAULT_LOGIN, "resume": None, "resume_at": None}]
        assert other_spare.conversation_id is None
        assert processes.log == []

    run(scenario())


def test_it_answers_the_next_turn_on_the_live_process_that_holds_the_session(processes):
    async def scenario():
        runtimes = Runtimes()
        live = processes.new("live", conversation_id="conv-a")
        await keep(runtimes, "a", live, session_id="session-1")
        spare = processes.new("spare")
        runtimes.spares.fill(launch.spare_key(PARAMS, DEFAULT_LOGIN), lambda: spare)

        runtime = await runtimes.hold(key("a"))
        process = await runtime.process_for_start(PARAMS, DEFAULT_LOGIN, "conv-a", resume="session-1", resume_at="entry-1")

        assert process is live
        assert runtime.process is None  # taken: the turn owns it now
        assert runtime.refill_spares_for is None  # a resumed conversation takes no spare
        assert spare.conversation_id is None
        assert processes.launched == []
        assert processes.log == []

    run(scenario())


@pytest.mark.parametrize(
    "resume, params, alive, login",
    [
        pytest.param("session-2", PARAMS, True, DEFAULT_LOGIN, id="another-session"),
        pytest.param("session-1", OTHER_PARAMS, True, DEFAULT_LOGIN, id="other-options"),
        pytest.param("session-1", PARAMS, False, DEFAULT_LOGIN, id="dead"),
        # A conversation moved to another Claude login resumes its session there.
        pytest.param("session-1", PARAMS, True, "work", id="another-login"),
    ],
)
def test_it_stops_a_live_process_that_cannot_answer_and_resumes_on_a_new_one(processes, resume, params, alive, login):
    async def scenario():
        runtimes = Runtimes()
        live = processes.new("live", conversation_id="conv-a")
        await keep(runtimes, "a", live, session_id="session-1")
        live.alive = alive

        runtime = await runtimes.hold(key("a"))
        process = await runtime.process_for_start(params, login, "conv-a", resume=resume, resume_at="entry-1")

        assert process.name == "launched-1"
        assert processes.launched == [{"conversation_id": "conv-a", "login": login, "resume": resume, "resume_at": "entry-1"}]
        assert processes.log == [("stop", "live")]
        assert runtime.process is None

    run(scenario())


def test_it_ends_the_paused_turn_when_the_client_starts_afresh_instead_of_answering_it(processes):
    async def scenario():
        runtimes = Runtimes()
        waiting = processes.new("waiting", conversation_id="conv-a")
        await keep(runtimes, "a", waiting, paused=paused_turn(), session_id="session-1")

        runtime = await runtimes.hold(key("a"))
        process = await runtime.process_for_start(PARAMS, DEFAULT_LOGIN, "conv-a", resume="session-1", resume_at="entry-1")

        assert processes.log == [("stop", "waiting")]
        assert process.name == "launched-1"
        assert runtime.paused is None
        assert processes.launched == [{"conversation_id": "conv-a", "login": DEFAULT_LOGIN, "resume": "session-1", "resume_at": "entry-1"}]

    run(scenario())


def test_it_resumes_tool_results_on_the_process_that_waits_for_them(processes):
    async def scenario():
        runtimes = Runtimes()
        waiting = processes.new("waiting", conversation_id="conv-a")
        paused = paused_turn()
        await keep(runtimes, "a", waiting, paused=paused, session_id="session-1")

        runtime = await runtimes.hold(key("a"))
        got = await runtime.process_for_resume(PARAMS, DEFAULT_LOGIN, "conv-a", resume="session-1", resume_at="entry-1")

        assert got == (waiting, paused)
        assert (runtime.process, runtime.paused) == (None, None)
        assert processes.launched == []
        assert processes.log == []

    run(scenario())


@pytest.mark.parametrize("paused", [True, False], ids=["waiting-process-died", "no-paused-turn"])
def test_it_resumes_tool_results_in_a_fork_when_the_waiting_process_is_gone(processes, paused):
    async def scenario():
        runtimes = Runtimes()
        kept = processes.new("kept", conversation_id="conv-a")
        await keep(runtimes, "a", kept, paused=paused_turn() if paused else None, session_id="session-1")
        if paused:
            kept.alive = False

        runtime = await runtimes.hold(key("a"))
        process, got_paused = await runtime.process_for_resume(PARAMS, DEFAULT_LOGIN, "conv-a", resume="session-1", resume_at="entry-1")

        assert got_paused is None
        assert process.name == "launched-1"
        assert processes.launched == [
            {"conversation_id": "conv-a", "login": DEFAULT_LOGIN, "resume": "session-1", "resume_at": "entry-1", "fork": True}
        ]
        assert processes.log == [("stop", "kept")]

    run(scenario())


# ConversationRuntime: settled by the turn's outcome.


def test_it_keeps_an_answered_turns_process_idle_for_the_next_turn(processes):
    async def scenario():
        runtimes = Runtimes()
        runtime = await runtimes.hold(key("a"))
        process = processes.new("p")
        before = time.monotonic()

        runtime.settle(process, answered("session-9"))

        assert (runtime.process, runtime.session_id, runtime.paused) == (process, "session-9", None)
        assert runtime.idle_since >= before
        assert process.calls == []
        assert runtime.idle is False  # held: the turn has not been released yet
        runtimes.release(runtime)
        assert runtime.idle is True
        assert runtimes.running() == {key("a")}

    run(scenario())


def test_it_keeps_a_turn_paused_on_tool_calls_with_its_paused_turn(processes):
    async def scenario():
        runtimes = Runtimes()
        runtime = await runtimes.hold(key("a"))
        process, paused = processes.new("p"), paused_turn()

        runtime.settle(process, awaiting("session-9"), paused)

        assert (runtime.process, runtime.session_id, runtime.paused) == (process, "session-9", paused)
        assert process.calls == []

    run(scenario())


@pytest.mark.parametrize(
    "outcome",
    [
        pytest.param(Outcome(kind=TurnOutcome.FAILED, claude_session_id="session-9"), id="failed"),
        pytest.param(Outcome(kind=TurnOutcome.CLIENT_GONE, claude_session_id="session-9"), id="client-gone"),
        pytest.param(None, id="no-turn"),
    ],
)
def test_it_stops_the_process_of_a_turn_that_did_not_answer(processes, outcome):
    async def scenario():
        runtimes = Runtimes()
        runtime = await runtimes.hold(key("a"))
        process = processes.new("p")

        runtime.settle(process, outcome)

        assert process.calls == ["stop"]
        assert (runtime.process, runtime.session_id) == (None, "")
        runtimes.release(runtime)
        assert runtimes.running() == set()
        assert key("a") not in runtimes._by_key

    run(scenario())


@pytest.mark.parametrize(
    "rss_mb, paused, kept",
    [
        pytest.param(101, False, False, id="over-the-limit"),
        pytest.param(100, False, True, id="at-the-limit"),
        pytest.param(None, False, True, id="memory-unknown"),
        pytest.param(500, True, True, id="paused-not-measured"),
    ],
)
@override_settings(CLAUDE_PROXY_PROCESS_RSS_MB=100)
def test_it_recycles_a_kept_process_grown_past_the_memory_limit(processes, rss_mb, paused, kept):
    async def scenario():
        runtimes = Runtimes()
        runtime = await runtimes.hold(key("a"))
        process = processes.new("p", rss_mb=rss_mb)

        runtime.settle(process, awaiting() if paused else answered(), paused_turn() if paused else None)

        assert process.calls == ([] if kept else ["close"])
        assert runtime.process is (process if kept else None)

    run(scenario())


def test_it_ends_the_live_process_and_its_paused_turn(processes):
    async def scenario():
        runtimes = Runtimes()
        process = processes.new("p")
        runtime = await keep(runtimes, "a", process, paused=paused_turn())

        runtime.end()

        assert process.calls == ["stop"]
        assert (runtime.process, runtime.paused) == (None, None)
        runtime.end()
        assert process.calls == ["stop"]

    run(scenario())


# Runtimes: the turn lock.


def test_it_gives_a_conversation_its_turns_in_arrival_order(processes):
    async def scenario():
        runtimes = Runtimes()
        order = []

        async def turn(name, arrive_after):
            await asyncio.sleep(arrive_after)
            runtime = await runtimes.hold(key("a"))
            order.append(name)
            await asyncio.sleep(0.001)
            runtimes.release(runtime)

        first = await runtimes.hold(key("a"))
        tasks = [asyncio.create_task(turn(name, delay)) for name, delay in [("third", 0.02), ("second", 0.01)]]
        await asyncio.sleep(0.04)
        assert first.users == 3
        assert order == []
        runtimes.release(first)
        await asyncio.gather(*tasks)

        assert order == ["second", "third"]
        assert key("a") not in runtimes._by_key  # no users left and no process kept

    run(scenario())


def test_it_lets_other_conversations_go_on_while_one_is_held(processes):
    async def scenario():
        runtimes = Runtimes()
        held = await runtimes.hold(key("a"))

        other = await asyncio.wait_for(runtimes.hold(key("b")), 0.1)

        assert other is not held
        runtimes.release(other)
        runtimes.release(held)

    run(scenario())


def test_it_forgets_a_waiter_that_gave_up(processes):
    async def scenario():
        runtimes = Runtimes()
        held = await runtimes.hold(key("a"))
        waiter = asyncio.create_task(runtimes.hold(key("a")))
        await asyncio.sleep(0.01)
        assert held.users == 2

        waiter.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiter

        assert held.users == 1
        runtimes.release(held)
        assert key("a") not in runtimes._by_key
        again = await asyncio.wait_for(runtimes.hold(key("a")), 0.1)
        runtimes.release(again)

    run(scenario())


def test_it_keeps_a_conversations_entry_while_it_keeps_a_process(processes):
    async def scenario():
        runtimes = Runtimes()
        runtime = await keep(runtimes, "a", processes.new("p"))

        assert runtimes._by_key == {key("a"): runtime}
        assert await runtimes.hold(key("a")) is runtime

    run(scenario())


def test_it_refuses_new_turns_while_shutting_down(processes):
    async def scenario():
        runtimes = Runtimes()
        runtimes.closing = True
        with pytest.raises(ApiError) as raised:
            await runtimes.hold(key("a"))
        assert raised.value is SHUTTING_DOWN
        assert (raised.value.status, raised.value.error_type) == (503, "overloaded_error")
        assert runtimes._by_key == {}

    run(scenario())


# Runtimes: the caps.


@override_settings(CLAUDE_PROXY_MAX_LIVE=2)
def test_it_keeps_at_most_max_live_idle_processes_closing_the_least_recently_used(processes):
    async def scenario():
        runtimes = Runtimes()
        a, b, c, d = (processes.new(name) for name in "abcd")
        await keep(runtimes, "a", a)
        await keep(runtimes, "b", b)
        assert processes.log == []

        await keep(runtimes, "c", c)
        assert processes.log == [("stop", "a")]

        # A turn of b uses its process again: it is now the most recently used.
        runtime = await runtimes.hold(key("b"))
        runtime.settle(await runtime.process_for_start(PARAMS, DEFAULT_LOGIN, "conv-b", resume="session-1"), answered())
        runtimes.release(runtime)
        await keep(runtimes, "d", d)

        assert processes.log == [("stop", "a"), ("stop", "c")]
        assert runtimes.running() == {key("b"), key("d")}
        assert set(runtimes._by_key) == {key("b"), key("d")}

    run(scenario())


@override_settings(CLAUDE_PROXY_MAX_LIVE=1)
def test_it_does_not_count_paused_turns_or_held_conversations_as_idle(processes):
    async def scenario():
        runtimes = Runtimes()
        waiting, held_process, a, b = (processes.new(name) for name in ("waiting", "held", "a", "b"))
        await keep(runtimes, "waiting", waiting, paused=paused_turn())
        held = await keep(runtimes, "held", held_process)
        await runtimes.hold(key("held"))  # its next turn waits for a slot: not idle
        await keep(runtimes, "a", a)
        assert processes.log == []

        await keep(runtimes, "b", b)

        assert processes.log == [("stop", "a")]
        assert held.process is held_process
        assert runtimes.running() == {key("waiting"), key("held"), key("b")}

    run(scenario())


@override_settings(CLAUDE_PROXY_LIVE_RSS_MB=250)
def test_it_keeps_idle_processes_and_spares_within_the_memory_budget_least_recently_used_first(processes):
    async def scenario():
        runtimes = Runtimes()
        spare = processes.new("spare", rss_mb=100)
        runtimes.spares.fill(launch.spare_key(PARAMS, DEFAULT_LOGIN), lambda: spare)
        waiting, a, b, c = (processes.new(name, rss_mb=mb) for name, mb in [("waiting", 500), ("a", 100), ("b", 100), ("c", 100)])
        await keep(runtimes, "waiting", waiting, paused=paused_turn())  # not idle: not counted
        await keep(runtimes, "a", a)
        assert processes.log == []

        await keep(runtimes, "b", b)  # 300 MB: the spare was asked for first
        assert processes.log == [("close", "spare")]

        await keep(runtimes, "c", c)
        assert processes.log == [("close", "spare"), ("stop", "a")]
        assert runtimes.running() == {key("waiting"), key("b"), key("c")}
        assert runtimes.spares.processes() == []

    run(scenario())


@override_settings(CLAUDE_PROXY_MAX_PROCESSES=2)
def test_it_makes_room_under_the_process_cap_spares_first_then_idle_by_age_paused_last(processes):
    async def scenario():
        runtimes = Runtimes()
        spare = processes.new("spare")
        runtimes.spares.fill(launch.spare_key(PARAMS, DEFAULT_LOGIN), lambda: spare)
        waiting, a, b = (processes.new(name) for name in ("waiting", "a", "b"))
        await keep(runtimes, "waiting", waiting, paused=paused_turn())  # the oldest
        await keep(runtimes, "a", a)
        await keep(runtimes, "b", b)
        await runtimes.hold(key("answering"))
        answering = processes.new("answering", session_id="session-x", conversation_id="conv-x")
        assert len(runner.running_processes()) == 5

        await runtimes.make_room()

        assert processes.log == [("close", "spare"), ("stop", "a"), ("stop", "b"), ("stop", "waiting")]
        assert runner.running_processes() == [answering]
        assert runtimes._by_key.keys() == {key("answering")}

    run(scenario())


@override_settings(CLAUDE_PROXY_MAX_PROCESSES=2)
def test_it_stops_making_room_as_soon_as_a_slot_is_free(processes):
    async def scenario():
        runtimes = Runtimes()
        a, b = processes.new("a"), processes.new("b")
        await keep(runtimes, "a", a)
        await keep(runtimes, "b", b)

        await runtimes.make_room()

        assert processes.log == [("stop", "a")]
        assert runtimes.running() == {key("b")}

    run(scenario())


@override_settings(CLAUDE_PROXY_MAX_PROCESSES=1)
def test_it_waits_for_an_answering_process_to_end_rather_than_stop_it(processes):
    async def scenario():
        runtimes = Runtimes()
        answering = processes.new("answering", session_id="session-x", conversation_id="conv-x")

        making_room = asyncio.create_task(runtimes.make_room())
        await asyncio.sleep(0.02)
        assert not making_room.done()
        answering.finish()
        await asyncio.wait_for(making_room, 1)

        assert processes.log == []

    run(scenario())


@override_settings(CLAUDE_PROXY_MAX_PROCESSES=1)
def test_it_closes_another_conversations_idle_process_to_start_a_new_one(processes):
    async def scenario():
        runtimes = Runtimes()
        await keep(runtimes, "a", processes.new("a"))

        runtime = await runtimes.hold(key("b"))
        process = await runtime.process_for_start(PARAMS, DEFAULT_LOGIN, "conv-b")

        assert processes.log == [("stop", "a")]
        assert process.name == "launched-1"
        assert runner.running_processes() == [process]

    run(scenario())


# Runtimes: the reaper.


@override_settings(CLAUDE_PROXY_LIVE_IDLE_SECONDS=0.05, CLAUDE_PROXY_TOOL_WAIT=60.0)
def test_it_closes_a_process_idle_past_the_limit_but_lets_a_paused_one_wait(processes):
    async def scenario():
        runtimes = Runtimes()
        idle, waiting = processes.new("idle"), processes.new("waiting")
        await keep(runtimes, "waiting", waiting, paused=paused_turn())
        idle_runtime = await keep(runtimes, "idle", idle)

        await asyncio.wait_for(idle.told_to_end.wait(), 2)
        assert idle.told_at - idle_runtime.idle_since >= 0.05
        await asyncio.sleep(0.15)  # three more rounds of the reaper

        assert processes.log == [("stop", "idle")]
        assert runtimes.running() == {key("waiting")}
        assert runtimes._by_key.keys() == {key("waiting")}

    run(scenario())


@override_settings(CLAUDE_PROXY_LIVE_IDLE_SECONDS=60.0, CLAUDE_PROXY_TOOL_WAIT=0.05)
def test_it_closes_a_turn_paused_past_the_tool_wait(processes):
    async def scenario():
        runtimes = Runtimes()
        idle, waiting = processes.new("idle"), processes.new("waiting")
        waiting_runtime = await keep(runtimes, "waiting", waiting, paused=paused_turn())
        await keep(runtimes, "idle", idle)

        await asyncio.wait_for(waiting.told_to_end.wait(), 2)
        assert waiting.told_at - waiting_runtime.idle_since >= 0.05
        await asyncio.sleep(0.15)

        assert processes.log == [("stop", "waiting")]
        assert runtimes.running() == {key("idle")}

    run(scenario())


@override_settings(CLAUDE_PROXY_LIVE_IDLE_SECONDS=60.0, CLAUDE_PROXY_TOOL_WAIT=0.05)
def test_it_reaps_a_kept_process_whose_cli_died_and_stops_when_nothing_is_kept(processes):
    async def scenario():
        runtimes = Runtimes()
        dead = processes.new("dead")
        await keep(runtimes, "a", dead)
        dead.alive = False

        await asyncio.wait_for(dead.told_to_end.wait(), 2)
        await asyncio.wait_for(runtimes._reaper, 1)  # nothing kept: the reaper is done

        assert processes.log == [("stop", "dead")]
        assert runtimes._by_key == {}

    run(scenario())


@override_settings(CLAUDE_PROXY_LIVE_IDLE_SECONDS=0.05, CLAUDE_PROXY_TOOL_WAIT=60.0)
def test_it_closes_the_spares_nobody_asked_for_within_the_idle_limit(processes):
    async def scenario():
        runtimes = Runtimes()
        spare = processes.new("spare")
        runtimes.spares.fill(launch.spare_key(PARAMS, DEFAULT_LOGIN), lambda: spare)
        runtimes.release(await runtimes.hold(key("a")))  # a turn starts the reaper

        await asyncio.wait_for(spare.told_to_end.wait(), 2)

        assert processes.log == [("close", "spare")]
        assert runtimes.spares.processes() == []

    run(scenario())


# Runtimes: what the admin sees and stops.


def test_it_describes_every_process_by_its_state(processes):
    async def scenario():
        runtimes = Runtimes()
        starting = processes.new("starting", conversation_id="conv-s", cli=False, rss_mb=None)
        answering = processes.new("answering", conversation_id="conv-r", session_id="session-r", rss_mb=50.5)
        idle = processes.new("idle", conversation_id="conv-i", session_id="session-i", rss_mb=200)
        waiting = processes.new("waiting", conversation_id="conv-w", session_id="session-w", rss_mb=300)
        spare = processes.new("spare", rss_mb=80, warmed_up=False)
        runtimes.spares.fill(launch.spare_key(PARAMS, DEFAULT_LOGIN), lambda: spare)
        idle_runtime = await keep(runtimes, "idle", idle, session_id="session-i")
        waiting_runtime = await keep(runtimes, "waiting", waiting, paused=paused_turn(), session_id="session-w")
        idle_runtime.idle_since = waiting_runtime.idle_since = time.monotonic() - 7

        described = sorted(runtimes.describe(), key=lambda row: row["pid"])

        def row(process, state, rss_mb, idle_seconds=None, tool_calls=(), waiting_since=None):
            return {
                "pid": process.pid,
                "warmed_up": process.warmed_up,
                "conversation_id": process.conversation_id,
                "claude_session_id": process.session_id,
                "state": state,
                "rss_mb": rss_mb,
                "idle_seconds": idle_seconds,
                "tool_calls": list(tool_calls),
                "waiting_since": waiting_since,
            }

        assert described == [
            row(starting, "starting", None),
            row(answering, "answering", 50.5),
            row(idle, "idle", 200.0, idle_seconds=7),
            row(waiting, "waiting_for_tool_result", 300.0, 7, TOOL_CALLS, "2025-01-02T03:04:05+00:00"),
            row(spare, "spare", 80.0),
        ]

    run(scenario())


def test_it_describes_a_kept_process_whose_next_turn_has_begun_as_answering(processes):
    async def scenario():
        runtimes = Runtimes()
        process = processes.new("p", conversation_id="conv-a", session_id="session-1")
        await keep(runtimes, "a", process)
        await runtimes.hold(key("a"))

        assert [row["state"] for row in runtimes.describe()] == ["answering"]

    run(scenario())


def test_it_stops_a_conversations_process_on_the_admins_word(processes):
    async def scenario():
        runtimes = Runtimes()
        a, b = processes.new("a"), processes.new("b")
        await keep(runtimes, "a", a)
        runtime_b = await keep(runtimes, "b", b)
        runtime_b.conversation = "the row as last written"
        await runtimes.hold(key("b"))  # b's next turn is waiting for its slot

        runtimes.stop(key("a"))
        runtimes.stop(key("b"))
        runtimes.stop(key("unknown"))

        assert processes.log == [("stop", "a"), ("stop", "b")]
        assert runtimes._by_key == {key("b"): runtime_b}  # held: its turn goes on, on a new process
        assert (runtime_b.process, runtime_b.conversation) == (None, None)
        assert runtimes.running() == set()

    run(scenario())


def test_it_stops_processes_asked_from_another_thread(processes):
    async def scenario():
        runtimes = Runtimes()
        runtimes.stop_soon([key("a")])  # no turn has run yet: nothing to stop, no loop known
        a, b = processes.new("a"), processes.new("b")
        await keep(runtimes, "a", a)
        await keep(runtimes, "b", b)
        admin = threading.Thread(target=runtimes.stop_soon, args=([key("a")],))

        admin.start()
        await asyncio.wait_for(a.told_to_end.wait(), 2)
        admin.join()

        assert processes.log == [("stop", "a")]
        assert runtimes.running() == {key("b")}

    run(scenario())
