"""The HTTP API: parse the request in its wire format, hold the conversation, start a
turn or resume the paused one, respond in the same wire format."""

import functools

from asgiref.sync import sync_to_async
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt

from . import catalog, usage
from .api_key import admission_of
from .conversations import hold_conversation
from .errors import ApiError, invalid_request
from .health import auth_status, health_report, readiness
from .token_count import count_input_tokens
from .wire import anthropic, edge_errors, openai_chat, openai_responses

# The header a request picks one of its key's Claude logins by.
LOGIN_HEADER = "x-claude-login"


def api_endpoint(*methods, wire=anthropic):
    """A JSON API view: other methods get a 405, ApiErrors become responses in the error
    envelope of the view's wire format (`wire.error_response`)."""

    def decorate(view):
        @csrf_exempt
        @functools.wraps(view)
        async def wrapper(request, *args, **kwargs):
            try:
                request.allowed_methods = methods
                if request.method not in methods:
                    raise ApiError(405, "invalid_request_error", f"Method {request.method} not allowed; use {', '.join(methods)}")
                return await view(request, *args, **kwargs)
            except ApiError as error:
                return _error_response(request, error, wire.error_response)

        return wrapper

    return decorate


def _error_response(request, error, render=None):
    """`error` as the response, in the envelope `render` gives (the view's wire), else in
    the one of the wire the path belongs to."""
    record = getattr(request, "record", None)
    if record is not None and not record.error_type:
        record.fail(error)
    response = render(error) if render else edge_errors.render(request, error)
    if error.retry_after is not None:
        response["retry-after"] = str(error.retry_after)
    if error.status == 405:
        response["Allow"] = ", ".join(getattr(request, "allowed_methods", ("POST",)))
    return response


async def start_or_resume(ask, request):
    """Hold the request's conversation, then start a CLI turn, or resume the paused one
    whose tool calls this request answers. The request's log record follows the turn:
    its row is written from the turn's report (the Outcome its end returns)."""
    admission = admission_of(request)
    admission.check_model(ask.params.model)
    ask.extra_usage = admission.extra_usage == "allow"
    ask.logins, ask.fallback = admission.logins, admission.fallback
    ask.picked_login = request.headers.get(LOGIN_HEADER, "").strip()
    conversation = await hold_conversation(ask)
    conversation.on_turn = request.record.follow
    if conversation.answers_paused_turn:
        return await conversation.resume()
    return await conversation.start()


@api_endpoint("POST")
async def create_message(request):
    ask = anthropic.parse(request)
    turn = await start_or_resume(ask, request)
    return await anthropic.respond(ask, turn, request.record)


@api_endpoint("POST", wire=openai_chat)
async def create_chat_completion(request):
    ask = openai_chat.parse(request)
    turn = await start_or_resume(ask, request)
    return await openai_chat.respond(ask, turn, request.record)


@api_endpoint("POST", wire=openai_responses)
async def create_response(request):
    ask = await openai_responses.parse(request)  # async: previous_response_id is read from the database
    turn = await start_or_resume(ask, request)
    return await openai_responses.respond(ask, turn, request.record)


@api_endpoint("POST")
async def count_tokens(request):
    # Validated as /v1/messages is, so a request it would refuse is refused here too.
    params = anthropic.parse_params(request)
    request.record.model = params.model
    return JsonResponse({"input_tokens": count_input_tokens(params.model_dump(mode="json", exclude_none=True))})


@api_endpoint("GET")
async def list_models(request):
    families = admission_of(request).model_families
    page = catalog.page(**catalog.page_params(request.GET), families=families)
    return JsonResponse(catalog.with_openai_list_fields(page) if catalog.openai_client(request.headers) else page)


@api_endpoint("GET")
async def retrieve_model(request, model_id):
    model = catalog.model_info(model_id, admission_of(request).model_families)
    return JsonResponse(catalog.with_openai_fields(model) if catalog.openai_client(request.headers) else model)


@api_endpoint("GET")
async def usage_windows(request):
    """The windows of the Claude logins the request's key may use, as last reported:
    status, utilization, reset."""
    return JsonResponse(await usage.logins_report(admission_of(request).logins))


@api_endpoint("GET")
async def health(request):
    status, body = health_report(await auth_status())
    return JsonResponse(body, status=status)


@api_endpoint("GET")
async def livez(request):
    return JsonResponse({"status": "ok"})


@api_endpoint("GET")
async def readyz(request):
    status, body = await sync_to_async(readiness)()
    return JsonResponse(body, status=status)


def bad_request(request, exception=None):
    return _error_response(request, invalid_request("Bad request"))


def permission_denied(request, exception=None):
    return _error_response(request, ApiError(403, "permission_error", "Permission denied"))


def not_found(request, exception=None):
    return _error_response(request, ApiError(404, "not_found_error", f"No such endpoint: {request.method} {request.path}"))


def server_error(request):
    return _error_response(request, ApiError(500, "api_error", "Internal server error"))
