"""A 5-step Codex-style tool conversation on /v1/responses, measured as bench/tool_steps.py
measures the /v1/messages one, beside the same spawn-per-request baseline.

    .venv/bin/python bench/responses_tool_steps.py [steps] [upstream delay in seconds]

The requests are Codex CLI 0.169.0's own (its first request in
tests/fixtures/codex-0.169.0/tool_round.json: its developer messages, its function
tools with `exec_command`, a namespace tool and the hosted `web_search`, `reasoning`,
`store: false`, the `session-id` / `thread-id` / `x-codex-turn-metadata` headers). Each
step Claude calls `exec_command`; the client appends the items it got (from
`response.output_item.done`, as Codex takes them) and a `function_call_output` for the
call, and sends the whole `input` again. Prints, per step: upstream calls, whether the
call repeats the previous one's prefix byte for byte, and the time to the first output
item event (`response.output_item.added`); then the baseline's time to its first content
event, and the ratio.
"""

import json

from tool_steps import REPO, arguments, main, script, streamed

CODEX_REQUEST = json.loads((REPO / "tests" / "fixtures" / "codex-0.169.0" / "tool_round.json").read_text())[0]
# What the HTTP client sets itself.
NOT_REPLAYED = ("host", "content-length")


def codex_client(upstream, steps, delay):
    """A client of /v1/responses as Codex is one; `send(proxy, n)` sends step n's request."""
    script(upstream, steps, delay, "mcp__client__exec_command", lambda n: {"cmd": f"cat f{n}.txt"})
    body, items = CODEX_REQUEST["body"], list(CODEX_REQUEST["body"]["input"])
    headers = {name: value for name, value in CODEX_REQUEST["headers"].items() if name not in NOT_REPLAYED}

    def send(proxy, number):
        first, output = None, []
        for elapsed, event in streamed(f"{proxy.url}/v1/responses", {**body, "input": items}, headers):
            if event["type"] == "response.output_item.added":
                first = first or elapsed
            elif event["type"] == "response.output_item.done":
                output.append(event["item"])
        calls = [item for item in output if item["type"] == "function_call"]
        items.extend(output)  # what the next step sends: the whole input again
        items.extend({"type": "function_call_output", "call_id": call["call_id"], "output": f"contents of f{number}.txt"} for call in calls)
        return first

    return send


if __name__ == "__main__":
    main(*arguments(), client=codex_client, title="Codex-style tool conversation on /v1/responses")
