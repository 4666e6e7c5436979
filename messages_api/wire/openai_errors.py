"""The engine's errors in OpenAI's words, for both OpenAI wire formats.

Pure but for the JsonResponse. Chat Completions and the Responses API document one
error object, {"error": {"message", "type", "param", "code"}}, so an ApiError (the
engine's, in Anthropic's error types) is the same object on either wire, with the
engine's status: the openai clients raise their exception classes by it. What is each
wire's own stays there: a chat stream ends with this envelope as a chunk
(openai_chat), a Responses stream with response.failed, whose error has a code from
that API's short list (responses_events.failure_code).
"""

import re

from django.http import JsonResponse

# Anthropic error type -> OpenAI's (type, code), as OpenAI's API names them.
ERRORS = {
    "invalid_request_error": ("invalid_request_error", None),
    "authentication_error": ("invalid_request_error", "invalid_api_key"),
    "permission_error": ("invalid_request_error", "permission_denied"),
    "not_found_error": ("invalid_request_error", "not_found"),
    "rate_limit_error": ("requests", "rate_limit_exceeded"),
    "billing_error": ("insufficient_quota", "insufficient_quota"),
    "overloaded_error": ("server_error", "overloaded"),
    "timeout_error": ("server_error", "timeout"),
    "api_error": ("server_error", None),
}
# Claude's words for a prompt over the context window (a 400): OpenAI has a code for it.
CONTEXT_TOO_LONG = re.compile(r"prompt is too long|context (length|window)|too many tokens|input is too long", re.I)
# A 400's message begins with the field it names: "messages.2.content.0.type: ...".
FIELD = re.compile(r"([A-Za-z_][\w]*(?:\.[\w]+)*): ")


def error_object(error):
    """An ApiError as OpenAI's error object: {message, type, param, code}."""
    error_type, code = ERRORS.get(error.error_type, ("server_error", None))
    if error.status == 400 and CONTEXT_TOO_LONG.search(error.message):
        code = "context_length_exceeded"
    return {"message": error.message, "type": error_type, "param": named_field(error), "code": code}


def named_field(error):
    """The field a 400 is about: the one the wire named (wire.bad), else the one its
    message begins with; None for any other error."""
    if error.status != 400:
        return None
    if named := getattr(error, "param", None):
        return named
    found = FIELD.match(error.message)
    return found[1] if found else None


def envelope(error):
    return {"error": error_object(error)}


def error_response(error):
    return JsonResponse(envelope(error), status=error.status)
