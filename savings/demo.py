"""The demo's savings (``manage.py load_demo`` calls ``load_demo_savings``): each of last season's
returned demo contracts had six weekly payroll deductions at the program's default rate, posted
by its employer's demo user; their returns are confirmed, so the money is available. Idempotent:
a contract with contributions is left as it is."""

import datetime
from decimal import Decimal

from contracts.models import Contract, ContractStatus
from employers.models import EmployerMembership
from savings.contributions import contributions_post
from savings.models import Source
from savings.money import Money

DEMO_WEEKS = 6


def load_demo_savings(*, program) -> int:
    """Post the demo contributions; how many lines were posted."""
    contracts = (Contract.objects.filter(program=program, status=ContractStatus.RETURNED, contributions__isnull=True)
                 .select_related("request").order_by("id"))
    posters = {membership.employer_id: membership.user
               for membership in EmployerMembership.objects.select_related("user").order_by("-id")}
    posted = 0
    for contract in contracts:
        poster = posters.get(contract.request.employer_id)
        if poster is None:
            continue
        gross = Money((contract.wage_amount * contract.hours_per_week).quantize(Decimal("0.01")),
                      contract.wage_currency)
        deduction = gross.percent(program.savings_rate_default)
        lines = []
        for week in range(DEMO_WEEKS):
            start = contract.start_date + datetime.timedelta(weeks=week)
            if start + datetime.timedelta(days=6) > contract.end_date:
                break
            lines.append({"contract": contract, "period_start": start, "period_end": start + datetime.timedelta(days=6),
                          "gross_pay": gross.text, "amount": deduction.text})
        if lines:
            posted += len(contributions_post(by=poster, lines=lines, source=Source.PORTAL, reference="demo"))
    return posted
