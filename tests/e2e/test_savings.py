"""Savings in the browser. An employer posts one deduction (the form shows the expected deduction
as the pay is typed), downloads the payroll template and uploads a payroll: refused whole for one
bad line, then posted. Staff find a worker's account by CURP (sent by POST), read its ledger, and
reverse a flagged contribution after a confirmation. Every page is checked for accessibility.

The browser runs in Spanish: the checks go by ids and data attributes, not by the words."""

import datetime
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from savings.contributions import contributions_post
from savings.models import Account, Contribution, Source
from tests.e2e.browser import audit
from tests.e2e.test_sign_in import sign_in
from tests.factories import WorkerFactory
from tests.savings.conftest import contract_of, payroll_line
from workers.models import WorkerStatus

pytestmark = pytest.mark.e2e

HEADER = "contract,period_start,period_end,gross_pay,amount,currency"


def worker(name):
    return WorkerFactory(first_names=name, paternal_surname="Tlapa", state_of_origin="TLA",
                         status=WorkerStatus.ABROAD)


def csv_payroll(*lines) -> bytes:
    rows = [",".join([line["contract"], line["period_start"], line["period_end"], line["gross_pay"], line["amount"],
                      "CAD"]) for line in lines]
    return ("\n".join([HEADER, *rows]) + "\n").encode("utf-8")


def test_an_employer_posts_a_deduction_and_uploads_a_payroll(page, employer_a_user, program, employer_a,
                                                            worksite_a):
    rosa = contract_of(program, employer_a, worksite_a, worker=worker("Rosa"))
    pedro = contract_of(program, employer_a, worksite_a, worker=worker("Pedro"))
    sign_in(page, employer_a_user.username)
    audit(page)  # the portal's home
    page.locator('header nav a[href="/savings/contributions/"]').click()
    audit(page)  # the deductions: none yet
    expect(page.locator("#contributions")).to_have_count(0)

    page.locator('main a[href="/savings/contributions/new/"]').first.click()
    audit(page)  # the form
    line = payroll_line(rosa)
    page.locator("#id_contract").select_option(str(rosa.public_id))
    expect(page.locator("#expected-rate")).to_have_attribute("data-rate", "10.00")
    page.locator("#id_period_start").fill(line["period_start"])
    page.locator("#id_period_end").fill(line["period_end"])
    page.locator("#id_gross_pay").fill("1234.50")
    expect(page.locator("#expected-amount")).to_have_attribute("data-amount", "123.45")  # htmx, as typed
    audit(page)  # with the expected deduction drawn
    page.locator("#id_amount").fill("123.45")
    page.locator("#contribution-form button[type=submit]:not([name])").click()
    expect(page.locator("#contribution-status")).to_have_attribute("data-status", "posted")
    audit(page)  # the deduction's page, with the message
    contribution = Contribution.objects.get()
    assert (contribution.amount, contribution.is_flagged, contribution.transaction.source) == (
        Decimal("123.45"), False, Source.PORTAL)

    page.locator('main a[href="/savings/contributions/"]').first.click()
    audit(page)
    expect(page.locator("#contributions tbody tr")).to_have_count(1)
    page.locator('nav.tabs a[href="/savings/contributions/upload/"]').click()
    audit(page)  # the upload page
    with page.expect_download() as download:
        page.locator('a[href="/savings/contributions/template.csv"]').click()
    template = download.value.path().read_text(encoding="utf-8-sig")
    assert str(rosa.public_id) in template and str(pedro.public_id) in template

    week = datetime.timedelta(weeks=1)
    good = payroll_line(pedro)
    bad = {**payroll_line(rosa, week=1), "amount": "10.001"}
    page.locator("#id_file").set_input_files(files=[{"name": "nomina.csv", "mimeType": "text/csv",
                                                     "buffer": csv_payroll(good, bad)}])
    page.locator("#payroll-form button[type=submit]").click()
    expect(page.locator("#refused-lines tbody tr")).to_have_count(1)
    expect(page.locator('#refused-lines tr[data-row="3"]')).to_contain_text("amount")
    audit(page)  # every refused line, nothing posted
    assert Contribution.objects.count() == 1

    fixed = {**bad, "amount": "100.00"}
    page.locator("#id_file").set_input_files(files=[{"name": "nomina.csv", "mimeType": "text/csv",
                                                     "buffer": csv_payroll(good, fixed)}])
    page.locator("#payroll-form button[type=submit]").click()
    expect(page.locator("#contributions tbody tr")).to_have_count(3)
    audit(page)  # back at the list, the payroll posted
    assert sorted(Contribution.objects.filter(transaction__source=Source.IMPORT).values_list(
        "contract_id", "period_start")) == sorted([(pedro.pk, pedro.start_date), (rosa.pk, rosa.start_date + week)])


def test_staff_read_an_account_and_reverse_a_flagged_contribution(page, staff_tlaxcala, employer_a_user, program,
                                                                  employer_a, worksite_a):
    contract = contract_of(program, employer_a, worksite_a, worker=worker("Lucía"))
    _as_expected, flagged = contributions_post(by=employer_a_user, source=Source.API, lines=[
        payroll_line(contract), payroll_line(contract, week=1, amount="80.00")])
    account = Account.objects.get(worker=contract.worker)
    sign_in(page, staff_tlaxcala.username)
    audit(page)  # the staff home, with the flagged contributions' panel
    expect(page.locator('a[href="/savings/contributions/flagged/"]').first).to_be_visible()

    page.locator('header nav a[href="/savings/accounts/"]').click()
    audit(page)  # the accounts
    page.locator("#id_q").fill(contract.worker.curp.lower())
    page.locator("form[role=search] button[type=submit]").click()
    expect(page.locator("#savings-accounts tbody tr")).to_have_count(1)
    assert contract.worker.curp not in page.url and "curp" not in page.url.lower()
    audit(page)  # the worker's accounts
    page.locator(f'a[href="/savings/accounts/{account.public_id}/"]').click()
    expect(page.locator("#balance-held")).to_have_text("180.00 CAD")
    expect(page.locator("#balance-available")).to_have_text("0.00 CAD")
    expect(page.locator("#held-by-contract tbody tr")).to_have_count(1)
    expect(page.locator("#ledger-entries tbody tr")).to_have_count(2)
    audit(page)  # the ledger

    page.locator('nav a[href="/savings/accounts/"]').first.click()
    page.locator('nav.tabs a[href="/savings/contributions/flagged/"]').click()
    expect(page.locator("#flagged-contributions tbody tr")).to_have_count(1)
    audit(page)  # the flagged contributions
    page.locator(f'#flagged-contributions a[href="/savings/contributions/{flagged.public_id}/"]').click()
    expect(page.locator("#flagged-notice")).to_be_visible()
    audit(page)  # the contribution, with the reversal form
    page.locator("#id_reason").fill("8 % withheld instead of 10 %")
    page.locator("#reverse-form button[type=submit]").click()
    expect(page.locator("#confirm-reversal")).to_be_visible()
    audit(page)  # the confirmation: nothing has changed yet
    assert Contribution.objects.get(pk=flagged.pk).status == Contribution.Status.POSTED
    page.locator("#confirm-reversal").click()
    expect(page.locator("#contribution-status")).to_have_attribute("data-status", "reversed")
    audit(page)
    assert Account.objects.get(pk=account.pk).held == Contribution.objects.get(pk=_as_expected.pk).amount
