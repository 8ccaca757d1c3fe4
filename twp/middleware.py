from django.conf import settings
from django.contrib.auth import logout, middleware
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.http import urlencode

from twp.security import needs_second_factor, session_is_verified
from twp.signals import SESSION_STARTED_AT

SESSION_RENEWED_AT = "twp_renewed_at"


class LoginRequiredMiddleware(middleware.LoginRequiredMiddleware):
    """Every page needs a signed-in user unless marked ``@login_not_required``.

    The API is exempt: this middleware runs before DRF's token authentication, and DRF's own
    permission classes refuse anonymous requests there."""

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.path_info.startswith("/api/"):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)


class SessionLifetimeMiddleware:
    """End a session ``SESSION_ABSOLUTE_LIFETIME`` seconds after sign-in, however active it is.

    Idle sessions already end after ``SESSION_COOKIE_AGE`` (the expiry is renewed on every
    request); this bounds a session that is kept busy, e.g. a stolen cookie replayed by a script.
    A session without a start time (created before this rule) counts as started now."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = int(timezone.now().timestamp())
            started_at = request.session.setdefault(SESSION_STARTED_AT, now)
            if now - started_at > settings.SESSION_ABSOLUTE_LIFETIME:
                logout(request)
            elif now - request.session.get(SESSION_RENEWED_AT, 0) >= settings.SESSION_RENEW_AFTER_SECONDS:
                # Modifying the session saves it with a fresh idle expiry (and cookie).
                request.session[SESSION_RENEWED_AT] = now
        return self.get_response(request)


class SecondFactorRequiredMiddleware:
    """A signed-in user who needs a second factor and has not given it reaches only the pages
    that let them give it (or leave). The API refuses such a session in
    ``twp.api.authentication``; tokens are only issued after the second factor."""

    ALLOWED_URL_NAMES = ("otp-verify", "login", "logout", "set_language")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.path_info.startswith("/api/") or not request.user.is_authenticated:
            return None
        if request.resolver_match and request.resolver_match.url_name in self.ALLOWED_URL_NAMES:
            return None
        if getattr(view_func, "login_required", True) is False:
            return None  # public pages (password reset, e-mail verification)
        if session_is_verified(request) or not needs_second_factor(request.user):
            return None
        return redirect(f"{reverse('otp-verify')}?{urlencode({'next': request.get_full_path()})}")


class NoStoreMiddleware:
    """Pages of signed-in users and every API answer may carry personal data: no cache (browser
    or shared proxy) keeps a copy."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if request.path_info.startswith("/api/") or (user is not None and user.is_authenticated):
            add_never_cache_headers(response)
        return response
