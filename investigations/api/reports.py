"""Case reports: made when a supervisor approves an export (four eyes) and made again when the case closes
(investigations/report/final.py), downloaded by the team. One that failed shows its last error; the worker
retries it with backoff, and the team can retry it now."""

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from investigations import selectors, services
from investigations.api.views import ERRORS
from investigations.models import Report

CONTENT_TYPES = {"pdf": "application/pdf", "csv": "text/csv; charset=utf-8"}


class ReportOut(serializers.ModelSerializer):
    generated_by = serializers.CharField(source="generated_by.username")
    requested_by = serializers.CharField(source="approval.requested_by.username")

    class Meta:
        model = Report
        fields = [
            "id", "approval", "status", "attempts", "last_error", "pdf_sha256", "csv_sha256", "requested_by",
            "generated_by", "generated_at",
        ]  # fmt: skip


class ReportListApi(APIView):
    @extend_schema(responses={200: ReportOut(many=True), **ERRORS})
    def get(self, request, case_id: int):
        case = selectors.case_get(user=request.user, case_id=case_id)
        reports = case.reports.select_related("generated_by", "approval__requested_by")
        return Response(ReportOut(reports, many=True).data)


class ReportRetryApi(APIView):
    @extend_schema(request=None, responses={200: ReportOut, **ERRORS})
    def post(self, request, case_id: int, report_id: int):
        """Try a failed report again now: 200 with its status (`ready`, or `failed` with the new error);
        409 when it is already made."""
        report = services.report_retry(user=request.user, case_id=case_id, report_id=report_id)
        return Response(ReportOut(report).data)


class ReportFileApi(APIView):
    @extend_schema(
        responses={
            (200, "application/pdf"): OpenApiTypes.BINARY,
            (200, "text/csv"): OpenApiTypes.STR,
            **ERRORS,
        }
    )
    def get(self, request, case_id: int, report_id: int, fmt: str):
        content, name = services.report_file(user=request.user, case_id=case_id, report_id=report_id, fmt=fmt)
        response = HttpResponse(content, content_type=CONTENT_TYPES[fmt])
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
