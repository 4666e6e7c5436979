"""Subagents: the agent names a client's task tool offers, and a wrong name mended.

OpenCode's `task` tool lists its agents in its description ("- explore: …"). Claude
sometimes calls it with a name from its own habits ("general-purpose", "Explore"),
which the client would refuse; the call is mended to the nearest valid name before
the client sees it. Deterministic string matching, after the seed's agentMatch.ts.
"""

import re

TASK_TOOLS = ("task", "Task")
AGENT_FIELD = "subagent_type"
AGENT_LIST = re.compile(r"Available agent types.*?:\n((?:- [\w][\w-]*:.*\n?)+)", re.DOTALL)
AGENT_LINE = re.compile(r"^- ([\w][\w-]*):", re.MULTILINE)

# Names Claude reaches for, and the agent each usually means.
KNOWN_ALIASES = {
    "general-purpose": "general",
    "default": "general",
    "code-reviewer": "oracle",
    "reviewer": "oracle",
    "code-review": "oracle",
    "review": "oracle",
    "consultation": "oracle",
    "analyzer": "oracle",
    "debugger": "oracle",
    "search": "explore",
    "grep": "explore",
    "find": "explore",
    "codebase-search": "explore",
    "research": "librarian",
    "docs": "librarian",
    "documentation": "librarian",
    "lookup": "librarian",
    "reference": "librarian",
    "consult": "oracle",
    "architect": "oracle",
    "image-analyzer": "multimodal-looker",
    "image": "multimodal-looker",
    "pdf": "multimodal-looker",
    "visual": "multimodal-looker",
    "planner": "plan",
    "planning": "plan",
    "builder": "build",
    "coder": "build",
    "developer": "build",
    "writer": "build",
    "executor": "build",
}
STRIP_SUFFIXES = ("-agent", "-tool", "-worker", "-task", " agent", " tool")


def agent_names(description):
    """The agent names a task tool's description lists, in order."""
    found = AGENT_LIST.search(description or "")
    return AGENT_LINE.findall(found.group(1)) if found else []


def nearest_agent(name, valid):
    """The valid agent `name` most likely means; its lower case when none fits."""
    if not name or not valid:
        return name.lower() if name else name
    lowered = name.lower()
    by_lower = {agent.lower(): agent for agent in valid}
    if lowered in by_lower:
        return by_lower[lowered]
    if KNOWN_ALIASES.get(lowered) in valid:
        return KNOWN_ALIASES[lowered]
    for matches in (
        lambda agent: agent.lower().startswith(lowered),
        lambda agent: lowered in agent.lower(),
    ):
        if found := next((agent for agent in valid if matches(agent)), None):
            return found
    for suffix in STRIP_SUFFIXES:
        if lowered.endswith(suffix) and (stripped := lowered[: -len(suffix)]) in by_lower:
            return by_lower[stripped]
    return next((agent for agent in valid if agent.lower() in lowered), lowered)


class SubagentCalls:
    """The client's task tool, if it offers one: mends calls, names the agents."""

    def __init__(self, tools):
        task = next((tool for tool in tools or () if tool.name in TASK_TOOLS), None)
        self.tool_name = task.name if task else None
        self.valid = agent_names(task.description) if task else []

    def __bool__(self):
        return bool(self.valid)

    def mend(self, tool_input):
        """A task call's input with its agent name made one the client knows."""
        name = tool_input.get(AGENT_FIELD)
        if not isinstance(name, str) or name in self.valid:
            return tool_input
        return {**tool_input, AGENT_FIELD: nearest_agent(name, self.valid)}

    def input_menders(self):
        """For the event filter: client tool name -> the function that mends its input."""
        return {self.tool_name: self.mend} if self else {}

    def system_note(self):
        listed = ", ".join(self.valid)
        return f"When you call the {self.tool_name} tool, {AGENT_FIELD} must be one of: {listed}."
