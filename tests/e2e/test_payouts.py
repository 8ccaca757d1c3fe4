"""Payouts, statements, unclaimed savings and releases in the browser. The home state office
requests a cash payout from a worker's account, pays it with the identity document checked and
prints the receipt; voids another after the confirmation; reads the statement and downloads it;
reads the unclaimed savings and downloads the list. An administrator releases an absconded
contract's held money after the confirmation. A payout above the threshold waits for a second
person of the office, who approves it from the worker's payouts and pays it. Every page is
checked for accessibility.

The browser runs in Spanish: the checks go by ids and data attributes, not by the words."""

import datetime
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from contracts.models import Contract, ContractStatus, ExpectedReturn
from savings.models import Account, HeldRelease, Payout
from tests.e2e.browser import audit
from tests.e2e.test_sign_in import sign_in
from tests.savings.payout_fixtures import saved
from tests.savings.test_unclaimed import home

pytestmark = pytest.mark.e2e


def test_the_state_office_pays_out_savings_and_reads_the_statement(page, staff_tlaxcala, program, employer_a,
                                                                   worksite_a):
    account = saved(program, employer_a, worksite_a, available="300.00")
    sign_in(page, staff_tlaxcala.username)
    audit(page)  # the staff home
    page.goto(f"/savings/accounts/{account.public_id}/")
    audit(page)  # the account, with the payout and statement links
    page.locator("#request-payout").click()
    audit(page)  # the request form
    page.locator("#id_amount").fill("500.00")
    page.locator("#payout-form button[type=submit]").click()
    expect(page.locator(".form-errors")).to_be_visible()
    audit(page)  # refused: more than is available, nothing reserved
    assert not Payout.objects.exists()
    page.locator("#id_amount").fill("120.00")
    page.locator("#payout-form button[type=submit]").click()
    expect(page.locator("#pay-form")).to_be_visible()
    audit(page)  # the payout, reserved
    payout = Payout.objects.get()
    assert (payout.amount, payout.status) == (Decimal("120.00"), Payout.Status.RESERVED)
    page.locator("#id_identity_document").fill("INE 0123456789")
    page.locator("#pay-form button[type=submit]").click()
    expect(page.locator("#receipt-link")).to_be_visible()
    audit(page)  # paid, with the receipt
    with page.expect_download() as download:
        page.locator("#receipt-link").click()
    assert download.value.path().read_bytes().startswith(b"%PDF")

    page.goto(f"/savings/accounts/{account.public_id}/payouts/new/")
    page.locator("#id_amount").fill("50.00")
    page.locator("#payout-form button[type=submit]").click()
    page.locator("#id_reason").fill("Prefiere transferencia")
    page.locator("#void-form button[type=submit]").click()
    expect(page.locator("#confirm-void")).to_be_visible()
    audit(page)  # the confirmation: nothing has changed yet
    page.locator("#confirm-void").click()
    expect(page.locator("#pay-form")).to_have_count(0)
    audit(page)
    assert Account.objects.get(pk=account.pk).available == Decimal("180.00")

    page.goto("/savings/accounts/")
    audit(page)  # the accounts, with the savings tabs
    page.locator('nav.tabs a[href="/savings/payouts/"]').click()
    expect(page.locator("#payouts tbody tr")).to_have_count(2)
    audit(page)  # the payouts list

    page.goto(f"/savings/accounts/{account.public_id}/")
    page.locator("#statement-link").click()
    # The deposit, both reservations and the void (paying moves nothing on the worker's account).
    expect(page.locator("#statement-lines tbody tr")).to_have_count(4)
    expect(page.locator("#closing-balance")).to_have_text("180.00 CAD")
    audit(page)  # the statement
    with page.expect_download() as download:
        page.locator("#statement-csv").click()
    assert "180.00" in download.value.path().read_text(encoding="utf-8-sig")


def test_staff_read_unclaimed_savings_and_an_administrator_releases_held_money(
        page, staff_tlaxcala, administrator, program, employer_a, worksite_a):
    account, _seen = home(program, employer_a, worksite_a, staff_tlaxcala)
    long_ago = program.today() - datetime.timedelta(days=120)
    Contract.objects.filter(worker=account.worker).update(start_date=long_ago - datetime.timedelta(days=70))
    ExpectedReturn.objects.filter(contract__worker=account.worker).update(seen_home_on=long_ago)
    sign_in(page, staff_tlaxcala.username)
    audit(page)  # the staff home
    page.goto("/savings/unclaimed/")
    expect(page.locator("#unclaimed tbody tr")).to_have_count(1)
    audit(page)  # the unclaimed savings
    page.locator("#id_state").select_option("OAX")
    page.locator("#unclaimed-filters button[type=submit]").click()
    expect(page.locator("#unclaimed")).to_have_count(0)
    audit(page)  # filtered: nobody
    page.goto("/savings/unclaimed/")
    with page.expect_download() as download:
        page.locator("#unclaimed-csv").click()
    assert account.worker.curp in download.value.path().read_text(encoding="utf-8-sig")

    absconded = saved(program, employer_a, worksite_a, status=ContractStatus.ABSCONDED, held=True)
    contract = Contract.objects.get(worker=absconded.worker)
    page.context.clear_cookies()
    sign_in(page, administrator.username)
    audit(page)  # the administrator's home
    page.goto(f"/savings/accounts/{absconded.public_id}/")
    page.locator(".release-link").click()
    audit(page)  # the release form
    page.locator("#id_reason").select_option("other")
    page.locator("#id_explanation").fill("Resolución del juzgado 12/2026")
    page.locator("#release-form button[type=submit]").click()
    expect(page.locator("#confirm-release")).to_be_visible()
    audit(page)  # the confirmation
    assert not HeldRelease.objects.exists()
    page.locator("#confirm-release").click()
    expect(page.locator("#balance-available")).to_have_text("100.00 CAD")
    audit(page)
    assert HeldRelease.objects.get().contract == contract


def test_a_payout_above_the_threshold_is_approved_by_a_second_person_then_paid_in_cash(
        page, staff_tlaxcala, office_tlaxcala, program, employer_a, worksite_a):
    from tests.conftest import with_device
    from tests.savings.payout_fixtures import second_staff

    colleague = with_device(second_staff(office_tlaxcala))
    account = saved(program, employer_a, worksite_a, available="1500.00")
    sign_in(page, staff_tlaxcala.username)
    audit(page)  # the staff home
    page.goto(f"/savings/accounts/{account.public_id}/payouts/new/")
    audit(page)  # the request form
    page.locator("#id_amount").fill("1200.00")  # above the program's threshold of 1,000
    page.locator("#payout-form button[type=submit]").click()
    expect(page.locator("#payout-status")).to_be_visible()
    audit(page)  # reserved, awaiting the second person
    payout = Payout.objects.get()
    assert payout.needs_approval and payout.approved_by is None
    expect(page.locator("#approve-form")).to_have_count(0)  # never the requester
    page.locator("#id_identity_document").fill("INE 0123456789")
    page.locator("#pay-form button[type=submit]").click()
    expect(page.locator(".form-errors")).to_be_visible()
    audit(page)  # refused: not approved yet
    assert Payout.objects.get().status == Payout.Status.RESERVED

    page.context.clear_cookies()
    sign_in(page, colleague.username)
    audit(page)  # the colleague's home
    page.goto(f"/savings/accounts/{account.public_id}/")
    audit(page)  # the account, with its payouts link
    page.locator("#payouts-link").click()
    expect(page.locator("#worker-filter")).to_be_visible()
    expect(page.locator("#payouts tbody tr")).to_have_count(1)
    audit(page)  # the worker's payouts
    page.locator(f'#payouts tr[data-payout="{payout.public_id}"] a').click()
    page.locator("#approve-form button[type=submit]").click()
    expect(page.locator("#approve-form")).to_have_count(0)
    expect(page.locator("#payout-approver")).to_contain_text(colleague.username)
    audit(page)  # approved
    page.locator("#id_identity_document").fill("INE 0123456789")
    page.locator("#pay-form button[type=submit]").click()
    expect(page.locator("#receipt-link")).to_be_visible()
    audit(page)  # paid, with the receipt
    paid = Payout.objects.get()
    assert (paid.status, paid.approved_by, paid.paid_by) == (Payout.Status.PAID, colleague, colleague)
    with page.expect_download() as download:
        page.locator("#receipt-link").click()
    receipt = download.value.path().read_bytes()
    assert receipt.startswith(b"%PDF") and paid.receipt_number.encode() in receipt
    assert Account.objects.get(pk=account.pk).available == Decimal("300.00")
