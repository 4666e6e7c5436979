"""How the CLI names the tools of an MCP server: `mcp__<server>__<tool>`, in one place;
and the one tool of its own the proxy lets it offer."""

SEPARATOR = "__"
PREFIX = f"mcp{SEPARATOR}"
# The CLI's tool for structured outputs (options.output_format): never a client's, whose
# tools are all MCP tools, and never shown to the client (the answer's JSON is).
STRUCTURED_OUTPUT = "StructuredOutput"


def cli_name(server, tool):
    """The name the CLI (and the model) knows `tool` of `server` by."""
    return f"{PREFIX}{server}{SEPARATOR}{tool}"


def tool_of(server, name):
    """The tool's own name if `name` is one of `server`'s tools, else None."""
    prefix = cli_name(server, "")
    return name[len(prefix) :] if name.startswith(prefix) else None


def is_mcp(name):
    """Whether `name` is an MCP tool's (the proxy's own servers are the only ones)."""
    return name.startswith(PREFIX)
