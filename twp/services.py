"""Changes owned by the twp app: notifications (the outbox)."""

from django.db import transaction
from django.utils import translation

from twp.models import Notification, User


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
    translations; they are rendered in the recipient's preferred language."""
    language = language or (recipient.preferred_language if recipient else translation.get_language()) or "es"
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
