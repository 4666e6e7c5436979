"""The options each CLI process starts with: model alias, environment, tools and limits."""

import os
from pathlib import Path

import pytest
from django.conf import settings
from django.test import override_settings

from messages_api.claude.client_tools import ToolBridge
from messages_api.claude import tether
from messages_api.claude.options import ISOLATION_VARIABLES, build_options, cli_env, cli_model, cli_path
from messages_api.schemas import MessagesRequest

CORE_TOOLS = [
    "Read", "Write", "Edit", "MultiEdit", "Bash", "Glob", "Grep", "NotebookEdit",
    "WebFetch", "WebSearch", "TodoWrite",
]  # fmt: skip
# Claude Code's own features, with no meaning for an API client: plan mode, questions to
# a person at a terminal, its subagents and skills, cron jobs, worktrees, tool search.
CLI_FEATURES = [
    "EnterPlanMode", "ExitPlanMode", "AskUserQuestion", "Agent", "Task", "TaskOutput", "TaskStop",
    "Skill", "CronCreate", "CronDelete", "CronList", "EnterWorktree", "ExitWorktree", "ToolSearch",
]  # fmt: skip


def request(**fields):
    body = {"model": "claude-sonnet-4-5", "messages": [{"role": "user", "content": "Hi"}], **fields}
    return MessagesRequest.model_validate(body)


def ignore_stderr(line):
    pass


@pytest.mark.parametrize(
    ("requested", "alias"),
    [
        ("claude-opus-4-1-20250805", "opus"),
        ("claude-3-opus-latest", "opus"),
        ("Claude-OPUS-4", "opus"),
        ("claude-haiku-4-5", "haiku"),
        ("claude-3-5-HAIKU-20241022", "haiku"),
        ("claude-sonnet-4-5", "sonnet"),
        ("claude-sonnet-5-5", "sonnet"),
        ("gpt-4o", "sonnet"),
        ("anything", "sonnet"),
    ],
)
def test_it_maps_the_requested_model_to_a_cli_alias(requested, alias):
    assert cli_model(requested) == alias


def test_it_switches_off_tool_search_and_agent_teams_in_the_cli_env():
    env = cli_env()

    assert env["ENABLE_TOOL_SEARCH"] == "false"
    assert env["CLAUDE_CODE_EXPERIMENTAL_AGENT_TEAMS"] == ""
    assert env["CLAUDE_CODE_MAX_RETRIES"] == str(settings.CLAUDE_PROXY_UPSTREAM_RETRIES)


@override_settings(CLAUDE_PROXY_UPSTREAM_RETRIES=5, CLAUDE_PROXY_TOOL_WAIT=900.0)
def test_it_passes_the_upstream_retries_and_the_tool_wait_to_the_cli():
    env = cli_env()

    assert (env["CLAUDE_CODE_MAX_RETRIES"], env["MCP_TOOL_TIMEOUT"]) == ("5", "960000")


def test_it_blanks_the_proxys_own_variables_for_the_cli(monkeypatch):
    for name in ("CLAUDE_PROXY_API_KEY", "CLAUDE_PROXY_ADMIN_PASSWORD", "DATABASE_URL", "DJANGO_SECRET_KEY", "REDIS_URL"):
        monkeypatch.setenv(name, "secret")
    monkeypatch.setenv("ANTHROPIC_BASE_URL", "http://upstream")

    env = cli_env()

    blanked = {name for name, value in env.items() if value == ""}
    assert {"CLAUDE_PROXY_API_KEY", "CLAUDE_PROXY_ADMIN_PASSWORD", "DATABASE_URL", "DJANGO_SECRET_KEY", "REDIS_URL"} <= blanked
    assert "ANTHROPIC_BASE_URL" not in env


def test_it_builds_options_with_no_tools_and_no_permission_bypass():
    options = build_options(request(), stderr=ignore_stderr)

    assert options.model == "sonnet"
    assert options.permission_mode == "default"
    assert options.allowed_tools == []
    assert options.mcp_servers == {}
    assert options.tools == []
    assert options.plugins == []
    assert options.include_partial_messages is True
    assert options.cwd == "/"  # the client's tools act on its machine: no path of this one
    assert options.setting_sources == []
    assert options.strict_mcp_config is True
    assert options.env == {**cli_env(), "TETHERED_CLI": str(cli_path())}
    assert options.stderr is ignore_stderr
    assert options.max_buffer_size > 1024 * 1024


def test_it_starts_the_cli_tethered_to_the_server():
    options = build_options(request(), stderr=ignore_stderr)

    assert options.cli_path == Path(tether.__file__).with_name("tethered-cli")
    assert os.access(options.cli_path, os.X_OK)
    assert options.env["TETHERED_CLI"] == str(cli_path())


@override_settings(CLAUDE_PROXY_MODE="internal")
def test_it_runs_internal_mode_in_the_work_dir():
    options = build_options(request(), stderr=ignore_stderr)

    assert options.cwd == settings.CLAUDE_PROXY_WORKDIR
    assert options.setting_sources == []


def test_it_turns_off_memory_files_every_compaction_and_the_retry_after_a_refusal():
    env = cli_env()

    assert {name: env[name] for name in ISOLATION_VARIABLES} == {
        "CLAUDE_CODE_DISABLE_CLAUDE_MDS": "1",
        "CLAUDE_CODE_DISABLE_AUTO_MEMORY": "1",
        "DISABLE_COMPACT": "1",
        "DISABLE_AUTO_COMPACT": "1",
        "CLAUDE_CODE_DISABLE_REFUSAL_RETRY": "1",
        "CLAUDE_CODE_DISABLE_REFUSAL_FALLBACK": "1",
    }


def test_it_blocks_every_built_in_tool_that_acts_on_this_machine():
    options = build_options(request(), stderr=ignore_stderr)

    assert [name for name in CORE_TOOLS if name not in options.disallowed_tools] == []
    assert [name for name in CLI_FEATURES if name not in options.disallowed_tools] == []


def test_it_blocks_no_client_tool_even_one_named_like_a_built_in():
    bash = {"name": "Bash", "input_schema": {"type": "object", "properties": {"command": {"type": "string"}}}}
    params = request(tools=[bash, {**bash, "name": "Task"}])

    options = build_options(params, tools=ToolBridge(params.tools), stderr=ignore_stderr)

    assert options.allowed_tools == ["mcp__client__Bash", "mcp__client__Task"]
    assert set(options.allowed_tools) & set(options.disallowed_tools) == set()


def test_it_uses_the_model_alias_of_the_request():
    assert build_options(request(model="claude-opus-4-1"), stderr=ignore_stderr).model == "opus"


def test_it_passes_the_client_system_string_as_the_system_prompt():
    options = build_options(request(system="You are terse."), stderr=ignore_stderr)

    assert options.system_prompt == "You are terse."


def test_it_joins_the_client_system_blocks_with_newlines():
    system = [
        {"type": "text", "text": "You are terse."},
        {"type": "text", "text": "Answer in French.", "cache_control": {"type": "ephemeral"}},
    ]

    options = build_options(request(system=system), stderr=ignore_stderr)

    assert options.system_prompt == "You are terse.\nAnswer in French."


def test_it_sets_no_system_prompt_without_client_system_text():
    assert build_options(request(), stderr=ignore_stderr).system_prompt is None
    assert build_options(request(system=""), stderr=ignore_stderr).system_prompt is None


def test_it_never_changes_the_server_environment():
    before = dict(os.environ)

    build_options(request(system="S", model="claude-haiku-4-5"), stderr=ignore_stderr)
    cli_env()

    assert dict(os.environ) == before


def test_it_puts_a_system_prompt_over_the_argument_limit_in_a_private_file():
    system = "x" * 150_000

    prompt = build_options(request(system=system), stderr=ignore_stderr).system_prompt

    assert prompt["type"] == "file"
    path = Path(prompt["path"])
    assert path.read_text() == system
    assert path.parent == Path(settings.DATA_DIR) / "prompts"
    assert path.parent.stat().st_mode & 0o777 == 0o700


def test_it_puts_a_system_prompt_with_a_nul_byte_in_a_file():
    prompt = build_options(request(system="before\0after"), stderr=ignore_stderr).system_prompt

    assert Path(prompt["path"]).read_text() == "before\0after"


def test_it_passes_thinking_effort_and_max_tokens_to_the_cli():
    options = build_options(
        request(max_tokens=4096, thinking={"type": "enabled", "budget_tokens": 2048}, output_config={"effort": "high"}),
        stderr=ignore_stderr,
    )

    assert options.thinking == {"type": "enabled", "budget_tokens": 2048}
    assert options.effort == "high"
    assert options.env["CLAUDE_CODE_MAX_OUTPUT_TOKENS"] == "4096"


def test_it_starts_a_new_process_for_settings_that_cannot_change_in_place():
    from messages_api.claude.options import process_key

    base = process_key(request(max_tokens=100), [])

    assert process_key(request(max_tokens=100), []) == base
    assert process_key(request(max_tokens=200), []) != base
    assert process_key(request(max_tokens=100, thinking={"type": "disabled"}), []) != base
    assert process_key(request(max_tokens=100, output_config={"effort": "low"}), []) != base
    assert process_key(request(max_tokens=100, model="claude-opus-4-1"), []) != base
