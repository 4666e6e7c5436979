from django.apps import AppConfig


class SessionsAdminConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "sessions_admin"
    verbose_name = "Sessions and request logs"
