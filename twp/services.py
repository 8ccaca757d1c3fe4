"""Changes owned by the twp app: notifications (the outbox), account security."""

import contextlib
import hashlib
import logging
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from knox.models import AuthToken

from twp.exceptions import DomainError, InvalidTransition
from twp.models import Notification, User

logger = logging.getLogger(__name__)


def notification_enqueue(
    *,
    key: str,
    kind: str,
    recipient: User | None = None,
    address: str = "",
    subject: str,
    body: str,
    language: str | None = None,
    channel: str = Notification.Channel.EMAIL,
) -> Notification:
    """Record a message to send, in the caller's transaction, and send it after commit.

    ``key`` names the cause (e.g. ``contract:42:return-reminder-14``): enqueuing the same key
    again returns the existing row and sends nothing more. ``subject`` and ``body`` may be lazy
    translations; they are rendered in the recipient's preferred language. An SMS needs an
    ``address`` (a phone number, stored in E.164 when it is one); a number that is not one is
    recorded anyway and fails when sent, for an administrator to see, rather than undoing the
    caller's change."""
    language = language or (recipient.preferred_language if recipient else translation.get_language()) or "es"
    if channel == Notification.Channel.SMS:
        if not address:
            raise ValueError("An SMS notification needs a phone number as its address.")
        from twp.messaging import DeliveryError, normalize_phone

        with contextlib.suppress(DeliveryError):  # kept as written; the dispatcher records why it fails
            address = normalize_phone(address)
    address = address or (recipient.email if recipient else "")
    if not address:
        raise ValueError("A notification needs an address or a recipient with an e-mail.")
    with translation.override(language):
        defaults = {
            "kind": kind,
            "channel": channel,
            "recipient": recipient,
            "address": address,
            "language": language,
            "subject": str(subject)[:200],
            "body": str(body),
        }
    with transaction.atomic():
        # get_or_create retries the read after a unique-key race inside a savepoint.
        notification, created = Notification.objects.get_or_create(key=key, defaults=defaults)
        if created:
            from twp.tasks import dispatch_notifications_task

            transaction.on_commit(dispatch_notifications_task.delay)
    return notification


def notification_retry(*, notification: Notification, by: User) -> Notification:
    """Queue a failed notification again: pending, due now, with a fresh set of attempts.

    Administrators only. Compare-and-set on the status, so two administrators retrying at once
    queue it once; a notification that is no longer failed raises ``InvalidTransition``. The last
    error stays on the row until a later attempt replaces it (or the row is sent)."""
    if not by.is_administrator:
        raise PermissionDenied
    with transaction.atomic():
        changed = Notification.objects.filter(pk=notification.pk, status=Notification.Status.FAILED).update(
            status=Notification.Status.PENDING, attempts=0, next_attempt_at=timezone.now(), updated_at=timezone.now()
        )
        if changed != 1:
            notification.refresh_from_db(fields=["status"])
            raise InvalidTransition(current=notification.status, action="retry", allowed=[])
        from twp.tasks import dispatch_notifications_task

        transaction.on_commit(dispatch_notifications_task.delay)
    logger.info("Notification %s queued again by %s", notification.pk, by.pk)
    notification.refresh_from_db()
    return notification


# --- Accounts: e-mail verification, API tokens, deactivation -------------------------------------

EMAIL_VERIFICATION_SALT = "twp.email-verification"
MAX_TOKEN_DAYS = 365


class EmailVerificationFailed(DomainError):
    default_message = _("This verification link is not valid. Ask for a new one.")


class EmailVerificationExpired(EmailVerificationFailed):
    default_message = _("This verification link has expired. Ask for a new one.")


def _email_fingerprint(email: str) -> str:
    # The link names the address only by a hash: no personal data in the URL, and a link sent
    # before the address changed no longer verifies the new one.
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()[:20]


def email_verification_token(*, user: User) -> str:
    return signing.dumps({"user": user.pk, "email": _email_fingerprint(user.email)}, salt=EMAIL_VERIFICATION_SALT)


def email_verification_send(*, user: User, base_url: str) -> Notification:
    """Send ``user`` a link that proves they own their e-mail address (employer sign-up).

    ``base_url`` is the site's address (e.g. ``request.build_absolute_uri('/')``). One e-mail per
    address and user: asking again for the same address sends nothing more."""
    link = base_url.rstrip("/") + reverse("email-verify", kwargs={"token": email_verification_token(user=user)})
    return notification_enqueue(
        key=f"user:{user.pk}:email-verification:{_email_fingerprint(user.email)}",
        kind="email-verification",
        recipient=user,
        subject=_("Confirm your e-mail address for TWP"),
        body=format_lazy(
            "{intro}\n\n{link}\n\n{outro}",
            intro=_("Open this link to confirm your e-mail address:"),
            link=link,
            outro=_("If you did not sign up for TWP, ignore this message."),
        ),
    )


def email_verification_confirm(*, token: str) -> User:
    """Mark the address named by a verification link as verified; confirming twice is harmless."""
    try:
        payload = signing.loads(token, salt=EMAIL_VERIFICATION_SALT, max_age=settings.EMAIL_VERIFICATION_MAX_AGE)
    except signing.SignatureExpired as error:
        raise EmailVerificationExpired() from error
    except signing.BadSignature as error:
        raise EmailVerificationFailed() from error
    with transaction.atomic():
        user = User.objects.select_for_update().filter(pk=payload.get("user"), is_active=True).first()
        if user is None or _email_fingerprint(user.email) != payload.get("email"):
            raise EmailVerificationFailed()
        if user.email_verified_at is None:
            user.email_verified_at = timezone.now()
            user.save(update_fields=["email_verified_at"])
    return user


def api_token_issue(*, user: User, by: User, days: int) -> tuple[AuthToken, str]:
    """Issue an API token for a service account, valid ``days`` days; returns the row and the
    token text, which is shown once and never stored (knox keeps a digest)."""
    if not by.is_administrator:
        raise PermissionDenied
    if not user.is_service_account or not user.is_active:
        raise DomainError(_("Tokens are issued here for active service accounts only."))
    if not 1 <= days <= MAX_TOKEN_DAYS:
        raise DomainError(
            _("Choose a validity between 1 and %(days)s days.") % {"days": MAX_TOKEN_DAYS}, field="days"
        )
    with transaction.atomic():
        return AuthToken.objects.create(user=user, expiry=timedelta(days=days))


def api_token_revoke(*, token: AuthToken, by: User) -> None:
    """Revoke one API token at once (the next request with it gets 401)."""
    if not by.is_administrator:
        raise PermissionDenied
    with transaction.atomic():
        AuthToken.objects.filter(pk=token.pk).delete()


def user_sessions_end(*, user: User) -> int:
    """Delete every browser session of ``user``; returns how many.

    Sessions are opaque rows, so each live one is decoded once; signing-in volume (hundreds of
    staff) keeps this cheap, and it runs only on deactivation."""
    from django.contrib.sessions.models import Session

    ended = []
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator(chunk_size=500):
        if session.get_decoded().get("_auth_user_id") == str(user.pk):
            ended.append(session.pk)
    Session.objects.filter(pk__in=ended).delete()
    return len(ended)


def user_deactivate(*, user: User, by: User) -> User:
    """Deactivate an account: it can no longer sign in, and its sessions and API tokens end now."""
    if not by.is_administrator:
        raise PermissionDenied
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(is_active=False)
        AuthToken.objects.filter(user=user).delete()
        user_sessions_end(user=user)
    user.refresh_from_db()
    return user
