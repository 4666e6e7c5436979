from django.apps import AppConfig
from django.conf import settings

from .engine import NoEngine


class SessionsAdminConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "sessions_admin"
    verbose_name = "Sessions and request logs"
    # What the admin asks of the CLIs' engine; the engine's app puts itself here when
    # it is ready (sessions_admin.engine).
    engine = NoEngine()

    def ready(self):
        from django.core import checks

        from . import leases

        checks.register(leases.check_lease_outlives_heartbeats)
        if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
            from . import postgres

            postgres.register()
