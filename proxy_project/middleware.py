"""Middleware that only the admin's pages use, run for them alone."""

from asgiref.sync import sync_to_async
from django.conf import settings
from django.middleware.csrf import CsrfViewMiddleware
from django.utils.module_loading import import_string

from messages_api.middleware import AsyncMiddleware

ADMIN_PREFIX = "/admin/"


class AdminOnlyMiddleware(AsyncMiddleware):
    """settings.ADMIN_MIDDLEWARE (sessions, CSRF, login, messages, frame options), for
    /admin/ only.

    Under ASGI Django runs each method of these sync middlewares in a thread: ~9 thread
    hops for every request, though the API uses none of them, and an answer's first token
    came 3-5 ms later for them (measured). The admin's requests go through them as before,
    CSRF's check of the view included: Django asks this middleware's process_view.
    """

    def __init__(self, get_response):
        super().__init__(get_response)
        self.admin = get_response
        for path in reversed(settings.ADMIN_MIDDLEWARE):
            self.admin = import_string(path)(self.admin)
            if isinstance(self.admin, CsrfViewMiddleware):
                self.csrf = self.admin

    async def __call__(self, request):
        if request.path.startswith(ADMIN_PREFIX):
            return await self.admin(request)
        return await self.get_response(request)

    async def process_view(self, request, view, args, kwargs):
        if request.path.startswith(ADMIN_PREFIX):
            return await sync_to_async(self.csrf.process_view)(request, view, args, kwargs)
        return None
