"""Savings over REST: accounts and their ledger, contributions (one line, a payroll, a reversal),
and a contract's savings rate.

Who sees what is each model's ``visible_to`` (outside it: 404). Accounts and their entries are
the staff's and administrators' (DESIGN.md: employers never see savings): anyone else finds no
account (an empty list, 404 on one). Employers and their integration clients post contributions
for their own contracts; staff and administrators get 403 there. Every POST that moves money
carries an ``Idempotency-Key`` header (``twp.idempotency``): the same key again answers the first
answer and posts nothing, another request under the same key is a 422. The lines are checked by
``savings.contributions``, field by field."""

from django.core.exceptions import PermissionDenied
from django.db.models import Case, DecimalField, F, OuterRef, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from knox.models import AuthToken
from rest_framework import generics, mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.response import Response

from contracts.api.serializers import ContractSerializer
from contracts.models import Contract
from employers.api.views import UUID_PATTERN
from employers.models import employer_of
from savings.api import serializers
from savings.api.filtersets import AccountFilterSet, ContributionFilterSet
from savings.api.statements import StatementMixin
from savings.contributions import LineErrors, contribution_reverse, contributions_post
from savings.models import Account, Contribution, Entry, Source
from savings.money import DECIMAL_PLACES, MAX_DIGITS
from savings.payroll_csv import payroll_reference, read_payroll
from savings.rates import contract_set_savings_rate, may_set_savings_rate
from twp.idempotency import HEADER, api_answer
from twp.models import Role

IDEMPOTENCY_KEY = OpenApiParameter(
    HEADER, OpenApiTypes.STR, OpenApiParameter.HEADER, required=True,
    description=_("A unique value per request (e.g. a UUID), at most 255 printable ASCII characters. Sent again "
                  "with the same request, it answers the first answer (header Idempotent-Replayed: true) and "
                  "posts nothing; with another request, 422."))
LINE_ERRORS = {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}}
PAYROLL_REFUSED = {
    "type": "object",
    "description": "Nothing was posted. `lines` maps each refused line to its fields' messages: by index from 0 "
                   "for JSON, by row number in the file for CSV (the header is row 1, the first line row 2). "
                   "Or `lines`, `file`, `encoding` or `Idempotency-Key` with a list of messages, or `detail`.",
    "properties": {
        "lines": {"oneOf": [{"type": "object", "additionalProperties": LINE_ERRORS},
                            {"type": "array", "items": {"type": "string"}}]},
        "detail": {"type": "string"},
    },
    "additionalProperties": {"type": "array", "items": {"type": "string"}},
}
MONEY = DecimalField(max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES)


def account_rows(accounts):
    """What an account's row shows, in the same query: a worker account's stored balances; a
    system account's balance summed from its entries (only administrators see the few of them)."""
    ledger_sum = Subquery(Entry.objects.filter(account=OuterRef("pk")).order_by().values("account")
                          .annotate(total=Sum("amount")).values("total"), output_field=MONEY)
    return accounts.select_related("worker").annotate(
        shown_available=Case(When(kind=Account.Kind.WORKER, then=F("available")),
                             default=Coalesce(ledger_sum, Value(0, output_field=MONEY)), output_field=MONEY),
        shown_held=F("held"),
        shown_balance=F("shown_available") + F("shown_held"),
    )


def entry_rows(entries):
    return entries.select_related("transaction__by", "contract")


def contribution_rows(contributions):
    return contributions.select_related("contract", "employer", "transaction", "reversal")


def request_origin(request, *, session_source: str = Source.PORTAL) -> tuple[str, str]:
    """The ledger's ``source`` and ``reference`` of a request: a token is a REST client, known by
    the first characters of its key (never the secret); a browser session is the portal (or the
    office staff)."""
    if isinstance(request.auth, AuthToken):
        return Source.API, f"token:{request.auth.token_key[:8]}"
    return session_source, ""


class PostsPayroll(permissions.BasePermission):
    """Posting payroll lines is an employer's (its users and its integration clients): anyone
    else signed in gets 403 there. Reading and reversing are scoped by ``visible_to``."""

    def has_permission(self, request, view):
        if view.action not in ("create", "bulk"):
            return True
        user = request.user
        return user.viewing_role == Role.EMPLOYER and employer_of(user) is not None


class AccountViewSet(StatementMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Savings accounts: administrators see all (the program's system accounts too); office staff
    those of the workers they see; employers and every other caller none (an empty list, 404 on an
    account). Amounts are decimal strings with the currency's decimals."""

    serializer_class = serializers.AccountSerializer
    filterset_class = AccountFilterSet
    lookup_field = "public_id"
    lookup_url_kwarg = "id"
    lookup_value_regex = UUID_PATTERN

    def get_queryset(self):
        accounts = Account.objects.visible_to(self.request.user)
        if self.action in ("entries", "statement"):  # entries only: no balance to sum
            return accounts
        return account_rows(accounts).order_by("-id")

    @extend_schema(responses={200: serializers.EntrySerializer(many=True)})
    @action(detail=True, methods=["get"], filter_backends=[], serializer_class=serializers.EntrySerializer)
    def entries(self, request, id=None):
        """The account's ledger, newest first: each entry with its transaction, signed amount,
        whether it is held or available, the contract, and who posted it from where."""
        account = self.get_object()
        # The account was found among those the caller sees: its entries are theirs to read.
        page = self.paginate_queryset(entry_rows(Entry.objects.filter(account=account)).order_by("-id"))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class ContributionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Payroll deductions: employers see the lines they posted; office staff those of the contracts
    they see; administrators all. Employers (and their integration clients) post for their own
    contracts whose work has begun, one line or a payroll, each request with an ``Idempotency-Key``.
    A contract has one live contribution per pay period: a correction is a reversal and a new line."""

    serializer_class = serializers.ContributionSerializer
    filterset_class = ContributionFilterSet
    permission_classes = [permissions.IsAuthenticated, PostsPayroll]
    parser_classes = [JSONParser]
    lookup_field = "public_id"
    lookup_url_kwarg = "id"
    lookup_value_regex = UUID_PATTERN

    def get_queryset(self):
        return contribution_rows(Contribution.objects.visible_to(self.request.user)).order_by("-id")

    def _rendered(self, contributions: list[Contribution]) -> list:
        rows = contribution_rows(Contribution.objects).filter(pk__in=[row.pk for row in contributions]).order_by("id")
        return self.get_serializer(rows, many=True).data

    @extend_schema(request=serializers.ContributionLineSerializer, parameters=[IDEMPOTENCY_KEY],
                   responses={201: serializers.ContributionSerializer})
    def create(self, request, *args, **kwargs):
        """Post one payroll line for one of your contracts: the deduction is credited to the
        worker's savings, held against the contract until the return is confirmed. A deduction
        that differs from the contract's savings rate of the gross pay is posted and flagged for
        staff. Refused field by field (400), and nothing posted."""

        def work():
            source, reference = request_origin(request)
            try:
                (contribution,) = contributions_post(by=request.user, lines=[request.data], source=source,
                                                     reference=reference)
            except LineErrors as refused:
                return Response(refused.errors[0], status=status.HTTP_400_BAD_REQUEST)
            return Response(self._rendered([contribution])[0], status=status.HTTP_201_CREATED)

        return api_answer(request, work)

    @extend_schema(
        request={"application/json": serializers.PayrollDocumentSerializer,
                 "multipart/form-data": serializers.PayrollFileSerializer},
        parameters=[IDEMPOTENCY_KEY],
        responses={201: serializers.ContributionSerializer(many=True),
                   400: OpenApiResponse(response=PAYROLL_REFUSED, description=_(
                       "The payroll was refused; nothing was posted."))})
    @action(detail=False, methods=["post"], parser_classes=[JSONParser, MultiPartParser], filter_backends=[],
            pagination_class=None)
    def bulk(self, request):
        """Post a payroll: every line or none (at most 5,000), as JSON ``{"lines": [...]}`` or as a
        CSV file (multipart field ``file``, header row ``contract,period_start,period_end,gross_pay,
        amount,currency``; UTF-8, or Latin-1 declared with ``encoding=latin-1``). 201 with the lines
        posted, in order; 400 with every refused line's messages, by index (JSON) or row number
        (CSV, the first line is row 2)."""

        def work():
            if request.content_type.startswith("multipart/"):
                body = serializers.PayrollFileSerializer(data=request.data)
                body.is_valid(raise_exception=True)
                upload = body.validated_data["file"]
                lines = read_payroll(upload, encoding=body.validated_data["encoding"])
                keys = [line.pop("row") for line in lines]
                source, reference = Source.IMPORT, payroll_reference(upload)
            else:
                body = serializers.PayrollSerializer(data=request.data)
                body.is_valid(raise_exception=True)
                lines = body.validated_data["lines"]
                keys = list(range(len(lines)))
                source, reference = request_origin(request)
            try:
                contributions = contributions_post(by=request.user, lines=lines, source=source, reference=reference)
            except LineErrors as refused:
                errors = {str(keys[index]): fields for index, fields in sorted(refused.errors.items())}
                return Response({"lines": errors}, status=status.HTTP_400_BAD_REQUEST)
            return Response(self._rendered(contributions), status=status.HTTP_201_CREATED)

        return api_answer(request, work)

    @extend_schema(request=serializers.ReversalSerializer, parameters=[IDEMPOTENCY_KEY],
                   responses={200: serializers.ContributionSerializer})
    @action(detail=True, methods=["post"], filter_backends=[])
    def reverse(self, request, id=None):
        """Reverse a live contribution (the employer that posted it, staff who see its contract, or
        an administrator), with the reason: a ledger transaction takes the amount back from the
        worker's savings. 409 when it is already reversed or the money was paid out meanwhile."""

        def work():
            contribution = self.get_object()
            body = serializers.ReversalSerializer(data=request.data)
            body.is_valid(raise_exception=True)
            source, reference = request_origin(
                request, session_source=Source.STAFF if request.user.is_program_staff else Source.PORTAL)
            done = contribution_reverse(contribution=contribution, by=request.user,
                                        reason=body.validated_data["reason"], source=source, reference=reference)
            return Response(self._rendered([done])[0])

        return api_answer(request, work)


class ContractSavingsRateView(generics.GenericAPIView):
    """``contracts/{id}/savings-rate/``: the worker's savings rate on a contract."""

    serializer_class = serializers.SavingsRateSerializer
    queryset = Contract.objects.none()  # for the schema; the contract comes from visible_to()
    pagination_class = None
    filter_backends = []

    @extend_schema(request=serializers.SavingsRateSerializer, responses={200: ContractSerializer})
    def post(self, request, id):
        """Record the worker's chosen savings rate (percent of gross pay) within the program's bounds
        (staff who see the contract, or an administrator; employers get 403). Deductions are checked
        against it from now on; those already posted keep theirs. Optional ``version``: an older one
        is refused (409)."""
        contract = get_object_or_404(Contract.objects.visible_to(request.user), public_id=id)
        if not may_set_savings_rate(request.user, contract):
            raise PermissionDenied  # before the body is read: 403, not a field's message
        body = self.get_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        done = contract_set_savings_rate(contract=contract, rate=body.validated_data["savings_rate"],
                                         by=request.user, version=body.validated_data.get("version"))
        row = (Contract.objects.select_related("request__employer", "request__worksite", "request__occupation",
                                               "worker", "program", "transferred_from").get(pk=done.pk))
        return Response(ContractSerializer(row, context=self.get_serializer_context()).data)
