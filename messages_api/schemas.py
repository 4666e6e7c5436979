"""The Messages API request, validated by pydantic; a bad field becomes a 400 naming it.

Unknown top-level fields are accepted, as the real API accepts new parameters; content
blocks of types we do not know are kept as they are.
"""

from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from .json_body import nested_deeper_than
from .json_schemas import schema_problem
from .media import IMAGE_TYPES, image_data_problem
from .tool_pairing import tool_pairing_problem



def _text_or_blocks(value, what):
    if isinstance(value, str):
        return [{"type": "text", "text": value}]
    if not isinstance(value, list):
        raise PydanticCustomError("text_or_blocks", f"Input should be a string or a list of {what}")
    return value


# Bounds on what is echoed, logged and stored: a 10 MB model name is no model.
MAX_MODEL = 256
MAX_ID = 256
MAX_NAME = 128


class _Strict(BaseModel):
    model_config = ConfigDict(extra="allow", strict=True)


class TextBlock(_Strict):
    type: Literal["text"]
    text: str


class Base64Source(_Strict):
    type: Literal["base64"]
    media_type: str = Field(min_length=1)
    data: str = Field(min_length=1)


class UrlSource(_Strict):
    type: Literal["url"]
    url: str = Field(min_length=1)


class TextSource(_Strict):
    type: Literal["text"]
    media_type: str
    data: str


class FileSource(_Strict):
    type: Literal["file"]
    file_id: str


def _tag(value):
    if isinstance(value, dict):
        return value.get("type")
    return getattr(value, "type", None)


def _source_tag(value):
    tag = _tag(value)
    return tag if isinstance(tag, str) else None


_SOURCE_TYPE_REQUIRED = Discriminator(_source_tag)

DocumentSource = Annotated[
    Annotated[Base64Source, Tag("base64")]
    | Annotated[UrlSource, Tag("url")]
    | Annotated[TextSource, Tag("text")]
    | Annotated[FileSource, Tag("file")],
    _SOURCE_TYPE_REQUIRED,
]


class ImageBase64Source(Base64Source):
    media_type: Literal[IMAGE_TYPES]

    @field_validator("data")
    @classmethod
    def data_is_the_image_it_says(cls, value, info):
        # Refused here, as the API refuses it: the CLI would forward it and fail upstream.
        if "media_type" in info.data and (problem := image_data_problem(info.data["media_type"], value)):
            raise PydanticCustomError("image_data", problem)
        return value


ImageSource = Annotated[
    Annotated[ImageBase64Source, Tag("base64")] | Annotated[UrlSource, Tag("url")] | Annotated[FileSource, Tag("file")],
    _SOURCE_TYPE_REQUIRED,
]


class ImageBlock(_Strict):
    type: Literal["image"]
    source: ImageSource


class DocumentBlock(_Strict):
    type: Literal["document"]
    source: DocumentSource


class ToolUseBlock(_Strict):
    type: Literal["tool_use"]
    id: str = Field(min_length=1, max_length=MAX_ID)
    name: str = Field(min_length=1, max_length=MAX_NAME)
    input: dict[str, Any]


# A tool result's blocks are the client's to shape (text, images, documents, search
# results); its images go by the rules of any image, the rest is passed on as sent.
ToolResultPart = Annotated[
    Annotated[ImageBlock, Tag("image")] | Annotated[dict[str, Any], Tag("other")],
    Discriminator(lambda value: "image" if _tag(value) == "image" else "other"),
]


class ToolResultBlock(_Strict):
    type: Literal["tool_result"]
    tool_use_id: str = Field(min_length=1, max_length=MAX_ID)
    # A string is the short form of one text block.
    content: list[ToolResultPart] = []
    is_error: bool = False

    @field_validator("content", mode="before")
    @classmethod
    def text_is_one_block(cls, value):
        return _text_or_blocks(value, "content blocks")


class ThinkingBlock(_Strict):
    type: Literal["thinking"]
    thinking: str
    signature: str = ""


class OtherBlock(_Strict):
    """A block type this proxy does not know yet (a newer API feature)."""

    type: str


KNOWN_BLOCKS = {"text", "image", "document", "tool_use", "tool_result", "thinking"}


def _block_tag(value):
    tag = _tag(value)
    if not isinstance(tag, str):
        return None
    return tag if tag in KNOWN_BLOCKS else "other"


ContentBlock = Annotated[
    Annotated[TextBlock, Tag("text")]
    | Annotated[ImageBlock, Tag("image")]
    | Annotated[DocumentBlock, Tag("document")]
    | Annotated[ToolUseBlock, Tag("tool_use")]
    | Annotated[ToolResultBlock, Tag("tool_result")]
    | Annotated[ThinkingBlock, Tag("thinking")]
    | Annotated[OtherBlock, Tag("other")],
    Discriminator(
        _block_tag,
        custom_error_type="block_type",
        custom_error_message="Each content block must be an object with a string 'type'",
    ),
]



class Message(_Strict):
    # Claude Code, as a client, puts system context among the messages.
    role: Literal["user", "assistant", "system"]
    # A string is the short form of one text block.
    content: list[ContentBlock]

    @field_validator("content", mode="before")
    @classmethod
    def text_is_one_block(cls, value):
        return _text_or_blocks(value, "content blocks")


# How deep a client tool's input_schema may nest, in JSON levels: the schema object is
# level 1 and each object or array inside it one more. Measured with the bundled CLI
# through this proxy and the fake upstream (claude-agent-sdk 0.2.189, mcp 2.3.0):
# - past 255 levels the in-process MCP server's tools/list fails ("Maximum
#   serialization depth exceeded", pydantic-core's bound, whatever the shape) and the
#   CLI carries on without the tool: a 200 that silently lacks it, 2.5 s late;
# - lower, a schema of the worst shape found (a chain of draft 2019-09 `items`) is
#   listed but its calls fail: the SDK checks the schema with jsonschema before each
#   call, which overruns Python's recursion limit; at 99 levels half the calls failed
#   ("maximum recursion depth exceeded", as the tool's result), at 96 none did.
# 64 stays a third below the lowest of these; real tool schemas nest a dozen or so.
MAX_SCHEMA_DEPTH = 64


class Tool(_Strict):
    name: str = Field(min_length=1, max_length=MAX_NAME)
    description: str = ""
    input_schema: dict[str, Any] | None = None

    @field_validator("input_schema")
    @classmethod
    def input_schema_is_not_too_deep(cls, value):
        # Refused here, before any CLI starts: deeper, the CLI drops the tool (see
        # MAX_SCHEMA_DEPTH), and deeper still json.dumps in tool_set_key raises.
        return value if value is None else _no_deeper_than_a_tool_schema(value)


def _no_deeper_than_a_tool_schema(schema):
    if nested_deeper_than(schema, MAX_SCHEMA_DEPTH) is not None:
        raise PydanticCustomError(
            "schema_depth",
            "the schema is nested more than {limit} levels deep; {limit} is the maximum allowed depth",
            {"limit": MAX_SCHEMA_DEPTH},
        )
    return schema


class Thinking(_Strict):
    type: Literal["enabled", "adaptive", "disabled"]
    budget_tokens: int | None = Field(default=None, ge=1024)
    display: Literal["summarized", "omitted"] | None = None

    @model_validator(mode="after")
    def enabled_has_a_budget(self):
        if self.type == "enabled" and self.budget_tokens is None:
            raise PydanticCustomError("thinking_budget", "budget_tokens: Field required when type is 'enabled'")
        return self

    @property
    def shown(self):
        """Whether the client asked to see thinking blocks."""
        return self.type != "disabled"


class OutputFormat(_Strict):
    """Structured outputs: the answer is JSON valid against `schema`."""

    type: Literal["json_schema"]
    schema_: dict[str, Any] = Field(alias="schema")

    @field_validator("schema_")
    @classmethod
    def schema_is_an_object_schema(cls, value):
        # The CLI offers the schema as its StructuredOutput tool's input: an object, as a
        # tool's input must be, and no deeper than a client tool's (MAX_SCHEMA_DEPTH).
        if value.get("type") != "object":
            raise PydanticCustomError("schema_root", "the schema's root must be an object schema (type: object)")
        _no_deeper_than_a_tool_schema(value)
        if problem := schema_problem(value):
            raise PydanticCustomError("schema_invalid", problem)
        return value


class OutputConfig(_Strict):
    effort: Literal["low", "medium", "high", "xhigh", "max"] | None = None
    format: OutputFormat | None = None


class ToolChoice(_Strict):
    type: Literal["auto", "any", "tool", "none"]
    name: str | None = Field(default=None, max_length=MAX_NAME)
    disable_parallel_tool_use: bool = False


class Safeguard(_Strict):
    """A check the client asks the API to run on the answer's tool calls (Claude Code's auto
    mode asks for `dangerous_tool_use`, with its classifier_context). The proxy runs none."""

    type: str = Field(min_length=1, max_length=MAX_NAME)


class MessagesRequest(_Strict):
    model: str = Field(min_length=1, max_length=MAX_MODEL)
    messages: list[Message] = Field(min_length=1)
    system: list[TextBlock] | None = None
    stream: bool = False  # as the real API: one JSON message unless asked
    max_tokens: int | None = Field(default=None, ge=1)
    temperature: float | None = Field(default=None, ge=0, le=1)
    top_p: float | None = None
    top_k: int | None = Field(default=None, ge=0)
    stop_sequences: list[str] | None = None
    metadata: dict[str, Any] | None = None
    tools: list[Tool] | None = None
    tool_choice: ToolChoice | None = None
    thinking: Thinking | None = None
    output_config: OutputConfig | None = None
    output_format: OutputFormat | None = None  # the structured-outputs beta's name for output_config.format
    safeguards: list[Safeguard] | None = None

    @field_validator("system", mode="before")
    @classmethod
    def system_text_is_one_block(cls, value):
        return value if value is None else _text_or_blocks(value, "text blocks")

    @field_validator("temperature", "top_p", mode="before")
    @classmethod
    def ints_are_numbers(cls, value):
        # Strict mode would refuse `1` for a float; the API takes it.
        return float(value) if isinstance(value, int) and not isinstance(value, bool) else value

    @model_validator(mode="after")
    def tools_are_named_once(self):
        seen = set()
        for n, tool in enumerate(self.tools or ()):
            if tool.name in seen:
                raise PydanticCustomError("tool_name", "tools.{n}.name: two tools are named {name}", {"n": n, "name": repr(tool.name)})
            seen.add(tool.name)
        return self

    @model_validator(mode="after")
    def tool_choice_names_a_tool(self):
        choice = self.tool_choice
        if choice is not None and choice.type == "any" and not self.tools:
            raise PydanticCustomError("tool_choice_tools", "tool_choice: asks for a tool call, but no tools are given")
        if choice is not None and choice.type == "tool":
            if not choice.name:
                raise PydanticCustomError("tool_choice_name", "tool_choice.name: Field required when type is 'tool'")
            if choice.name not in {tool.name for tool in self.tools or ()}:
                raise PydanticCustomError("tool_choice_name", f"tool_choice.name: no tool named {choice.name!r} in tools")
        return self

    @model_validator(mode="after")
    def user_text_says_something(self):
        # As the API refuses it; the CLI, sent a blank prompt, answers with no message at all.
        for n, message in enumerate(self.messages):
            for m, block in enumerate(message.content if message.role == "user" else ()):
                if block.type == "text" and not block.text.strip():
                    words = "contain non-whitespace text" if block.text else "be non-empty"
                    raise PydanticCustomError(
                        "blank_text", f"messages.{n}.content.{m}.text: text content blocks must {words}"
                    )
        return self

    @model_validator(mode="after")
    def tool_blocks_pair_up(self):
        if problem := tool_pairing_problem(self.messages):
            raise PydanticCustomError("tool_pairing", problem)
        return self

    @property
    def output_schema(self):
        """The JSON Schema the answer must match (structured outputs), or None."""
        given = (self.output_config and self.output_config.format) or self.output_format
        return given.schema_ if given else None

    @property
    def safeguard_results(self):
        """Each safeguard asked for, answered `unsupported`: no classifier runs here, and a
        verdict the proxy made up would pass or stop actions nobody checked."""
        return [{"type": safeguard.type, "status": {"type": "unsupported"}} for safeguard in self.safeguards or ()]

    @property
    def system_text(self):
        return "\n".join(block.text for block in self.system or ())
