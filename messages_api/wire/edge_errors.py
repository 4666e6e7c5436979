"""The proxy's own errors (a wrong key, a path it does not serve, a refused Host, a
crash) in the envelope of the wire a path belongs to: OpenAI's under the OpenAI
endpoints, so their clients raise their own exception classes, Anthropic's elsewhere."""

from sessions_admin.wire_formats import wire_format_under

from . import anthropic, openai_errors


def render(request, error):
    if not wire_format_under(request.path).startswith("openai"):
        return anthropic.error_response(error)
    response = openai_errors.error_response(error)
    if error.status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="claude-max-proxy"'
    return response
