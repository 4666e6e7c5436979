"""The Vercel AI SDK as the tests drive it: tests/clients/vercel.mjs, one job per run."""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SCRIPT = REPO / "tests" / "clients" / "vercel.mjs"

NOTES = {
    "name": "read_notes",
    "description": "Read the user's notes",
    "inputSchema": {
        "type": "object",
        "properties": {"topic": {"type": "string"}},
        "required": ["topic"],
        "additionalProperties": False,
    },
    "result": "buy milk",
}


def needs(*packages):
    """Skip unless node and these npm packages are there; CI has them all (.ci/run)."""
    installed = shutil.which("node") and all((REPO / "node_modules" / name / "package.json").exists() for name in packages)
    return pytest.mark.skipif(
        not installed and not os.environ.get("CI"), reason=f"{', '.join(packages)} not installed (.ci/run installs them)"
    )


def vercel(proxy, **job):
    """Run tests/clients/vercel.mjs on one job; what the SDK returned, as a dict."""
    job = {"baseURL": f"{proxy.url}/v1", "timeoutMs": 60000, **job}
    result = subprocess.run(
        ["node", str(SCRIPT)], input=json.dumps(job), cwd=REPO, capture_output=True, text=True, timeout=90
    )
    assert result.returncode == 0, result.stderr or result.stdout or result.returncode
    return json.loads(result.stdout)
