"""The inbox: approvals waiting for this user's decision and their notifications (mentions, assignments,
decisions), with the unread count the app's navigation shows."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from investigations import notifications, selectors
from investigations.api.views import BIGINT, ERRORS, input_valid
from investigations.models import Approval, Notification


class NotificationOut(serializers.ModelSerializer):
    case = serializers.IntegerField(source="case_id")
    case_title = serializers.CharField(source="case.title")

    class Meta:
        model = Notification
        fields = ["id", "kind", "case", "case_title", "actor", "text", "created_at", "read_at"]


class WaitingApprovalOut(serializers.ModelSerializer):
    requested_by = serializers.CharField(source="requested_by.username")
    case = serializers.IntegerField(source="case_id")
    case_title = serializers.CharField(source="case.title")

    class Meta:
        model = Approval
        fields = ["id", "action", "case", "case_title", "requested_by", "requested_at"]


class InboxOut(serializers.Serializer):
    unread = serializers.IntegerField(help_text="the user's unread notifications")
    approvals = WaitingApprovalOut(many=True, help_text="pending approvals this user may decide, oldest first")
    notifications = NotificationOut(many=True, help_text="the latest 100, newest first")


class InboxCountOut(serializers.Serializer):
    unread = serializers.IntegerField()
    approvals = serializers.IntegerField()


class InboxApi(APIView):
    @extend_schema(responses={200: InboxOut, **ERRORS})
    def get(self, request):
        body = {
            "unread": notifications.notifications_unread(request.user),
            "approvals": selectors.approvals_waiting(request.user),
            "notifications": notifications.notifications_of(request.user),
        }
        return Response(InboxOut(body).data)


class InboxCountApi(APIView):
    """What the navigation's badge shows; cheap enough to poll."""

    @extend_schema(responses={200: InboxCountOut, **ERRORS})
    def get(self, request):
        body = {
            "unread": notifications.notifications_unread(request.user),
            "approvals": selectors.approvals_waiting(request.user).count(),
        }
        return Response(InboxCountOut(body).data)


class NotificationsReadApi(APIView):
    class NotificationsReadInput(serializers.Serializer):
        ids = serializers.ListField(
            child=serializers.IntegerField(min_value=1, max_value=BIGINT),
            required=False,
            max_length=1000,
            help_text="the notifications to mark read; leave out to mark them all",
        )

    class NotificationsReadOut(serializers.Serializer):
        marked = serializers.IntegerField()
        unread = serializers.IntegerField()

    @extend_schema(request=NotificationsReadInput, responses={200: NotificationsReadOut, **ERRORS})
    def post(self, request):
        ids = input_valid(self.NotificationsReadInput, request).get("ids")
        marked = notifications.notifications_read(user=request.user, ids=ids)
        return Response({"marked": marked, "unread": notifications.notifications_unread(request.user)})
