"""Channels: how a notification leaves the program. ``send(notification)`` picks the channel's
backend and returns the id the e-mail server or SMS provider gave the message.

- E-mail goes through Django's mail (``EMAIL_BACKEND`` / ``EMAIL_URL``).
- SMS goes through ``settings.SMS_BACKEND``, a dotted path to a class with
  ``send_message(*, to, body) -> str``: ``ConsoleSmsBackend`` (development: logs the message),
  ``LocmemSmsBackend`` (tests: keeps messages in ``sms_outbox``), or ``HttpSmsBackend``, the adapter
  for a provider's HTTP API (configured from the environment; a provider with another request
  shape gets a subclass overriding ``build_request`` and ``message_id``).

A failure raises ``DeliveryError``; a ``permanent`` one (an address that can never work) is not
retried. Phone numbers are normalised to E.164 with ``phonenumbers`` (Google's libphonenumber).
"""

import abc
import logging
import sys
import uuid
from email.utils import make_msgid

import phonenumbers
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import DNS_NAME, EmailMessage
from django.utils.module_loading import import_string

from twp.models import Notification

logger = logging.getLogger(__name__)


class DeliveryError(Exception):
    """A message was not sent. ``permanent``: sending it again can never work (a malformed
    address, a number the provider refuses), so the dispatcher gives up at once."""

    def __init__(self, message: str, *, permanent: bool = False):
        super().__init__(message)
        self.permanent = permanent


# --- Phone numbers ------------------------------------------------------------------------------


def normalize_phone(number: str, *, region: str | None = None) -> str:
    """The number in E.164 (``+525512345678``). A number without ``+`` is read as a number of
    ``region`` (``SMS_DEFAULT_REGION``, Mexico by default: most recipients are workers).

    Raises ``DeliveryError(permanent=True)`` for text that is not a valid phone number; its message
    leaves the number out (errors are shown next to masked addresses)."""
    region = region or settings.SMS_DEFAULT_REGION
    try:
        parsed = phonenumbers.parse(number, region)
    except phonenumbers.NumberParseException as error:
        raise DeliveryError(f"Not a phone number ({error})", permanent=True) from error
    if not phonenumbers.is_valid_number(parsed):
        raise DeliveryError(
            f"Not a valid phone number (read as a number of {region} unless it starts with +)", permanent=True
        )
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


# --- SMS backends -------------------------------------------------------------------------------


class BaseSmsBackend(abc.ABC):
    """One SMS provider. ``to`` is already in E.164; returns the provider's message id."""

    @abc.abstractmethod
    def send_message(self, *, to: str, body: str) -> str:
        """Send ``body`` to ``to``; every provider adapter implements it."""


class ConsoleSmsBackend(BaseSmsBackend):
    """Development: writes the message to standard output (like Django's console e-mail backend)
    and the log, and makes up a provider id."""

    def __init__(self, stream=None):
        self.stream = stream or sys.stdout

    def send_message(self, *, to: str, body: str) -> str:
        message_id = f"console-{uuid.uuid4().hex}"
        self.stream.write(f"SMS to {to} ({message_id}):\n{body}\n{'-' * 79}\n")
        self.stream.flush()
        logger.info("SMS to %s written to the console as %s", to, message_id)
        return message_id


sms_outbox: list[dict[str, str]] = []


class LocmemSmsBackend(BaseSmsBackend):
    """Tests: keeps each message in ``twp.messaging.sms_outbox`` (like ``django.core.mail.outbox``)."""

    def send_message(self, *, to: str, body: str) -> str:
        message_id = f"locmem-{len(sms_outbox) + 1}"
        sms_outbox.append({"to": to, "body": body, "id": message_id})
        return message_id


class HttpSmsBackend(BaseSmsBackend):
    """Adapter for an SMS provider's HTTP API. Not used unless ``SMS_BACKEND`` names it.

    Settings (from the environment): ``SMS_HTTP_URL`` (the provider's send endpoint, https),
    ``SMS_HTTP_TOKEN`` (bearer token), ``SMS_SENDER`` (the sender id or number the provider gave),
    ``SMS_HTTP_TIMEOUT`` (seconds). The request it makes::

        POST {SMS_HTTP_URL}
        Authorization: Bearer {SMS_HTTP_TOKEN}
        Content-Type: application/json
        {"from": "<SMS_SENDER>", "to": "+525512345678", "body": "…"}

    and it expects ``2xx`` with ``{"id": "<the provider's message id>"}``. A 4xx other than 408 and
    429 is the provider refusing this message (permanent); timeouts, 408, 429 and 5xx are retried.
    Providers with another shape: subclass and override ``build_request`` and ``message_id``."""

    def __init__(self):
        self.url = settings.SMS_HTTP_URL
        self.token = settings.SMS_HTTP_TOKEN
        self.sender = settings.SMS_SENDER
        self.timeout = settings.SMS_HTTP_TIMEOUT
        missing = [name for name in ("SMS_HTTP_URL", "SMS_HTTP_TOKEN", "SMS_SENDER") if not getattr(settings, name)]
        if missing:
            raise ImproperlyConfigured(
                f"SMS_BACKEND is {type(self).__name__} but {', '.join(missing)} "
                f"{'is' if len(missing) == 1 else 'are'} not set: set them in the environment, or choose "
                f"another SMS_BACKEND (twp.messaging.ConsoleSmsBackend in development)."
            )
        if not self.url.startswith("https://"):
            raise ImproperlyConfigured("SMS_HTTP_URL must be an https:// address: the token travels with it.")

    def build_request(self, *, to: str, body: str) -> dict:
        """Keyword arguments for ``requests.post`` besides the URL and the timeout."""
        return {
            "json": {"from": self.sender, "to": to, "body": body},
            "headers": {"Authorization": f"Bearer {self.token}"},
        }

    def message_id(self, response) -> str:
        return str(response.json()["id"])

    def send_message(self, *, to: str, body: str) -> str:
        import requests

        try:
            response = requests.post(self.url, timeout=self.timeout, **self.build_request(to=to, body=body))
        except requests.RequestException as error:
            raise DeliveryError(f"SMS provider unreachable: {error}") from error
        if response.status_code >= 400:
            permanent = response.status_code < 500 and response.status_code not in (408, 429)
            raise DeliveryError(
                f"SMS provider answered {response.status_code}: {response.text[:500]}", permanent=permanent
            )
        try:
            return self.message_id(response)
        except (ValueError, KeyError, TypeError) as error:
            # Sent, but the answer is not what we expected: not retried (it would send twice).
            logger.warning("SMS to %s accepted, but the provider's answer has no id: %s", to, error)
            return ""


def get_sms_backend() -> BaseSmsBackend:
    return import_string(settings.SMS_BACKEND)()


# --- Sending ------------------------------------------------------------------------------------


def send_email(notification: Notification) -> str:
    # Our own Message-ID, so that the row records what the mail server's logs will show.
    message_id = make_msgid(domain=DNS_NAME)
    message = EmailMessage(
        notification.subject, notification.body, to=[notification.address], headers={"Message-ID": message_id}
    )
    try:
        message.send()
    except ValueError as error:  # a malformed address or header: no server will ever take it
        raise DeliveryError(f"Invalid e-mail message: {error}", permanent=True) from error
    except OSError as error:  # smtplib's errors and refused connections are OSErrors
        raise DeliveryError(str(error)) from error
    return message_id


def send_sms(notification: Notification) -> str:
    return get_sms_backend().send_message(to=normalize_phone(notification.address), body=notification.body)


CHANNELS = {
    Notification.Channel.EMAIL: send_email,
    Notification.Channel.SMS: send_sms,
}


def send(notification: Notification) -> str:
    """Send one notification through its channel; returns the provider's message id.

    Raises ``DeliveryError`` when it was not sent."""
    try:
        channel = CHANNELS[notification.channel]
    except KeyError:
        raise DeliveryError(f"Unknown channel {notification.channel!r}", permanent=True) from None
    return channel(notification)


def mask_address(address: str, channel: str) -> str:
    """An address shown partly, enough to recognise it: ``a•••@example.org``, ``+52•••••••78``."""
    if channel == Notification.Channel.EMAIL:
        local, at, domain = address.partition("@")
        if not at:
            return f"{address[:1]}•••"
        return f"{local[:1]}•••@{domain}"
    visible = address.strip()
    if len(visible) <= 6:
        return "•" * len(visible)
    return f"{visible[:3]}{'•' * (len(visible) - 5)}{visible[-2:]}"
