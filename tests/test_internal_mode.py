"""Internal mode: Claude works in the proxy's work directory with the proxy's own tools;
the client sees the answer, the model sees the tools' results, paths stay inside."""

import os
import shutil
import time

import httpx
import psutil
import pytest

from sessions_admin.admin import _transcript_lines
from tests.helpers import logged, message_body
from tests.upstream import replies


@pytest.fixture
def workdir(tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    return work


@pytest.fixture
def internal(start_proxy, workdir):
    return start_proxy(CLAUDE_PROXY_MODE="internal", CLAUDE_PROXY_WORKDIR=str(workdir), CLAUDE_PROXY_BASH_TIMEOUT="2")


def _calls(*steps):
    return [replies.tool_use(f"mcp__opencode__{name}", tool_input, tool_id=f"toolu_int{number}") for number, (name, tool_input) in enumerate(steps)]


def _ask(proxy, text="Do it."):
    return httpx.post(f"{proxy.url}/v1/messages", json=message_body(text, stream=False), timeout=60)


def _results(upstream):
    """(tool_use_id, text, is_error) of every tool result the model received, in order."""
    return [result for request in upstream.message_requests()[1:] for result in request.tool_results()]


def test_it_reads_a_file_for_the_model_and_answers_the_client_with_text(internal, upstream, workdir):
    (workdir / "notes.txt").write_text("The launch code is 7-4-1.\n")
    upstream.enqueue(*_calls(("read", {"path": "notes.txt"})), replies.text("The code is 7-4-1."))

    response = _ask(internal)

    content = response.json()["content"]
    assert {block["type"] for block in content} == {"text"}
    assert content[-1]["text"] == "The code is 7-4-1."
    assert _results(upstream) == [("toolu_int0", "The launch code is 7-4-1.\n", False)]
    row = logged(response.headers["x-request-id"])
    assert row.tool_calls == [{"id": "toolu_int0", "name": "read", "input": {"path": "notes.txt"}, "internal": True}]
    transcript = list(_transcript_lines(response.headers["x-claude-session-id"]))
    assert ("assistant", '[tool mcp__opencode__read: {"path": "notes.txt"}]') in transcript


def test_it_writes_then_reads_back(internal, upstream, workdir):
    upstream.enqueue(
        *_calls(("write", {"path": "out/new.txt", "content": "hello\n"}), ("read", {"path": "out/new.txt"})),
        replies.text("Written and read."),
    )

    _ask(internal)

    assert (workdir / "out" / "new.txt").read_text() == "hello\n"
    assert _results(upstream)[1] == ("toolu_int1", "hello\n", False)


def test_it_edits_exactly_one_occurrence_or_refuses(internal, upstream, workdir):
    (workdir / "words.txt").write_text("alpha beta alpha\n")
    upstream.enqueue(
        *_calls(
            ("edit", {"path": "words.txt", "old_string": "beta", "new_string": "gamma"}),
            ("edit", {"path": "words.txt", "old_string": "alpha", "new_string": "delta"}),
        ),
        replies.text("Edited."),
    )

    _ask(internal)

    assert (workdir / "words.txt").read_text() == "alpha gamma alpha\n"
    assert _results(upstream) == [
        ("toolu_int0", "Edited words.txt", False),
        ("toolu_int1", "words.txt: old_string found 2 times; give more context to make it unique", True),
    ]


def test_it_gives_the_model_the_output_and_exit_code_of_bash(internal, upstream, workdir):
    upstream.enqueue(*_calls(("bash", {"command": "pwd; echo to-stderr >&2; exit 3"})), replies.text("Ran."))

    _ask(internal)

    [(_, text, is_error)] = _results(upstream)
    assert text == f"{workdir}\nto-stderr\n\n[exit code 3]"
    assert is_error is True


def test_it_kills_a_bash_command_that_runs_past_the_timeout(internal, upstream, workdir):
    upstream.enqueue(*_calls(("bash", {"command": "sleep 60 & echo $! > child.pid; sleep 60"})), replies.text("Gave up."))
    started = time.monotonic()

    _ask(internal)

    assert time.monotonic() - started < 30
    [(_, text, is_error)] = _results(upstream)
    assert (text, is_error) == ("Timed out after 2 s; the command and its children were killed", True)
    child = int((workdir / "child.pid").read_text())
    assert not psutil.pid_exists(child) or psutil.Process(child).status() == psutil.STATUS_ZOMBIE


def test_it_refuses_paths_outside_the_work_directory(internal, upstream, workdir, tmp_path):
    (tmp_path / "secret.txt").write_text("outside\n")
    os.symlink(tmp_path / "secret.txt", workdir / "link")
    upstream.enqueue(
        *_calls(("read", {"path": "../secret.txt"}), ("read", {"path": "/etc/passwd"}), ("read", {"path": "link"})),
        replies.text("Refused thrice."),
    )

    _ask(internal)

    assert _results(upstream) == [
        ("toolu_int0", "Refused: ../secret.txt: outside the work directory", True),
        ("toolu_int1", "Refused: /etc/passwd: outside the work directory", True),
        ("toolu_int2", "Refused: link: outside the work directory", True),
    ]


def test_it_offers_the_model_its_own_tools_and_not_the_clients(internal, upstream):
    body = message_body("Hi", stream=False, tools=[{"name": "client_tool", "input_schema": {"type": "object"}}])

    httpx.post(f"{internal.url}/v1/messages", json=body, timeout=60)

    [sent] = upstream.message_requests()
    names = [tool["name"] for tool in sent.body["tools"]]
    assert sorted(names) == [f"mcp__opencode__{name}" for name in ("bash", "edit", "glob", "grep", "read", "write")]


def test_it_offers_only_the_tools_it_is_told_to(start_proxy, upstream, workdir):
    proxy = start_proxy(CLAUDE_PROXY_PASSTHROUGH="0", CLAUDE_PROXY_WORKDIR=str(workdir), CLAUDE_PROXY_INTERNAL_TOOLS="read,grep")

    _ask(proxy)

    [sent] = upstream.message_requests()
    assert sorted(tool["name"] for tool in sent.body["tools"]) == ["mcp__opencode__grep", "mcp__opencode__read"]


def test_it_finds_files_and_lines(internal, upstream, workdir):
    (workdir / "src").mkdir()
    (workdir / "src" / "a.py").write_text("import os\nTODO = 1\n")
    (workdir / "src" / "b.txt").write_text("nothing\n")
    upstream.enqueue(*_calls(("glob", {"pattern": "**/*.py"}), ("grep", {"pattern": "TODO"})), replies.text("Found."))

    _ask(internal)

    found, matched = _results(upstream)
    assert found[1] == "src/a.py"
    assert matched[1] == "./src/a.py:2:TODO = 1"


@pytest.mark.parametrize("ripgrep", [True, False], ids=["ripgrep", "python"])
def test_it_finds_the_same_with_or_without_ripgrep(workdir, monkeypatch, ripgrep):
    import asyncio

    from messages_api.claude.internal_tools import WorkdirTools

    if ripgrep and not shutil.which("rg") and not os.environ.get("CI"):
        pytest.skip("ripgrep is not installed (.ci/run installs it)")
    if not ripgrep:
        monkeypatch.setenv("PATH", "/nonexistent")
    (workdir / "src").mkdir()
    (workdir / "src" / "a.py").write_text("import os\nTODO = 1\n")
    (workdir / "notes.md").write_text("TODO later\n")
    tools = WorkdirTools(str(workdir), dict(os.environ))

    found = asyncio.run(tools.glob({"pattern": "**/*.py"}))
    matched = asyncio.run(tools.grep({"pattern": "TODO"}))

    assert found["content"][0]["text"] == "src/a.py"
    assert matched["content"][0]["text"] == "./notes.md:1:TODO later\n./src/a.py:2:TODO = 1"
