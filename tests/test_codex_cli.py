"""Codex CLI itself (npm @openai/codex 0.169.0) against the proxy's /v1/responses, the
fake upstream scripting Claude: Codex runs the tool Claude calls, its output reaches
Claude as the tool_result of the same id in one upstream call, and Codex prints the
answer (the way to run it offline: tests/fixtures/codex-0.169.0/README.md)."""

import os
import subprocess
import time

import pytest
from django.utils import timezone

from sessions_admin.lineage import message_hash
from sessions_admin.models import Conversation, RequestLog
from tests.helpers import CODEX_VERSION, codex_binary
from tests.upstream import replies


@pytest.fixture
def codex(request, tmp_path):
    binary = codex_binary()
    if binary is None:
        pytest.skip(f"Codex CLI is not installed: npm install --no-save @openai/codex@{CODEX_VERSION} (bash .ci/run does)")
    proxy = request.getfixturevalue("proxy")  # only once there is a Codex to run against it
    home, codex_home, work = tmp_path / "home", tmp_path / "codex-home", tmp_path / "work"
    for folder in (home, codex_home, work):
        folder.mkdir()
    (codex_home / "config.toml").write_text(
        'model = "gpt-5"\n'
        'model_provider = "proxy"\n'
        "[model_providers.proxy]\n"
        'name = "proxy"\n'
        f'base_url = "{proxy.url}/v1"\n'
        'wire_api = "responses"\n'
        'env_key = "PROXY_KEY"\n'
    )
    env = {"PATH": os.environ["PATH"], "HOME": str(home), "CODEX_HOME": str(codex_home), "PROXY_KEY": "dummy"}

    def run(prompt, *resume):
        return subprocess.run(
            [binary, "exec", "--skip-git-repo-check", "-s", "danger-full-access", *resume, prompt],
            cwd=work, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120,
        )  # fmt: skip

    run.work = work
    return run


def _codex_rows(since, count, timeout=10):
    """The log rows of Codex's requests since `since`, by lineage; a stream's row is
    written as it closes, which may be just after Codex has exited."""
    deadline = time.monotonic() + timeout
    while True:
        rows = list(RequestLog.objects.filter(created__gte=since, endpoint="/v1/responses"))
        if len(rows) >= count or time.monotonic() > deadline:
            return {row.lineage: row for row in rows}
        time.sleep(0.05)


def _row(rows, lineage):
    """The log row of Codex's request of this lineage. Codex hangs up as it reads
    response.completed, which cancels the row's save: the middleware shields it."""
    assert lineage in rows, f"the log row of Codex's {lineage} request is missing: {sorted(rows)}"
    return rows[lineage]


def test_it_runs_codexs_exec_command_and_gives_claude_the_output_in_one_call(codex, upstream):
    command = "echo codex-marker > marker.txt && cat marker.txt"
    upstream.enqueue(
        replies.tool_use("mcp__client__exec_command", {"cmd": command}, tool_id="toolu_codex1", preamble="Writing it."),
        replies.text("The marker file says codex-marker."),
    )
    since = timezone.now()

    ran = codex("write the marker file")

    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.strip() == "The marker file says codex-marker."
    assert (codex.work / "marker.txt").read_text() == "codex-marker\n"
    calls = upstream.message_requests()
    assert len(calls) == 2  # Codex's output resolved the call the live CLI waited on
    [(tool_use_id, output, is_error)] = calls[1].tool_results()
    assert (tool_use_id, is_error) == ("toolu_codex1", False)
    assert "Process exited with code 0" in output and output.endswith("Output:\ncodex-marker\n")
    assert "write the marker file" in calls[0].user_texts()
    assert "You are a coding agent running in the Codex CLI" in calls[0].system_text()
    rows = _codex_rows(since, 2)
    continued = _row(rows, "continuation")
    assert (continued.status, continued.stream, continued.client) == (200, True, f"codex_exec/{CODEX_VERSION}")
    assert continued.tool_results == [{"tool_use_id": "toolu_codex1", "is_error": False}]
    first = _row(rows, "new")
    assert (first.status, first.stream, first.client) == (200, True, f"codex_exec/{CODEX_VERSION}")
    assert first.tool_calls == [{"id": "toolu_codex1", "name": "exec_command"}]


def test_it_gives_codex_a_namespaced_call_it_runs_as_its_own(codex, upstream):
    # Named back as namespace + name, the call reaches Codex's own multi-agent tool
    # (which refuses the made-up agent id); a name Codex did not know would be
    # answered "unsupported call".
    upstream.enqueue(
        replies.tool_use("mcp__client__multi_agent_v1__close_agent", {"target": "nope"}, tool_id="toolu_ns1"),
        replies.text("No such agent."),
    )

    ran = codex("close agent nope")

    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.strip() == "No such agent."
    calls = upstream.message_requests()
    assert len(calls) == 2
    [(tool_use_id, output, _)] = calls[1].tool_results()
    assert tool_use_id == "toolu_ns1"
    assert output.startswith("invalid agent id nope")


def test_it_continues_codexs_resumed_session_on_the_same_claude_session(codex, upstream):
    upstream.enqueue(replies.text("first answer"), replies.text("second answer"))
    since = timezone.now()

    first = codex("FIRST-PROMPT")
    second = codex("SECOND-PROMPT", "resume", "--last")

    assert (first.returncode, second.returncode) == (0, 0), second.stderr
    assert (first.stdout.strip(), second.stdout.strip()) == ("first answer", "second answer")
    calls = upstream.message_requests()
    assert len(calls) == 2
    history = calls[1].history()
    assert [role for role, _ in history] == ["user", "assistant", "user"]
    assert history[0][1].endswith("FIRST-PROMPT") and history[1:] == [("assistant", "first answer"), ("user", "SECOND-PROMPT")]
    # Codex sent the answer back as it got it: the conversation went on, not started over.
    rows = _codex_rows(since, 2)
    assert _row(rows, "continuation").claude_session_id == calls[0].headers.get("X-Claude-Code-Session-Id")


def test_it_gives_codex_claudes_thinking_and_goes_on_with_what_codex_sends_back(codex, upstream):
    upstream.enqueue(
        replies.thinking_then_tool_use("Run it first.", "mcp__client__exec_command", {"cmd": "echo thought"}, tool_id="toolu_think1"),
        replies.text("It printed thought."),
    )
    since = timezone.now()

    ran = codex("think, then run it")

    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.strip() == "It printed thought."
    calls = upstream.message_requests()
    assert len(calls) == 2  # the reasoning item Codex sent back with its output kept the live CLI's turn
    assert calls[0].body["thinking"] == {"type": "adaptive", "display": "summarized"}  # Codex asks for reasoning
    assert calls[1].tool_results()[0][0] == "toolu_think1"
    continued = _row(_codex_rows(since, 2), "continuation")
    # Codex's history, as translated, holds Claude's thinking where Claude gave it.
    held = Conversation.objects.get(claude_session_id=continued.claude_session_id).message_hashes
    call = {"type": "tool_use", "id": "toolu_think1", "name": "exec_command", "input": {"cmd": "echo thought"}}
    assert message_hash({"role": "assistant", "content": [{"type": "thinking", "thinking": "Run it first."}, call]}) in held
