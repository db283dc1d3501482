"""The exchange-facing screening endpoints (docs/screening.md), and exposure for investigators. The output
serializers describe every answer in the OpenAPI schema (so clients can be generated from it); the hot
screening path answers plain dicts of that shape rather than building serializers per request."""

import dataclasses
import json

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import generics, serializers
from rest_framework.exceptions import NotFound
from rest_framework.fields import empty
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from chain.addresses import address_normalise
from graph import get_graph
from graph.explore import address_detail, cluster_detail
from investigations.selectors import membership
from screening.auth import KeyApiView
from screening.exposure import cluster_exposure, exposure
from screening.models import ApiKey, Hold, Transfer
from screening.services import BATCH_MAX, LEVELS, screen_addresses
from screening.transfers import TransferError, transfer_register, transfer_release, transfers_of

ENTRY_MAX = 200  # characters of one address entry


class ErrorOut(serializers.Serializer):
    detail = serializers.CharField()


FIELD_ERRORS = {  # a refused body: `detail`, or each refused field with its messages
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "additionalProperties": {"type": "array", "items": {"type": "string"}},
}
ERRORS = {
    400: OpenApiResponse(FIELD_ERRORS, description="the request itself is malformed; the body names the field"),
    401: OpenApiResponse(ErrorOut, description="no key, or an unknown or revoked one"),
    403: OpenApiResponse(ErrorOut, description="the key's scopes do not include this endpoint"),
    429: OpenApiResponse(ErrorOut, description="the key's rate is spent (or this address sent too many bad keys)"),
}
RATE_HEADERS = [
    OpenApiParameter(
        f"{prefix}RateLimit-{name}", OpenApiTypes.INT, OpenApiParameter.HEADER, response=[200, 202], description=what
    )
    for prefix in ("", "X-")
    for name, what in (
        ("Limit", "the key's requests a minute"),
        ("Remaining", "requests that would pass now"),
        ("Reset", "seconds until the whole budget is back"),
    )
]


class DirectTagOut(serializers.Serializer):
    category = serializers.CharField()
    risk_class = serializers.CharField(allow_null=True)
    label = serializers.CharField(allow_null=True)
    via = serializers.ChoiceField(choices=["address", "cluster"])


class ExposureShareOut(serializers.Serializer):
    share = serializers.FloatField(min_value=0, max_value=1)
    hops = serializers.IntegerField(allow_null=True)
    risk_class = serializers.CharField(allow_null=True)


class ExposureOut(serializers.Serializer):
    """Direct tags, and per category the share received from it / sent to it within the hops."""

    direct = DirectTagOut(many=True)
    received = serializers.DictField(child=ExposureShareOut())
    sent = serializers.DictField(child=ExposureShareOut())
    cut = serializers.ListField(child=serializers.CharField())


class ScreenExposureOut(serializers.Serializer):
    direct = DirectTagOut(many=True)
    received = serializers.DictField(child=ExposureShareOut())
    sent = serializers.DictField(child=ExposureShareOut())


class ModelScoreOut(serializers.Serializer):
    score = serializers.FloatField(allow_null=True)
    label = serializers.CharField(allow_null=True)
    version = serializers.CharField(allow_null=True)
    reasons = serializers.ListField(child=serializers.CharField())


class ScreenResultOut(serializers.Serializer):
    """One address's answer. `status` 400 or 404 comes with `error` only; 200 with the verdict's fields."""

    address = serializers.CharField()
    status = serializers.ChoiceField(choices=[200, 400, 404])
    error = serializers.CharField(required=False)
    risk_score = serializers.IntegerField(min_value=0, max_value=100, required=False)
    risk_level = serializers.ChoiceField(choices=[level for _, level in LEVELS], required=False)
    score_reasons = serializers.ListField(child=serializers.CharField(), required=False)
    model = ModelScoreOut(required=False)
    cluster = serializers.CharField(allow_null=True, required=False)
    exposure = ScreenExposureOut(required=False)
    cut = serializers.ListField(child=serializers.CharField(), required=False)


class ScreenAnswerOut(serializers.Serializer):
    results = ScreenResultOut(many=True, help_text="one per address, in the order given")


class AnyEntry(serializers.Field):
    """Any JSON value: a bad entry gets its own 400 result (entry_problem), not a 400 for the whole batch."""

    def __init__(self, **kwargs):
        super().__init__(allow_null=True, **kwargs)

    def to_internal_value(self, data):
        return data


SCREEN_FIELDS = {  # validated by fields_validated; ScreenInput shows them in the schema
    "addresses": serializers.ListField(child=AnyEntry(), min_length=1, max_length=BATCH_MAX),
    "hops": serializers.IntegerField(min_value=1, max_value=3, default=2, help_text="indirect exposure depth"),
}


class ScreenInput(serializers.Serializer):
    """Addresses to screen (1 to 1,000), and how many hops of indirect exposure to follow."""

    addresses = serializers.ListField(
        child=serializers.CharField(max_length=ENTRY_MAX, allow_blank=True), min_length=1, max_length=BATCH_MAX
    )
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


JSON_TYPES = {bool: "a boolean", int: "a number", float: "a number", dict: "an object", list: "an array"}


def entry_problem(value) -> str | None:
    """Why one entry of a batch cannot be an address at all (checked before screening looks at it)."""
    if not isinstance(value, str):
        return f"not a string but {JSON_TYPES.get(type(value), 'null')}: give a Bitcoin address"
    if len(value) > ENTRY_MAX:
        return f"longer than {ENTRY_MAX} characters: not a Bitcoin address"
    if "\x00" in value:
        return "holds a NUL character: not a Bitcoin address"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "holds a lone surrogate (not valid Unicode): not a Bitcoin address"
    return None


def entry_shown(value) -> str:
    """The entry as the answer can echo it: text, cut short, with lone surrogates escaped."""
    text = value if isinstance(value, str) else json.dumps(value)
    text = text if len(text) <= ENTRY_MAX else text[:ENTRY_MAX] + "…"
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def screen_batch(values: list, *, hops: int) -> list[dict]:
    problems = [entry_problem(value) for value in values]
    screened = iter(
        screen_addresses([v for v, problem in zip(values, problems, strict=True) if problem is None], hops=hops)
    )
    return [
        next(screened) if problem is None else {"address": entry_shown(value), "status": 400, "error": problem}
        for value, problem in zip(values, problems, strict=True)
    ]


class ScreenAddressesApi(KeyApiView):
    scope = ApiKey.Scope.SCREEN

    @extend_schema(request=ScreenInput, responses={200: ScreenAnswerOut, **ERRORS}, parameters=RATE_HEADERS)
    def post(self, request):
        """Screen 1 to 1,000 addresses. A malformed address gets its own 400 entry and an unknown one its own
        404 entry in `results`; the request as a whole still answers 200."""
        data = fields_validated(request.data, SCREEN_FIELDS)
        return Response({"results": screen_batch(data["addresses"], hops=data["hops"])})


EXPOSURE_ANSWERS = {
    200: OpenApiResponse(ExposureOut, description="direct tags, and shares received and sent by category"),
    400: ERRORS[400],
    403: OpenApiResponse(ErrorOut, description="not signed in, or in no team"),
    404: OpenApiResponse(ErrorOut, description="the graph holds no such address or cluster"),
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


class TransferAlertOut(serializers.Serializer):
    event = serializers.ChoiceField(choices=["transfer.hold", "transfer.anomaly", "transfer.mismatch"])
    message = serializers.CharField()
    at = serializers.DateTimeField()


class HoldOut(serializers.ModelSerializer):
    class Meta:
        model = Hold
        fields = ["id", "event", "reason", "placed_at", "released_at", "released_by", "release_reason"]


class TransferOut(serializers.ModelSerializer):
    alerts = TransferAlertOut(many=True, read_only=True)
    holds = HoldOut(many=True, read_only=True)
    verdict = serializers.SerializerMethodField()

    class Meta:
        model = Transfer
        fields = [
            "id", "direction", "address", "txid", "output_index", "amount", "user_ref", "status", "risk_score",
            "risk_level", "hold", "holds", "alerts", "verdict", "created_at", "screened_at", "seen_at",
        ]  # fmt: skip

    @extend_schema_field(ScreenResultOut(allow_null=True))
    def get_verdict(self, transfer: Transfer) -> dict | None:
        """The screening result, exposure included; null until screened (and for a mismatch)."""
        return transfer.verdict or None


class TransferPages(CursorPagination):
    """Newest first; `cursor` pages on, so a page costs the same however many transfers there are."""

    ordering = ("-created_at", "-id")
    page_size, page_size_query_param, max_page_size = 100, "limit", 500


class TransferListApi(KeyApiView, generics.ListAPIView):
    scope = ApiKey.Scope.TRANSFERS
    pagination_class = TransferPages
    serializer_class = TransferOut

    class TransferFilters(serializers.Serializer):
        status = serializers.ChoiceField(choices=Transfer.Status.choices, required=False)
        direction = serializers.ChoiceField(choices=Transfer.Direction.choices, required=False)
        address = serializers.CharField(max_length=100, required=False)
        since = serializers.DateTimeField(required=False, help_text="registered at or after")
        until = serializers.DateTimeField(required=False, help_text="registered before")
        hold = serializers.ChoiceField(choices=["true", "false"], required=False, help_text="held now, or not")

    class TransferInput(serializers.Serializer):
        direction = serializers.ChoiceField(choices=Transfer.Direction.choices)
        address = serializers.CharField(max_length=100)
        txid = serializers.RegexField(r"^[0-9a-f]{64}$", required=False, default="")
        output_index = serializers.IntegerField(min_value=0, max_value=100_000, required=False, allow_null=True)
        amount = serializers.IntegerField(min_value=0, max_value=21_000_000 * 100_000_000, help_text="satoshis")
        user_ref = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")

    def get_queryset(self):
        filters = self.TransferFilters(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        given = dict(filters.validated_data)
        if "address" in given:
            given["address"] = address_normalise(given["address"]) or given["address"]
        if "hold" in given:
            given["hold"] = given["hold"] == "true"
        return transfers_of(organisation=self.request.auth.organisation, **given).prefetch_related("holds")

    @extend_schema(
        parameters=[TransferFilters, *RATE_HEADERS],
        responses={200: TransferOut(many=True), 404: OpenApiResponse(ErrorOut, description="a bad cursor"), **ERRORS},
    )
    def get(self, request, *args, **kwargs):
        """The organisation's transfers, newest first, filtered; pages follow `next`."""
        return super().get(request, *args, **kwargs)

    @extend_schema(request=TransferInput, responses={202: TransferOut, **ERRORS}, parameters=RATE_HEADERS)
    def post(self, request):
        """Register a deposit or withdrawal: it is screened at once, in the background, and again when its
        transaction is seen on chain. Poll GET, or receive the alerts by webhook."""
        data = self.TransferInput(data=request.data)
        data.is_valid(raise_exception=True)
        transfer = transfer_register(organisation=request.auth.organisation, **data.validated_data)
        return Response(TransferOut(transfer).data, status=202)


NOT_OURS = OpenApiResponse(ErrorOut, description="no such transfer for this organisation")


class TransferDetailApi(KeyApiView):
    scope = ApiKey.Scope.TRANSFERS

    @extend_schema(responses={200: TransferOut, 404: NOT_OURS, **ERRORS}, parameters=RATE_HEADERS)
    def get(self, request, transfer_id: int):
        """The transfer's status, verdict, holds (released ones too) and alerts."""
        transfer = Transfer.objects.filter(id=transfer_id, organisation=request.auth.organisation).first()
        if transfer is None:
            raise NotFound(f"no transfer {transfer_id} for this organisation")
        return Response(TransferOut(transfer).data)


class TransferReleaseApi(KeyApiView):
    scope = ApiKey.Scope.TRANSFERS

    class ReleaseInput(serializers.Serializer):
        reason = serializers.CharField(max_length=2000, help_text="why the hold is released (audited)")

    @extend_schema(
        request=ReleaseInput,
        parameters=RATE_HEADERS,
        responses={
            200: TransferOut,
            404: NOT_OURS,
            409: OpenApiResponse(ErrorOut, description="no open hold"),
            **ERRORS,
        },
    )
    def post(self, request, transfer_id: int):
        """Release every open hold on the transfer, with a reason; an audit event records who and why."""
        data = self.ReleaseInput(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            transfer = transfer_release(
                organisation=request.auth.organisation, transfer_id=transfer_id,
                reason=data.validated_data["reason"], actor=request.user.get_username(),
            )  # fmt: skip
        except TransferError as error:  # the reason is a field of this form: say so in DRF's field shape
            raise serializers.ValidationError({"reason": [str(error)]}) from None
        return Response(TransferOut(transfer).data)
