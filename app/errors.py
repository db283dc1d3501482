"""Error pages: an API client gets JSON, as every other API answer is, and a browser gets Django's page."""

from django.http import JsonResponse
from django.views import defaults


def not_found(request, exception):
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": f"no such endpoint: {request.path}"}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request):
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "server error; it has been logged"}, status=500)
    return defaults.server_error(request)
