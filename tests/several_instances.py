"""Two proxy instances on PostgreSQL and Redis behind nginx with deploy/'s configuration,
all real servers on 127.0.0.1 (tests/test_several_instances.py)."""

import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import httpx

from tests.conftest import TEST_ROOT
from tests.proxy_server import REPO, ProxyServer, cli_test_env, free_port

DEPLOYED_PORTS = ("127.0.0.1:3457", "127.0.0.1:3458", "127.0.0.1:3456")  # as deploy/ lists them


def wait_until(condition, timeout=20, what="the condition"):
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)
    return value


class Redis:
    def __init__(self):
        self.port = free_port()
        self.process = subprocess.Popen(
            ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )
        wait_until(self._answers, what="redis-server")

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}/0"

    def _answers(self):
        try:
            return subprocess.run(["redis-cli", "-p", str(self.port), "ping"], capture_output=True, text=True).stdout.strip() == "PONG"
        except FileNotFoundError:
            return False

    def stop(self):
        self.process.terminate()
        self.process.wait(10)


class Nginx:
    """nginx with deploy/nginx-claude-max-proxy.conf, its ports replaced by the test's."""

    def __init__(self, instance_ports):
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="nginx-", dir=TEST_ROOT))
        os.chmod(self.dir, 0o777)  # its workers, when the tests run as root, are `nobody`
        site = (REPO / "deploy" / "nginx-claude-max-proxy.conf").read_text()
        for deployed, port in zip(DEPLOYED_PORTS, [*instance_ports, self.port]):
            assert deployed in site, f"deploy/ no longer lists {deployed}"
            site = site.replace(deployed, f"127.0.0.1:{port}")
        (self.dir / "site.conf").write_text(site)
        user = "user root;" if os.geteuid() == 0 else ""
        (self.dir / "nginx.conf").write_text(
            f"""{user}
worker_processes 1;
pid {self.dir}/nginx.pid;
error_log {self.dir}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log {self.dir}/access.log;
    client_body_temp_path {self.dir}/body;
    proxy_temp_path {self.dir}/proxy;
    fastcgi_temp_path {self.dir}/fastcgi;
    uwsgi_temp_path {self.dir}/uwsgi;
    scgi_temp_path {self.dir}/scgi;
    include {self.dir}/site.conf;
}}
"""
        )
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        self.process = subprocess.Popen([nginx, "-p", str(self.dir), "-c", str(self.dir / "nginx.conf"), "-g", "daemon off;"])
        wait_until(self._answers, what="nginx")

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def _answers(self):
        if self.process.poll() is not None:
            raise RuntimeError(f"nginx exited: {(self.dir / 'error.log').read_text()}")
        try:
            return httpx.get(f"{self.url}/livez", timeout=1).status_code == 200
        except httpx.TransportError:
            return False

    def stop(self):
        self.process.terminate()
        self.process.wait(10)


class Cluster:
    """Instances a and b (homes apart: what one knows of the other's turns comes from the
    database), on one database, one Redis and one work dir, behind nginx."""

    def __init__(self, upstream_url, cli_env, redis):
        self.upstream_url, self.workdir, self.redis = upstream_url, cli_env["CLAUDE_PROXY_WORKDIR"], redis
        self.ports = {"a": free_port(), "b": free_port()}
        self.instances = {name: self._start(name) for name in self.ports}
        self.nginx = Nginx(list(self.ports.values()))

    def _start(self, name):
        env = cli_test_env(self.upstream_url, TEST_ROOT / f"cluster-{name}-home")
        env.update(
            CLAUDE_PROXY_WORKDIR=self.workdir,
            CLAUDE_PROXY_INSTANCE=name,
            REDIS_URL=self.redis.url,
            CLAUDE_PROXY_HEARTBEAT_SECONDS="1",
            CLAUDE_PROXY_LEASE_SECONDS="5",
        )
        return ProxyServer(env, TEST_ROOT / "data", port=self.ports[name]).start()

    def __getitem__(self, name):
        return self.instances[name]

    def answered_by(self, request_id):
        """The instance whose log says it served the request."""
        found = [name for name, server in self.instances.items() if f"request_id={request_id} " in server.output()]
        assert len(found) == 1, f"{request_id} served by {found}"
        return found[0]

    def kill(self, name):
        """The instance dies with its CLIs, as its host would (its own process group)."""
        server = self.instances[name]
        os.killpg(server.process.pid, signal.SIGKILL)
        server.process.wait()

    def revive(self, name):
        if self.instances[name].process.poll() is not None:
            self.instances[name] = self._start(name)

    def stop(self):
        self.nginx.stop()
        for server in self.instances.values():
            server.stop()
