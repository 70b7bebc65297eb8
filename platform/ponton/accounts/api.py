"""API token of a staff member (`/api/v1/jeton/`): POST email + password to get it, DELETE to
revoke it. Only an active member of the host's structure gets a token; attempts are throttled
(scope "login") and counted by the same per-address limiter as the login page."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import authenticate
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from ponton.accounts import ratelimit, services
from ponton.accounts.api_permissions import MemberTokenAuthentication
from ponton.accounts.forms import LoginForm
from ponton.accounts.selectors import membership_for
from ponton.web.api import TextField


class TokenRequestSerializer(serializers.Serializer):
    email = serializers.EmailField()
    password = TextField(trim_whitespace=False, write_only=True)

    def validate(self, attrs):
        request = self.context["request"]
        email = attrs["email"].lower()
        limit = settings.RATELIMIT_LOGIN
        if ratelimit.is_limited(scope="login-email", ident=email, limit=limit):
            raise serializers.ValidationError(str(LoginForm.error_messages["limited"]))
        user = authenticate(request._request, email=email, password=attrs["password"])
        if user is None:
            ratelimit.hit(scope="login-email", ident=email, limit=limit)
            raise serializers.ValidationError(str(LoginForm.error_messages["invalid"]))
        if membership_for(user=user, structure=request.tenant) is None:
            raise serializers.ValidationError(str(LoginForm.error_messages["no_access"]))
        attrs["user"] = user
        return attrs


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(
        help_text=_("À envoyer dans l'en-tête « Authorization: Token … ».")
    )


class TokenView(APIView):
    """POST: the API token of an active staff member of this structure. DELETE: revoke it."""

    authentication_classes = [MemberTokenAuthentication]
    throttle_scope = "login"

    def get_permissions(self):
        if self.request.method == "POST":
            return [AllowAny()]
        return [IsAuthenticated()]

    def get_throttles(self):
        return [ScopedRateThrottle()] if self.request.method == "POST" else []

    def initial(self, request, *args, **kwargs):
        structure = getattr(request, "tenant", None)
        if structure is None or structure.is_platform:
            raise Http404
        super().initial(request, *args, **kwargs)

    @extend_schema(
        request=TokenRequestSerializer,
        responses={200: TokenSerializer},
        auth=[],
        operation_id="token_obtain",
    )
    def post(self, request):
        body = TokenRequestSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        key = services.api_token_issue(user=body.validated_data["user"])
        return Response({"token": key})

    @extend_schema(request=None, responses={204: None}, operation_id="token_revoke")
    def delete(self, request):
        services.api_token_revoke(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
