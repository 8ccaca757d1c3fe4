"""Statements of a savings account for a range of days, with opening and closing balances and
every posting between, as CSV and PDF in the worker's language; and the signed receipt of a cash
payout (savings.payouts).

Days are those of the site's time zone (``settings.TIME_ZONE``, Mexico City): the offices that hand
statements to workers are in Mexico. A posting belongs to the day it was written to the ledger.
The closing balance is the opening plus the postings: by construction the sum of the account's
entries up to the end of the last day (tests/savings/test_statements.py proves it against the
ledger)."""

from __future__ import annotations

import csv
import datetime
import io
import zoneinfo
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import Q, Sum
from django.utils import translation
from django.utils.translation import gettext as _
from fpdf import FPDF

from savings.models import Account, Entry, Payout
from savings.money import Money
from twp.models import Office


@dataclass(frozen=True)
class Balance:
    available: Decimal
    held: Decimal

    @property
    def total(self) -> Decimal:
        return self.available + self.held


@dataclass(frozen=True)
class Line:
    posted_at: datetime.datetime
    kind: str  # the transaction's kind, translated when rendered
    memo: str
    contract: str  # the contract's public id, or ""
    held: bool
    amount: Decimal
    balance: Decimal  # available + held after this line

    @property
    def kind_label(self) -> str:
        return _kind_label(self.kind)


@dataclass(frozen=True)
class Statement:
    account: Account
    date_from: datetime.date
    date_to: datetime.date
    opening: Balance
    lines: list[Line]
    closing: Balance

    def money(self, amount: Decimal) -> str:
        return str(Money(amount, self.account.currency))


def _start_of(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=zoneinfo.ZoneInfo(settings.TIME_ZONE))


def _balance(entries) -> Balance:
    sums = entries.aggregate(available=Sum("amount", filter=Q(held=False), default=Decimal(0)),
                             held=Sum("amount", filter=Q(held=True), default=Decimal(0)))
    return Balance(sums["available"], sums["held"])


def statement(account: Account, date_from: datetime.date, date_to: datetime.date) -> Statement:
    """The account's statement from the start of ``date_from`` to the end of ``date_to``: two
    queries (the opening sums, the postings with their transactions and contracts)."""
    start, end = _start_of(date_from), _start_of(date_to + datetime.timedelta(days=1))
    opening = _balance(Entry.objects.filter(account=account, created_at__lt=start))
    entries = (Entry.objects.filter(account=account, created_at__gte=start, created_at__lt=end)
               .select_related("transaction", "contract").order_by("id"))
    available, held, lines = opening.available, opening.held, []
    for entry in entries:
        if entry.held:
            held += entry.amount
        else:
            available += entry.amount
        lines.append(Line(entry.created_at, entry.transaction.kind, entry.transaction.memo,
                          str(entry.contract.public_id) if entry.contract else "", entry.held, entry.amount,
                          available + held))
    return Statement(account, date_from, date_to, opening, lines, Balance(available, held))


def _kind_label(kind: str) -> str:
    from savings.models import LedgerTransaction

    return str(LedgerTransaction.Kind(kind).label)


def _local(moment: datetime.datetime) -> str:
    return moment.astimezone(zoneinfo.ZoneInfo(settings.TIME_ZONE)).strftime("%Y-%m-%d %H:%M")


def _language(account: Account) -> str:
    return account.worker.preferred_language if account.worker_id else settings.LANGUAGE_CODE


def statement_csv(statement: Statement) -> str:
    """One row per posting between an opening and a closing row; decimals as the ledger has them
    (a dot, the currency's decimals); UTF-8 with a byte-order mark for spreadsheets."""
    money = Money  # amounts as decimal strings with the currency's decimals
    currency = statement.account.currency
    with translation.override(_language(statement.account)):
        out = io.StringIO()
        out.write("\ufeff")
        writer = csv.writer(out)
        writer.writerow([_("Date"), _("Description"), _("Contract"), _("Held or available"), _("Amount"),
                         _("Balance"), _("Currency")])
        writer.writerow([statement.date_from.isoformat(), _("Opening balance"), "", "", "",
                         money(statement.opening.total, currency).text, currency])
        for line in statement.lines:
            writer.writerow([_local(line.posted_at), " · ".join(filter(None, [_kind_label(line.kind), line.memo])),
                             line.contract, _("held") if line.held else _("available"),
                             money(line.amount, currency).text, money(line.balance, currency).text, currency])
        writer.writerow([statement.date_to.isoformat(), _("Closing balance"), "", "", "",
                         money(statement.closing.total, currency).text, currency])
        return out.getvalue()


def _latin1(text: str) -> str:
    # The PDF core fonts speak Latin-1, which covers Spanish and English; anything else is replaced.
    return str(text).encode("latin-1", "replace").decode("latin-1")


def _pdf() -> FPDF:
    pdf = FPDF(format="letter")
    pdf.set_compression(False)  # a few KB more, and the text stays searchable
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.add_page()
    return pdf


def _text(pdf: FPDF, text: str, *, size: int = 10, style: str = "", height: int = 6) -> None:
    pdf.set_font("Helvetica", style, size)
    pdf.multi_cell(0, height, _latin1(text), new_x="LMARGIN", new_y="NEXT")


def statement_pdf(statement: Statement) -> bytes:
    account, worker = statement.account, statement.account.worker
    with translation.override(_language(account)):
        pdf = _pdf()
        pdf.set_title(_latin1(_("Savings statement") + f" - {worker.full_name}"))
        _text(pdf, _("Savings statement"), size=16, style="B", height=9)
        _text(pdf, f"{worker.full_name} · CURP {worker.curp}")
        _text(pdf, _("From %(start)s to %(end)s · %(currency)s") % {
            "start": statement.date_from.isoformat(), "end": statement.date_to.isoformat(),
            "currency": account.currency})
        pdf.ln(3)
        _text(pdf, _("Opening balance: %(total)s (available %(available)s, held %(held)s)") % {
            "total": statement.money(statement.opening.total),
            "available": statement.money(statement.opening.available),
            "held": statement.money(statement.opening.held)}, style="B")
        pdf.ln(2)
        widths = (34, 86, 30, 30)
        pdf.set_font("Helvetica", "B", 9)
        for width, heading in zip(widths, (_("Date"), _("Description"), _("Amount"), _("Balance")), strict=True):
            pdf.cell(width, 7, _latin1(heading), border="B")
        pdf.ln()
        pdf.set_font("Helvetica", "", 9)
        for line in statement.lines:
            held = _("held") if line.held else _("available")
            cells = (_local(line.posted_at), f"{_kind_label(line.kind)} ({held})",
                     Money(line.amount, account.currency).text, Money(line.balance, account.currency).text)
            for width, text in zip(widths, cells, strict=True):
                pdf.cell(width, 6, _latin1(text)[:60])
            pdf.ln()
        if not statement.lines:
            _text(pdf, _("No postings in these days."))
        pdf.ln(3)
        _text(pdf, _("Closing balance: %(total)s (available %(available)s, held %(held)s)") % {
            "total": statement.money(statement.closing.total),
            "available": statement.money(statement.closing.available),
            "held": statement.money(statement.closing.held)}, style="B")
        return bytes(pdf.output())


def receipt_pdf(payout: Payout) -> bytes:
    """The receipt of a cash payout, printed for the worker (or beneficiary) to sign, in the
    worker's language."""
    worker = payout.worker
    with translation.override(worker.preferred_language):
        pdf = _pdf()
        pdf.set_title(_latin1(_("Savings payout receipt") + f" {payout.receipt_number}"))
        _text(pdf, _("Savings payout receipt"), size=16, style="B", height=9)
        _text(pdf, _("Receipt number: %(number)s") % {"number": payout.receipt_number or "-"})
        pdf.ln(3)
        for label, value in ((_("Worker"), f"{worker.full_name} · CURP {worker.curp}"),
                             (_("Paid to"), payout.payee_name),
                             (_("Amount"), str(payout.money)),
                             (_("Method"), str(payout.get_method_display())),
                             (_("Office"), _paying_office(payout)),
                             (_("Identity document checked"), payout.identity_document or "-"),
                             (_("Paid on"), _local(payout.paid_at) if payout.paid_at else "-"),
                             (_("Reference"), str(payout.public_id))):
            _text(pdf, f"{label}: {value}")
        pdf.ln(14)
        for signer in (_("Signature of the person paid"), _("Signature of the office staff")):
            _text(pdf, f"{signer}: ________________________________", size=11, height=10)
        return bytes(pdf.output())


def _paying_office(payout: Payout) -> str:
    """The office that paid: the payer's, else (an administrator paid) the worker's home state office."""
    payer = payout.paid_by
    office = payer.office if payer is not None and payer.office_id else (
        Office.objects.filter(kind=Office.Kind.STATE_OFFICE, mexican_states__contains=[payout.worker.state_of_origin])
        .order_by("id").first())
    return office.name if office is not None else "-"
