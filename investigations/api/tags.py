"""Tag endpoints: tags on addresses, label search, hand-made tags, TagPack import/export, the taxonomy.

Imported tags are shared by every team; a team's hand-made tags are its own unless made public
(investigations/tagging.py). Reading needs a team: the API is for investigators, not for anyone with
an account, and the team decides which private tags the reader also sees.
"""

import tempfile
from pathlib import Path

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from chain.addresses import address_normalise
from graph import get_graph
from graph.tags import tags_for, tags_search
from investigations import selectors, tagging
from investigations.api.answers import TagOut
from investigations.api.views import ERRORS, NOT_BLANK, input_valid
from investigations.models import TagPackImport
from tagpack import TagPackError

ADDRESSES_MAX = 100


class TagPackOut(serializers.ModelSerializer):
    class Meta:
        model = TagPackImport
        fields = ["pack", "title", "creator", "sha256", "tags", "skipped", "imported_by", "at"]


class TagListApi(APIView):
    class TagFilters(serializers.Serializer):
        address = serializers.ListField(
            child=serializers.CharField(max_length=100), required=False, max_length=ADDRESSES_MAX
        )
        q = serializers.CharField(required=False, min_length=2, max_length=200, help_text="label prefix")
        limit = serializers.IntegerField(min_value=1, max_value=500, default=50)

        def validate(self, attrs):
            if not attrs.get("address") and not attrs.get("q"):
                raise serializers.ValidationError({"detail": "give address (up to 100) or q (a label prefix)"})
            return attrs

    class TagInput(serializers.Serializer):
        address = serializers.CharField(max_length=100)
        label = serializers.CharField(max_length=200, validators=[NOT_BLANK])
        category = serializers.CharField(max_length=100, required=False, allow_null=True, default=None)
        abuse = serializers.CharField(max_length=100, required=False, allow_null=True, default=None)
        confidence = serializers.CharField(max_length=100, default="forensic_investigation")
        source = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
        context = serializers.CharField(max_length=2000, required=False, allow_null=True, default=None)
        visibility = serializers.ChoiceField(
            choices=tagging.VISIBILITIES, default=tagging.TEAM, help_text="team (the default): private to your team"
        )

    @extend_schema(parameters=[TagFilters], responses={200: TagOut(many=True), **ERRORS})
    def get(self, request):
        own = tagging.own_pack(request.user)
        filters = self.TagFilters(
            data={**request.query_params.dict(), "address": request.query_params.getlist("address")}
        )
        filters.is_valid(raise_exception=True)
        found = filters.validated_data
        store = get_graph()
        if found.get("address"):
            addresses = [address_normalise(a) or a for a in found["address"]]
            tags = [tag for tags in tags_for(store, addresses, own_pack=own).values() for tag in tags]
        else:
            tags = tags_search(store, found["q"], own_pack=own, limit=found["limit"])
        return Response(TagOut(tags[: found["limit"]], many=True).data)

    @extend_schema(request=TagInput, responses={201: TagOut, **ERRORS})
    def post(self, request):
        row = tagging.tag_add(user=request.user, **input_valid(self.TagInput, request))
        return Response(TagOut(row).data, status=status.HTTP_201_CREATED)


class TagDetailApi(APIView):
    class TagChangeInput(serializers.Serializer):
        visibility = serializers.ChoiceField(choices=tagging.VISIBILITIES)

    @extend_schema(request=TagChangeInput, responses={204: None, **ERRORS})
    def patch(self, request, key: str):
        """Share one of your team's tags with every team and with screening (public), or take it back."""
        tagging.tag_visibility_change(user=request.user, key=key, **input_valid(self.TagChangeInput, request))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(responses={204: None, **ERRORS})
    def delete(self, request, key: str):
        tagging.tag_remove(user=request.user, key=key)
        return Response(status=status.HTTP_204_NO_CONTENT)


class TagPackListApi(APIView):
    parser_classes = [MultiPartParser, FormParser]

    class TagPackInput(serializers.Serializer):
        file = serializers.FileField()
        pack = serializers.CharField(max_length=200, required=False, help_text="default: the file name")
        default_confidence = serializers.CharField(max_length=100, required=False)

    @extend_schema(responses={200: TagPackOut(many=True), **ERRORS})
    def get(self, request):
        selectors.membership(request.user)
        return Response(TagPackOut(selectors.tagpacks_latest(), many=True).data)

    @extend_schema(request={"multipart/form-data": TagPackInput}, responses={201: TagPackOut, **ERRORS})
    def post(self, request):
        """Admins only. The pack is checked whole first: a broken one is refused with every problem."""
        tagging.tagpack_import_allowed(request.user)
        data = input_valid(self.TagPackInput, request)
        upload = data["file"]
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "pack.yaml"
            with path.open("wb") as out:
                for chunk in upload.chunks():
                    out.write(chunk)
            try:
                record = tagging.tagpack_import(
                    path=path,
                    pack=data.get("pack") or Path(upload.name).stem,
                    actor=request.user.get_username(),
                    default_confidence=data.get("default_confidence"),
                )
            except TagPackError as error:  # name the file as the user knows it, not our temporary copy
                raise TagPackError([p.replace(str(path), upload.name, 1) for p in error.problems]) from None
        return Response(TagPackOut(record).data, status=status.HTTP_201_CREATED)


class TagPackExportApi(APIView):
    @extend_schema(responses={(200, "application/yaml"): OpenApiTypes.STR, **ERRORS})
    def get(self, request, pack: str):
        text = tagging.tagpack_export(pack=pack, user=request.user)
        response = HttpResponse(text, content_type="application/yaml; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{pack.replace("/", "_")}.yaml"'
        return response


class ConceptOut(serializers.Serializer):
    id = serializers.CharField()
    label = serializers.CharField()
    description = serializers.CharField()
    broader = serializers.ListField(child=serializers.CharField())
    risk_class = serializers.CharField()


class TaxonomyOut(serializers.Serializer):
    concepts = ConceptOut(many=True)
    confidence = serializers.DictField(child=serializers.IntegerField())


class TaxonomyApi(APIView):
    @extend_schema(
        responses={200: OpenApiResponse(TaxonomyOut, description="concepts and confidence levels"), **ERRORS}
    )
    def get(self, request):
        selectors.membership(request.user)
        known = tagging.taxonomy()
        concepts = [
            {
                "id": concept_id,
                "label": concept.label,
                "description": concept.description,
                "broader": list(concept.broader),
                "risk_class": known.risk_class(concept_id),
            }
            for concept_id, concept in known.concepts.items()
        ]
        return Response(TaxonomyOut({"concepts": concepts, "confidence": known.confidence}).data)
