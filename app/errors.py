"""Error pages: an API client gets JSON in the documented shape ({"detail": ...}), as every other API
answer is, and a browser gets Django's page. These are the refusals Django makes before (or outside)
the REST framework's own handler: unknown paths, bodies too big, failed CSRF checks, server errors;
and that handler itself (api_exception_handler), which answers every error of ours."""

import logging

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, RequestDataTooBig
from django.http import JsonResponse
from django.views import csrf, defaults
from rest_framework import exceptions
from rest_framework.views import exception_handler

from app.logs import escaped
from core.errors import ChainSleuthError
from graph import GraphError, GraphParameterError

log = logging.getLogger(__name__)


def _api(request) -> bool:
    return request.path.startswith("/api/")


def bad_request(request, exception):
    """A body over DATA_UPLOAD_MAX_MEMORY_SIZE is 413 (Django calls it a bad request, 400)."""
    if not _api(request):
        return defaults.bad_request(request, exception)
    if isinstance(exception, RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        return JsonResponse({"detail": f"the request body is over {limit} bytes, the most accepted"}, status=413)
    return JsonResponse({"detail": "bad request"}, status=400)


def csrf_failure(request, reason=""):
    if _api(request):
        return JsonResponse({"detail": f"CSRF check failed: {reason}"}, status=403)
    return csrf.csrf_failure(request, reason)


def not_found(request, exception):
    if _api(request):
        return JsonResponse({"detail": f"no such endpoint: {request.path}"}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request):
    if _api(request):
        return JsonResponse({"detail": "server error; it has been logged"}, status=500)
    return defaults.server_error(request)


class GraphBusy(exceptions.APIException):
    status_code = 503
    default_detail = "the graph database did not answer in time; try again, or narrow the request"


class _Refusal(exceptions.APIException):
    """A ChainSleuthError as DRF's own exception, so that DRF's handler answers it (and rolls back)."""

    def __init__(self, error: ChainSleuthError):
        self.status_code, self.detail = error.status, error.body()


def api_exception_handler(error, context):
    """The one API exception handler: every ChainSleuthError (core/errors.py) answers with its `status`
    and `body()`; no domain error is listed here. A value no graph engine can hold (a NUL in a path) is
    the caller's mistake, 400, not a busy graph; another team's objects are 404, as missing ones are."""
    if isinstance(error, GraphParameterError):
        error = exceptions.ValidationError({"detail": f"a value the graph cannot hold: {error}"})
    elif isinstance(error, GraphError):
        log.warning("graph error answering %s: %s", escaped(context["request"].path), escaped(error))
        error = GraphBusy()
    elif isinstance(error, ChainSleuthError):
        error = _Refusal(error)
    elif isinstance(error, ObjectDoesNotExist):
        error = exceptions.NotFound(str(error) or "not found")
    return exception_handler(error, context)
