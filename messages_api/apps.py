from django.apps import AppConfig


class MessagesApiConfig(AppConfig):
    name = "messages_api"
    verbose_name = "Messages API"

    def ready(self):
        from django.apps import apps

        from .admin_port import Engine

        apps.get_app_config("sessions_admin").engine = Engine()
