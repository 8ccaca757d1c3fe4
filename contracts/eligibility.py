"""The contracts rule of eligibility: a worker cannot take a contract whose dates meet one of
their live contracts (the database refuses it anyway; this says why beforehand)."""

from django.db.models import Exists, OuterRef
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from contracts.models import Contract, ContractStatus
from workers.eligibility import Reason, register


@register
class NoOverlappingContractRule:
    code = "overlapping_contract"
    prefetch = ("contracts",)

    def reasons(self, worker, question):
        if "contracts" in getattr(worker, "_prefetched_objects_cache", {}):
            busy = next((contract for contract in worker.contracts.all()
                         if contract.status != ContractStatus.CANCELLED and contract.start_date < question.end
                         and contract.last_day > question.start), None)
        else:
            busy = Contract.objects.overlapping(question.start, question.end).filter(worker=worker).first()
        if busy is None:
            return []
        return [Reason(self.code, _("Already has a contract from %(start)s to %(end)s.")
                       % {"start": busy.start_date.isoformat(), "end": busy.last_day.isoformat()})]

    def exclude_ineligible(self, workers, question):
        return workers.filter(~Exists(
            Contract.objects.overlapping(question.start, question.end).filter(worker=OuterRef("pk"))))

    def mask(self, table, question):
        positions, starts, ends = table.rows("live_contracts", _live_contracts)
        busy = (starts < question.end.toordinal()) & (ends > question.start.toordinal())
        return ~table.any_row(positions, busy)


def _live_contracts(ids):
    """The table's workers' live contracts: worker, start, end of their range (effective end first)."""
    return Contract.objects.live().filter(worker__in=ids).values_list(
        "worker_id", "start_date", Coalesce("effective_end", "end_date"))
