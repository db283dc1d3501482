from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from app import oidc
from app.health import healthz, livez
from app.spa import spa

urlpatterns = [
    path("", RedirectView.as_view(url="/app/", permanent=False)),
    re_path(r"^app/(?P<path>.*)$", spa, name="app"),
    path("healthz", healthz, name="healthz"),
    path("livez", livez, name="livez"),
    path("admin/", admin.site.urls),
    path("oidc/authenticate/", oidc.sign_in, name="oidc_authentication_init"),  # single sign-on, when on
    path("oidc/callback/", oidc.callback, name="oidc_authentication_callback"),
    path("api/v1/", include("screening.urls")),  # first: exchanges' screening is the hot path
    path("api/v1/", include("investigations.urls")),
    path("api/v1/", include("graphml.urls")),
    path("api/v1/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/v1/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path(
        "api/v1/redoc/",
        SpectacularRedocView.as_view(url_name="api-schema", template_name="api/redoc.html"),
        name="api-redoc",
    ),
]

handler400 = "app.errors.bad_request"
handler404 = "app.errors.not_found"
handler500 = "app.errors.server_error"
