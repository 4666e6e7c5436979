
from django.contrib import admin
from django.contrib.admin.views.decorators import staff_member_required
from django.http import JsonResponse
from django.shortcuts import render

from . import dashboard
from .engine import engine


@staff_member_required
def dashboard_page(request):
    """The admin's index: the dashboard, then the models as Django's index lists them."""
    data = _summary(request)
    context = {
        **admin.site.each_context(request),
        "title": "Dashboard",
        "app_list": admin.site.get_app_list(request),
        "ranges": [(name, label) for name, label, *_ in dashboard.RANGES],
        "dashboard": data,
    }
    return render(request, "admin/dashboard.html", context)


@staff_member_required
def dashboard_data(request):
    return JsonResponse(_summary(request))


def _summary(request):
    range_name = request.GET.get("range", dashboard.DEFAULT_RANGE)
    return dashboard.summary(range_name, processes=engine().describe())
