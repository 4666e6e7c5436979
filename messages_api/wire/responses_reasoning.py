"""Claude's thinking as Responses `reasoning` items, and back.

Pure: no I/O. A request asks for reasoning output with a `reasoning.summary` (auto,
concise, detailed) or with "reasoning.encrypted_content" in `include` (Codex sends
both). Then the engine is asked for Claude's thinking, shown (THINKING), and each
thinking block the answer holds is a reasoning item (responses_events): its text the
item's one `summary_text` part when a summary was asked for, the block itself the
item's `encrypted_content` when that was included.

`encrypted_content` is opaque to the client, not secret from it: the block as Claude
gave it (its thinking and signature, or a redacted_thinking block's data), as JSON,
compressed, in base64url, after SEALED, which says it is this proxy's. The proxy does
not sign it: Claude's signature already guards the thinking upstream, and so any
instance reads it, a restarted one too. Sent back in `input`, it is that block again
in its assistant message, so the history translates to what the conversation holds.
Reasoning without it (another model's, OpenAI's encrypted reasoning) is left out.
"""

import base64
import binascii
import json
import zlib
from dataclasses import dataclass

from . import bad
from .responses_params import expect

SEALED = "claude-thinking.v1."
# A sealed block opens to at most this much JSON, and all those of one request to at most
# the body limit: zlib packs ~1000:1, so an unbounded open of a 32 MiB body is ~32 GB.
# A thinking block at the largest thinking budget is well under 4 MiB.
MAX_OPENED_BYTES = 4 * 1024 * 1024
MAX_OPENED_TOTAL = 32 * 1024 * 1024
INCLUDE = "reasoning.encrypted_content"
SUMMARIES = ("auto", "concise", "detailed", "none")
# Shown, as summarized text: a model that defaults to omitting the text (Opus 4.7 and
# later) would give only the signature. Adaptive: what the CLI's models do anyway.
THINKING = {"type": "adaptive", "display": "summarized"}


@dataclass(frozen=True)
class ReasoningOutput:
    """What a request asked to see of Claude's thinking."""

    summary: bool = False  # the thinking text as the item's summary_text
    encrypted: bool = False  # the block as the item's encrypted_content

    def __bool__(self):
        return self.summary or self.encrypted


def asked(body):
    """The reasoning output `body` asks for; a 400 naming a bad reasoning.summary."""
    reasoning = expect(body, "reasoning", dict, what="an object") or {}
    summary = reasoning.get("summary")
    if summary is not None and summary not in SUMMARIES:
        raise bad("reasoning.summary", f"expected one of {', '.join(SUMMARIES)}, got {summary!r}")
    include = expect(body, "include", list, what="an array of strings") or []
    return ReasoningOutput(summary=summary not in (None, "none"), encrypted=INCLUDE in include)


def thinking(body):
    """The engine's `thinking` for a Responses request: shown when it asks for reasoning."""
    return THINKING if asked(body) else None


def sealed(block):
    """A thinking (or redacted_thinking) block as an item's encrypted_content."""
    packed = zlib.compress(json.dumps(block, separators=(",", ":"), ensure_ascii=False).encode())
    return SEALED + base64.urlsafe_b64encode(packed).decode()


class Opener:
    """Opens the sealed blocks of one request's reasoning items, within its bounds."""

    def __init__(self, total=MAX_OPENED_TOTAL):
        self.left = total

    def __call__(self, item, param):
        """The thinking block a reasoning item sent back carries, or None when it carries
        none of ours; a 400 naming its encrypted_content when ours cannot be read or opens
        past the bounds."""
        content = item.get("encrypted_content")
        if not isinstance(content, str) or not content.startswith(SEALED):
            return None
        field = f"{param}.encrypted_content"
        limit = min(MAX_OPENED_BYTES, self.left)
        try:
            opener = zlib.decompressobj()
            packed = opener.decompress(base64.urlsafe_b64decode(content.removeprefix(SEALED)), limit + 1)
            if len(packed) > limit or opener.unconsumed_tail:
                raise bad(field, f"opens to more than {limit} bytes: it is not a reasoning item this server gave")
            self.left -= len(packed)
            block = json.loads(packed)
        except (binascii.Error, zlib.error, ValueError, RecursionError):
            block = None
        if not _is_thinking(block):
            raise bad(field, "is not the encrypted_content of a reasoning item this server gave")
        return block


def _is_thinking(block):
    if not isinstance(block, dict):
        return False
    if block.get("type") == "thinking":
        return isinstance(block.get("thinking"), str) and isinstance(block.get("signature", ""), str)
    return block.get("type") == "redacted_thinking" and isinstance(block.get("data"), str)
