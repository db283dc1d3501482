"""Output serializers of the exploration answers (graph/explore.py, investigations/tracing.py).

They exist so that the OpenAPI schema names every field with its type and nullability and the front
end's types are generated from it (frontend/src/api/schema.d.ts) instead of written by hand. They must
not change the JSON: fields are declared in the order the selectors give them, values pass through as the
graph gave them (`_AsGiven`), and a key a selector leaves out stays out (`required=False`).
tests/investigations/test_explore_answers.py compares each answer with the selector's own values.
"""

import copy

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from graph.tags import TAG_FIELDS
from investigations import tagging
from investigations.api.views import CaseOut


class _AsGiven:
    """Sends the value as the graph gave it. DRF's fields convert (IntegerField writes FalkorDB's sum() of
    0.0 as 0, FloatField a haircut of 5 as 5.0), and the JSON must not change; the field's class still
    tells the schema the type."""

    def to_representation(self, value):
        return value


class Int(_AsGiven, serializers.IntegerField):
    pass


class Number(_AsGiven, serializers.FloatField):
    pass


class Text(_AsGiven, serializers.CharField):
    pass


class Bool(_AsGiven, serializers.BooleanField):
    pass


class Choice(_AsGiven, serializers.ChoiceField):
    pass


def _int(**kwargs) -> Int:
    return Int(allow_null=True, **kwargs)


def _text(**kwargs) -> Text:
    return Text(allow_null=True, **kwargs)


def _number(**kwargs) -> Number:
    return Number(allow_null=True, **kwargs)


def _texts(**kwargs) -> serializers.ListField:
    return serializers.ListField(child=Text(), allow_null=True, **kwargs)


class PageOut(serializers.Serializer):
    """graph/explore.py Page: some of the answers, and whether (and by how much) the list was cut."""

    cut = Bool()
    complete = Bool(help_text="every edge was looked at")
    returned = Int()
    matched = Int(help_text="passed the filters among the edges scanned")
    omitted = Int(help_text="matching answers left out: exact when complete, else a lower bound")
    scanned = Int()
    total = _int(help_text="how many there are in all, when the graph keeps that count")
    notes = serializers.ListField(child=Text(), help_text="how to narrow a cut answer")


def page_of(item: type[serializers.Serializer], name: str) -> type[serializers.Serializer]:
    """A PageOut whose `items` are `item`s, first, as Page.as_dict sends them (DRF orders fields by when
    they were made, so PageOut's own fields are copied after `items`)."""
    items = item(many=True)
    page_fields = {field_name: copy.deepcopy(f) for field_name, f in PageOut._declared_fields.items()}
    return type(name, (serializers.Serializer,), {"items": items, **page_fields, "__doc__": PageOut.__doc__})


class TagOut(serializers.Serializer):
    """A tag as graph/tags.py reads it and tagpack/reading.py tag_row writes it, as /tags/ sends it (which
    leaves out `is_cluster_definer`)."""

    key = Text()
    address = Text()
    label = Text()
    category = _text()
    abuse = _text()
    concepts = serializers.ListField(child=Text())
    risk_class = Text()
    confidence = Text()
    confidence_score = Int()
    source = Text()
    actor = _text()
    context = _text()
    lastmod = _text()
    pack = Text()
    visibility = Choice(choices=tagging.VISIBILITIES, help_text="team: only the tag's team sees it")


class GraphTagOut(TagOut):
    """A tag (TagOut) with `is_cluster_definer`, as the address, cluster and search answers send it."""

    is_cluster_definer = Bool(allow_null=True)

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()  # DRF puts a subclass's own fields last: keep graph/tags.py's order
        return {name: fields[name] for name in TAG_FIELDS}


class AddressDetailOut(serializers.Serializer):
    """graph/explore.py AddressDetail; the risk fields are null before any model ran."""

    address = Text()
    script_type = _text()
    first_seen = _int(help_text="block time, Unix seconds")
    last_seen = _int(help_text="block time, Unix seconds")
    first_height = _int()
    last_height = _int()
    received = _int(help_text="satoshis")
    sent = _int(help_text="satoshis")
    n_tx = _int()
    risk = _number(help_text="0 to 1")
    risk_label = _text()
    risk_model = _text()
    reasons = _texts(help_text="the features that weighed most")
    reason_weights = serializers.ListField(child=Number(), allow_null=True)
    influential = _texts(help_text="the neighbours that weighed most")
    cluster = _text()
    cluster_size = _int()
    cluster_risk = _number()
    cluster_flagged = Bool(allow_null=True)


class AddressAnswerOut(AddressDetailOut):
    """The address page: the detail, its tags and its cluster's (given in the context: not the graph's)."""

    tags = serializers.SerializerMethodField()
    cluster_tags = serializers.SerializerMethodField()

    @extend_schema_field(GraphTagOut(many=True))
    def get_tags(self, _detail) -> list:
        return GraphTagOut(self.context["tags"], many=True).data

    @extend_schema_field(GraphTagOut(many=True))
    def get_cluster_tags(self, _detail) -> list:
        return GraphTagOut(self.context["cluster_tags"], many=True).data


class ClusterMemberOut(serializers.Serializer):
    address = Text()
    risk = _number()
    risk_label = _text()
    received = _int()
    n_tx = _int()


class ClusterDetailOut(serializers.Serializer):
    """graph/explore.py ClusterDetail with its tags (given in the context). `merged_into`: the cluster that
    absorbed this one, if any."""

    cluster = Text()
    size = _int()
    received = _int()
    sent = _int()
    first_seen = _int()
    last_seen = _int()
    risk = _number()
    flagged = Bool(allow_null=True)
    flagged_addresses = _number(help_text="a count; FalkorDB's sum() gives it as a float")
    risk_model = _text()
    merged_into = _text()
    members = page_of(ClusterMemberOut, "ClusterMembersPageOut")()
    tags = serializers.SerializerMethodField()

    @extend_schema_field(GraphTagOut(many=True))
    def get_tags(self, _detail) -> list:
        return GraphTagOut(self.context["tags"], many=True).data


class ClusterTxOut(serializers.Serializer):
    txid = Text()
    time = _int()
    height = _int()
    value = _int()


class NeighbourOut(serializers.Serializer):
    """One of an address's transactions: `out` it spends into it, `in` it pays the address."""

    txid = Text()
    time = _int()
    height = _int()
    value = _int(help_text="satoshis on the address's edge")
    n_in = _int()
    n_out = _int()
    direction = Choice(choices=["in", "out"])


ClusterTxPageOut = page_of(ClusterTxOut, "ClusterTxPageOut")
NeighbourPageOut = page_of(NeighbourOut, "NeighbourPageOut")


class TransactionInputOut(serializers.Serializer):
    address = Text()
    value = _int(help_text="null until the spent output is loaded")
    outpoint = _text(help_text="txid:n")
    risk = _number()


class TransactionOutputOut(serializers.Serializer):
    n = Int()
    address = _text(help_text="null for an output without an address")
    value = _int()
    risk = _number()


class TransactionDetailOut(serializers.Serializer):
    """graph/explore.py TransactionDetail: each side a page."""

    txid = Text()
    height = _int(help_text="null while unconfirmed")
    time = _int()
    block_hash = _text()
    coinbase = Bool(allow_null=True)
    n_in = _int()
    n_out = _int()
    value = _int()
    in_value = _int()
    fee = _int(help_text="null while an input is unresolved")
    size = _int()
    coinjoin = _text(help_text="the CoinJoin rule that matched, if any")
    unconfirmed = Bool(allow_null=True)
    inputs = page_of(TransactionInputOut, "TransactionInputsPageOut")()
    outputs = page_of(TransactionOutputOut, "TransactionOutputsPageOut")()


class PathOut(serializers.Serializer):
    nodes = serializers.ListField(child=Text(), help_text="addresses, txids, cluster ids in order")
    values = serializers.ListField(child=_int(), help_text="each edge's satoshis; null for cluster membership")
    risks = serializers.ListField(child=_number(), help_text="each node's score; null for transactions, clusters")


class PathsOut(serializers.Serializer):
    paths = PathOut(many=True)


class TracedAddressOut(serializers.Serializer):
    address = Text()
    hop = Int()
    haircut = Number(help_text="traced satoshis, in proportion")
    poison = Number(help_text="satoshis touched by traced funds")
    received = _int()
    height = Int(help_text="the block the traced funds reached it in")
    risk = _number()


class TracedTransactionOut(serializers.Serializer):
    txid = Text()
    hop = Int()
    height = _int()
    time = _int()
    share = Number(help_text="the traced share of its inputs")


# "from" is a Python keyword, so this serializer is built from a dict.
TracedEdgeOut = type(
    "TracedEdgeOut",
    (serializers.Serializer,),
    {
        "from": Text(),
        "to": Text(),
        "value": _int(),
        "haircut": Number(required=False, help_text="on the edges out of a transaction only"),
    },
)


class TraceOut(serializers.Serializer):
    """investigations/tracing.py Trace: follow the money, hop by hop."""

    direction = Choice(choices=["forward", "backward"])
    source = Text()
    addresses = TracedAddressOut(many=True)
    transactions = TracedTransactionOut(many=True)
    edges = TracedEdgeOut(many=True)
    cut = Bool()
    notes = serializers.ListField(child=Text(), help_text="where the trace was cut")

    def to_representation(self, instance):
        """Takes the Trace itself, as the other answers take their selector's object. A Trace keys its
        addresses and transactions by id for the walk, and its `cut` is the notes: its rows are as_dict's."""
        return super().to_representation(instance.as_dict())


class FoundOut(serializers.Serializer):
    """Search: an exact address or txid, tags by label prefix, the team's cases."""

    addresses = AddressDetailOut(many=True)
    transactions = TransactionDetailOut(many=True)
    tags = GraphTagOut(many=True)
    cases = CaseOut(many=True)


class FlaggedClusterOut(serializers.Serializer):
    cluster = Text()
    risk = Number(help_text="never null: the queue holds clusters at or above a risk")
    size = _int()
    flagged_addresses = _number(help_text="a count; FalkorDB's sum() gives it as a float")
    received = _int()
    last_seen = _int()
    risk_model = _text()


class FlaggedClustersOut(serializers.Serializer):
    clusters = FlaggedClusterOut(many=True)
