"""The exchange-facing screening endpoints (docs/screening.md)."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from screening.auth import KeyApiView
from screening.models import ApiKey
from screening.services import BATCH_MAX, screen_addresses

ANSWER = OpenApiResponse(OpenApiTypes.OBJECT, description="one result per address, each with its own status")
ERRORS = {
    400: OpenApiResponse(OpenApiTypes.OBJECT, description="the request itself is malformed"),
    401: OpenApiResponse(OpenApiTypes.OBJECT, description="no key, or an unknown or revoked one"),
    403: OpenApiResponse(OpenApiTypes.OBJECT, description="the key's scopes do not include this endpoint"),
    429: OpenApiResponse(OpenApiTypes.OBJECT, description="the key's rate is spent; see Retry-After"),
}


class ScreenAddressesApi(KeyApiView):
    scope = ApiKey.Scope.SCREEN

    class ScreenInput(serializers.Serializer):
        addresses = serializers.ListField(
            child=serializers.CharField(max_length=200, allow_blank=True), min_length=1, max_length=BATCH_MAX
        )
        hops = serializers.IntegerField(min_value=1, max_value=3, default=2, help_text="indirect exposure depth")

    @extend_schema(request=ScreenInput, responses={200: ANSWER, **ERRORS})
    def post(self, request):
        """Screen 1 to 1,000 addresses. A malformed address gets its own 400 entry and an unknown one its own
        404 entry in `results`; the request as a whole still answers 200."""
        data = self.ScreenInput(data=request.data)
        data.is_valid(raise_exception=True)
        results = screen_addresses(data.validated_data["addresses"], hops=data.validated_data["hops"])
        return Response({"results": results})
