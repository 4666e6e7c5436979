from django.urls import path

from proxy_project.endpoints import ENDPOINTS

from . import views

urlpatterns = [path(endpoint.route, getattr(views, endpoint.view)) for endpoint in ENDPOINTS]
