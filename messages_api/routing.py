from django.urls import path

from .live import ActivityConsumer

websocket_urlpatterns = [path("ws/activity/", ActivityConsumer.as_asgi())]
