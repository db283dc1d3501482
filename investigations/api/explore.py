"""Graph exploration endpoints: details, neighbours, paths, follow-the-money and search.

The chain is public and shared by every team; the endpoints still need a team (investigators only).
Every answer that could be long is a page that says whether it was cut (graph/explore.py).
"""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from chain.addresses import address_normalise
from core.errors import NotFound
from graph import explore, get_graph
from graph.tags import tags_for, tags_in_cluster, tags_search
from investigations import selectors, tracing
from investigations.api import answers
from investigations.api.views import BIGINT, ERRORS
from investigations.tagging import own_pack


class NotInGraph(NotFound):
    """What the URL names is not in the graph: 404, answered by the one API handler."""


def _found(value, what: str):
    if value is None:
        raise NotInGraph(f"the graph holds no {what}")
    return value


def _address(text: str) -> str:
    """As the graph stores it (bech32 in lower case), when it has an address's shape."""
    return address_normalise(text) or text


def _filters(serializer_class, request) -> dict:
    filters = serializer_class(data=request.query_params)
    filters.is_valid(raise_exception=True)
    return dict(filters.validated_data)


class AddressApi(APIView):
    @extend_schema(responses={200: answers.AddressAnswerOut, **ERRORS})
    def get(self, request, address: str):
        own = own_pack(request.user)
        address = _address(address)
        store = get_graph()
        detail = _found(explore.address_detail(store, address), f"address {address}")
        tags = tags_for(store, [address], own_pack=own).get(address, [])
        cluster_tags = tags_in_cluster(store, detail.cluster, own_pack=own, limit=20) if detail.cluster else []
        return Response(answers.AddressAnswerOut(detail, context={"tags": tags, "cluster_tags": cluster_tags}).data)


class NeighboursApi(APIView):
    class NeighbourFilters(serializers.Serializer):
        direction = serializers.ChoiceField(choices=["both", "in", "out"], default="both")
        since = serializers.IntegerField(
            required=False, min_value=0, max_value=BIGINT, help_text="block time, Unix seconds"
        )
        until = serializers.IntegerField(
            required=False, min_value=0, max_value=BIGINT, help_text="block time, Unix seconds"
        )
        min_value = serializers.IntegerField(required=False, min_value=0, max_value=BIGINT, help_text="satoshis")
        max_value = serializers.IntegerField(required=False, min_value=0, max_value=BIGINT, help_text="satoshis")
        limit = serializers.IntegerField(min_value=1, max_value=2000, default=100)

    @extend_schema(parameters=[NeighbourFilters], responses={200: answers.NeighbourPageOut, **ERRORS})
    def get(self, request, address: str):
        selectors.membership(request.user)
        address = _address(address)
        page = explore.neighbours(get_graph(), address, **_filters(self.NeighbourFilters, request))
        return Response(answers.NeighbourPageOut(_found(page, f"address {address}")).data)


class FlowsApi(APIView):
    class FlowFilters(serializers.Serializer):
        direction = serializers.ChoiceField(choices=["forward", "backward"], default="forward")
        hops = serializers.IntegerField(min_value=1, max_value=tracing.MAX_HOPS, default=3)
        fanout = serializers.IntegerField(min_value=1, max_value=200, default=25)
        max_nodes = serializers.IntegerField(min_value=1, max_value=2000, default=200)

    @extend_schema(parameters=[FlowFilters], responses={200: answers.TraceOut, **ERRORS})
    def get(self, request, address: str):
        """Follow the money N hops with haircut and poison taint (investigations/tracing.py)."""
        selectors.membership(request.user)
        address = _address(address)
        trace = tracing.follow_money(address=address, **_filters(self.FlowFilters, request))
        return Response(answers.TraceOut(_found(trace, f"address {address}")).data)


class ClusterApi(APIView):
    @extend_schema(responses={200: answers.ClusterDetailOut, **ERRORS})
    def get(self, request, cluster_id: str):
        own = own_pack(request.user)
        store = get_graph()
        detail = _found(explore.cluster_detail(store, cluster_id), f"cluster {cluster_id}")
        tags = tags_in_cluster(store, cluster_id, own_pack=own, limit=50)
        return Response(answers.ClusterDetailOut(detail, context={"tags": tags}).data)


class ClusterTransactionsApi(APIView):
    class ClusterTxFilters(serializers.Serializer):
        until = serializers.IntegerField(
            required=False, min_value=0, max_value=BIGINT, help_text="block time, Unix seconds (exclusive)"
        )
        limit = serializers.IntegerField(min_value=1, max_value=500, default=50)

    @extend_schema(parameters=[ClusterTxFilters], responses={200: answers.ClusterTxPageOut, **ERRORS})
    def get(self, request, cluster_id: str):
        """The transactions the cluster's addresses took part in, newest first, a page at a time."""
        selectors.membership(request.user)
        page = explore.cluster_transactions(get_graph(), cluster_id, **_filters(self.ClusterTxFilters, request))
        return Response(answers.ClusterTxPageOut(_found(page, f"cluster {cluster_id}")).data)


class TransactionApi(APIView):
    @extend_schema(responses={200: answers.TransactionDetailOut, **ERRORS})
    def get(self, request, txid: str):
        selectors.membership(request.user)
        detail = _found(explore.transaction_detail(get_graph(), txid), f"transaction {txid}")
        return Response(answers.TransactionDetailOut(detail).data)


class PathsApi(APIView):
    class PathFilters(serializers.Serializer):
        source = serializers.CharField(max_length=100)
        target = serializers.CharField(max_length=100)
        kind = serializers.ChoiceField(choices=["address", "cluster"], default="address")
        hops = serializers.IntegerField(min_value=1, max_value=explore.MAX_HOPS, default=4)
        limit = serializers.IntegerField(min_value=1, max_value=50, default=5)

    @extend_schema(parameters=[PathFilters], responses={200: answers.PathsOut, **ERRORS})
    def get(self, request):
        selectors.membership(request.user)
        filters = _filters(self.PathFilters, request)
        store, kind = get_graph(), filters["kind"]
        if filters["source"] == filters["target"]:
            raise serializers.ValidationError({"target": "the same as source; a path needs two ends"})
        detail = explore.address_detail if kind == "address" else explore.cluster_detail
        for end in ("source", "target"):
            _found(detail(store, filters[end]), f"{kind} {filters[end]} ({end})")
        return Response(answers.PathsOut({"paths": explore.paths(store, **filters)}).data)


class SearchApi(APIView):
    class SearchFilters(serializers.Serializer):
        q = serializers.CharField(min_length=2, max_length=200)
        limit = serializers.IntegerField(min_value=1, max_value=100, default=20)

    @extend_schema(parameters=[SearchFilters], responses={200: answers.FoundOut, **ERRORS})
    def get(self, request):
        """An address or txid (exact), tags by label prefix, the user's team's cases by title or id."""
        filters = _filters(self.SearchFilters, request)
        query, limit = filters["q"].strip(), filters["limit"]
        address_like = _address(query)
        cases = selectors.cases_search(user=request.user, text=query, limit=limit)
        store = get_graph()
        address = explore.address_detail(store, address_like)
        transaction = explore.transaction_detail(store, query, limit=0) if len(query) == 64 else None
        found = {
            "addresses": [address] if address else [],
            "transactions": [transaction] if transaction else [],
            "tags": tags_search(store, query, own_pack=own_pack(request.user), limit=limit),
            "cases": cases,
        }
        return Response(answers.FoundOut(found).data)
