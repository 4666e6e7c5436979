"""An estimate of a request's input tokens, for POST /v1/messages/count_tokens.

There is no public offline tokenizer for current Claude models (the one PyPI package
that claims to be one embeds the Claude 2 vocabulary), and asking the model would spend
the subscription. So text is counted at Anthropic's own rule of thumb, ~3.5 characters
a token for English and code, with each non-ASCII character a token of its own (CJK
text runs about one token a character); images by the API's documented formula; tool
definitions as the JSON the model reads, plus the tool-use system prompt the API adds.
docs/behaviour.md says how far off this can be.
"""

import base64
import binascii
import json
import math
import re

from .media import image_size

CHARS_PER_TOKEN = 3.5
# Role markers around each message: an assumption, a few tokens, not measured.
MESSAGE_TOKENS = 3
# The system prompt the API adds when tools are given (Anthropic's pricing docs, Claude 4).
TOOL_PROMPT_TOKENS = {"auto": 346, "none": 346, "any": 313, "tool": 313}
# An image costs width * height / 750 tokens, once scaled to the model's limits; the
# bundled Claude Code's catalog gives 2576 px and 4784 tokens for the 5.5 models it runs.
IMAGE_PIXELS_PER_TOKEN = 750
IMAGE_MAX_EDGE = 2576
IMAGE_MAX_TOKENS = 4784
# A PDF page is read as text (the docs: 1,500 to 3,000 tokens a page) and as an image
# (1,600 tokens at the long-standing 1568 px size).
PDF_PAGE_TOKENS = 1500 + 1600
PDF_PAGE = re.compile(rb"/Type\s*/Page(?![A-Za-z])")


def text_tokens(text):
    """Tokens of a string, as a fraction: sums are rounded up once, at the end."""
    ascii_chars = sum(1 for char in text if char < "\x80")
    return ascii_chars / CHARS_PER_TOKEN + (len(text) - ascii_chars)


def _json_tokens(value):
    return text_tokens(json.dumps(value, ensure_ascii=False, separators=(",", ":")))


def image_tokens(width, height):
    """The API's formula: scaled to fit the longest edge, width * height / 750, capped."""
    scale = min(1.0, IMAGE_MAX_EDGE / max(width, height, 1))
    return min(IMAGE_MAX_TOKENS, (width * scale) * (height * scale) / IMAGE_PIXELS_PER_TOKEN)


def _decoded(source):
    try:
        return base64.b64decode(source.get("data", ""))
    except (binascii.Error, ValueError):
        return b""


def _image_block(block):
    source = block.get("source") or {}
    size = image_size(_decoded(source)) if source.get("type") == "base64" else None
    # An image we cannot see (a URL, a file id, bytes we cannot read) counts at the cap.
    return image_tokens(*size) if size else IMAGE_MAX_TOKENS


def _document_block(block):
    source = block.get("source") or {}
    extra = text_tokens(block.get("title") or "") + text_tokens(block.get("context") or "")
    if source.get("type") == "text":
        return extra + text_tokens(source.get("data", ""))
    if source.get("type") == "base64" and source.get("media_type") == "application/pdf":
        pages = len(PDF_PAGE.findall(_decoded(source)))
        return extra + max(pages, 1) * PDF_PAGE_TOKENS
    return extra + PDF_PAGE_TOKENS  # unseen: one page


def block_tokens(block):
    kind = block.get("type")
    if kind == "text":
        return text_tokens(block.get("text", ""))
    if kind == "image":
        return _image_block(block)
    if kind == "document":
        return _document_block(block)
    if kind == "tool_use":
        return text_tokens(block.get("name", "")) + _json_tokens(block.get("input", {}))
    if kind == "tool_result":
        return sum(block_tokens(inner) for inner in block.get("content") or ())
    if kind in ("thinking", "redacted_thinking"):
        return 0  # the API drops thinking from earlier assistant turns
    return _json_tokens({key: value for key, value in block.items() if key != "type"})


def tool_tokens(tool):
    """A tool definition as the model reads it: its name, description and schema."""
    return _json_tokens(tool)


def count_input_tokens(request):
    """Estimated input tokens of a validated Messages request (a dict, as model_dump gives)."""
    total = sum(block_tokens(block) for block in request.get("system") or ())
    for message in request.get("messages", ()):
        total += MESSAGE_TOKENS + sum(block_tokens(block) for block in message.get("content", ()))
    tools = request.get("tools") or ()
    if tools:
        choice = (request.get("tool_choice") or {}).get("type", "auto")
        total += TOOL_PROMPT_TOKENS.get(choice, TOOL_PROMPT_TOKENS["auto"])
        total += sum(tool_tokens(tool) for tool in tools)
    return math.ceil(total)
