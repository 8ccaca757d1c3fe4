"""What the savings pages share: who may open them (404 for anyone else), page sizes, the
contracts an employer posts for, and running a posting form once (``twp.idempotency.once``)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from typing import Any

from django.contrib.auth.mixins import AccessMixin
from django.http import Http404

from contracts.models import Contract
from employers.models import employer_of
from savings.contributions import POSTABLE, LineErrors
from twp.exceptions import Conflict, DomainError
from twp.idempotency import Answer, body_fingerprint, once
from twp.models import Role

PAGE_SIZE = 25
MAX_PAGE_SIZE = 100


def page_size(request) -> int:
    try:
        return max(1, min(MAX_PAGE_SIZE, int(request.GET.get("page_size", PAGE_SIZE))))
    except ValueError:
        return PAGE_SIZE


class SignedInMixin(AccessMixin):
    """Sign-in first; then ``allowed(user)`` or 404 (an employer must not learn the staff pages
    exist, nor staff the portal's)."""

    def allowed(self, user) -> bool:
        raise NotImplementedError

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not self.allowed(request.user):
            raise Http404
        return super().dispatch(request, *args, **kwargs)


class StaffOr404Mixin(SignedInMixin):
    def allowed(self, user) -> bool:
        return user.is_program_staff


class EmployerOr404Mixin(SignedInMixin):
    """The portal's savings pages: employer users acting for an employer (``self.employer``)."""

    def allowed(self, user) -> bool:
        self.employer = employer_of(user) if user.viewing_role == Role.EMPLOYER else None
        return self.employer is not None


class StaffOrEmployerOr404Mixin(SignedInMixin):
    """A contribution's page: staff who see its contract, or the employer that posted it (the
    row's ``visible_to`` decides which)."""

    def allowed(self, user) -> bool:
        return user.is_program_staff or (user.viewing_role == Role.EMPLOYER and employer_of(user) is not None)


def parse_uuid(value: str) -> uuid.UUID | None:
    """A public id from a query parameter, or None for anything that is not one."""
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def postable_contracts(user) -> list[Contract]:
    """The employer's contracts whose work has begun (what a payroll line may name), newest
    first, each with ``choice_label`` (worker and dates) for the forms' selects."""
    contracts = list(Contract.objects.visible_to(user).filter(status__in=POSTABLE)
                     .select_related("worker", "program").order_by("-start_date", "-id"))
    for contract in contracts:
        contract.choice_label = (f"{contract.worker.full_name} · {contract.start_date.isoformat()} – "
                                 f"{contract.last_day.isoformat()}")
    return contracts


def refusal(error: DomainError) -> tuple[int, Any]:
    """A refused posting as the idempotency record keeps it: every line's messages (by row) for
    a payroll, else the message and the field it concerns."""
    if isinstance(error, LineErrors):
        return 400, {"lines": [[index, field, [str(message) for message in messages]]
                               for index, fields in sorted(error.errors.items())
                               for field, messages in fields.items()]}
    return (409 if isinstance(error, Conflict) else 400), {"field": error.field, "message": str(error.message)}


def post_once(request, *, key: str, request_data: Mapping, work: Callable[[], tuple[int, Any]]) -> Answer:
    """Run ``work`` once for this person and the form's key: the same form sent twice (a double
    click, a reload that resends) answers the first answer without posting again. Raises
    ``DomainError`` when the key was used for other data or the first is still running."""
    return once(client=request.user, key=key,
                request_fingerprint=body_fingerprint("POST", request.path, dict(request_data)),
                work=work, refusal=refusal)
