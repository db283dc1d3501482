"""Webhook endpoints for exchanges (a key with the `webhooks` scope): register, change, remove, read the
delivery log, send a test event. Another organisation's webhook is a 404, as a missing one is."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from screening.auth import KeyApiView
from screening.models import ApiKey, Webhook, WebhookDelivery
from screening.webhook_registry import (
    deliveries_of,
    webhook_create,
    webhook_delete,
    webhook_of,
    webhook_update,
    webhooks_of,
)
from screening.webhooks import webhook_test


class WebhookErrorOut(serializers.Serializer):
    detail = serializers.CharField()


ERRORS = {
    400: OpenApiResponse(description='a field is malformed or refused: {"<field>": ["<why>"]}'),
    401: OpenApiResponse(WebhookErrorOut, description="no key, or an unknown or revoked one"),
    403: OpenApiResponse(WebhookErrorOut, description="the key's scopes do not include `webhooks`"),
    429: OpenApiResponse(WebhookErrorOut, description="the key's rate is spent; see Retry-After"),
}
NOT_FOUND = {404: OpenApiResponse(WebhookErrorOut, description="no such webhook for this organisation")}


class WebhookOut(serializers.ModelSerializer):
    class Meta:
        model = Webhook
        fields = ["id", "url", "description", "active", "created_at"]


class DeliveryOut(serializers.ModelSerializer):
    class Meta:
        model = WebhookDelivery
        fields = [
            "id", "event", "event_id", "delivery_id", "status", "attempts", "last_status_code", "last_error",
            "created_at", "last_attempt_at", "delivered_at",
        ]  # fmt: skip


def _valid(serializer_class: type[serializers.Serializer], data) -> dict:
    found = serializer_class(data=data)
    found.is_valid(raise_exception=True)
    return found.validated_data


class WebhookApiView(KeyApiView):
    scope = ApiKey.Scope.WEBHOOKS

    def webhook(self, request, webhook_id: int) -> Webhook:
        found = webhook_of(request.auth.organisation, webhook_id)
        if found is None:
            raise NotFound(f"no webhook {webhook_id} for this organisation")
        return found


class WebhookListApi(WebhookApiView):
    class WebhookInput(serializers.Serializer):
        url = serializers.CharField(max_length=500, help_text="http(s); public addresses only")
        description = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
        secret = serializers.CharField(
            min_length=16, max_length=100, required=False, help_text="default: one is made, and shown once"
        )

    class WebhookCreatedOut(WebhookOut):
        class Meta(WebhookOut.Meta):
            fields = [*WebhookOut.Meta.fields, "secret"]

    @extend_schema(responses={200: WebhookOut(many=True), **ERRORS})
    def get(self, request):
        """The organisation's webhooks (their secrets are not shown again)."""
        return Response(WebhookOut(webhooks_of(request.auth.organisation), many=True).data)

    @extend_schema(request=WebhookInput, responses={201: WebhookCreatedOut, **ERRORS})
    def post(self, request):
        """Register a webhook. The answer holds its signing secret: the only time it is shown."""
        data = _valid(self.WebhookInput, request.data)
        hook = webhook_create(organisation=request.auth.organisation, **data)  # a refusal: WebhookError.body()
        return Response(self.WebhookCreatedOut(hook).data, status=status.HTTP_201_CREATED)


class WebhookDetailApi(WebhookApiView):
    class WebhookChangeInput(serializers.Serializer):
        url = serializers.CharField(max_length=500, required=False)
        description = serializers.CharField(max_length=200, required=False, allow_blank=True)
        active = serializers.BooleanField(required=False)
        secret = serializers.CharField(min_length=16, max_length=100, required=False)

    @extend_schema(responses={200: WebhookOut, **NOT_FOUND, **ERRORS})
    def get(self, request, webhook_id: int):
        """One of the organisation's webhooks."""
        return Response(WebhookOut(self.webhook(request, webhook_id)).data)

    @extend_schema(request=WebhookChangeInput, responses={200: WebhookOut, **NOT_FOUND, **ERRORS})
    def patch(self, request, webhook_id: int):
        """Change what is given; `active: false` pauses deliveries of new events."""
        hook = self.webhook(request, webhook_id)
        data = _valid(self.WebhookChangeInput, request.data)
        return Response(WebhookOut(webhook_update(webhook=hook, **data)).data)

    @extend_schema(responses={204: None, **NOT_FOUND, **ERRORS})
    def delete(self, request, webhook_id: int):
        """Remove the webhook and its delivery log."""
        webhook_delete(webhook=self.webhook(request, webhook_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class WebhookDeliveryListApi(WebhookApiView):
    class DeliveryFilters(serializers.Serializer):
        status = serializers.ChoiceField(choices=WebhookDelivery.Status.choices, required=False)
        limit = serializers.IntegerField(min_value=1, max_value=500, default=100)

    @extend_schema(parameters=[DeliveryFilters], responses={200: DeliveryOut(many=True), **NOT_FOUND, **ERRORS})
    def get(self, request, webhook_id: int):
        """The delivery log, newest first: each event's status, attempts, last status code and error."""
        hook = self.webhook(request, webhook_id)
        filters = _valid(self.DeliveryFilters, request.query_params)
        return Response(DeliveryOut(deliveries_of(hook, **filters), many=True).data)


class WebhookTestApi(WebhookApiView):
    @extend_schema(request=None, responses={200: DeliveryOut, **NOT_FOUND, **ERRORS})
    def post(self, request, webhook_id: int):
        """Send a signed `webhook.test` event now, once (no retries); the answer is its delivery, delivered or
        failed with the reason."""
        delivery = webhook_test(webhook=self.webhook(request, webhook_id))
        return Response(DeliveryOut(delivery).data)
