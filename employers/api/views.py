from rest_framework import viewsets

from employers.api.serializers import EmployerSerializer
from employers.models import Employer


class EmployerViewSet(viewsets.ReadOnlyModelViewSet):
    """Employers the caller may see (read-only here; the employers issue adds the rest).

    It exists now so that the scope of employer users and employer-scoped service accounts is
    proven over HTTP: another employer's id answers 404."""

    serializer_class = EmployerSerializer
    lookup_field = "public_id"
    lookup_url_kwarg = "id"
    lookup_value_converter = "uuid"

    def get_queryset(self):
        return Employer.objects.visible_to(self.request.user).order_by("id")
