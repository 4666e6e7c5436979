"""The engine as the admin sees it, without importing it.

The admin and the dashboard run in the server that drives the Claude Code CLIs
(messages_api), and need four things of it: which conversations have a live CLI here,
what its processes are doing, a way to stop conversations' CLIs on every instance, and
what the CLI says of a Claude login's sign-in.
The engine plugs itself in when its app is ready (messages_api.apps); with none plugged
in (the admin on its own, a management command) nothing is live and nothing is stopped.
"""

from django.apps import apps


class NoEngine:
    def running(self):
        """The runtime keys with a live CLI process on this instance."""
        return set()

    def describe(self):
        """This instance's CLI processes, as the dashboard lists them."""
        return []

    def stop_everywhere(self, keys):
        """End these conversations' CLI processes on whichever instance holds them."""

    def login_status(self, name):
        """`claude auth status` of login `name` as a dict; None when it cannot tell."""
        return None


def engine():
    return apps.get_app_config("sessions_admin").engine
