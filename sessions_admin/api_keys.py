"""API keys as rows: one per person or tool, named for whose it is, its secret kept only
as a hash. messages_api.api_key checks them on every protected path."""

import hashlib
import secrets
from datetime import timedelta

from django.db import models
from django.utils import timezone

from .logins import DEFAULT as DEFAULT_LOGIN

# Every secret starts so (claude-max-proxy), which tells a leaked one for what it is.
SECRET_PREFIX = "cmp_"
# How much of a secret lists show to tell keys apart: the prefix and 8 characters.
SHOWN_CHARS = len(SECRET_PREFIX) + 8
# last_used is written at most this often per key: not a write on every request.
LAST_USED_EVERY = timedelta(minutes=1)
# Whether the key's requests may be served from extra usage once a plan window is spent.
EXTRA_USAGE = (("", "As CLAUDE_PROXY_EXTRA_USAGE says"), ("allow", "Allow"), ("never", "Never"))
# The model families a key may be kept to: the CLI runs one of these three for any model
# name a client sends (messages_api.claude.options.cli_model).
MODEL_FAMILIES = (("opus", "Opus"), ("sonnet", "Sonnet"), ("haiku", "Haiku"))


def digest(secret):
    """The stored form of a secret. A key is 32 random bytes, not a password: a fast hash
    is as safe to keep as a slow one and costs nothing per request."""
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiKeyQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked=None)

    def create_key(self, name, logins=(), fallback=False, model_families=()):
        """A new key and its secret, which is shown once and kept nowhere."""
        key = self.model(name=name, logins=list(logins), fallback=fallback, model_families=list(model_families))
        secret = key.new_secret()
        key.save()
        return key, secret

    def admitting(self, secret):
        """The active key whose secret this is, or None: one read by a unique index."""
        return self.active().filter(secret_hash=digest(secret)).first()


class ApiKey(models.Model):
    name = models.CharField(max_length=100, unique=True, help_text="whose key it is: alice-laptop, ci-bot")
    prefix = models.CharField(max_length=SHOWN_CHARS, editable=False)
    secret_hash = models.CharField(max_length=64, unique=True, editable=False)
    created = models.DateTimeField(default=timezone.now, editable=False)
    last_used = models.DateTimeField(null=True, blank=True, editable=False)
    revoked = models.DateTimeField(null=True, blank=True, editable=False)
    extra_usage = models.CharField(max_length=8, blank=True, choices=EXTRA_USAGE, default="")
    # The Claude logins (ClaudeLogin.name) it may use, in order: new conversations go to the
    # first one no window refuses. None named: the default login alone.
    logins = models.JSONField(default=list, blank=True, help_text="Claude login names, in order")
    fallback = models.BooleanField(
        default=False, help_text="a conversation whose login is refused moves on to the next login"
    )

    # The model families (MODEL_FAMILIES) it may ask for; none named: every one.
    model_families = models.JSONField(default=list, blank=True, help_text="model families: opus, sonnet, haiku")

    objects = ApiKeyQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = "API key"

    def __str__(self):
        return self.name

    def usable_logins(self):
        return list(self.logins) or [DEFAULT_LOGIN]

    def new_secret(self):
        """Give the key a new secret, returned to be shown once: only its hash is kept."""
        secret = SECRET_PREFIX + secrets.token_urlsafe(32)
        self.prefix, self.secret_hash = secret[:SHOWN_CHARS], digest(secret)
        return secret

    def revoke(self):
        ApiKey.objects.filter(pk=self.pk, revoked=None).update(revoked=timezone.now())

    def note_use(self, now=None):
        """Mark the key used, at most once per LAST_USED_EVERY: a request finding it fresh
        writes nothing (on SQLite even an UPDATE that matches no row takes the write lock)."""
        now = now or timezone.now()
        if self.last_used is not None and self.last_used >= now - LAST_USED_EVERY:
            return
        # Conditional still: another request or instance may have just written it.
        stale = models.Q(last_used=None) | models.Q(last_used__lt=now - LAST_USED_EVERY)
        ApiKey.objects.filter(stale, pk=self.pk).update(last_used=now)
