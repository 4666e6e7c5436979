"""How far the offline count_tokens estimate is from what the real API counted.

    .venv/bin/python bench/token_counts.py

tests/fixtures/real_token_counts.json holds request bodies from public sources (notebook
outputs, recorded test traffic) with the `input_tokens` the real API reported for each;
every body goes through the same validation and count as POST /v1/messages/count_tokens.
Prints each pair's estimate / reported ratio, then the median and worst error.
"""

import json
import os
import statistics
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "proxy_project.settings")

import django  # noqa: E402

django.setup()

from messages_api.wire.anthropic import parse_messages_request  # noqa: E402
from messages_api.token_count import count_input_tokens  # noqa: E402

PAIRS = REPO / "tests" / "fixtures" / "real_token_counts.json"


def estimate(pair):
    body = json.dumps({"model": pair["model"], **pair["body"]}).encode()
    params = parse_messages_request(body, "application/json")
    return count_input_tokens(params.model_dump(mode="json", exclude_none=True))


def main():
    pairs = json.loads(PAIRS.read_text())
    ratios = []
    print(f"{'model':32} {'tools':>5} {'reported':>8} {'estimate':>8} {'ratio':>6}")
    for pair in pairs:
        estimated, reported = estimate(pair), pair["reported_input_tokens"]
        ratios.append(estimated / reported)
        tools = len(pair["body"].get("tools", []))
        print(f"{pair['model'][:32]:32} {tools:5} {reported:8} {estimated:8} {estimated / reported:6.2f}")
    errors = sorted(abs(ratio - 1) for ratio in ratios)
    print(f"\n{len(pairs)} pairs: estimate / reported median {statistics.median(ratios):.2f}, "
          f"range {min(ratios):.2f}-{max(ratios):.2f}; absolute error median {statistics.median(errors):.0%}, "
          f"90th percentile {errors[int(len(errors) * 0.9) - 1]:.0%}, worst {errors[-1]:.0%}")  # fmt: skip


if __name__ == "__main__":
    main()
