"""The engine as the admin asks for it (sessions_admin.engine): plugged in by this app's
ready(), so that sessions_admin imports nothing of the engine."""

from .claude.registry import runtimes
from .instances import stop_everywhere


class Engine:
    def running(self):
        return runtimes.running()

    def describe(self):
        return runtimes.describe()

    def stop_everywhere(self, keys):
        stop_everywhere(keys)
