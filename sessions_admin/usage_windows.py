"""The Claude subscription's usage windows, as the CLI last reported them.

A subscription is metered in windows (five hours, seven days, a weekly one per model
family, extra usage). The CLI reads the upstream's `anthropic-ratelimit-unified-*`
headers and, when their state changes, yields a RateLimitEvent whose `raw` dict is its
own reading: `status`, `rateLimitType` (the window that decided), `resetsAt` (Unix
seconds), `overageStatus`, and `unifiedWindows` with each window's utilization (0–1),
reset and status. `UsageWindow` keeps the latest state of each window per login.
"""

from datetime import datetime
from datetime import timezone as dt_timezone

from django.db import models
from django.utils import timezone

# The windows the CLI names (its rateLimitType), with what a person calls them, the
# header suffix of anthropic-ratelimit-unified-<suffix>-*, and their length in minutes.
WINDOWS = (
    ("five_hour", "5-hour"),
    ("seven_day", "weekly"),
    ("seven_day_opus", "weekly Opus"),
    ("seven_day_sonnet", "weekly Sonnet"),
    ("seven_day_overage_included", "weekly (extra usage included)"),
    ("overage", "extra usage"),
)
HEADER_SUFFIXES = {
    "five_hour": "5h",
    "seven_day": "7d",
    "seven_day_opus": "7d_opus",
    "seven_day_sonnet": "7d_sonnet",
    "seven_day_overage_included": "7d_oi",
    "overage": "overage",
}
WINDOW_MINUTES = {"five_hour": 5 * 60, "seven_day": 7 * 24 * 60}
# The model family a window meters alone; the others meter every model.
WINDOW_FAMILIES = {"seven_day_opus": "opus", "seven_day_sonnet": "sonnet"}

STATUSES = (
    ("allowed", "Allowed"),
    ("allowed_warning", "Warning"),
    ("rejected", "Refused"),
)
# The CLI's errorCode of a refusal only extra usage could have served.
CREDITS_REQUIRED = "credits_required"


def window_label(window):
    return dict(WINDOWS).get(window, window.replace("_", " "))


def from_timestamp(seconds):
    """A reset time the CLI gives in Unix seconds, as an aware datetime."""
    if seconds in (None, ""):
        return None
    return datetime.fromtimestamp(float(seconds), tz=dt_timezone.utc)


def windows_from_event(raw):
    """{window: {status, utilization, resets_at}} of one RateLimitEvent's raw dict.

    The window that decided (`rateLimitType`) takes the event's own status, but for a
    refusal only extra usage could have served (credits_required): that one refuses such
    requests, not the window. Extra usage is the `overage` window, when the account has it.
    """
    windows = {
        name: {
            "status": reading.get("status") or "allowed",
            "utilization": reading.get("utilization"),
            "resets_at": from_timestamp(reading.get("resetsAt")),
        }
        for name, reading in (raw.get("unifiedWindows") or {}).items()
    }
    decided = raw.get("rateLimitType")
    if decided and decided != "overage":
        window = windows.setdefault(decided, {"status": "allowed", "utilization": raw.get("utilization")})
        window["resets_at"] = window.get("resets_at") or from_timestamp(raw.get("resetsAt"))
        if raw.get("errorCode") != CREDITS_REQUIRED and raw.get("status") in ("rejected", "allowed_warning"):
            window["status"] = raw["status"]
    if raw.get("overageStatus"):
        windows["overage"] = {
            "status": raw["overageStatus"],
            "utilization": windows.get("overage", {}).get("utilization"),
            "resets_at": from_timestamp(raw.get("overageResetsAt")),
            "disabled_reason": raw.get("overageDisabledReason") or "",
        }
    return windows


def applies_to(window, model):
    """Whether `window` meters requests for `model` (a weekly Opus window not Sonnet's)."""
    family = WINDOW_FAMILIES.get(window)
    return family is None or family in (model or "").lower()


def in_order(windows):
    """Windows as a person reads them: per login, the five-hour one first, extra usage last."""
    order = [name for name, _ in WINDOWS]
    return sorted(windows, key=lambda w: (w.login, order.index(w.window) if w.window in order else len(order)))


def refusing(windows, model, now=None, extra_usage=True):
    """The window that refuses a request for `model` now, or None. While the account's
    extra usage is allowed it serves what a spent window would refuse (the CLI says
    isUsingOverage), unless the request may not use it (`extra_usage` False)."""
    extra = next((w for w in windows if w.window == "overage"), None)
    if extra_usage and extra is not None and extra.status != "rejected":
        return None
    return next((w for w in windows if w.refuses(model, now)), None)


def deciding(windows, now=None):
    """The window that says most about the requests now, as the upstream's
    representative-claim does: a refusing one, else a warning, else the fullest."""
    current = [w for w in windows if w.window != "overage" and not w.has_reset(now)]
    rank = {"rejected": 2, "allowed_warning": 1}
    return max(current, key=lambda w: (rank.get(w.status, 0), w.utilization or 0), default=None)


class UsageWindowQuerySet(models.QuerySet):
    def of_login(self, login):
        return self.filter(login=login)

    async def arecord(self, login, raw, now=None):
        """Keep the state one RateLimitEvent (its raw dict) reports, window by window."""
        now = now or timezone.now()
        for window, state in windows_from_event(raw).items():
            await self.aupdate_or_create(
                login=login,
                window=window,
                defaults={
                    "status": state["status"],
                    "utilization": state.get("utilization"),
                    "resets_at": state.get("resets_at"),
                    "disabled_reason": state.get("disabled_reason", ""),
                    "error_code": (raw.get("errorCode") or "") if window == raw.get("rateLimitType") else "",
                    "observed_at": now,
                },
            )


class UsageWindow(models.Model):
    """One usage window of one Claude login, in the state the CLI last reported."""

    login = models.CharField(max_length=200)
    window = models.CharField(max_length=40, choices=WINDOWS)
    status = models.CharField(max_length=20, choices=STATUSES)
    utilization = models.FloatField(null=True, blank=True)  # 0–1, as the upstream says it
    resets_at = models.DateTimeField(null=True, blank=True)
    # Extra usage only: why the account cannot draw from it (the upstream's words).
    disabled_reason = models.CharField(max_length=100, blank=True)
    # The CLI's errorCode of the refusal this window decided (e.g. credits_required).
    error_code = models.CharField(max_length=40, blank=True)
    observed_at = models.DateTimeField(default=timezone.now)

    objects = UsageWindowQuerySet.as_manager()

    class Meta:
        app_label = "sessions_admin"
        ordering = ["login", "window"]
        constraints = [models.UniqueConstraint(fields=["login", "window"], name="usagewindow_one_per_login")]

    def __str__(self):
        return f"{self.login}: {self.label} {self.status}"

    @property
    def label(self):
        return window_label(self.window)

    def has_reset(self, now=None):
        """The reset time has passed: the stored state is of the window before it."""
        return self.resets_at is not None and self.resets_at <= (now or timezone.now())

    def refuses(self, model, now=None):
        """Whether a request for `model` is refused by this window until its reset."""
        return (
            self.status == "rejected"
            and self.window != "overage"
            and self.resets_at is not None
            and not self.has_reset(now)
            and applies_to(self.window, model)
        )

    def seconds_to_reset(self, now=None):
        if self.resets_at is None:
            return None
        return max(0, round((self.resets_at - (now or timezone.now())).total_seconds()))
