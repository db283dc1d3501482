"""Error pages: an API client gets JSON in the documented shape ({"detail": ...}), as every other API
answer is, and a browser gets Django's page. These are the refusals Django makes before (or outside)
the REST framework's own handler: unknown paths, bodies too big, failed CSRF checks, server errors."""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import JsonResponse
from django.views import csrf, defaults


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
