"""Candidates, allocation and contracts over REST.

Candidates and allocation are staff-only: anyone else gets 404 (an employer must not learn that
its request is being ranked). The request must be visible to the caller (``visible_to``, else
404); the workers ranked or chosen are those the caller sees. Every refusal of the allocation
service is a 409 naming the conflict, and nothing is written."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import generics, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from contracts import ranking
from contracts.absences import absence_report
from contracts.api import absence_serializers, return_serializers, serializers
from contracts.api.absence_views import absence_rows
from contracts.api.filtersets import ContractFilterSet
from contracts.api.return_views import return_rows
from contracts.documents import contract_pdf_response
from contracts.life import ACTIONS, contract_act
from contracts.models import Absence, Contract, ExpectedReturn
from contracts.returns import CONFIRM_RETURN, contract_confirm_return
from contracts.services import contracts_allocate, places_left
from employers.api.views import UUID_PATTERN
from employers.models import WorkerRequest
from employers.worker_requests import named_worker_checks
from workers.models import Worker

UNKNOWN_WORKERS_MESSAGE = _("No such worker, or not one you may allocate.")


class StaffRequestMixin:
    """Views under ``requests/{id}/`` for staff only: the request must be visible to the caller,
    and callers who are not program staff get 404 whatever they may otherwise see."""

    queryset = WorkerRequest.objects.none()  # for the schema; requests use get_worker_request()

    def get_worker_request(self) -> WorkerRequest:
        if not self.request.user.is_program_staff:
            raise Http404
        return get_object_or_404(
            WorkerRequest.objects.visible_to(self.request.user).select_related("program", "employer"),
            public_id=self.kwargs["request_id"])


class CandidatesView(StaffRequestMixin, generics.GenericAPIView):
    serializer_class = serializers.CandidatesSerializer
    pagination_class = None
    filterset_class = None

    @extend_schema(parameters=[serializers.CandidatesQuerySerializer],
                   responses={200: serializers.CandidatesSerializer})
    def get(self, request, request_id):
        """The eligible workers you see, ranked for the request, best first, each with the parts of
        its score; and every named worker who cannot go, with the reasons (staff only)."""
        worker_request = self.get_worker_request()
        query = serializers.CandidatesQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        ranked = ranking.candidates(worker_request, Worker.objects.visible_to(request.user),
                                    limit=query.validated_data["limit"])
        unavailable = [check for check in named_worker_checks(worker_request) if not check.available]
        body = {"places_left": max(places_left(worker_request), 0), "candidates": ranked,
                "named_unavailable": unavailable}
        return Response(self.get_serializer(body).data)


class AllocateView(StaffRequestMixin, generics.GenericAPIView):
    serializer_class = serializers.AllocationSerializer
    pagination_class = None
    filterset_class = None

    @extend_schema(request=serializers.AllocationSerializer,
                   responses={201: serializers.ContractSerializer(many=True)})
    def post(self, request, request_id):
        """Propose a contract on the request to each chosen worker, all or nothing. The request
        becomes partially filled or filled. 409 when the request has fewer places left, is not
        approved, or a worker cannot take the contract (e.g. already has one over these dates)."""
        worker_request = self.get_worker_request()
        body = self.get_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        ids = body.validated_data["workers"]
        workers = list(Worker.objects.visible_to(request.user).filter(public_id__in=ids))
        if len(workers) != len(ids):
            raise ValidationError({"workers": [UNKNOWN_WORKERS_MESSAGE]})
        scores = ranking.scores_of(worker_request, workers)
        contracts = contracts_allocate(request=worker_request, workers=workers, by=request.user, scores=scores)
        rows = _with_related(Contract.objects).filter(pk__in=[contract.pk for contract in contracts]).order_by("id")
        data = serializers.ContractSerializer(rows, many=True, context=self.get_serializer_context()).data
        return Response(data, status=status.HTTP_201_CREATED)



def _with_related(contracts):
    """What a contract's row shows, in the same query."""
    return contracts.select_related("request__employer", "request__worksite", "request__occupation", "worker",
                                    "program", "transferred_from")


class ContractViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Contracts the caller may see: administrators all; office staff those whose worksite is in
    their regions and those of their states' workers; employers their own (of each worker only
    the id and name). Status changes only through the actions below (``contracts.life``): one
    not allowed now is a 409 listing those that are."""

    serializer_class = serializers.ContractSerializer
    filterset_class = ContractFilterSet
    lookup_field = "public_id"
    lookup_url_kwarg = "id"
    lookup_value_regex = UUID_PATTERN

    def get_queryset(self):
        return _with_related(Contract.objects.visible_to(self.request.user)).order_by("-id")

    def _act(self, request, action: str):
        body = serializers.ContractActionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        fields = dict(body.validated_data)
        contract = self.get_object()
        if not ACTIONS[action].may(request.user, contract):
            raise PermissionDenied  # before reading the body's references: 403, not "no such request"
        if "request" in fields:  # transfer: a request the caller sees, by its public id
            fields["to_request"] = WorkerRequest.objects.visible_to(request.user).filter(
                public_id=fields.pop("request")).first()
            if fields["to_request"] is None:
                raise ValidationError({"request": [_("No such request, or not one you may see.")]})
        done = contract_act(contract=contract, action=action, by=request.user, **fields)
        row = _with_related(Contract.objects).get(pk=done.pk)
        answer = status.HTTP_201_CREATED if action == "transfer" else status.HTTP_200_OK  # the new contract
        return Response(self.get_serializer(row).data, status=answer)

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def document(self, request, id=None):
        """The contract's terms as a PDF, in Spanish and in English (staff and the employer)."""
        return contract_pdf_response(self.get_object())

    @extend_schema(request=serializers.ContractActionSerializer, responses={200: serializers.ContractSerializer})
    @action(detail=True, methods=["post"])
    def sign(self, request, id=None):
        """Record both signatures (staff): proposed → signed; the worker's eligibility is checked
        again for the contract's dates."""
        return self._act(request, "sign")

    @extend_schema(request=serializers.ContractActionSerializer, responses={200: serializers.ContractSerializer})
    @action(detail=True, methods=["post"])
    def depart(self, request, id=None):
        """The worker left for the job (staff): signed → departed; needs a verified work permit or
        visa valid on the start date. The worker is abroad."""
        return self._act(request, "depart")

    @extend_schema(request=serializers.ContractActionSerializer, responses={200: serializers.ContractSerializer})
    @action(detail=True, methods=["post"])
    def arrive(self, request, id=None):
        """The worker arrived at the worksite (employer or staff): departed → active."""
        return self._act(request, "arrive")

    @extend_schema(request=serializers.ContractActionSerializer, responses={200: serializers.ContractSerializer})
    @action(detail=True, methods=["post"])
    def end(self, request, id=None):
        """End an active contract on or after its end date (staff): active → ended."""
        return self._act(request, "end")

    @extend_schema(request=serializers.ContractActionSerializer, responses={200: serializers.ContractSerializer})
    @action(detail=True, methods=["post"])
    def terminate(self, request, id=None):
        """End early (employer or staff), with a reason from the list and the last day worked:
        departed or active → terminated early. The consulate is notified."""
        return self._act(request, "terminate")

    @extend_schema(request=serializers.ContractActionSerializer, responses={201: serializers.ContractSerializer})
    @action(detail=True, methods=["post"])
    def transfer(self, request, id=None):
        """Move the worker to another employer (staff), with the worker's consent: active →
        transferred, and a new active contract on the other employer's open request (answered
        here), linked to this one, with a 7-day trial; it ends no later than the program's maximum
        counted from the first contract of the chain."""
        return self._act(request, "transfer")

    @extend_schema(request=serializers.ContractActionSerializer, responses={200: serializers.ContractSerializer})
    @action(detail=True, methods=["post"])
    def cancel(self, request, id=None):
        """Cancel before departure (staff): proposed or signed → cancelled; the place on the request
        and the worker's dates are free again."""
        return self._act(request, "cancel")

    @extend_schema(request=absence_serializers.AbsenceReportSerializer,
                   responses={201: absence_serializers.AbsenceSerializer})
    @action(detail=True, methods=["post"], url_path="report-absence")
    def report_absence(self, request, id=None):
        """Report that the worker is not at work (employer or staff), with the last day seen at
        work: opens an absence at stage late; the contract stays active. 409 when one is open."""
        body = absence_serializers.AbsenceReportSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        absence = absence_report(contract=self.get_object(), by=request.user, **body.validated_data)
        row = absence_rows(Absence.objects).get(pk=absence.pk)
        data = absence_serializers.AbsenceSerializer(row, context=self.get_serializer_context()).data
        return Response(data, status=status.HTTP_201_CREATED)

    @extend_schema(request=return_serializers.ReturnConfirmSerializer,
                   responses={201: return_serializers.ExpectedReturnSerializer,
                              200: return_serializers.ExpectedReturnSerializer})
    @action(detail=True, methods=["post"], url_path="confirm-return")
    def confirm_return(self, request, id=None):
        """Confirm the worker is home (staff): ended, terminated early or absconded → returned, with
        the day seen home, the place and the identity document checked. Answers the expected
        return: 201 when confirmed now, 200 with the record unchanged when it already was."""
        contract = self.get_object()
        if not ACTIONS[CONFIRM_RETURN].may(request.user, contract):
            raise PermissionDenied  # an employer's own contract: 403 before its body is read
        body = return_serializers.ReturnConfirmSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        confirmation = contract_confirm_return(contract=contract, by=request.user, **body.validated_data)
        row = return_rows(ExpectedReturn.objects).get(pk=confirmation.expected_return.pk)
        data = return_serializers.ExpectedReturnSerializer(row, context=self.get_serializer_context()).data
        return Response(data, status=status.HTTP_201_CREATED if confirmation.is_new else status.HTTP_200_OK)
