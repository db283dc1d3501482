"""The exchange-facing screening endpoints (docs/screening.md), and exposure for investigators."""

import dataclasses

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.fields import empty
from rest_framework.response import Response
from rest_framework.views import APIView

from chain.addresses import address_normalise
from graph import get_graph
from graph.explore import address_detail, cluster_detail
from investigations.selectors import membership
from screening.auth import KeyApiView
from screening.exposure import cluster_exposure, exposure
from screening.models import ApiKey, Transfer
from screening.services import BATCH_MAX, screen_addresses
from screening.transfers import TransferError, transfer_register

ANSWER = OpenApiResponse(OpenApiTypes.OBJECT, description="one result per address, each with its own status")
ERRORS = {
    400: OpenApiResponse(OpenApiTypes.OBJECT, description="the request itself is malformed"),
    401: OpenApiResponse(OpenApiTypes.OBJECT, description="no key, or an unknown or revoked one"),
    403: OpenApiResponse(OpenApiTypes.OBJECT, description="the key's scopes do not include this endpoint"),
    429: OpenApiResponse(OpenApiTypes.OBJECT, description="the key's rate is spent; see Retry-After"),
}


SCREEN_FIELDS = {  # validated by fields_validated; ScreenInput shows them in the schema
    "addresses": serializers.ListField(
        child=serializers.CharField(max_length=200, allow_blank=True), min_length=1, max_length=BATCH_MAX
    ),
    "hops": serializers.IntegerField(min_value=1, max_value=3, default=2, help_text="indirect exposure depth"),
}


class ScreenInput(serializers.Serializer):
    """Addresses to screen (1 to 1,000), and how many hops of indirect exposure to follow."""

    addresses = SCREEN_FIELDS["addresses"]
    hops = SCREEN_FIELDS["hops"]


def fields_validated(data, fields: dict[str, serializers.Field]) -> dict:
    """What a Serializer of `fields` would validate, with the same errors, without building one: a serializer
    deep-copies its fields at each request, which cost screening's hot path a fifth of its time."""
    if not isinstance(data, dict):
        raise serializers.ValidationError({"non_field_errors": ["Invalid data. Expected a dictionary."]})
    validated, errors = {}, {}
    for name, field in fields.items():
        try:
            validated[name] = field.run_validation(data.get(name, empty))
        except serializers.ValidationError as error:
            errors[name] = error.detail
    if errors:
        raise serializers.ValidationError(errors)
    return validated


class ScreenAddressesApi(KeyApiView):
    scope = ApiKey.Scope.SCREEN

    @extend_schema(request=ScreenInput, responses={200: ANSWER, **ERRORS})
    def post(self, request):
        """Screen 1 to 1,000 addresses. A malformed address gets its own 400 entry and an unknown one its own
        404 entry in `results`; the request as a whole still answers 200."""
        data = fields_validated(request.data, SCREEN_FIELDS)
        return Response({"results": screen_addresses(data["addresses"], hops=data["hops"])})


EXPOSURE_ANSWERS = {
    200: OpenApiResponse(OpenApiTypes.OBJECT, description="direct tags, and shares received and sent by category"),
    400: ERRORS[400],
    403: OpenApiResponse(OpenApiTypes.OBJECT, description="not signed in, or in no team"),
    404: OpenApiResponse(OpenApiTypes.OBJECT, description="the graph holds no such address or cluster"),
}


class AddressExposureApi(APIView):
    """The same exposure exchanges are screened with, for investigators (signed in, in a team)."""

    class ExposureFilters(serializers.Serializer):
        hops = serializers.IntegerField(min_value=1, max_value=3, default=2)

    @extend_schema(
        parameters=[ExposureFilters],
        responses=EXPOSURE_ANSWERS,
    )
    def get(self, request, address: str):
        membership(request.user)
        filters = self.ExposureFilters(data=request.query_params)
        filters.is_valid(raise_exception=True)
        normal = address_normalise(address) or address
        detail = address_detail(get_graph(), normal)
        if detail is None:
            raise NotFound(f"the graph holds no address {normal}")
        found = exposure(detail, hops=filters.validated_data["hops"])
        return Response(dataclasses.asdict(found))


class ClusterExposureApi(APIView):
    """A cluster's exposure, from its biggest addresses (screening/exposure.py), for investigators."""

    @extend_schema(
        parameters=[AddressExposureApi.ExposureFilters],
        responses=EXPOSURE_ANSWERS,
    )
    def get(self, request, cluster_id: str):
        membership(request.user)
        filters = AddressExposureApi.ExposureFilters(data=request.query_params)
        filters.is_valid(raise_exception=True)
        cluster = cluster_detail(get_graph(), cluster_id, limit=0)
        if cluster is None:
            raise NotFound(f"the graph holds no cluster {cluster_id}")
        found = cluster_exposure(cluster, hops=filters.validated_data["hops"])
        return Response(dataclasses.asdict(found))


class TransferOut(serializers.ModelSerializer):
    class Meta:
        model = Transfer
        fields = [
            "id", "direction", "address", "txid", "output_index", "amount", "user_ref", "status", "risk_score",
            "risk_level", "hold", "alerts", "verdict", "created_at", "screened_at", "seen_at",
        ]  # fmt: skip


class TransferListApi(KeyApiView):
    scope = ApiKey.Scope.TRANSFERS

    class TransferInput(serializers.Serializer):
        direction = serializers.ChoiceField(choices=Transfer.Direction.choices)
        address = serializers.CharField(max_length=100)
        txid = serializers.RegexField(r"^[0-9a-f]{64}$", required=False, default="")
        output_index = serializers.IntegerField(min_value=0, max_value=100_000, required=False, allow_null=True)
        amount = serializers.IntegerField(min_value=0, max_value=21_000_000 * 100_000_000, help_text="satoshis")
        user_ref = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")

    @extend_schema(request=TransferInput, responses={202: TransferOut, **ERRORS})
    def post(self, request):
        """Register a deposit or withdrawal: it is screened at once, in the background, and again when its
        transaction is seen on chain. Poll GET, or receive the alerts by webhook."""
        data = self.TransferInput(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            transfer = transfer_register(organisation=request.auth.organisation, **data.validated_data)
        except TransferError as error:
            raise serializers.ValidationError({"detail": str(error)}) from None
        return Response(TransferOut(transfer).data, status=202)


class TransferDetailApi(KeyApiView):
    scope = ApiKey.Scope.TRANSFERS

    @extend_schema(responses={200: TransferOut, 404: OpenApiResponse(OpenApiTypes.OBJECT), **ERRORS})
    def get(self, request, transfer_id: int):
        transfer = Transfer.objects.filter(id=transfer_id, organisation=request.auth.organisation).first()
        if transfer is None:
            raise NotFound(f"no transfer {transfer_id} for this organisation")
        return Response(TransferOut(transfer).data)
