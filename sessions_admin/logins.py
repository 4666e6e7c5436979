"""Claude logins: the subscriptions the proxy runs the CLI on, and which one a turn uses.

"default" is the login the CLI finds by itself (the server's CLAUDE_CONFIG_DIR, else
~/.claude, or a token in its environment). Every other login is one `manage.py
claude_login --login NAME` signed in, in a config dir of its own under
CLAUDE_PROXY_LOGINS_DIR; its CLI is started with CLAUDE_CONFIG_DIR pointing there.

Which login a turn runs on is `choose`: a conversation stays on the login it started on
(its prompt cache is that account's); a new one takes the first of the request's logins
that no usage window refuses; a refused conversation moves on only if its key falls back.
"""

import json
import os
from pathlib import Path

from django.conf import settings
from django.db import models
from django.utils import timezone

from .usage_windows import UsageWindow, refusing

DEFAULT = "default"


def login_dir(name):
    """The config dir of a signed-in login; None for the default one (the CLI's own)."""
    return None if name == DEFAULT else Path(settings.CLAUDE_PROXY_LOGINS_DIR) / name


def login_env(name):
    """What the CLI's environment sets for login `name`. A named login's credentials are
    its config dir's: a token or API key in the server's environment would win over them."""
    if name == DEFAULT:
        return {}
    return {
        "CLAUDE_CONFIG_DIR": str(login_dir(name)),
        "CLAUDE_CODE_OAUTH_TOKEN": "",
        "ANTHROPIC_API_KEY": "",
        "ANTHROPIC_AUTH_TOKEN": "",
    }


def email_in(name):
    """The account's e-mail where the CLI's sign-in stored it, else ""."""
    config = login_dir(name)
    if config is None:
        config = Path(os.environ.get("CLAUDE_CONFIG_DIR") or Path.home() / ".claude")
        places = (config / ".claude.json", Path.home() / ".claude.json")
    else:
        places = (config / ".claude.json",)
    for path in places:
        try:
            return json.loads(path.read_text())["oauthAccount"]["emailAddress"][:200]
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return ""


def choose(candidates, windows, model, now=None, *, current="", fallback=False, extra_usage=True):
    """(the login a turn runs on, None), or (None, the window that refuses it).

    `candidates` are the names the request may use, in order; `windows` their
    UsageWindows; `current` the login the conversation is on ("" for a new one).
    """

    def refused(name):
        return refusing([w for w in windows if w.login == name], model, now, extra_usage=extra_usage)

    if current in candidates:
        if (window := refused(current)) is None:
            return current, None
        if not fallback:
            return None, window
    refusals = []
    for name in candidates:
        if (window := refused(name)) is None:
            return name, None
        refusals.append(window)
    # Every one is refused: the client may retry when the first of them resets.
    soonest = min(refusals, key=lambda w: (w.resets_at is None, w.resets_at or now), default=None)
    return None, soonest


class ClaudeLoginQuerySet(models.QuerySet):
    def names(self):
        return list(self.values_list("name", flat=True))


class ClaudeLogin(models.Model):
    name = models.SlugField(max_length=50, unique=True, help_text="what keys and the x-claude-login header call it")
    email = models.CharField(max_length=200, blank=True, editable=False)
    # From the CLI's `auth status`: None until it is asked.
    logged_in = models.BooleanField(null=True, editable=False)
    subscription_type = models.CharField(max_length=40, blank=True, editable=False)
    checked_at = models.DateTimeField(null=True, blank=True, editable=False)
    created = models.DateTimeField(default=timezone.now, editable=False)

    objects = ClaudeLoginQuerySet.as_manager()

    class Meta:
        ordering = ["created", "pk"]
        verbose_name = "Claude login"

    def __str__(self):
        return self.name

    @property
    def config_dir(self):
        return login_dir(self.name)

    def windows(self):
        return UsageWindow.objects.of_login(self.name)

    def delete(self, *args, **kwargs):
        """Its windows go with it; its conversations move, on their next turn, to a login
        their key may use (its config dir stays on disk: the credentials are the CLI's)."""
        self.windows().delete()
        return super().delete(*args, **kwargs)

    def status_written(self, status, now=None):
        """Keep what `claude auth status` said (its JSON as a dict; None: it could not tell)."""
        status = status or {}
        self.logged_in = status.get("loggedIn") if status else None
        self.email = (status.get("email") or email_in(self.name))[:200]
        self.subscription_type = (status.get("subscriptionType") or "")[:40]
        self.checked_at = now or timezone.now()
        self.save(update_fields=["logged_in", "email", "subscription_type", "checked_at"])
