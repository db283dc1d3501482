from django.urls import path

import investigations.urls  # noqa: F401 - registers the `id` path converter
from screening import api

urlpatterns = [
    path("screen/addresses", api.ScreenAddressesApi.as_view(), name="screen-addresses"),
    path("addresses/<str:address>/exposure/", api.AddressExposureApi.as_view(), name="address-exposure"),
    path("clusters/<str:cluster_id>/exposure/", api.ClusterExposureApi.as_view(), name="cluster-exposure"),
    path("transfers", api.TransferListApi.as_view(), name="transfers"),
    path("transfers/<id:transfer_id>", api.TransferDetailApi.as_view(), name="transfer-detail"),
    path("transfers/<id:transfer_id>/release", api.TransferReleaseApi.as_view(), name="transfer-release"),
]
