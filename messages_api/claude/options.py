"""ClaudeAgentOptions for a request: model, system prompt, tools, env, limits."""

import hashlib
import json
import os
from pathlib import Path

import claude_agent_sdk
from claude_agent_sdk import ClaudeAgentOptions
from django.conf import settings

from sessions_admin.logins import DEFAULT as DEFAULT_LOGIN
from sessions_admin.logins import login_env

from . import client_tools
from .internal_tools import internal_server
from .tether import tethered

# The CLI's own tools act on the server's machine; clients bring their own tools.
BLOCKED_TOOLS = (
    "Read", "Write", "Edit", "MultiEdit", "Bash", "Glob", "Grep", "NotebookEdit",
    "WebFetch", "WebSearch", "TodoWrite",
    # Claude Code features with no meaning for an API client.
    "ToolSearch", "CronCreate", "CronDelete", "CronList", "EnterPlanMode", "ExitPlanMode",
    "EnterWorktree", "ExitWorktree", "AskUserQuestion", "Skill", "Agent", "Task",
    "TaskOutput", "TaskStop",
)  # fmt: skip

# Under Linux's limit of 128 KiB for one command-line argument.
MAX_PROMPT_ARGUMENT = 100_000

# Large images and long transcripts arrive as single JSON lines from the CLI.
MAX_BUFFER_SIZE = 64 * 1024 * 1024


def cli_model(requested):
    """The CLI's model alias for the model string a client asked for."""
    name = requested.lower()
    if "opus" in name:
        return "opus"
    if "haiku" in name:
        return "haiku"
    return "sonnet"


def cli_path():
    """The Claude Code CLI: CLAUDE_PROXY_CLI_PATH, else the one bundled in the SDK wheel."""
    configured = settings.CLAUDE_PROXY_CLI_PATH
    return Path(configured) if configured else Path(claude_agent_sdk.__file__).parent / "_bundled" / "claude"


def cli_is_there():
    """Whether cli_path() is an executable file: what the proxy can start."""
    path = cli_path()
    return path.is_file() and os.access(path, os.X_OK)


def cli_not_found():
    """What /v1/messages and /health say when the CLI is not there, naming the path the
    proxy looked for: the server's own configuration, which its operator must fix."""
    return f"Claude Code CLI not found at {cli_path()}"


# The proxy's own configuration and secrets, which the CLI has no use for.
PROXY_VARIABLE_PREFIXES = ("CLAUDE_PROXY_", "DJANGO_")
PROXY_VARIABLES = ("DATABASE_URL", "REDIS_URL")


def thinking(params):
    """The request's thinking as the SDK takes it, or None for the CLI's default."""
    if params.thinking is None:
        return None
    return params.thinking.model_dump(exclude_none=True)


def effort(params):
    return params.output_config.effort if params.output_config else None


def process_key(params, tools):
    """What a CLI process is started with from a request that cannot change in place: a
    live process takes a turn only when these are the same (the model can change too,
    but a new model is a new context anyway)."""
    thinking_key = tuple(sorted((thinking(params) or {}).items()))
    schema = params.output_schema
    schema_key = hashlib.sha256(json.dumps(schema, sort_keys=True).encode()).hexdigest()[:16] if schema else None
    return (cli_model(params.model), client_tools.tool_set_key(tools), params.max_tokens, thinking_key, effort(params), schema_key)


def output_format(params):
    """Structured outputs as the CLI takes them (`--json-schema`): it offers the model a
    StructuredOutput tool of that input schema, checks each call against it (an invalid
    one goes back to the model as an error result) and ends the turn on a valid one."""
    schema = params.output_schema
    return {"type": "json_schema", "schema": schema} if schema else None


# The CLI, left to itself, reads its user's memory files and compacts a long conversation
# into a summary the client never sent (automatically near the window, on "prompt is too
# long", when idle, cold). Neither is the client's: memory files are the machine owner's,
# and a client compacts on the API's 400 itself. DISABLE_COMPACT turns off every kind,
# /compact included; the others say the same again for older and newer CLIs.
# After a refusal (stop_reason "refusal", the API's safety classifier) the CLI would add a
# user message of its own ("Your response above was stopped by a safety classifier…")
# and ask again, or switch models: the client gets the refusal, as from the API.
ISOLATION_VARIABLES = {
    "CLAUDE_CODE_DISABLE_CLAUDE_MDS": "1",
    "CLAUDE_CODE_DISABLE_AUTO_MEMORY": "1",
    "DISABLE_COMPACT": "1",
    "DISABLE_AUTO_COMPACT": "1",
    "CLAUDE_CODE_DISABLE_REFUSAL_RETRY": "1",
    "CLAUDE_CODE_DISABLE_REFUSAL_FALLBACK": "1",
}


def cli_env(max_tokens=None, login=DEFAULT_LOGIN):
    """What the CLI's environment adds to (or blanks in) the server's own.

    The SDK starts from the server's environment; it cannot remove a variable, so
    the proxy's own variables (its API key, admin password, database URL, secret key)
    and agent teams are blanked: an empty value, which the CLI reads as unset.
    A client tool call waits for the client's next request: the CLI must wait as long.
    The login's own variables (its config dir) come last.
    """
    own = [name for name in os.environ if name.startswith(PROXY_VARIABLE_PREFIXES) or name in PROXY_VARIABLES]
    return {
        **{name: "" for name in own},
        **ISOLATION_VARIABLES,
        "CLAUDE_CODE_EXPERIMENTAL_AGENT_TEAMS": "",
        "ENABLE_TOOL_SEARCH": "false",
        "CLAUDE_CODE_MAX_RETRIES": str(settings.CLAUDE_PROXY_UPSTREAM_RETRIES),
        "MCP_TOOL_TIMEOUT": str(int((settings.CLAUDE_PROXY_TOOL_WAIT + 60) * 1000)),
        # The client's max_tokens caps each model call; blank leaves the CLI's own.
        "CLAUDE_CODE_MAX_OUTPUT_TOKENS": str(max_tokens or ""),
        **login_env(login),
    }


def cli_cwd():
    """The directory the CLI runs in. The CLI names it to the model on every call (its
    "# Environment" message, which no option of a subscription login leaves out): in
    internal mode the proxy's tools act there, so it is true; the client's tools act on
    the client's machine, so there it is "/", which names no path of this one."""
    return settings.CLAUDE_PROXY_WORKDIR if settings.CLAUDE_PROXY_MODE == "internal" else "/"


def system_prompt(params, tools=None):
    """The client's system text, and the agent names its task tool takes.

    The CLI takes it as one command-line argument, and Linux refuses an argument over
    128 KiB or with a NUL byte: such a prompt goes in a file of the data dir, named by
    its hash.
    """
    notes = [tools.subagents.system_note()] if tools and tools.subagents else []
    text = "\n\n".join(filter(None, [params.system_text, *notes]))
    if len(text.encode()) <= MAX_PROMPT_ARGUMENT and "\0" not in text:
        return text or None
    path = Path(settings.DATA_DIR) / "prompts" / f"{hashlib.sha256(text.encode()).hexdigest()}.txt"
    if not path.exists():
        path.parent.mkdir(mode=0o700, exist_ok=True)
        path.write_text(text)
    return {"type": "file", "path": str(path)}


def build_options(
    params, *, login=DEFAULT_LOGIN, tools=None, resume=None, resume_at=None, fork=False, session_store=None, stderr=None
):
    """Options for a CLI process that answers `params` (a MessagesRequest).

    The CLI runs on the Claude login `login` (sessions_admin.logins);
    `tools` (a client_tools.ToolBridge) offers the client's tools; `resume` continues
    that Claude session up to its entry `resume_at`, in a new session if `fork`; `session_store` mirrors the transcript (and rebuilds it for a
    resume when the CLI's own files are gone).
    """
    # The CLI dies with this server, however it dies (tether.py); one that is not there
    # is left for the SDK to say so.
    program, tether_env = tethered(cli_path()) if cli_is_there() else (cli_path(), {})
    env = {**cli_env(params.max_tokens, login), **tether_env}
    servers, allowed = tools.mcp_servers() if tools else {}, tools.allowed_tools() if tools else []
    if settings.CLAUDE_PROXY_MODE == "internal":
        servers, allowed = internal_server({**os.environ, **env})
    return ClaudeAgentOptions(
        model=cli_model(params.model),
        # The CLI keeps its one-line SDK identity and puts the client's system text after it.
        system_prompt=system_prompt(params, tools),
        # No built-in tools: they would act on this machine, not the client's, and their
        # definitions add ~70 KB to every upstream call.
        tools=[],
        # The CLI may run exactly the proxy's own MCP tools, and nothing else: no
        # bypassPermissions, so it runs as root without IS_SANDBOX too.
        permission_mode="default",
        allowed_tools=allowed,
        mcp_servers=servers,
        max_turns=settings.CLAUDE_PROXY_MAX_TURNS if settings.CLAUDE_PROXY_MODE == "internal" else None,
        hooks=tools.hooks() if tools else None,
        cwd=cli_cwd(),
        disallowed_tools=list(BLOCKED_TOOLS),
        # Nothing of the machine user's Claude Code setup: no user, project or local
        # settings (their hooks, output style, memory files, rules, agents, skills,
        # commands), no MCP servers but the proxy's own, no plugins.
        setting_sources=[],
        strict_mcp_config=True,
        plugins=[],
        env=env,
        thinking=thinking(params),
        effort=effort(params),
        output_format=output_format(params),
        include_partial_messages=True,
        max_buffer_size=MAX_BUFFER_SIZE,
        stderr=stderr,
        resume=resume,
        resume_session_at=resume_at,
        # A fork keeps a branch cut at `resume_at` out of any later resume.
        fork_session=fork,
        session_store=session_store,
        # A turn paused on client tools ends no turn, and the batched mirror flushes at
        # turn ends: the entries a resume at the tool calls needs must be stored at once.
        session_store_flush="eager" if tools else "batched",
        cli_path=program,
    )
