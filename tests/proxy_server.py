"""The proxy as tests run it: `manage.py serve` in a subprocess on a free port."""

import os
import random
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil

REPO = Path(__file__).resolve().parent.parent


def free_port():
    """A port no one listens on. Under pytest-xdist each worker picks from a range of its
    own below the kernel's ephemeral ports, so two workers never pick the same port in the
    moment between this probe and the proxy's own bind."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not worker.startswith("gw"):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            return probe.getsockname()[1]
    first = 10000 + 2000 * int(worker[2:])
    for port in random.sample(range(first, first + 2000), 2000):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {first}..{first + 1999}")


def cli_test_env(upstream_url, home):
    """The env the real CLI needs to run offline against the fake upstream (DESIGN.md §1)."""
    home = Path(home)
    (home / ".claude").mkdir(parents=True, exist_ok=True)
    (home / "work").mkdir(exist_ok=True)
    return {
        "ANTHROPIC_BASE_URL": upstream_url,
        "ANTHROPIC_API_KEY": "sk-ant-fake-upstream",
        "HOME": str(home),
        "CLAUDE_CONFIG_DIR": str(home / ".claude"),
        "DISABLE_TELEMETRY": "1",
        "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
        "DISABLE_AUTOUPDATER": "1",
        "CLAUDE_PROXY_UPSTREAM_RETRIES": "0",
        "CLAUDE_PROXY_WORKDIR": str(home / "work"),
        # Tests that count a proxy's CLI processes count conversations' ones; the warm
        # spares have tests of their own (test_warm_spares.py).
        "CLAUDE_PROXY_WARM_SPARES": "0",
    }


class ProxyServer:
    def __init__(self, env, data_dir, port=None, host=None):
        self.port = port or free_port()
        self.host_args = ("--host", host) if host else ()
        self.data_dir = Path(data_dir)
        self.env = {**os.environ, "CLAUDE_PROXY_DATA_DIR": str(self.data_dir), **env}
        self.log_path = self.data_dir.parent / f"proxy-{self.port}.log"
        self.process = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout=30):
        self.data_dir.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "serve", "--port", str(self.port), *self.host_args],
            cwd=REPO,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # a group of its own (and its CLIs'), as under systemd
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"proxy exited with {self.process.returncode}:\n{self.output()}")
            try:
                httpx.get(f"{self.url}/v1/messages", timeout=1)
                return self
            except httpx.TransportError:
                time.sleep(0.1)
        raise RuntimeError(f"proxy did not start in {timeout}s:\n{self.output()}")

    def clis(self):
        """The live `claude` processes this server started; one that has exited (a zombie
        not yet reaped, or gone) is not live, so it is left out rather than raising."""
        if self.process is None:
            return []
        try:
            children = psutil.Process(self.process.pid).children()
        except psutil.NoSuchProcess:
            return []
        live = []
        for child in children:
            try:
                if child.status() != psutil.STATUS_ZOMBIE and "claude" in " ".join(child.cmdline()):
                    live.append(child)
            except psutil.Error:  # exited between listing and asking
                continue
        return live

    def output(self):
        return self.log_path.read_text(errors="replace")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
