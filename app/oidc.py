"""Single sign-on through OpenID Connect (mozilla-django-oidc), off unless settings.OIDC_ENABLED (the
OIDC_* environment: app/settings.py). Its two views are always routed, so a test can switch it on, but
answer 404 while it is off rather than fail on settings that are not there."""

from django.conf import settings
from django.http import Http404
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

def _only_when_enabled(view):
    def guarded(request, *args, **kwargs):
        if not settings.OIDC_ENABLED:
            raise Http404("single sign-on is off (OIDC_RP_CLIENT_ID is not set)")
        return view(request, *args, **kwargs)

    return guarded


sign_in = _only_when_enabled(OIDCAuthenticationRequestView.as_view())
callback = _only_when_enabled(OIDCAuthenticationCallbackView.as_view())

