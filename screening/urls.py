from django.urls import path

import investigations.urls  # noqa: F401 - registers the `id` path converter
from screening import api, api_webhooks

urlpatterns = [
    path("screen/addresses", api.ScreenAddressesApi.as_view(), name="screen-addresses"),
    path("addresses/<str:address>/exposure/", api.AddressExposureApi.as_view(), name="address-exposure"),
    path("clusters/<str:cluster_id>/exposure/", api.ClusterExposureApi.as_view(), name="cluster-exposure"),
    path("transfers", api.TransferListApi.as_view(), name="transfers"),
    path("transfers/<id:transfer_id>", api.TransferDetailApi.as_view(), name="transfer-detail"),
    path("transfers/<id:transfer_id>/release", api.TransferReleaseApi.as_view(), name="transfer-release"),
    path("webhooks", api_webhooks.WebhookListApi.as_view(), name="webhooks"),
    path("webhooks/<id:webhook_id>", api_webhooks.WebhookDetailApi.as_view(), name="webhook-detail"),
    path(
        "webhooks/<id:webhook_id>/deliveries", api_webhooks.WebhookDeliveryListApi.as_view(), name="webhook-deliveries"
    ),
    path("webhooks/<id:webhook_id>/test", api_webhooks.WebhookTestApi.as_view(), name="webhook-test"),
]
