"""Employers, their worksites and worker requests over REST.

Every viewset starts from the model's ``visible_to`` (outside it: 404) and every change goes
through one service, which decides who may act (refusal: 403), which transition is legal (409)
and which terms are acceptable (400, per field)."""

from django.db.models import Exists, OuterRef, Prefetch
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.fields import Field
from rest_framework.response import Response

from certification.models import Scheme
from employers import services
from employers import worker_requests as requests_service
from employers.api import serializers
from employers.api.filtersets import WorkerRequestFilterSet
from employers.models import Employer, NamedWorker, RequestEvent, WorkerRequest, Worksite, employer_of
from twp.api.pagination import CursorPagination
from twp.models import Role
from workers.models import Worker

# A malformed id matches no route (404), like an unknown one.
UUID_PATTERN = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


def _acts_for(user, employer: Employer) -> bool:
    """Whether ``user`` edits ``employer``'s record and worksites: its own users, and administrators."""
    if user.is_administrator:
        return True
    own = employer_of(user) if user.viewing_role == Role.EMPLOYER else None
    return own is not None and own.pk == employer.pk


class EditsOwnEmployer(permissions.BasePermission):
    """Everyone who sees the employer reads it; its own users and administrators change its record
    and worksites (403 for the staff who see it)."""

    EDITS = ("create", "update", "partial_update")

    def has_object_permission(self, request, view, obj):
        if view.action not in self.EDITS:
            return True  # reads, and status actions (their service decides who may act)
        employer = obj if isinstance(obj, Employer) else obj.employer
        return _acts_for(request.user, employer)


class DraftsRequests(permissions.BasePermission):
    """Employer users file requests for their employer; administrators for any; staff read them."""

    def has_permission(self, request, view):
        if view.action != "create":
            return True
        user = request.user
        return user.is_administrator or user.viewing_role == Role.EMPLOYER


def _with_caller_governs(queryset, governed):
    """Annotate each row with whether the caller may approve or reject it (one query per page)."""
    return queryset.annotate(caller_governs=Exists(governed.filter(pk=OuterRef("pk"))))


# --- Employers ---------------------------------------------------------------------------------

@extend_schema_view(
    partial_update=extend_schema(description="Change the employer's record (its own users and administrators). "
                                             "Send the `version` you read; a stale one answers 409."),
)
class EmployerViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.UpdateModelMixin,
                      viewsets.GenericViewSet):
    """Employers the caller may see: administrators all, consulate staff those with a worksite in
    their jurisdiction, employer users their own (another employer's id answers 404).

    Employers sign up in the browser; the status changes only through `approve`, `reject` and
    `suspend` (administrators and the consulate over the employer's worksites)."""

    http_method_names = ["get", "patch", "post", "head", "options"]
    serializer_class = serializers.EmployerSerializer
    permission_classes = [permissions.IsAuthenticated, EditsOwnEmployer]
    lookup_field = "public_id"
    lookup_url_kwarg = "id"
    lookup_value_regex = UUID_PATTERN

    def get_queryset(self):
        user = self.request.user
        employers = Employer.objects.visible_to(user)
        if self.action == "list":
            employers = _with_caller_governs(employers, Employer.objects.governed_by(user))
        return employers.order_by("-id")

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = services.employer_update(employer=serializer.instance, by=self.request.user,
                                                       version=data.pop("version"), **data)

    def _change_status(self, request, action_name):
        body = serializers.StatusReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        employer = services.employer_change_status(employer=self.get_object(), action=action_name, by=request.user,
                                                   reason=body.validated_data["reason"])
        return Response(self.get_serializer(employer).data)

    @extend_schema(request=serializers.StatusReasonSerializer, responses={200: serializers.EmployerSerializer})
    @action(detail=True, methods=["post"])
    def approve(self, request, id=None):
        """Approve a pending or suspended employer: it may then submit requests."""
        return self._change_status(request, "approve")

    @extend_schema(request=serializers.StatusReasonSerializer, responses={200: serializers.EmployerSerializer})
    @action(detail=True, methods=["post"])
    def reject(self, request, id=None):
        """Reject a pending employer's registration (a reason is required)."""
        return self._change_status(request, "reject")

    @extend_schema(request=serializers.StatusReasonSerializer, responses={200: serializers.EmployerSerializer})
    @action(detail=True, methods=["post"])
    def suspend(self, request, id=None):
        """Suspend an approved employer (a reason is required)."""
        return self._change_status(request, "suspend")


class WorksiteViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                      mixins.UpdateModelMixin, viewsets.GenericViewSet):
    """An employer's worksites (staff see those in their jurisdiction). Its users and
    administrators add and change them."""

    http_method_names = ["get", "post", "patch", "head", "options"]
    serializer_class = serializers.WorksiteSerializer
    permission_classes = [permissions.IsAuthenticated, EditsOwnEmployer]
    queryset = Worksite.objects.none()  # for the schema; requests use get_queryset()
    lookup_field = "public_id"
    lookup_url_kwarg = "id"

    def get_employer(self) -> Employer:
        if not hasattr(self, "_employer"):
            self._employer = get_object_or_404(Employer.objects.visible_to(self.request.user),
                                               public_id=self.kwargs["employer_id"])
        return self._employer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Worksite.objects.none()
        return (Worksite.objects.visible_to(self.request.user).filter(employer=self.get_employer())
                .select_related("employer").order_by("-id"))

    def perform_create(self, serializer):
        employer = self.get_employer()
        self.check_object_permissions(self.request, employer)
        serializer.instance = services.worksite_save(employer=employer, by=self.request.user,
                                                     **serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.worksite_save(employer=serializer.instance.employer, by=self.request.user,
                                                     worksite=serializer.instance, **serializer.validated_data)


# --- Worker requests -----------------------------------------------------------------------------

def _transition_response(request_obj, view):
    return Response(view.get_serializer(request_obj).data)


@extend_schema_view(
    create=extend_schema(description="File a new draft. Employer users file for their own employer (leave "
                                     "`employer` out); administrators name the employer."),
    partial_update=extend_schema(description="Change a draft, with the `version` you read (stale: 409). "
                                             "An approved request changes through `amend`."),
)
class WorkerRequestViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                           mixins.UpdateModelMixin, viewsets.GenericViewSet):
    """Worker requests: employers see their own, consulate staff those of their jurisdiction, state
    offices also every approved one. `status` changes only through the actions; an action the
    status does not allow answers 409 with the `allowed_actions`."""

    http_method_names = ["get", "post", "patch", "head", "options"]
    serializer_class = serializers.WorkerRequestSerializer
    permission_classes = [permissions.IsAuthenticated, DraftsRequests]
    filterset_class = WorkerRequestFilterSet
    lookup_field = "public_id"
    lookup_url_kwarg = "id"
    lookup_value_regex = UUID_PATTERN

    def get_queryset(self):
        user = self.request.user
        requests = (WorkerRequest.objects.visible_to(user)
                    .select_related("employer", "program", "worksite", "occupation")
                    .prefetch_related(Prefetch("required_schemes", queryset=Scheme.objects.only("id", "code"))))
        if self.action == "list":
            requests = _with_caller_governs(requests, WorkerRequest.objects.governed_by(user))
        return requests.order_by("-id")

    def _employer_for_new_request(self, serializer) -> Employer:
        employer = serializer.validated_data.pop("employer", None)
        if employer is None:
            employer = employer_of(self.request.user) if self.request.user.viewing_role == Role.EMPLOYER else None
        if employer is None:
            raise ValidationError({"employer": [Field.default_error_messages["required"]]})
        return employer

    def perform_create(self, serializer):
        employer = self._employer_for_new_request(serializer)
        data = dict(serializer.validated_data)
        data.pop("version", None)
        serializer.instance = requests_service.request_create(employer=employer, by=self.request.user, **data)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        schemes = data.pop("required_schemes", None)
        serializer.instance = requests_service.request_update(
            request=serializer.instance, by=self.request.user, version=data.pop("version"),
            required_schemes=schemes, **data)

    @extend_schema(request=serializers.TransitionSerializer, responses={200: serializers.WorkerRequestSerializer})
    @action(detail=True, methods=["post"])
    def submit(self, request, id=None):
        """Send a draft to the consulate for review (the employer must be approved)."""
        body = self._body(serializers.TransitionSerializer)
        done = requests_service.request_submit(request=self.get_object(), by=request.user,
                                               version=body.get("version"))
        return _transition_response(done, self)

    @extend_schema(request=serializers.TransitionSerializer, responses={200: serializers.WorkerRequestSerializer})
    @action(detail=True, methods=["post"])
    def approve(self, request, id=None):
        """Approve a submitted request (administrators and the consulate over its worksite)."""
        body = self._body(serializers.TransitionSerializer)
        done = requests_service.request_approve(request=self.get_object(), by=request.user,
                                                version=body.get("version"), reason=body["reason"])
        return _transition_response(done, self)

    @extend_schema(request=serializers.TransitionSerializer, responses={200: serializers.WorkerRequestSerializer})
    @action(detail=True, methods=["post"])
    def reject(self, request, id=None):
        """Reject a submitted request; the reason is required and the employer reads it."""
        body = self._body(serializers.TransitionSerializer)
        done = requests_service.request_reject(request=self.get_object(), by=request.user, reason=body["reason"],
                                               version=body.get("version"))
        return _transition_response(done, self)

    @extend_schema(request=serializers.TransitionSerializer, responses={200: serializers.WorkerRequestSerializer})
    @action(detail=True, methods=["post"])
    def cancel(self, request, id=None):
        """Cancel a draft, submitted or approved request."""
        body = self._body(serializers.TransitionSerializer)
        done = requests_service.request_cancel(request=self.get_object(), by=request.user, reason=body["reason"],
                                               version=body.get("version"))
        return _transition_response(done, self)

    @extend_schema(request=serializers.AmendmentSerializer, responses={200: serializers.WorkerRequestSerializer})
    @action(detail=True, methods=["post"])
    def amend(self, request, id=None):
        """Change the dates or the number of workers of an approved request: recorded, and back to review."""
        body = self._body(serializers.AmendmentSerializer)
        done = requests_service.request_amend(request=self.get_object(), by=request.user, **body)
        return _transition_response(done, self)

    @extend_schema(request=serializers.CopySerializer, responses={201: serializers.WorkerRequestSerializer})
    @action(detail=True, methods=["post"])
    def copy(self, request, id=None):
        """A new draft with the same terms and named workers, moved to `season` (default: the next)."""
        body = self._body(serializers.CopySerializer)
        copied = requests_service.request_copy(request=self.get_object(), by=request.user,
                                               season=body.get("season"))
        return Response(self.get_serializer(copied).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: serializers.FormerWorkerSerializer(many=True)})
    @action(detail=False, methods=["get"], url_path="former-workers", pagination_class=None, filterset_class=None)
    def former_workers(self, request):
        """The workers your employer employed in earlier seasons, who may be named on a request
        (employer users only)."""
        employer = employer_of(request.user) if request.user.viewing_role == Role.EMPLOYER else None
        if employer is None:
            self.permission_denied(request)
        rows = requests_service.former_workers(employer)
        return Response(serializers.FormerWorkerSerializer(rows, many=True).data)

    def _body(self, serializer_class) -> dict:
        body = serializer_class(data=self.request.data)
        body.is_valid(raise_exception=True)
        return dict(body.validated_data)


class RequestChildMixin:
    """Views under ``requests/{id}/``: the request must be visible to the caller (else 404)."""

    def get_worker_request(self) -> WorkerRequest:
        if not hasattr(self, "_worker_request"):
            self._worker_request = get_object_or_404(
                WorkerRequest.objects.visible_to(self.request.user).select_related("program"),
                public_id=self.kwargs["request_id"])
        return self._worker_request


class NamedWorkerPagination(CursorPagination):
    ordering = "id"  # in the order they were named


class NamedWorkerViewSet(RequestChildMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """The workers named on a request, each checked separately. Employers learn per name only
    whether the worker is available; staff also see why not."""

    serializer_class = serializers.NamedWorkerSerializer
    queryset = NamedWorker.objects.none()  # for the schema; requests use get_queryset()
    pagination_class = NamedWorkerPagination
    lookup_url_kwarg = "worker_id"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return NamedWorker.objects.none()
        return self.get_worker_request().named_workers.order_by("id")

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        checks = {check.named.pk: check for check in requests_service.named_worker_checks(self.get_worker_request())}
        rows = [checks[named.pk] for named in page if named.pk in checks]
        return self.get_paginated_response(self.get_serializer(rows, many=True).data)

    @extend_schema(request=serializers.NameWorkerSerializer, responses={201: serializers.NamedWorkerSerializer})
    def create(self, request, *args, **kwargs):
        """Name a worker: employers send the id of one of their former workers, staff may send a CURP
        (in the body, never in the URL)."""
        body = serializers.NameWorkerSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        worker_request = self.get_worker_request()
        named = requests_service.named_worker_add(request=worker_request, worker=self._worker(body.validated_data),
                                                  by=request.user)
        checks = [check for check in requests_service.named_worker_checks(worker_request) if check.named.pk == named.pk]
        return Response(self.get_serializer(checks[0]).data, status=status.HTTP_201_CREATED)

    def _worker(self, body) -> Worker:
        user = self.request.user
        if user.viewing_role == Role.EMPLOYER:
            if "curp" in body:
                raise ValidationError({"curp": [serializers.CHOOSE_FORMER_WORKER_MESSAGE]})
            # An unknown id goes to the service as an unsaved worker, so an employer gets the very
            # answer it gets for a worker it never employed: it never learns whether one exists.
            return Worker.objects.filter(public_id=body["worker"]).first() or Worker()
        workers = requests_service.nameable_workers(self.get_worker_request(), user)
        found = workers.filter(curp=body["curp"]) if "curp" in body else workers.filter(public_id=body["worker"])
        return get_object_or_404(found)

    @extend_schema(responses={204: None})
    def destroy(self, request, *args, **kwargs):
        """Remove a named worker from a draft or submitted request."""
        named = get_object_or_404(self.get_queryset().select_related("worker"),
                                  worker__public_id=self.kwargs["worker_id"])
        requests_service.named_worker_remove(request=self.get_worker_request(), worker=named.worker, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class RequestTimelineViewSet(RequestChildMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """One request's timeline, oldest first: created, submitted, reviewed, workers named, amended."""

    serializer_class = serializers.RequestEventSerializer
    queryset = RequestEvent.objects.none()  # for the schema; requests use get_queryset()
    pagination_class = None

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return RequestEvent.objects.none()
        events = self.get_worker_request().timeline.order_by("at", "id")
        return events.select_related("by") if self.request.user.is_program_staff else events
