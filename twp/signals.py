"""Receivers for sign-in events: the session remembers when it began (absolute lifetime)."""

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.utils import timezone

SESSION_STARTED_AT = "twp_signed_in_at"


@receiver(user_logged_in, dispatch_uid="twp-session-started-at")
def remember_sign_in_time(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        request.session[SESSION_STARTED_AT] = int(timezone.now().timestamp())
