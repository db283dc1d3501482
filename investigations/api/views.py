"""Case endpoints. Querysets come from `cases_visible`, so no view can return another team's rows."""

from django.core.validators import RegexValidator
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from core.parsers import DepthLimitedJSONParser
from investigations import selectors, services
from investigations.models import Approval, AuditEvent, Case, Evidence, Note, Subject

# Every operation may refuse: 400 with the reasons (`detail`, or per field), 403 when signed out or in no
# team, 404 for what is not there or belongs to another team, 409 when the case's state forbids it now.
# Some character Python does not count as white space (str.strip removes all of these).
NOT_BLANK = RegexValidator(
    "[^\t-\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]",
    "must hold more than white space",
)
BIGINT = 2**63 - 1  # ids and amounts the databases can hold
ERRORS = {
    400: OpenApiResponse(OpenApiTypes.OBJECT, description="refused; the body says why"),
    409: OpenApiResponse(OpenApiTypes.OBJECT, description="the case's state does not allow it now"),
    403: OpenApiResponse(OpenApiTypes.OBJECT, description="not signed in, in no team, or not allowed"),
    404: OpenApiResponse(OpenApiTypes.OBJECT, description="no such object in the user's team"),
}


class SubjectOut(serializers.ModelSerializer):
    class Meta:
        model = Subject
        fields = ["id", "kind", "ref", "snapshot", "added_at"]


class NoteOut(serializers.ModelSerializer):
    author = serializers.CharField(source="author.username")
    mentions = serializers.SlugRelatedField(many=True, read_only=True, slug_field="username")

    class Meta:
        model = Note
        fields = ["id", "author", "body", "mentions", "created_at"]


class EvidenceOut(serializers.ModelSerializer):
    acquired_by = serializers.CharField(source="acquired_by.username")

    class Meta:
        model = Evidence
        fields = ["id", "kind", "name", "content_type", "size", "sha256", "acquired_by", "acquired_at"]


class ApprovalOut(serializers.ModelSerializer):
    requested_by = serializers.CharField(source="requested_by.username")
    decided_by = serializers.CharField(source="decided_by.username", allow_null=True)

    class Meta:
        model = Approval
        fields = ["id", "action", "status", "requested_by", "decided_by", "requested_at", "decided_at"]


class CaseOut(serializers.ModelSerializer):
    assignee = serializers.CharField(source="assignee.username", allow_null=True)
    created_by = serializers.CharField(source="created_by.username")
    team = serializers.CharField(source="team.name")

    class Meta:
        model = Case
        fields = [
            "id", "title", "summary", "status", "outcome", "priority", "assignee", "due", "team",
            "created_by", "created_at", "updated_at", "closed_at",
        ]  # fmt: skip


class CaseDetailOut(CaseOut):
    subjects = SubjectOut(many=True)
    notes = NoteOut(many=True)
    evidence = EvidenceOut(many=True)
    approvals = ApprovalOut(many=True)

    class Meta(CaseOut.Meta):
        fields = [*CaseOut.Meta.fields, "subjects", "notes", "evidence", "approvals"]


class CaseListApi(APIView):
    class CaseListFilters(serializers.Serializer):
        status = serializers.ChoiceField(choices=Case.Status.choices, required=False)
        priority = serializers.ChoiceField(choices=Case.Priority.choices, required=False)
        assignee = serializers.CharField(
            max_length=150, required=False, help_text="a teammate's username, or none for the unassigned"
        )
        limit = serializers.IntegerField(min_value=1, max_value=500, default=100)

    class CaseListInput(serializers.Serializer):
        """Only these: team, status, creator and the rest are the server's to set."""

        title = serializers.CharField(max_length=200, validators=[NOT_BLANK])
        summary = serializers.CharField(required=False, allow_blank=True, default="")
        priority = serializers.ChoiceField(choices=Case.Priority.choices, default=Case.Priority.MEDIUM)
        due = serializers.DateField(required=False, allow_null=True, default=None)

    @extend_schema(parameters=[CaseListFilters], responses={200: CaseOut(many=True), **ERRORS})
    def get(self, request):
        filters = self.CaseListFilters(data=request.query_params)
        filters.is_valid(raise_exception=True)
        limit = filters.validated_data.pop("limit")
        assignee = filters.validated_data.pop("assignee", None)
        cases = selectors.cases_assigned(selectors.cases_visible(request.user), assignee).filter(
            **filters.validated_data
        )
        cases = cases.select_related("team", "assignee", "created_by")[:limit]
        return Response(CaseOut(cases, many=True).data)

    @extend_schema(request=CaseListInput, responses={201: CaseOut, **ERRORS})
    def post(self, request):
        data = input_valid(self.CaseListInput, request)
        case = services.case_create(user=request.user, **data)
        return Response(CaseOut(case).data, status=status.HTTP_201_CREATED)


class CaseDetailApi(APIView):
    class CaseUpdateInput(serializers.Serializer):
        """Only these: status moves through transitions, team and creator never change."""

        title = serializers.CharField(max_length=200, validators=[NOT_BLANK], required=False)
        summary = serializers.CharField(required=False, allow_blank=True)
        priority = serializers.ChoiceField(choices=Case.Priority.choices, required=False)
        due = serializers.DateField(required=False, allow_null=True)
        assignee = serializers.CharField(max_length=150, required=False, allow_null=True, allow_blank=True)

    @extend_schema(responses={200: CaseDetailOut, **ERRORS})
    def get(self, request, case_id: int):
        return Response(CaseDetailOut(selectors.case_get(user=request.user, case_id=case_id)).data)

    @extend_schema(request=CaseUpdateInput, responses={200: CaseOut, **ERRORS})
    def patch(self, request, case_id: int):
        serializer = self.CaseUpdateInput(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        case = services.case_update(user=request.user, case_id=case_id, **serializer.validated_data)
        return Response(CaseOut(case).data)


class CaseTransitionApi(APIView):
    class CaseTransitionInput(serializers.Serializer):
        to = serializers.ChoiceField(choices=Case.Status.choices)
        labels = serializers.IntegerField(
            min_value=0,
            max_value=BIGINT,
            required=False,
            help_text="confirmed and dismissed record the case's addresses as training labels: their number, "
            "as GET …/verdict/ gave it, confirms that; without it (or with another number) a case with addresses "
            "is refused with 400 and the number in `labels`",
        )

    @extend_schema(request=CaseTransitionInput, responses={200: CaseOut, **ERRORS})
    def post(self, request, case_id: int):
        data = input_valid(self.CaseTransitionInput, request)
        case = services.case_transition(
            user=request.user, case_id=case_id, to=data["to"], labels=data.get("labels"), confirmation_required=True
        )
        return Response(CaseOut(case).data)


class CaseVerdictApi(APIView):
    class VerdictOut(serializers.Serializer):
        labels = serializers.IntegerField(help_text="addresses a verdict would record as training labels now")

    @extend_schema(responses={200: VerdictOut, **ERRORS})
    def get(self, request, case_id: int):
        return Response({"labels": services.verdict_preview(user=request.user, case_id=case_id)})


class SubjectAddApi(APIView):
    class SubjectAddInput(serializers.Serializer):
        kind = serializers.ChoiceField(choices=Subject.Kind.choices)
        ref = serializers.CharField(max_length=100)

    @extend_schema(request=SubjectAddInput, responses={201: SubjectOut, **ERRORS})
    def post(self, request, case_id: int):
        subject = services.subject_add(user=request.user, case_id=case_id, **input_valid(self.SubjectAddInput, request))
        return Response(SubjectOut(subject).data, status=status.HTTP_201_CREATED)


class NoteAddApi(APIView):
    class NoteAddInput(serializers.Serializer):
        body = serializers.CharField(max_length=20_000, validators=[NOT_BLANK])

    @extend_schema(request=NoteAddInput, responses={201: NoteOut, **ERRORS})
    def post(self, request, case_id: int):
        note = services.note_add(user=request.user, case_id=case_id, **input_valid(self.NoteAddInput, request))
        return Response(NoteOut(note).data, status=status.HTTP_201_CREATED)


class EvidenceFileApi(APIView):
    parser_classes = [MultiPartParser, FormParser]

    class EvidenceFileInput(serializers.Serializer):
        file = serializers.FileField()

    @extend_schema(request={"multipart/form-data": EvidenceFileInput}, responses={201: EvidenceOut, **ERRORS})
    def post(self, request, case_id: int):
        upload = input_valid(self.EvidenceFileInput, request)["file"]
        evidence = services.evidence_file_acquire(
            user=request.user, case_id=case_id, name=upload.name, chunks=upload.chunks()
        )
        return Response(EvidenceOut(evidence).data, status=status.HTTP_201_CREATED)


class GraphSnapshot(serializers.Serializer):
    """A graph view as the explorer saves it; keys besides these (layout, positions) are kept too."""

    nodes = serializers.ListField(child=serializers.DictField())
    edges = serializers.ListField(child=serializers.DictField(), required=False)


class EvidenceSnapshotApi(APIView):
    parser_classes = [DepthLimitedJSONParser]

    class EvidenceSnapshotInput(serializers.Serializer):
        name = serializers.CharField(max_length=200, validators=[NOT_BLANK])
        snapshot = GraphSnapshot()

    @extend_schema(request=EvidenceSnapshotInput, responses={201: EvidenceOut, **ERRORS})
    def post(self, request, case_id: int):
        name = input_valid(self.EvidenceSnapshotInput, request)["name"]
        snapshot = request.data["snapshot"]  # as sent: validated above, extra keys kept
        evidence = services.evidence_snapshot_acquire(user=request.user, case_id=case_id, name=name, snapshot=snapshot)
        return Response(EvidenceOut(evidence).data, status=status.HTTP_201_CREATED)


class ApprovalRequestApi(APIView):
    class ApprovalRequestInput(serializers.Serializer):
        action = serializers.ChoiceField(choices=Approval.Action.choices)

    @extend_schema(request=ApprovalRequestInput, responses={201: ApprovalOut, **ERRORS})
    def post(self, request, case_id: int):
        approval = services.approval_request(
            user=request.user, case_id=case_id, **input_valid(self.ApprovalRequestInput, request)
        )
        return Response(ApprovalOut(approval).data, status=status.HTTP_201_CREATED)


class ApprovalDecideApi(APIView):
    class ApprovalDecideInput(serializers.Serializer):
        approve = serializers.BooleanField()

    @extend_schema(request=ApprovalDecideInput, responses={200: ApprovalOut, **ERRORS})
    def post(self, request, approval_id: int):
        approval = services.approval_decide(
            user=request.user, approval_id=approval_id, **input_valid(self.ApprovalDecideInput, request)
        )
        return Response(ApprovalOut(approval).data)


class CaseAuditApi(APIView):
    class CaseAuditOut(serializers.ModelSerializer):
        class Meta:
            model = AuditEvent
            fields = ["seq", "at", "actor", "action", "data", "leaf_hash"]

    @extend_schema(responses={200: CaseAuditOut(many=True), **ERRORS})
    def get(self, request, case_id: int):
        case = selectors.case_get(user=request.user, case_id=case_id)
        return Response(self.CaseAuditOut(AuditEvent.objects.filter(target=f"case:{case.id}"), many=True).data)


def input_valid(serializer_class, request) -> dict:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)
