"""A client's history as a Claude Code transcript, so a fresh session gets real messages.

A fresh CLI session that must know an earlier conversation (a headerless request, an
undo, an edit, a compaction) is resumed from a transcript written from the client's
messages: the model then sees them as the API's own messages, tool_use and
tool_result blocks with their ids, images and documents, not as `Human:` text that
it would imitate. The user messages after the last assistant message are the prompt.
"""

import uuid

from claude_agent_sdk import project_key_for_directory
from claude_agent_sdk._cli_version import __cli_version__
from django.utils import timezone

from sessions_admin.models import ANSWERED_ELSEWHERE, ANSWERED_HERE
from sessions_admin.store import DjangoSessionStore

from .claude import client_tools
from .claude.options import cli_cwd
from .prompt import api_blocks


def system_in_place(messages):
    """The messages with each `role: "system"` one (Claude Code, as a client, sends them)
    made a user message of system context, where it stood."""
    return [_as_system_context(message) if message.role == "system" else message for message in messages]


def _as_system_context(message):
    text = "\n".join(block.text for block in message.content if block.type == "text")
    reminder = {"type": "text", "text": f"<system-reminder>\n{text}\n</system-reminder>"}
    return message.model_validate({"role": "user", "content": [reminder]})


def split(messages):
    """(history, prompt messages): the history ends with the last assistant message.

    The CLI cannot continue a final assistant message (a prefill): it is left out and
    the user message before it is the prompt.
    """
    while messages and messages[-1].role == "assistant":
        messages = messages[:-1]
    last = max((index for index, message in enumerate(messages) if message.role == "assistant"), default=-1)
    return messages[: last + 1], messages[last + 1 :]


def prompt_content(messages):
    """User messages as the content of the one user message the CLI is sent."""
    blocks = [block for message in messages for block in api_blocks(message)]
    if len(blocks) == 1 and blocks[0]["type"] == "text":
        return blocks[0]["text"]
    return blocks




def transcript(messages, *, session_id, cwd, model, now, answered_elsewhere_from=None):
    """Transcript entries for `messages`, chained by uuid as the CLI writes them; the
    assistant messages from index `answered_elsewhere_from` on were answered elsewhere.

    Thinking blocks are left out (api_blocks): another model's thinking carries no
    signature the API accepts, and the CLI keeps its own.

    The CLI sends a `role: "system"` turn after the session's first user message, made
    of the attachments its own transcript keeps there (environment, model, date); with
    none it sends that turn empty, a message the API may refuse. The first user message
    is followed by a date attachment, which the CLI renders itself ("Today's date is …").
    """
    entries, parent, dated = [], None, False
    for index, message in enumerate(messages):
        message_dict = {"role": message.role, "content": api_blocks(message)}
        if message.role == "assistant":
            message_dict["content"] = [_as_offered(block) for block in message_dict["content"]]
            calls = any(block["type"] == "tool_use" for block in message_dict["content"])
            elsewhere = answered_elsewhere_from is not None and index >= answered_elsewhere_from
            message_dict = {
                "id": f"{ANSWERED_ELSEWHERE if elsewhere else ANSWERED_HERE}{uuid.uuid4().hex[:24]}",
                "type": "message",
                "model": model,
                **message_dict,
                "stop_reason": "tool_use" if calls else "end_turn",
                "stop_sequence": None,
                "usage": {"input_tokens": 0, "output_tokens": 0},
            }
        entries.append(_entry(message.role, parent, session_id, cwd, now, message=message_dict))
        if message.role == "user" and not dated:
            dated = True
            date = {"type": "date", "date": now.date().isoformat()}
            entries.append(_entry("attachment", entries[-1]["uuid"], session_id, cwd, now, attachment=date))
        parent = entries[-1]["uuid"]
    return entries


def _entry(kind, parent, session_id, cwd, now, **fields):
    """One transcript entry as the CLI writes it, chained to `parent` (a uuid or None)."""
    return {
        "parentUuid": parent,
        "isSidechain": False,
        "type": kind,
        **fields,
        "uuid": str(uuid.uuid4()),
        "timestamp": now.isoformat().replace("+00:00", "Z"),
        "userType": "external",
        "cwd": cwd,
        "sessionId": session_id,
        "version": __cli_version__,
    }


def _as_offered(block):
    """A client's tool call named as the CLI offers the client's tools (mcp__client__…),
    as the live CLI's own transcript names it: the model sees one name for one tool, on a
    fresh session as on a live one. A call to a tool the request no longer offers keeps
    that name too, as the API keeps a call to a tool no longer in `tools`."""
    return {**block, "name": client_tools.cli_name(block["name"])} if block["type"] == "tool_use" else block


async def seed_session(history, params, answered_elsewhere_from=None):
    """A new Claude session holding `history` (client messages): (its id, its last entry)."""
    session_id, workdir = str(uuid.uuid4()), cli_cwd()
    entries = transcript(
        history, session_id=session_id, cwd=workdir, model=params.model, now=timezone.now(),
        answered_elsewhere_from=answered_elsewhere_from,
    )  # fmt: skip
    await DjangoSessionStore().append({"project_key": project_key_for_directory(workdir), "session_id": session_id}, entries)
    return session_id, entries[-1]["uuid"]
