"""Internal mode: the proxy's own tools, which Claude runs on this machine, in the work dir.

Six tools as an in-process MCP server (`opencode`): read, write, edit, bash, glob,
grep. Every path is confined to CLAUDE_PROXY_WORKDIR (workdir.confined); `bash` runs
there with a timeout, an output cap and the CLI's environment (the proxy's secrets
blanked), and its whole process group is killed when it times out or its turn ends.
`bash` is not a sandbox: a command can `cd ..`. CLAUDE_PROXY_INTERNAL_TOOLS chooses
which tools exist.
"""

import asyncio
import os
import re
import shutil
import signal

from claude_agent_sdk import SdkMcpTool, create_sdk_mcp_server
from django.conf import settings

from . import mcp_names
from .workdir import OutsideWorkdir, confined

SERVER_NAME = "opencode"
OUTPUT_CHARS = 30_000  # what a tool gives back at most: the model's context is not a log file
MATCHES = 200  # glob and grep results at most


def _text(text, is_error=False):
    if len(text) > OUTPUT_CHARS:
        text = f"{text[:OUTPUT_CHARS]}\n[… {len(text) - OUTPUT_CHARS} more characters left out]"
    return {"content": [{"type": "text", "text": text}], "is_error": is_error}


def _schema(required, **properties):
    return {
        "type": "object",
        "properties": {name: {"type": kind, "description": text} for name, (kind, text) in properties.items()},
        "required": list(required),
    }


class WorkdirTools:
    """The tools, bound to one work directory and one CLI environment."""

    def __init__(self, workdir, env):
        self.workdir = workdir
        self.env = env

    def _path(self, path):
        return confined(self.workdir, path)

    async def read(self, args):
        path = self._path(args.get("path"))
        if not path.is_file():
            return _text(f"{args.get('path')}: no such file", is_error=True)
        lines = path.read_text(errors="replace").splitlines(keepends=True)
        offset, limit = int(args.get("offset") or 0), int(args.get("limit") or len(lines) or 1)
        return _text("".join(lines[offset : offset + limit]))

    async def write(self, args):
        path = self._path(args.get("path"))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(args.get("content", ""))
        return _text(f"Wrote {len(args.get('content', ''))} characters to {args.get('path')}")

    async def edit(self, args):
        path = self._path(args.get("path"))
        if not path.is_file():
            return _text(f"{args.get('path')}: no such file", is_error=True)
        text, old, new = path.read_text(), args.get("old_string", ""), args.get("new_string", "")
        count = text.count(old) if old else 0
        if count != 1:
            found = "not found" if count == 0 else f"found {count} times; give more context to make it unique"
            return _text(f"{args.get('path')}: old_string {found}", is_error=True)
        path.write_text(text.replace(old, new, 1))
        return _text(f"Edited {args.get('path')}")

    async def bash(self, args):
        timeout = settings.CLAUDE_PROXY_BASH_TIMEOUT
        process = await asyncio.create_subprocess_exec(
            "/bin/bash", "-c", args.get("command", ""),
            cwd=self.workdir, env=self.env, start_new_session=True,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT, stdin=asyncio.subprocess.DEVNULL,
        )  # fmt: skip
        try:
            output, _ = await asyncio.wait_for(process.communicate(), timeout)
        except TimeoutError:
            return _text(f"Timed out after {timeout:g} s; the command and its children were killed", is_error=True)
        finally:
            # Whatever it started goes with it: on a timeout, or when the turn ends.
            if process.returncode is None or _group_alive(process.pid):
                _kill_group(process.pid)
                await process.wait()
        text = output.decode(errors="replace")
        return _text(f"{text}\n[exit code {process.returncode}]", is_error=process.returncode != 0)

    async def glob(self, args):
        base = self._path(args.get("path") or ".")
        pattern = args.get("pattern", "*")
        if rg := shutil.which("rg"):
            found = await self._run([rg, "--files", "--glob", pattern, "."], base)
            paths = sorted(line.removeprefix("./") for line in found.splitlines())
        else:
            paths = sorted(str(path.relative_to(base)) for path in base.glob(pattern) if path.is_file())
        return _text("\n".join(paths[:MATCHES]) or "No files found")

    async def grep(self, args):
        base = self._path(args.get("path") or ".")
        pattern = args.get("pattern", "")
        try:
            compiled = re.compile(pattern)
        except re.error as exc:
            return _text(f"Not a regular expression: {exc}", is_error=True)
        if rg := shutil.which("rg"):
            found = await self._run([rg, "--line-number", "--no-heading", "--regexp", pattern, "."], base)
            lines = sorted(found.splitlines())
        else:
            lines = [
                f"./{path.relative_to(base)}:{number}:{line}"
                for path in sorted(base.rglob("*"))
                if path.is_file()
                for number, line in enumerate(path.read_text(errors="replace").splitlines(), start=1)
                if compiled.search(line)
            ]
        return _text("\n".join(lines[:MATCHES]) or "No matches")

    async def _run(self, argv, cwd):
        process = await asyncio.create_subprocess_exec(
            *argv, cwd=cwd, env=self.env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL
        )
        output, _ = await asyncio.wait_for(process.communicate(), settings.CLAUDE_PROXY_BASH_TIMEOUT)
        return output.decode(errors="replace")


def _kill_group(pid):
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _group_alive(pid):
    try:
        os.killpg(pid, 0)
        return True
    except ProcessLookupError:
        return False


TOOLS = {
    "read": ("Read a text file in the work directory.", _schema(
        ["path"], path=("string", "Path relative to the work directory"),
        offset=("integer", "First line to read (0-based)"), limit=("integer", "How many lines"),
    )),
    "write": ("Write a file in the work directory (created with its folders, or replaced).", _schema(
        ["path", "content"], path=("string", "Path relative to the work directory"), content=("string", "The whole new content"),
    )),
    "edit": ("Replace one exact occurrence of old_string with new_string in a file.", _schema(
        ["path", "old_string", "new_string"], path=("string", "Path relative to the work directory"),
        old_string=("string", "Text that occurs exactly once"), new_string=("string", "Its replacement"),
    )),
    "bash": ("Run a bash command in the work directory; its output and exit code come back.", _schema(
        ["command"], command=("string", "The command"),
    )),
    "glob": ("List files matching a glob pattern.", _schema(
        ["pattern"], pattern=("string", "A glob, like **/*.py"), path=("string", "Folder to search, default the work directory"),
    )),
    "grep": ("Search file contents for a regular expression; file:line:text for each match.", _schema(
        ["pattern"], pattern=("string", "A regular expression"), path=("string", "Folder to search, default the work directory"),
    )),
}  # fmt: skip


def _refusing(handler):
    async def call(args):
        try:
            return await handler(args)
        except OutsideWorkdir as refused:
            return _text(f"Refused: {refused}", is_error=True)
        except OSError as exc:
            return _text(f"{exc.strerror or exc}", is_error=True)

    return call


def internal_server(env):
    """The MCP servers and allowed tool names for internal mode."""
    tools = WorkdirTools(settings.CLAUDE_PROXY_WORKDIR, env)
    chosen = [name for name in TOOLS if name in settings.CLAUDE_PROXY_INTERNAL_TOOLS]
    mcp_tools = [SdkMcpTool(name, TOOLS[name][0], TOOLS[name][1], _refusing(getattr(tools, name))) for name in chosen]
    server = create_sdk_mcp_server(SERVER_NAME, tools=mcp_tools)
    return {SERVER_NAME: server}, [mcp_names.cli_name(SERVER_NAME, name) for name in chosen]
