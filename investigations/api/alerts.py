"""Alert, watchlist and flagged-cluster queue endpoints; every list is the user's team's."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from graph import explore, get_graph
from investigations import alerts, selectors
from investigations.api import queue
from investigations.api.answers import FlaggedClusterOut
from investigations.api.paging import PageFilters, conditional, page_body, page_bounds, page_out
from investigations.api.views import BIGINT, ERRORS, NOT_BLANK, CaseOut, input_valid
from investigations.models import Alert, Subject, WatchEntry, Watchlist


class AlertOut(serializers.ModelSerializer):
    assignee = serializers.CharField(source="assignee.username", allow_null=True)
    case = serializers.IntegerField(source="case_id", allow_null=True)

    class Meta:
        model = Alert
        fields = [
            "id", "source", "kind", "ref", "title", "detail", "risk", "status", "assignee", "case",
            "created_at", "updated_at",
        ]  # fmt: skip


class FlaggedClusterRankedOut(FlaggedClusterOut):
    rank = serializers.IntegerField(help_text="1 + the clusters its model scored riskier (ties share a rank)")
    scored = serializers.IntegerField(help_text="the clusters its model scored")
    percentile = serializers.FloatField(help_text="share of its model's clusters at or below its risk, 0-100")


FlaggedClusterPageOut = page_out(FlaggedClusterRankedOut)


class WatchEntryOut(serializers.ModelSerializer):
    added_by = serializers.CharField(source="added_by.username")

    class Meta:
        model = WatchEntry
        fields = ["id", "kind", "ref", "note", "added_by", "added_at", "seen_last", "seen_volume"]


class WatchlistOut(serializers.ModelSerializer):
    entries = WatchEntryOut(many=True)
    created_by = serializers.CharField(source="created_by.username")

    class Meta:
        model = Watchlist
        fields = ["id", "name", "created_by", "created_at", "entries"]


AlertPageOut = page_out(AlertOut)
MODEL_VERSION = {"max_length": 20, "help_text": "a model version as labeling names it, e.g. v3"}


class AlertListApi(APIView):
    class AlertFilters(PageFilters):
        status = serializers.MultipleChoiceField(choices=Alert.Status.choices, required=False)
        source = serializers.ChoiceField(choices=Alert.Source.choices, required=False)
        assignee = serializers.CharField(required=False, max_length=150, help_text="a username; 'none': unassigned")
        model = serializers.CharField(required=False, **MODEL_VERSION)

    @extend_schema(parameters=[AlertFilters], responses={200: AlertPageOut, 304: None, **ERRORS})
    def get(self, request):
        """The team's alerts, one page, riskiest first, then by value, then newest; 304 when unchanged."""
        query = {**request.query_params.dict(), "status": request.query_params.getlist("status")}
        filters = self.AlertFilters(data=query)
        filters.is_valid(raise_exception=True)
        wanted = dict(filters.validated_data)
        page, size = wanted.pop("page"), wanted.pop("page_size")
        found = selectors.alerts_visible(request.user, **wanted)
        start, end = page_bounds(page, size)
        rows = AlertOut(found[start:end], many=True).data
        return conditional(request, page_body(request, page=page, page_size=size, count=found.count(), results=rows))


class AlertBulkApi(APIView):
    class AlertBulkInput(serializers.Serializer):
        ids = serializers.ListField(
            child=serializers.IntegerField(min_value=1, max_value=BIGINT), min_length=1, max_length=500
        )
        status = serializers.ChoiceField(choices=Alert.Status.choices, required=False)
        assignee = serializers.CharField(max_length=150, required=False, allow_blank=True, help_text="'' unassigns")

    @extend_schema(request=AlertBulkInput, responses={200: AlertOut(many=True), **ERRORS})
    def post(self, request):
        """Triage or assign many alerts at once; all or nothing."""
        data = input_valid(self.AlertBulkInput, request)
        changed = alerts.alerts_triage(
            user=request.user, alert_ids=data["ids"], status=data.get("status"), assignee=data.get("assignee")
        )
        return Response(AlertOut(changed, many=True).data)


class AlertEscalateApi(APIView):
    class AlertEscalateInput(serializers.Serializer):
        case = serializers.IntegerField(
            min_value=1, max_value=BIGINT, required=False, help_text="an existing case; default: a new one"
        )

    @extend_schema(request=AlertEscalateInput, responses={201: CaseOut, **ERRORS})
    def post(self, request, alert_id: int):
        data = input_valid(self.AlertEscalateInput, request)
        case = alerts.alert_escalate(user=request.user, alert_id=alert_id, case_id=data.get("case"))
        return Response(CaseOut(case).data, status=status.HTTP_201_CREATED)


class FlaggedClustersApi(APIView):
    class QueueFilters(PageFilters):
        min_risk = serializers.FloatField(min_value=0, max_value=1, default=0.0)
        model = serializers.CharField(required=False, default=None, **MODEL_VERSION)

    @extend_schema(parameters=[QueueFilters], responses={200: FlaggedClusterPageOut, 304: None, **ERRORS})
    def get(self, request):
        """The flagged-cluster queue, one page: riskiest first, then the most received, then the latest seen;
        each with its rank among the clusters its model scored. 304 when unchanged."""
        selectors.membership(request.user)
        filters = self.QueueFilters(data=request.query_params)
        filters.is_valid(raise_exception=True)
        wanted = dict(filters.validated_data)
        page, size = wanted.pop("page"), wanted.pop("page_size")
        store, (start, _end) = get_graph(), page_bounds(page, size)
        clusters = explore.flagged_clusters(store, **wanted, offset=start, limit=size)
        count = explore.flagged_clusters_count(store, **wanted)
        rows = FlaggedClusterRankedOut(queue.ranked(store, clusters), many=True).data
        return conditional(request, page_body(request, page=page, page_size=size, count=count, results=rows))


class WatchlistListApi(APIView):
    class WatchlistInput(serializers.Serializer):
        name = serializers.CharField(max_length=200, validators=[NOT_BLANK])

    @extend_schema(responses={200: WatchlistOut(many=True), **ERRORS})
    def get(self, request):
        return Response(WatchlistOut(selectors.watchlists_visible(request.user), many=True).data)

    @extend_schema(request=WatchlistInput, responses={201: WatchlistOut, **ERRORS})
    def post(self, request):
        watchlist = alerts.watchlist_create(user=request.user, **input_valid(self.WatchlistInput, request))
        return Response(WatchlistOut(watchlist).data, status=status.HTTP_201_CREATED)


class WatchEntryListApi(APIView):
    class WatchEntryInput(serializers.Serializer):
        kind = serializers.ChoiceField(choices=[Subject.Kind.ADDRESS, Subject.Kind.CLUSTER])
        ref = serializers.CharField(max_length=100, validators=[NOT_BLANK])
        note = serializers.CharField(required=False, allow_blank=True, default="")

    @extend_schema(request=WatchEntryInput, responses={201: WatchEntryOut, **ERRORS})
    def post(self, request, watchlist_id: int):
        data = input_valid(self.WatchEntryInput, request)
        entry = alerts.watch_entry_add(user=request.user, watchlist_id=watchlist_id, **data)
        return Response(WatchEntryOut(entry).data, status=status.HTTP_201_CREATED)


class WatchEntryDetailApi(APIView):
    @extend_schema(responses={204: None, **ERRORS})
    def delete(self, request, watchlist_id: int, entry_id: int):
        alerts.watch_entry_remove(user=request.user, watchlist_id=watchlist_id, entry_id=entry_id)
        return Response(status=status.HTTP_204_NO_CONTENT)
