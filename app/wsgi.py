"""WSGI entry point (gunicorn app.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "app.settings")

application = get_wsgi_application()

from core.embedded import ensure_running_if_needed  # noqa: E402 - needs configured settings

ensure_running_if_needed()
