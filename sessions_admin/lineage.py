"""Which conversation a request belongs to, and how its history relates to what Claude has.

Pure functions over plain message dicts ({"role", "content": [blocks]}); no I/O.
The rule they serve: never answer in a context the client did not send.
"""

import hashlib
import json
from dataclasses import dataclass

# The first of these headers present names the conversation.
SESSION_HEADERS = ("x-opencode-session", "x-session-affinity", "x-session-id")
FINGERPRINT_CHARS = 2000

# How a conversation is found: the client's session header, or its first message.
KEY_KINDS = (
    ("header", "Session header"),
    ("fingerprint", "First-message fingerprint"),
)
LINEAGE_KINDS = (
    ("new", "New conversation"),
    ("continuation", "Continuation"),
    ("retry", "Same request again"),
    ("undo", "Undo"),
    ("edit", "Edited history"),
    ("compaction", "Compaction"),
    ("elsewhere", "Turns answered elsewhere"),
)
# What a continuation may add after Claude's answer: the person's input, and results of
# the tool calls the Claude session waits on. An assistant turn (text, thinking, a tool
# call) is one the session has not seen: another model's, or one replayed from elsewhere.
MODEL_BLOCKS = ("tool_use", "server_tool_use", "thinking", "redacted_thinking")


def _sha256(text):
    return hashlib.sha256(text.encode()).hexdigest()


def scope(system_text, api_key=""):
    """Conversations are scoped by system prompt (a title request is not the main chat)
    and by the API key they came with: two people never share one, whatever the headers
    or the opening they send."""
    return _sha256(f"{api_key}\0{system_text}" if api_key else system_text)[:16]


def _text(message):
    return "\n".join(block.get("text", "").strip() for block in message["content"] if block.get("type") == "text")


def first_user_text(messages):
    """The text of the first user message, reminders the client injects left out."""
    first = next((m for m in messages if m["role"] == "user"), None)
    if first is None:
        return ""
    texts = [block.get("text", "").strip() for block in first["content"] if block.get("type") == "text"]
    return "\n".join(text for text in texts if text and not text.startswith("<system-reminder>"))


def fingerprint(messages, system_text):
    """A conversation's identity without a header: its first user message, scoped by system."""
    first = next((m for m in messages if m["role"] == "user"), messages[0])
    opening = _text(first) or message_hash(first)
    return _sha256(f"{system_text}\0{opening[:FINGERPRINT_CHARS]}")[:32]


def conversation_key(headers, messages, system_text, named="", api_key=""):
    """(key_kind, key, scope) of the conversation a request belongs to: the first session
    header present, else the name its wire format gives it (`named`: e.g. a thread id in
    the body), else a fingerprint of its opening; scoped by system prompt and API key."""
    for value in (*(headers.get(name, "") for name in SESSION_HEADERS), named or ""):
        if value := value.strip():
            return "header", value[:255], scope(system_text, api_key)
    return "fingerprint", fingerprint(messages, system_text), scope(system_text, api_key)


def _normalised(value):
    """Drop what clients change without changing the conversation: cache marks, signatures."""
    if isinstance(value, list):
        return [_normalised(item) for item in value]
    if not isinstance(value, dict):
        return value
    skip = {"cache_control"} | ({"signature"} if value.get("type") == "thinking" else set())
    return {key: _normalised(item) for key, item in value.items() if key not in skip}


def message_hash(message):
    normal = {"role": message["role"], "content": _normalised(message["content"])}
    return _sha256(json.dumps(normal, sort_keys=True, separators=(",", ":")))


def reply_digest(content):
    """What identifies Claude's answer when the client sends it back: its text and
    its tool calls (an answer that is only a tool call must not match any other)."""
    text = _text({"content": content})
    calls = [[b.get("id"), b.get("name"), b.get("input")] for b in content if b.get("type") == "tool_use"]
    return _sha256(f"{text}\0{json.dumps(calls, sort_keys=True)}" if calls else text)


@dataclass(frozen=True)
class Lineage:
    kind: str
    # Messages from this index on are what the CLI has not seen (0: all of them).
    first_new: int = 0
    # The assistant messages from this index on were answered elsewhere (kind "elsewhere").
    answered_elsewhere_from: int | None = None

    @property
    def resumes(self):
        return self.kind == "continuation"


def _common_prefix(stored, incoming):
    length = 0
    for seen, sent in zip(stored, incoming):
        if seen != sent:
            break
        length += 1
    return length


def is_user_input(message, waiting_on=()):
    """Whether `message` is only what a person (or their client) adds: text, images,
    documents, and results of the tool calls `waiting_on` (ids)."""
    if message["role"] == "assistant":
        return False
    for block in message["content"]:
        if block.get("type") in MODEL_BLOCKS:
            return False
        if block.get("type") == "tool_result" and block.get("tool_use_id") not in waiting_on:
            return False
    return True


def trace(stored_hashes, stored_reply, messages, hashes=None, waiting_on=()):
    """How `messages` relate to the history the Claude session holds.

    Only a continuation (the same history, Claude's last answer as it gave it, then
    user input: `is_user_input`, with `waiting_on` the ids of the tool calls the session
    waits on) resumes the session, sending just the new messages; anything else starts
    a fresh session with the whole history the client sent, each turn in its own role.
    `hashes` are the messages' hashes when the caller has them already.
    """
    if not stored_hashes:
        return Lineage("new")
    hashes = hashes if hashes is not None else [message_hash(message) for message in messages]
    seen, kept = len(stored_hashes), _common_prefix(stored_hashes, hashes)
    if kept == seen:
        if len(messages) == seen:
            return Lineage("retry")
        echo = messages[seen]
        answered = echo["role"] == "assistant" and reply_digest(echo["content"]) == stored_reply
        if answered and len(messages) > seen + 1:
            if all(is_user_input(message, waiting_on) for message in messages[seen + 1 :]):
                return Lineage("continuation", first_new=seen + 1)
            return Lineage("elsewhere", answered_elsewhere_from=seen + 1)
        return Lineage("edit")
    if kept == 0:
        return Lineage("compaction")
    if len(messages) <= seen:
        return Lineage("undo")
    return Lineage("edit")
