from django.contrib.auth import authenticate
from django.utils.translation import gettext_lazy as _
from django_otp import match_token, user_has_device
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from knox.views import LoginView as KnoxLoginView
from knox.views import LogoutView as KnoxLogoutView
from rest_framework import permissions, serializers, viewsets

from twp.api.serializers import OfficeSerializer, ProgramSerializer
from twp.filtersets import OfficeFilterSet, ProgramFilterSet
from twp.models import Office, Program
from twp.permissions import IsAdministratorOrReadOnly
from twp.security import needs_second_factor

NO_DEVICE_MESSAGE = _(
    "This account needs a second factor but has no authenticator set up. Ask a program administrator."
)
WRONG_CODE_MESSAGE = _("The code is wrong or has expired. Enter the current code.")


class ProgramViewSet(viewsets.ModelViewSet):
    """Programs and their rules. Everyone signed in reads them; administrators change them."""

    # Programs and offices are referenced by everything else: deactivate, never delete.
    http_method_names = ["get", "post", "put", "patch", "head", "options"]
    serializer_class = ProgramSerializer
    permission_classes = [IsAdministratorOrReadOnly]
    filterset_class = ProgramFilterSet

    def get_queryset(self):
        return Program.objects.visible_to(self.request.user).order_by("id")


class OfficeViewSet(viewsets.ModelViewSet):
    """Consulates and state employment offices with their jurisdictions."""

    http_method_names = ["get", "post", "put", "patch", "head", "options"]
    serializer_class = OfficeSerializer
    permission_classes = [IsAdministratorOrReadOnly]
    filterset_class = OfficeFilterSet

    def get_queryset(self):
        return Office.objects.visible_to(self.request.user).order_by("id")


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=128, style={"input_type": "password"}, trim_whitespace=False)
    otp = serializers.CharField(
        max_length=8,
        required=False,
        allow_blank=True,
        help_text=_("The current 6-digit code of the account's authenticator, when it has one."),
    )

    def validate(self, attrs):
        # django-axes counts the failure against the username and flags a locked-out request on
        # Django's own request object, which its middleware turns into a 429 answer.
        request = self.context["request"]._request
        user = authenticate(request, username=attrs["username"], password=attrs["password"])
        if user is None or not user.is_active:
            raise serializers.ValidationError(
                {"non_field_errors": [_("Unable to sign in with the given username and password.")]}
            )
        if needs_second_factor(user):
            code = attrs.get("otp", "").strip()
            if not user_has_device(user, confirmed=True):
                raise serializers.ValidationError({"otp": [NO_DEVICE_MESSAGE]})
            if not code:
                raise serializers.ValidationError({"otp": [_("Enter the 6-digit code from your authenticator app.")]})
            if match_token(user, code) is None:
                raise serializers.ValidationError({"otp": [WRONG_CODE_MESSAGE]})
        attrs["user"] = user
        return attrs


TOKEN_RESPONSE = inline_serializer(
    "TokenResponse", fields={"expiry": serializers.DateTimeField(), "token": serializers.CharField()}
)


class TokenCreateView(KnoxLoginView):
    """Exchange a username and password for an expiring, revocable API token."""

    authentication_classes = []
    permission_classes = [permissions.AllowAny]
    serializer_class = TokenRequestSerializer

    @extend_schema(
        request=TokenRequestSerializer,
        responses={
            200: TOKEN_RESPONSE,
            400: OpenApiResponse(description="Wrong credentials or second-factor code; a message per field."),
        },
    )
    def post(self, request, format=None):
        serializer = TokenRequestSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        request.user = serializer.validated_data["user"]
        return super().post(request, format=format)


class TokenRevokeView(KnoxLogoutView):
    """Revoke the token this request was made with."""

    @extend_schema(request=None, responses={204: None})
    def post(self, request, format=None):
        return super().post(request, format=format)
