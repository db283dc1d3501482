"""Signing in and out of the web app: a Django session (cookie), with its CSRF token, for the same API the
app calls. Wrong credentials get one message whichever part was wrong; repeated ones lock the username
and the address out for a while (django-axes, app/signin.py)."""

from django.conf import settings
from django.contrib.auth import authenticate, login, logout
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_protect, ensure_csrf_cookie
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from investigations.models import Membership


class SessionOut(serializers.Serializer):
    """Who is signed in; every field null when nobody is."""

    username = serializers.CharField(allow_null=True)
    team = serializers.CharField(allow_null=True)
    role = serializers.ChoiceField(choices=Membership.Role.choices, allow_null=True)
    sso = serializers.CharField(
        allow_null=True, help_text="where to sign in through the organisation's single sign-on; null when it is off"
    )


SIGNED_IN = OpenApiResponse(SessionOut, description="who is signed in, and their team and role")
REFUSED = OpenApiResponse(OpenApiTypes.OBJECT, description="malformed (400), or wrong credentials or CSRF token (403)")
LOCKED = OpenApiResponse(
    OpenApiTypes.OBJECT,
    description="too many wrong passwords for this username or from this address (app/signin.py): refused, the "
    "right password included, for the seconds in Retry-After",
)


def whoami(user) -> dict:
    membership = Membership.objects.filter(user=user).select_related("team").first()
    return {
        "username": user.get_username(),
        "team": membership.team.name if membership else None,
        "role": membership.role if membership else None,
        "sso": sso_path(),
    }


def sso_path() -> str | None:
    return "/oidc/authenticate/" if settings.OIDC_ENABLED else None


@method_decorator(ensure_csrf_cookie, name="dispatch")
class SessionApi(APIView):
    permission_classes = [AllowAny]

    class SignIn(serializers.Serializer):
        username = serializers.CharField(max_length=150)
        password = serializers.CharField(max_length=200, trim_whitespace=False)

    @extend_schema(responses={200: SIGNED_IN})
    def get(self, request):
        """Who is signed in (a null username when nobody is: not an error, the app's first question); also
        sets the CSRF cookie the app sends back."""
        if not request.user.is_authenticated:
            return Response(SessionOut({"username": None, "team": None, "role": None, "sso": sso_path()}).data)
        return Response(SessionOut(whoami(request.user)).data)

    @extend_schema(request=SignIn, responses={200: SIGNED_IN, 400: REFUSED, 403: REFUSED, 429: LOCKED})
    @method_decorator(csrf_protect)  # no signing a victim into someone else's account from another site
    def post(self, request):
        data = self.SignIn(data=request.data)
        data.is_valid(raise_exception=True)
        user = authenticate(request._request, **data.validated_data)
        if user is None:
            raise AuthenticationFailed("wrong username or password")
        login(request._request, user)
        return Response(SessionOut(whoami(user)).data)

    @extend_schema(request=None, responses={204: None})
    def delete(self, request):
        logout(request._request)
        return Response(status=204)
