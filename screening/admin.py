from django.contrib import admin

from app.admin import ReadOnlyAdmin
from screening.models import ApiKey, Organisation, RequestLog


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "created_at"]


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    """Keys are issued by `manage.py screening issue` (the secret is shown once); here they are seen and revoked."""

    list_display = ["prefix", "organisation", "name", "scopes", "rate_per_minute", "revoked_at", "last_used_at"]
    readonly_fields = ["prefix", "secret_sha256", "created_at", "last_used_at"]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(RequestLog)
class RequestLogAdmin(ReadOnlyAdmin):
    list_display = ["at", "key", "method", "endpoint", "status", "latency_ms"]
    list_filter = ["status"]
