"""ASGI entry point, for deployments that prefer an ASGI server."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "app.settings")

application = get_asgi_application()

from core.embedded import ensure_running_if_needed  # noqa: E402 - needs configured settings

ensure_running_if_needed()
