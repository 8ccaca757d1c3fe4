"""Expected returns over REST: ``returns/`` (``?state=expected|overdue|confirmed``) and the
contract action ``contracts/{id}/confirm-return/`` (in ``contracts.api.views``).

Who sees an expected return is ``ExpectedReturn.objects.visible_to`` (the contract's visibility;
outside it: 404). Confirming is staff's: an employer gets 403 on its own contracts."""

from rest_framework import mixins, viewsets

from contracts.api import return_serializers as serializers
from contracts.api.filtersets import ReturnFilterSet
from contracts.models import ExpectedReturn
from employers.api.views import UUID_PATTERN


def return_rows(expected_returns):
    """What an expected return's row shows, in the same query."""
    return expected_returns.select_related("contract__worker", "contract__program", "contract__request__employer",
                                           "confirmed_by")


class ReturnViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Workers expected home after their contracts, and the confirmed returns: administrators all;
    office staff those of the contracts they see; employers those of their own contracts (without
    the identity document checked). Confirm one with ``contracts/{id}/confirm-return/``."""

    serializer_class = serializers.ExpectedReturnSerializer
    filterset_class = ReturnFilterSet
    lookup_field = "public_id"
    lookup_url_kwarg = "id"
    lookup_value_regex = UUID_PATTERN

    def get_queryset(self):
        return return_rows(ExpectedReturn.objects.visible_to(self.request.user)).order_by("-id")
