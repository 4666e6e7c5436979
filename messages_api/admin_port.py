"""The engine as the admin asks for it (sessions_admin.engine): plugged in by this app's
ready(), so that sessions_admin imports nothing of the engine."""

from asgiref.sync import async_to_sync

from .claude.registry import runtimes
from .health import login_status
from .instances import stop_everywhere


class Engine:
    def running(self):
        return runtimes.running()

    def describe(self):
        return runtimes.describe()

    def stop_everywhere(self, keys):
        stop_everywhere(keys)

    def login_status(self, name):
        return async_to_sync(login_status)(name)
