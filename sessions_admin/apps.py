from django.apps import AppConfig
from django.conf import settings


class SessionsAdminConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "sessions_admin"
    verbose_name = "Sessions and request logs"

    def ready(self):
        if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
            from . import postgres

            postgres.register()
