"""The payout list joins twp's list exports, read through the page's own filters."""

from django.utils.translation import gettext_lazy as _

from savings.models import Payout
from savings.pages.payouts import filtered_payouts
from twp.export_jobs import Column, ListExport, day, labels, register


def _payouts(user, params):
    rows, _filters = filtered_payouts(user, params)
    return rows


def _columns():
    methods, statuses = labels(Payout.Method.choices), labels(Payout.Status.choices)
    return (
        Column(_("Worker"), lambda payout: payout.worker.full_name),
        Column(_("CURP"), lambda payout: payout.worker.curp),
        Column(_("Amount"), lambda payout: payout.amount),
        Column(_("Currency"), lambda payout: payout.currency),
        Column(_("Method"), lambda payout: methods.get(payout.method, payout.method)),
        Column(_("Status"), lambda payout: statuses.get(payout.status, payout.status)),
        Column(_("Requested"), lambda payout: day(payout.created_at)),
        Column(_("Requested by"), lambda payout: payout.requested_by.get_username() if payout.requested_by else ""),
        Column(_("Approved by"), lambda payout: payout.approved_by.get_username() if payout.approved_by else ""),
    )


register(ListExport(kind="payouts", label=_("Payouts"), columns=_columns, queryset=_payouts,
                    list_url_name="savings-payout-list"))
