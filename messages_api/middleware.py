"""The base of the proxy's middleware."""

from asgiref.sync import markcoroutinefunction


class AsyncMiddleware:
    """Middleware for the async stack only: a sync one would push the views into threads."""

    async_capable = True
    sync_capable = False

    def __init__(self, get_response):
        self.get_response = get_response
        markcoroutinefunction(self)
