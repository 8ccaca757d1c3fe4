"""Evaluations over REST (``evaluations/``): both sides' evaluations of worked contracts, the
worker's contest, and the averages of the workers' ratings of an employer.

Who sees which evaluation is ``Evaluation.objects.visible_to`` (outside it: 404); who may record,
show or contest is ``contracts.evaluations`` (refusal: 403). A contract named in the body that
the caller does not see is a 404 too, as for any object outside one's scope."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from contracts import evaluations
from contracts.api import evaluation_serializers as serializers
from contracts.api.filtersets import EvaluationFilterSet
from contracts.models import Contract, Evaluation
from employers.api.views import UUID_PATTERN
from employers.models import Employer
from twp.models import Role


def _with_related(queryset):
    """What an evaluation's row shows, in the same query."""
    return queryset.select_related("contract__worker", "contract__request__employer", "by", "contest_recorded_by")


class EvaluationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Evaluations of worked contracts, both ways: the employer's of the worker (`of_worker`) and
    the worker's of the employer (`of_employer`). Staff see both of the contracts they see, with
    the worker's contest beside; employers see only their own evaluations of their workers, and
    the workers' ratings of them only as averages (`employer-averages/`). One per contract and
    direction: a second answers 409."""

    http_method_names = ["get", "post", "head", "options"]
    serializer_class = serializers.EvaluationSerializer
    filterset_class = EvaluationFilterSet
    lookup_field = "public_id"
    lookup_url_kwarg = "id"
    lookup_value_regex = UUID_PATTERN

    def get_queryset(self):
        return _with_related(Evaluation.objects.visible_to(self.request.user)).order_by("-id")

    def _answer(self, evaluation: Evaluation, code=status.HTTP_200_OK) -> Response:
        row = _with_related(Evaluation.objects).get(pk=evaluation.pk)
        return Response(self.get_serializer(row).data, status=code)

    @extend_schema(request=serializers.EvaluationCreateSerializer, responses={201: serializers.EvaluationSerializer})
    def create(self, request):
        """Record one side's evaluation of a worked contract (ended, terminated early, transferred,
        absconded or returned). `of_worker`: the employer's users, or staff who see the contract;
        `of_employer`: staff only. The overall rating is the rounded mean of the scores; the
        employer's becomes the contract's rating, which next season's ranking reads."""
        body = serializers.EvaluationCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        contract = get_object_or_404(Contract.objects.visible_to(request.user), public_id=data.pop("contract"))
        evaluation = evaluations.evaluation_record(contract=contract, by=request.user, **data)
        return self._answer(evaluation, status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: serializers.EvaluationSerializer})
    @action(detail=True, methods=["post"], url_path="show-to-worker")
    def show_to_worker(self, request, id=None):
        """Record that the employer's evaluation was shown to the worker (staff). Again: no change."""
        evaluation = evaluations.evaluation_show_to_worker(evaluation=self.get_object(), by=request.user)
        return self._answer(evaluation)

    @extend_schema(request=serializers.EvaluationContestInSerializer,
                   responses={200: serializers.EvaluationSerializer})
    @action(detail=True, methods=["post"])
    def contest(self, request, id=None):
        """Record the worker's contest of the employer's evaluation (staff), once, after it was
        shown to the worker. The evaluation stays as given; staff read the contest beside it."""
        body = serializers.EvaluationContestInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        evaluation = evaluations.evaluation_record_contest(evaluation=self.get_object(), by=request.user,
                                                           text=body.validated_data["text"])
        return self._answer(evaluation)

    @extend_schema(parameters=[serializers.EmployerAveragesQuerySerializer],
                   responses={200: serializers.EmployerAveragesSerializer})
    @action(detail=False, methods=["get"], url_path="employer-averages", filterset_class=None,
            pagination_class=None)
    def employer_averages(self, request):
        """The workers' ratings of an employer, averaged per criterion and overall. Staff: any
        employer they see, with the count. An employer: its own, and only from 5 ratings on."""
        query = serializers.EmployerAveragesQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        employer = get_object_or_404(Employer.objects.visible_to(request.user),
                                     public_id=query.validated_data["employer"])
        averages = evaluations.employer_averages(employer=employer,
                                                 for_employer=request.user.viewing_role == Role.EMPLOYER)
        body = {"employer": employer.public_id, "shown": averages is not None, "count": None, "overall": None,
                "criteria": None}
        if averages is not None:
            body.update(count=averages.count, overall=averages.overall, criteria=averages.criteria)
        return Response(serializers.EmployerAveragesSerializer(body).data)
