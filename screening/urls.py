from django.urls import path

from screening import api

urlpatterns = [
    path("screen/addresses", api.ScreenAddressesApi.as_view(), name="screen-addresses"),
]
