from django.contrib import admin
from django.contrib.admin.views.decorators import staff_member_required
from django.shortcuts import render


@staff_member_required
def live_activity(request):
    context = {**admin.site.each_context(request), "title": "Live activity"}
    return render(request, "admin/live_activity.html", context)
