"""How the OpenAPI schema describes our API keys (drf-spectacular cannot guess a custom authenticator)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "screening.auth.ApiKeyAuthentication"
    name = "ApiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An API key, `Authorization: Bearer cs_<prefix>_<secret>` (manage.py screening issue)",
        }
