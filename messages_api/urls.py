from django.urls import path

from . import views

urlpatterns = [
    path("v1/messages", views.create_message),
    path("messages", views.create_message),
    path("health", views.health),
    path("livez", views.livez),
    path("readyz", views.readyz),
]
