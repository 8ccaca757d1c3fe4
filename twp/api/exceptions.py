"""One place that turns errors into JSON: a message per field, domain errors mapped once."""

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.db.models import ProtectedError, RestrictedError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from twp.exceptions import Conflict, DomainError, InvalidTransition, StaleVersion
from twp.idempotency import KeyReused
from twp.security import mask_personal_data


def exception_handler(exc, context):
    response = _exception_response(exc, context)
    if response is not None:
        # Validation messages may quote the input ("«…» is not a valid choice"); an error answer
        # never repeats a CURP, NSS or passport number, even the client's own.
        response.data = _masked(response.data)
    return response


def _masked(data):
    if isinstance(data, str):
        return mask_personal_data(data)
    if isinstance(data, dict):
        return {key: _masked(value) for key, value in data.items()}
    if isinstance(data, list | tuple):
        return [_masked(value) for value in data]
    return data


def _exception_response(exc, context):
    if isinstance(exc, InvalidTransition):
        return Response(
            {"detail": str(exc.message), "current_status": exc.current, "allowed_actions": exc.allowed},
            status=status.HTTP_409_CONFLICT,
        )
    if isinstance(exc, Conflict):
        body = {exc.field: [str(exc.message)]} if exc.field else {"detail": str(exc.message)}
        return Response(body, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, KeyReused):
        # The same Idempotency-Key with another request: refused, whatever that request was.
        return Response({exc.field: [str(exc.message)]}, status=status.HTTP_422_UNPROCESSABLE_ENTITY)
    if isinstance(exc, StaleVersion):
        return Response({"detail": str(exc.message)}, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, DomainError):
        body = {exc.field: [str(exc.message)]} if exc.field else {"detail": str(exc.message)}
        return Response(body, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, ProtectedError | RestrictedError):
        return Response(
            {"detail": str(_("Other records still refer to this one, so it cannot be deleted."))},
            status=status.HTTP_409_CONFLICT,
        )
    if isinstance(exc, IntegrityError):
        # A constraint caught what validation could not see (two requests racing for one key).
        return Response(
            {"detail": str(_("This conflicts with a record saved meanwhile. Reload and try again."))},
            status=status.HTTP_409_CONFLICT,
        )
    if isinstance(exc, DjangoValidationError):
        if not hasattr(exc, "error_dict"):
            # About no field in particular (e.g. a malformed id in a URL): one string, as documented.
            return Response({"detail": " ".join(str(message) for message in exc.messages)},
                            status=status.HTTP_400_BAD_REQUEST)
        exc = exceptions.ValidationError(exc.message_dict)
    elif isinstance(exc, ObjectDoesNotExist):
        # Not found and not yours look the same: 404, for reads and writes alike.
        exc = Http404()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    return drf_exception_handler(exc, context)
