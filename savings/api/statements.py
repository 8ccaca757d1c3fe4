"""An account's statement over REST (``savings/accounts/{id}/statement/``): JSON, CSV or PDF."""

import datetime

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers as drf_serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from savings.models import Account
from savings.money import Money
from savings.statements import statement, statement_csv, statement_pdf


def pdf_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


STATEMENT_PARAMETERS = [
    OpenApiParameter("from", OpenApiTypes.DATE, description=_("First day (default: a year before the last).")),
    OpenApiParameter("to", OpenApiTypes.DATE, description=_("Last day (default: today).")),
    OpenApiParameter("file", OpenApiTypes.STR, enum=["csv", "pdf"],
                     description=_("csv or pdf for a file in the worker's language; JSON without it.")),
]


class StatementQuerySerializer(drf_serializers.Serializer):
    to = drf_serializers.DateField(required=False)
    file = drf_serializers.ChoiceField(choices=["csv", "pdf"], required=False)

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = drf_serializers.DateField(required=False)
        return fields

    def validate(self, data):
        today = timezone.localdate()
        data.setdefault("to", today)
        data.setdefault("from", data["to"] - datetime.timedelta(days=365))
        if data["from"] > data["to"]:
            raise drf_serializers.ValidationError({"from": [_("The first day comes after the last.")]})
        if (data["to"] - data["from"]).days > 3660:
            raise drf_serializers.ValidationError({"from": [_("A statement covers at most ten years.")]})
        return data


class StatementSerializer(drf_serializers.Serializer):
    account = drf_serializers.UUIDField()
    currency = drf_serializers.CharField()
    date_from = drf_serializers.DateField()
    date_to = drf_serializers.DateField()
    opening_balance = drf_serializers.CharField()
    closing_balance = drf_serializers.CharField()
    postings = drf_serializers.ListField(child=drf_serializers.DictField())


def statement_answer(account: Account, query: dict):
    """The account's statement as JSON, or a CSV or PDF file (used by the API and the page)."""
    found = statement(account, query["from"], query["to"])
    name = f"statement-{account.worker.curp if account.worker_id else account.kind}-{query['from']}-{query['to']}"
    if query.get("file") == "csv":
        response = HttpResponse(statement_csv(found), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        return response
    if query.get("file") == "pdf":
        return pdf_response(statement_pdf(found), f"{name}.pdf")
    text = lambda amount: Money(amount, account.currency).text  # noqa: E731
    return Response({
        "account": str(account.public_id), "currency": account.currency, "date_from": found.date_from,
        "date_to": found.date_to, "opening_balance": text(found.opening.total),
        "closing_balance": text(found.closing.total),
        "postings": [{"posted_at": line.posted_at, "kind": line.kind, "memo": line.memo, "contract": line.contract,
                      "held": line.held, "amount": text(line.amount), "balance": text(line.balance)}
                     for line in found.lines]})


class StatementMixin:
    @extend_schema(parameters=STATEMENT_PARAMETERS,
                   responses={200: StatementSerializer, (200, "text/csv"): OpenApiTypes.STR,
                              (200, "application/pdf"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def statement(self, request, id=None):
        """The account's statement for a range of days: opening balance, every posting with the
        running balance, closing balance (equal to the ledger's); ``file=csv`` or ``file=pdf`` for
        a file in the worker's language."""
        account = self.get_object()
        query = StatementQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        return statement_answer(account, query.validated_data)
