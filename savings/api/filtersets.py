"""Filters of the savings accounts, contributions and payouts lists (the API's ``savings/accounts/``,
``savings/contributions/`` and ``savings/payouts/``). Lists are scoped by ``visible_to`` before they
are filtered, so an id outside the caller's scope matches nothing."""

import django_filters
from django.utils.translation import gettext_lazy as _

from savings.models import Account, Contribution, Payout
from workers.models import Worker, search_text


class AccountFilterSet(django_filters.FilterSet):
    worker = django_filters.UUIDFilter(label=_("Worker"), field_name="worker__public_id")
    currency = django_filters.CharFilter(label=_("Currency"), field_name="currency", max_length=3,
                                         method="filter_currency")
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=Account.Kind.choices)
    search = django_filters.CharFilter(label=_("Worker's name or CURP"), method="filter_search", max_length=100)

    class Meta:
        model = Account
        fields = ["worker", "currency", "kind", "search"]

    def filter_currency(self, queryset, name, value):
        return queryset.filter(currency=value.strip().upper())

    def filter_search(self, queryset, name, value):
        """A CURP finds its worker; anything else the workers with those letters in their name
        (accents and case do not matter), as the workers list's search does."""
        found, in_part = Worker.objects.search_in_steps(value)
        if in_part is not None:  # a name: any part of it (a superset of the whole words)
            found = in_part
        elif not search_text(value):
            return queryset
        return queryset.filter(worker__in=found.values("pk"))


class ContributionFilterSet(django_filters.FilterSet):
    contract = django_filters.UUIDFilter(label=_("Contract"), field_name="contract__public_id")
    status = django_filters.ChoiceFilter(label=_("Status"), choices=Contribution.Status.choices)
    is_flagged = django_filters.BooleanFilter(label=_("Flagged for staff"))
    # Pay periods that meet [period_from, period_to]: a period ending on or after the first day
    # and starting on or before the last.
    period_from = django_filters.DateFilter(label=_("Pay periods from"), field_name="period_end", lookup_expr="gte")
    period_to = django_filters.DateFilter(label=_("Pay periods to"), field_name="period_start", lookup_expr="lte")

    class Meta:
        model = Contribution
        fields = ["contract", "status", "is_flagged", "period_from", "period_to"]


class PayoutFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(label=_("Status"), choices=Payout.Status.choices)
    method = django_filters.ChoiceFilter(label=_("Method"), choices=Payout.Method.choices)
    worker = django_filters.UUIDFilter(label=_("Worker"), field_name="worker__public_id")
    follow_up = django_filters.BooleanFilter(label=_("Failed at the bank and not yet followed up"),
                                             method="filter_follow_up")

    class Meta:
        model = Payout
        fields = ["status", "method", "worker", "follow_up"]

    def filter_follow_up(self, queryset, name, value):
        waiting = {"status": Payout.Status.FAILED, "followed_up_at__isnull": True}
        return queryset.filter(**waiting) if value else queryset.exclude(**waiting)
