from django.contrib import admin
from django.urls import include, path

from messages_api.metrics import metrics_view
from messages_api.live import live_activity
from sessions_admin.views import dashboard_data, dashboard_page

urlpatterns = [
    # The dashboard is the admin's index page: it comes before the admin's own.
    path("admin/", dashboard_page, name="dashboard"),
    path("admin/dashboard.json", dashboard_data, name="dashboard_data"),
    path("admin/live/", live_activity, name="live_activity"),
    path("admin/", admin.site.urls),
    path("metrics", metrics_view, name="metrics"),
    path("", include("messages_api.urls")),
]

# Every error a client can meet is an Anthropic-style JSON envelope, never HTML.
handler400 = "messages_api.views.bad_request"
handler403 = "messages_api.views.permission_denied"
handler404 = "messages_api.views.not_found"
handler500 = "messages_api.views.server_error"
