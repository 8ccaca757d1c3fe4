"""Security plumbing shared by pages and the API: client addresses, lockout answers, second-factor
rules and masking of personal identifiers in logs."""

import logging
import re

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

# A CURP: four letters, birth date, sex (H, M or X for non-binary), state, three consonants, a
# homonym character and a check digit. NSS: eleven digits. Passports: a letter and eight digits
# (Mexico's format) or the labelled "passport ..." forms other countries use.
CURP_PATTERN = re.compile(r"[A-Z]{4}\d{6}[HMX][A-Z]{5}[A-Z0-9]\d", re.IGNORECASE)
NSS_PATTERN = re.compile(r"(?<!\d)\d{11}(?!\d)")
PASSPORT_PATTERN = re.compile(r"(?<![A-Z0-9])[A-Z]\d{8}(?![A-Z0-9])", re.IGNORECASE)
LABELLED_PASSPORT_PATTERN = re.compile(r"((?:passport|pasaporte)\W{1,3})(?=[A-Z0-9]*\d)[A-Z0-9]{6,12}", re.IGNORECASE)
MASK = "[redacted]"


def mask_personal_data(text: str) -> str:
    """Replace every CURP-, NSS- or passport-like value in ``text`` by a fixed marker."""
    text = CURP_PATTERN.sub(MASK, text)
    text = NSS_PATTERN.sub(MASK, text)
    text = PASSPORT_PATTERN.sub(MASK, text)
    return LABELLED_PASSPORT_PATTERN.sub(lambda match: match.group(1) + MASK, text)


class PersonalDataFilter(logging.Filter):
    """Logging filter: masks identifiers in the message and in the formatted traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        mask_record(record)
        return True


def mask_record(record: logging.LogRecord) -> None:
    try:
        message = record.getMessage()
    except (TypeError, ValueError):  # a malformed record: leave it to logging's own error path
        return
    record.msg, record.args = mask_personal_data(message), ()
    if record.exc_info and not record.exc_text:
        record.exc_text = logging.Formatter().formatException(record.exc_info)
    if record.exc_text:
        record.exc_text = mask_personal_data(record.exc_text)
    if record.stack_info:
        record.stack_info = mask_personal_data(record.stack_info)


def install_log_record_masking() -> None:
    """Mask every record when it is created, so no handler (ours, a library's, a test's) ever
    sees an identifier, whichever logger it came through."""
    factory = logging.getLogRecordFactory()
    if getattr(factory, "masks_personal_data", False):
        return

    def masking_factory(*args, **kwargs):
        record = factory(*args, **kwargs)
        mask_record(record)
        return record

    masking_factory.masks_personal_data = True
    logging.setLogRecordFactory(masking_factory)


def client_ip_address(request) -> str:
    """The client's address: REMOTE_ADDR, unless TRUSTED_PROXY_COUNT proxies append to
    X-Forwarded-For, in which case the address the outermost trusted proxy saw.

    Anything left of that in the header is what the client claimed, so it is never believed."""
    request = getattr(request, "_request", request)  # a DRF request wraps Django's
    remote_address = request.META.get("REMOTE_ADDR", "")
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote_address
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if len(forwarded) < proxies:
        return remote_address
    return forwarded[-proxies]


def lockout_response(request, original_response=None, credentials=None):
    """django-axes' answer to a locked-out username: JSON 429 under /api/, a page elsewhere."""
    message = _(
        "This account is locked after too many failed sign-ins. Try again later or ask an administrator to unlock it."
    )
    request = getattr(request, "_request", request)
    if request.path_info.startswith("/api/"):
        return JsonResponse({"detail": str(message)}, status=429)
    return render(request, "registration/locked_out.html", {"message": message}, status=429)


def needs_second_factor(user) -> bool:
    """Administrators and office staff always; anyone else once they enrolled a device."""
    from django_otp import user_has_device

    if not user.is_authenticated:
        return False
    return user.is_program_staff or user_has_device(user, confirmed=True)


def session_is_verified(request) -> bool:
    user = request.user
    return bool(getattr(user, "is_verified", None) and user.is_verified())
