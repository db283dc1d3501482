from django import forms
from django.contrib import admin

from core.admin import ReadOnlyAdmin
from screening.models import ApiKey, Organisation, RequestLog, Transfer, Webhook, WebhookDelivery
from screening.webhook_registry import WebhookError, secret_new, webhook_secret_checked, webhook_url_checked


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


@admin.register(Transfer)
class TransferAdmin(ReadOnlyAdmin):
    """Transfers change only through screening (and its hold rules), so they are read here."""

    list_display = [
        "created_at",
        "organisation",
        "direction",
        "address",
        "amount",
        "user_ref",
        "status",
        "risk_level",
        "hold",
    ]
    list_filter = ["status", "direction", "hold", "risk_level", "organisation"]
    search_fields = ["address", "txid", "user_ref"]


class WebhookForm(forms.ModelForm):
    """The same URL and secret checks as the API (screening/webhook_registry.py)."""

    url = forms.CharField(max_length=500, help_text="http(s); public addresses unless WEBHOOK_ALLOWED_HOSTS says so")
    secret = forms.CharField(
        required=False,
        max_length=100,
        widget=forms.PasswordInput(render_value=False),
        help_text="blank: unchanged (on a new webhook, one is made)",
    )

    class Meta:
        model = Webhook
        fields = ["organisation", "url", "description", "active", "secret"]

    def clean_url(self) -> str:
        return self._checked(webhook_url_checked, self.cleaned_data["url"])

    def clean_secret(self) -> str:
        secret = self.cleaned_data["secret"]
        if not secret:
            return self.instance.secret or secret_new()
        return self._checked(webhook_secret_checked, secret)

    @staticmethod
    def _checked(check, value: str) -> str:
        try:
            return check(value)
        except WebhookError as error:
            raise forms.ValidationError(error.message) from None


@admin.register(Webhook)
class WebhookAdmin(admin.ModelAdmin):
    form = WebhookForm
    list_display = ["id", "organisation", "url", "description", "active", "created_at"]
    list_filter = ["active", "organisation"]
    search_fields = ["url", "description"]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    """The delivery log: what was sent where, and how each attempt went."""

    list_display = ["created_at", "event", "webhook", "status", "attempts", "last_status_code", "last_attempt_at"]
    list_filter = ["status", "event"]
    search_fields = ["event_id", "delivery_id"]
    readonly_fields = [field.name for field in WebhookDelivery._meta.fields]
