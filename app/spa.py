"""The investigator web app (frontend/): one HTML page for every path under /app/, the app routes in the
browser. Its scripts and styles are static files (frontend/dist, served under /static/app/)."""

from pathlib import Path

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_GET


@require_GET
@ensure_csrf_cookie
def spa(request: HttpRequest, path: str = "") -> HttpResponse:
    page = _index(settings.FRONTEND_DIST)
    if page is None:
        return HttpResponse(
            "The web app is not built: run `make frontend` (npm ci and npm run build in frontend/).",
            status=503,
            content_type="text/plain",
        )
    return HttpResponse(page, content_type="text/html; charset=utf-8")


def _index(dist: Path) -> str | None:
    index = dist / "index.html"
    return index.read_text() if index.exists() else None
