from django.urls import path

from . import views

urlpatterns = [
    path("v1/messages", views.create_message),
    path("v1/messages/count_tokens", views.count_tokens),
    path("v1/chat/completions", views.create_chat_completion),
    path("v1/models", views.list_models),
    path("v1/models/<str:model_id>", views.retrieve_model),
    path("messages", views.create_message),
    path("chat/completions", views.create_chat_completion),
    path("v1/responses", views.create_response),
    path("v1/usage", views.usage_windows),
    path("responses", views.create_response),
    path("health", views.health),
    path("livez", views.livez),
    path("readyz", views.readyz),
]
