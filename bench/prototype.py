"""A stand-in for the worker list API while the real one is being written on main.

Only the benchmark mounts it (bench/settings.py): it is what a straightforward DRF list over our
models looks like (visible_to scoping, django-filter, name search, the project's cursor pagination,
a ModelSerializer), so G3-G5 can be measured at 1,000,000 workers before the real endpoint lands.
"""

from django_filters import rest_framework as filters
from rest_framework import generics, serializers

from workers.models import Worker


class WorkerPrototypeSerializer(serializers.ModelSerializer):
    class Meta:
        model = Worker
        fields = ["public_id", "curp", "first_names", "paternal_surname", "maternal_surname", "birth_date", "sex",
                  "state_of_origin", "status", "phone", "email", "updated_at"]


class WorkerPrototypeFilterSet(filters.FilterSet):
    search = filters.CharFilter(method="filter_search")

    class Meta:
        model = Worker
        fields = ["state_of_origin", "status"]

    def filter_search(self, queryset, name, value):
        return queryset.search(value)


class WorkerListPrototype(generics.ListAPIView):
    serializer_class = WorkerPrototypeSerializer
    filterset_class = WorkerPrototypeFilterSet

    def get_queryset(self):
        return Worker.objects.visible_to(self.request.user)
