"""The contract list and the returns lists join twp's list exports, read through their pages' own
filters."""

from django.utils.translation import gettext_lazy as _

from contracts.contract_pages import filtered_contracts
from contracts.models import ContractStatus, ExpectedReturn
from contracts.return_pages import days_overdue_or_late, filtered_returns
from twp.export_jobs import Column, ListExport, day, labels, register


def _contracts(user, params):
    contracts, _status, _query = filtered_contracts(user, params)
    return contracts


def _contract_columns():
    statuses = labels(ContractStatus.choices)
    return (
        Column(_("Worker"), lambda contract: contract.worker.full_name),
        Column(_("CURP"), lambda contract: contract.worker.curp),
        Column(_("Request"), lambda contract: contract.request.number),
        Column(_("Employer"), lambda contract: contract.request.employer.legal_name),
        Column(_("Start"), lambda contract: day(contract.start_date)),
        Column(_("End"), lambda contract: day(contract.last_day)),
        Column(_("Status"), lambda contract: statuses.get(contract.status, contract.status)),
    )


def _returns(user, params):
    rows, _shown, _sort = filtered_returns(user, params)
    return rows


def _return_columns():
    places = labels(ExpectedReturn.Place.choices)
    return (
        Column(_("Worker"), lambda expected: expected.contract.worker.full_name),
        Column(_("CURP"), lambda expected: expected.contract.worker.curp),
        Column(_("Employer"), lambda expected: expected.contract.request.employer.legal_name),
        Column(_("Due home by"), lambda expected: day(expected.due_on)),
        # Days overdue so far while open, days late once confirmed (as on the page).
        Column(_("Days overdue or late"), days_overdue_or_late),
        Column(_("Seen home on"), lambda expected: day(expected.seen_home_on)),
        Column(_("Where"), lambda expected: places.get(expected.place, expected.place)),
    )


register(ListExport(kind="contracts", label=_("Contracts"), columns=_contract_columns, queryset=_contracts,
                    list_url_name="contract-list"))
register(ListExport(kind="returns", label=_("Returns"), columns=_return_columns, queryset=_returns,
                    list_url_name="return-list"))
