"""The team page: its members and roles (every member reads them: the assignee picker), invitations and role
changes (leads and admins), and accepting an invitation (the invited person, not signed in yet)."""

from django.conf import settings
from django.contrib.auth import get_user_model, login
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_protect
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from investigations import selectors, team
from investigations.api.session import SIGNED_IN, SessionOut, whoami
from investigations.api.views import ERRORS, NOT_BLANK, input_valid
from investigations.models import Membership


class MemberOut(serializers.ModelSerializer):
    """A teammate: a user, with their role in the team."""

    role = serializers.ChoiceField(source="membership.role", choices=Membership.Role.choices)
    invited = serializers.SerializerMethodField(help_text="invited, and has not chosen a password yet")

    class Meta:
        model = get_user_model()
        fields = ["id", "username", "email", "role", "invited", "last_login"]

    def get_invited(self, person) -> bool:
        return not person.has_usable_password()


class TeamOut(serializers.Serializer):
    team = serializers.CharField()
    members = MemberOut(many=True)


class InvitationOut(serializers.Serializer):
    member = MemberOut()
    url = serializers.CharField(help_text="the one-time link to choose a password; empty when none is needed")


class TeamMembersApi(APIView):
    class MemberInviteInput(serializers.Serializer):
        username = serializers.CharField(max_length=150, validators=[NOT_BLANK])
        email = serializers.EmailField(required=False, allow_blank=True, default="")
        role = serializers.ChoiceField(choices=Membership.Role.choices, default=Membership.Role.ANALYST)

    @extend_schema(responses={200: TeamOut, **ERRORS})
    def get(self, request):
        members = selectors.team_members(request.user)
        return Response(TeamOut({"team": selectors.membership(request.user).team.name, "members": members}).data)

    @extend_schema(request=MemberInviteInput, responses={201: InvitationOut, **ERRORS})
    def post(self, request):
        data = input_valid(self.MemberInviteInput, request)
        invitation = team.member_invite(user=request.user, base_url=_base_url(request), **data)
        body = InvitationOut({"member": invitation.member.user, "url": invitation.url}).data
        return Response(body, status=status.HTTP_201_CREATED)


class TeamMemberApi(APIView):
    class MemberRoleInput(serializers.Serializer):
        role = serializers.ChoiceField(choices=Membership.Role.choices)

    @extend_schema(request=MemberRoleInput, responses={200: MemberOut, **ERRORS})
    def patch(self, request, user_id: int):
        role = input_valid(self.MemberRoleInput, request)["role"]
        member = team.member_role_set(user=request.user, member_id=user_id, role=role)
        return Response(MemberOut(member.user).data)


class InvitationRenewApi(APIView):
    class InvitationLinkOut(serializers.Serializer):
        url = serializers.CharField(help_text="a new one-time link to choose a password")

    @extend_schema(request=None, responses={200: InvitationLinkOut, **ERRORS})
    def post(self, request, user_id: int):
        url = team.invitation_renew(user=request.user, member_id=user_id, base_url=_base_url(request))
        return Response({"url": url})


def _base_url(request) -> str:
    """Where the lead reached the app, unless APP_URL says where people do."""
    return settings.APP_URL or request.build_absolute_uri("/").rstrip("/")


class InvitationAcceptApi(APIView):
    permission_classes = [AllowAny]

    class InvitationAcceptInput(serializers.Serializer):
        uid = serializers.CharField(max_length=40)
        token = serializers.CharField(max_length=100)
        password = serializers.CharField(max_length=200, trim_whitespace=False)

    @extend_schema(request=InvitationAcceptInput, responses={200: SIGNED_IN, **ERRORS})
    @method_decorator(csrf_protect)
    def post(self, request):
        person = team.invitation_accept(**input_valid(self.InvitationAcceptInput, request))
        login(request._request, person, backend="django.contrib.auth.backends.ModelBackend")
        return Response(SessionOut(whoami(person)).data)
