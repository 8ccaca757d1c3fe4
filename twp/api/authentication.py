"""Session authentication for the API that honours the second factor.

Knox tokens are only issued after the second factor (twp.api.views.TokenCreateView), so a token
request counts as verified; a browser session counts only once its TOTP code was given."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.authentication import SessionScheme
from rest_framework import exceptions
from rest_framework.authentication import SessionAuthentication

from twp.security import needs_second_factor, session_is_verified


class VerifiedSessionAuthentication(SessionAuthentication):
    def authenticate(self, request):
        result = super().authenticate(request)
        if result is None:
            return None
        user, _auth = result
        if needs_second_factor(user) and not session_is_verified(request._request):
            raise exceptions.AuthenticationFailed(_("Enter your second-factor code before using the API."))
        return result


class VerifiedSessionScheme(SessionScheme):
    """Describe the session authentication above in the OpenAPI document (a cookie)."""

    target_class = VerifiedSessionAuthentication
