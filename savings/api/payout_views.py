"""Payouts, statements, unclaimed savings and releases of held money over REST (issue 12).

Scoping is each model's ``visible_to`` (outside it: 404): staff see the payouts and accounts of
the workers they see, administrators all, employers and their clients none. Who may act on a
payout is ``savings.payouts`` (403 otherwise); every POST that moves money or changes a payout
carries an ``Idempotency-Key`` (``twp.idempotency``)."""


from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework import serializers as drf_serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from contracts.models import Contract
from employers.api.views import UUID_PATTERN
from savings import payouts
from savings.api import serializers
from savings.api.filtersets import PayoutFilterSet
from savings.api.statements import pdf_response
from savings.api.views import IDEMPOTENCY_KEY
from savings.models import Account, HeldRelease, Payout
from savings.money import Money
from savings.releases import release_held_money
from savings.statements import receipt_pdf
from savings.unclaimed import days_since_return, program_todays, unclaimed_accounts
from twp.idempotency import api_answer
from workers.models import Worker


class ProgramStaffWrites(permissions.BasePermission):
    """Only office staff and administrators change payouts and releases: anyone else signed in
    gets 403 on a POST (and finds nothing to read)."""

    def has_permission(self, request, view):
        return request.method in permissions.SAFE_METHODS or request.user.is_program_staff


def payout_rows(payouts_):
    return payouts_.select_related("worker", "account", "requested_by", "approved_by", "paid_by")


class PayoutViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Payouts of workers' available savings. Staff of the worker's home state office request
    them (the money is reserved at once, never more than is available); above the program's
    threshold a second person approves; then the office pays (cash with the identity document
    checked, or a bank transfer to the CLABE), or voids it; a reservation not paid in time expires.
    ``?follow_up=true`` lists the bank payouts that came back and still wait for follow-up
    (``?status=failed`` all that came back); ``?worker=`` one worker's payouts."""

    serializer_class = serializers.PayoutSerializer
    permission_classes = [permissions.IsAuthenticated, ProgramStaffWrites]
    lookup_field = "public_id"
    lookup_url_kwarg = "id"
    lookup_value_regex = UUID_PATTERN
    filterset_class = PayoutFilterSet

    def get_queryset(self):
        return payout_rows(Payout.objects.visible_to(self.request.user)).order_by("-id")

    def _answer(self, request, work, *, created=False):
        def run():
            payout = work()
            return Response(self.get_serializer(payout_rows(Payout.objects).get(pk=payout.pk)).data,
                            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

        return api_answer(request, run)

    @extend_schema(request=serializers.PayoutRequestSerializer, parameters=[IDEMPOTENCY_KEY],
                   responses={201: serializers.PayoutSerializer})
    def create(self, request, *args, **kwargs):
        """Request a payout: reserves the amount of the worker's available savings (400 when more
        than is available, before the return is confirmed, or with a CLABE whose check digit is
        wrong; 403 unless you are staff of the worker's home state office)."""

        def work():
            body = serializers.PayoutRequestSerializer(data=request.data)
            body.is_valid(raise_exception=True)
            data = body.validated_data
            worker = Worker.objects.visible_to(request.user).filter(public_id=data["worker"]).first()
            if worker is None:
                raise drf_serializers.ValidationError({"worker": [_("No such worker, or not one you may see.")]})
            amount = Money.parse(data["amount"], data["currency"].strip().upper())
            return payouts.request_payout(worker=worker, amount=amount, method=data["method"], clabe=data["clabe"],
                                          to_beneficiary=data["to_beneficiary"], by=request.user)

        return self._answer(request, work, created=True)

    def _act(self, request, body_class, act):
        def work():
            payout = self.get_object()
            body = body_class(data=request.data) if body_class else None
            if body is not None:
                body.is_valid(raise_exception=True)
            return act(payout, body.validated_data if body is not None else {})

        return self._answer(request, work)

    @extend_schema(request=None, parameters=[IDEMPOTENCY_KEY], responses={200: serializers.PayoutSerializer})
    @action(detail=True, methods=["post"], filter_backends=[])
    def approve(self, request, id=None):
        """Approve a payout above the threshold: a second member of the home state office or an
        administrator, never whoever requested it (403)."""
        return self._act(request, None, lambda payout, data: payouts.approve_payout(payout, by=request.user))

    @extend_schema(request=serializers.PayoutPaySerializer, parameters=[IDEMPOTENCY_KEY],
                   responses={200: serializers.PayoutSerializer})
    @action(detail=True, methods=["post"], filter_backends=[])
    def pay(self, request, id=None):
        """Pay a reserved payout (approved if it needs it; cash with the identity document checked)."""
        return self._act(request, serializers.PayoutPaySerializer,
                         lambda payout, data: payouts.pay_payout(payout, by=request.user, **data))

    @extend_schema(request=serializers.PayoutReasonSerializer, parameters=[IDEMPOTENCY_KEY],
                   responses={200: serializers.PayoutSerializer})
    @action(detail=True, methods=["post"], filter_backends=[])
    def void(self, request, id=None):
        """Void a reserved payout: the money is available again."""
        return self._act(request, serializers.PayoutReasonSerializer,
                         lambda payout, data: payouts.void_payout(payout, by=request.user, reason=data["reason"]))

    @extend_schema(request=serializers.PayoutReasonSerializer, parameters=[IDEMPOTENCY_KEY],
                   responses={200: serializers.PayoutSerializer})
    @action(detail=True, methods=["post"], filter_backends=[])
    def fail(self, request, id=None):
        """The bank sent a paid transfer back: the money is available again and the payout waits
        for follow-up."""
        return self._act(request, serializers.PayoutReasonSerializer,
                         lambda payout, data: payouts.fail_payout(payout, by=request.user, reason=data["reason"]))

    @extend_schema(request=serializers.PayoutDestinationSerializer, parameters=[IDEMPOTENCY_KEY],
                   responses={200: serializers.PayoutSerializer})
    @action(detail=True, methods=["post"], filter_backends=[])
    def destination(self, request, id=None):
        """Change how a reserved payout is paid: an approval already given is withdrawn."""
        return self._act(request, serializers.PayoutDestinationSerializer,
                         lambda payout, data: payouts.change_destination(payout, by=request.user, **data))

    @extend_schema(request=serializers.PayoutConversionSerializer, parameters=[IDEMPOTENCY_KEY],
                   responses={200: serializers.PayoutSerializer})
    @action(detail=True, methods=["post"], filter_backends=[])
    def conversion(self, request, id=None):
        """Record what the bank paid in pesos and at what rate (the ledger never converts)."""
        return self._act(request, serializers.PayoutConversionSerializer,
                         lambda payout, data: payouts.record_conversion(payout, by=request.user, **data))

    @extend_schema(request=None, parameters=[IDEMPOTENCY_KEY], responses={200: serializers.PayoutSerializer})
    @action(detail=True, methods=["post"], url_path="follow-up", filter_backends=[])
    def follow_up(self, request, id=None):
        """Mark a failed bank payout as followed up (it leaves the follow-up list)."""
        return self._act(request, None, lambda payout, data: payouts.mark_followed_up(payout, by=request.user))

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"], filter_backends=[])
    def receipt(self, request, id=None):
        """The receipt of a cash payout, to print and sign, in the worker's language."""
        payout = self.get_object()
        if payout.method != Payout.Method.CASH or payout.status != Payout.Status.PAID:
            return Response({"detail": str(_("Only a paid cash payout has a receipt."))},
                            status=status.HTTP_409_CONFLICT)
        return pdf_response(receipt_pdf(payout), f"receipt-{payout.receipt_number}.pdf")


class UnclaimedViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Workers home for longer than their program's days with savings nobody claimed (no payout
    reserved or paid since the return): staff see those of the workers they see, administrators
    all; ``as_of`` (a date, default today) judges the days."""

    serializer_class = serializers.UnclaimedSerializer
    filter_backends = []

    def get_queryset(self):
        query = UnclaimedQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        self.as_of = query.validated_data.get("as_of")  # None: today in each program's time zone
        return unclaimed_accounts(self.as_of, Account.objects.visible_to(self.request.user)).select_related(
            "worker").order_by("-id")

    @extend_schema(parameters=[OpenApiParameter("as_of", OpenApiTypes.DATE)])
    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        todays = program_todays(self.as_of)
        for account in page:
            account.days_since_return = days_since_return(account, todays)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class UnclaimedQuerySerializer(drf_serializers.Serializer):
    as_of = drf_serializers.DateField(required=False)


class HeldReleaseViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Releases of money held against absconded contracts, by administrators, with the reason."""

    serializer_class = serializers.HeldReleaseSerializer
    permission_classes = [permissions.IsAuthenticated, ProgramStaffWrites]
    filter_backends = []

    def get_queryset(self):
        return (HeldRelease.objects.visible_to(self.request.user)
                .select_related("contract", "account", "transaction", "by").order_by("-id"))

    @extend_schema(request=serializers.HeldReleaseRequestSerializer, parameters=[IDEMPOTENCY_KEY],
                   responses={201: serializers.HeldReleaseSerializer})
    def create(self, request, *args, **kwargs):
        """Release everything held against an absconded contract (administrators only, 403 for
        others), with the reason; a death pays the beneficiary on the worker's record."""

        def work():
            if not request.user.is_administrator:
                raise PermissionDenied
            body = serializers.HeldReleaseRequestSerializer(data=request.data)
            body.is_valid(raise_exception=True)
            data = body.validated_data
            contract = get_object_or_404(Contract.objects.visible_to(request.user), public_id=data["contract"])
            release = release_held_money(contract, reason=data["reason"], explanation=data["explanation"],
                                         by=request.user)
            row = self.get_queryset().get(pk=release.pk)
            return Response(self.get_serializer(row).data, status=status.HTTP_201_CREATED)

        return api_answer(request, work)
