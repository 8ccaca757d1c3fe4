"""The staff pages of payouts, statements, unclaimed savings and releases: who sees what (404
outside one's scope), forms that refuse with a message and post once, confirmations before a void
or a release, downloads, and lists that cost the same queries at any length."""

import datetime
import uuid
from decimal import Decimal

import pytest
from django.utils import translation

from contracts.models import Contract, ContractStatus, ExpectedReturn
from savings import payouts
from savings.models import HeldRelease, Payout
from savings.money import Money
from tests.conftest import with_device
from tests.helpers import assert_constant_queries
from tests.savings.payout_fixtures import saved, second_staff
from tests.savings.test_payouts import GOOD_CLABE
from tests.savings.test_unclaimed import home

pytestmark = pytest.mark.django_db
PAYOUTS = "/savings/payouts/"
UNCLAIMED = "/savings/unclaimed/"


@pytest.fixture
def sign_in(sign_in):
    def make(user):
        client = sign_in(user)
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        return client

    return make


@pytest.fixture(autouse=True)
def in_english():
    with translation.override("en"):
        yield


@pytest.fixture
def account(program, employer_a, worksite_a):
    return saved(program, employer_a, worksite_a, available="2000.00")


def new_url(account):
    return f"/savings/accounts/{account.public_id}/payouts/new/"


def reserve(account, staff, amount="30.00", **fields):
    return payouts.request_payout(worker=account.worker, amount=Money(Decimal(amount), "CAD"), by=staff,
                                  **{"method": Payout.Method.CASH, **fields})


def test_the_home_office_requests_a_payout_once(sign_in, staff_tlaxcala, account):
    client = sign_in(staff_tlaxcala)
    page = client.get(f"/savings/accounts/{account.public_id}/")
    assert b'id="request-payout"' in page.content and b'id="statement-link"' in page.content
    assert client.get(new_url(account)).status_code == 200
    form = {"amount": "125.50", "method": "bank", "clabe": GOOD_CLABE, "idempotency_key": str(uuid.uuid4())}
    first = client.post(new_url(account), form)
    again = client.post(new_url(account), form)
    payout = Payout.objects.get()
    assert first.url == again.url == f"/savings/payouts/{payout.public_id}/"
    assert (payout.amount, payout.clabe, payout.status) == (Decimal("125.50"), GOOD_CLABE, "reserved")


@pytest.mark.parametrize(("form", "field", "message"), [
    ({"amount": "9000.00", "method": "cash"}, "amount", "Only 2000.00 CAD is available."),
    ({"amount": "10.001", "method": "cash"}, "amount", "at most 2 decimals"),
    ({"amount": "10.00", "method": "bank", "clabe": "032180000118359718"}, "clabe", "check digit"),
    ({"amount": "", "method": "cash"}, "amount", "This field is required."),
])
def test_a_refused_request_says_why_and_reserves_nothing(sign_in, staff_tlaxcala, account, form, field, message):
    response = sign_in(staff_tlaxcala).post(new_url(account), {**form, "idempotency_key": str(uuid.uuid4())})
    assert response.status_code == 400
    assert any(message in str(error) for error in response.context["form"].errors.get(field, [])), \
        response.context["form"].errors
    assert not Payout.objects.exists()


def test_other_offices_see_no_button_and_employers_get_404(sign_in, staff_ontario, staff_quebec, employer_a_user,
                                                          account):
    page = sign_in(staff_ontario).get(new_url(account))
    assert page.status_code == 200 and b"Only staff of the worker's home state office" in page.content
    assert sign_in(staff_quebec).get(new_url(account)).status_code == 404
    assert sign_in(employer_a_user).get(new_url(account)).status_code == 404
    assert sign_in(employer_a_user).get(PAYOUTS).status_code == 404


def test_approve_pay_and_print_the_receipt(sign_in, staff_tlaxcala, office_tlaxcala, account):
    payout = reserve(account, staff_tlaxcala, "1500.00")
    url = f"/savings/payouts/{payout.public_id}/"
    requester = sign_in(staff_tlaxcala)
    assert b'id="approve-form"' not in requester.get(url).content  # never the requester
    refused = requester.post(url + "pay/", {"identity_document": "INE 7", "idempotency_key": str(uuid.uuid4())})
    assert refused.status_code == 400 and b"must approve" in refused.content
    colleague = sign_in(with_device(second_staff(office_tlaxcala)))
    assert colleague.post(url + "approve/", {"idempotency_key": str(uuid.uuid4())}).status_code == 302
    assert requester.post(url + "pay/", {"identity_document": "INE 7",
                                         "idempotency_key": str(uuid.uuid4())}).status_code == 302
    payout.refresh_from_db()
    assert payout.status == "paid" and payout.identity_document == "INE 7"
    receipt = requester.get(f"/savings/payouts/{payout.public_id}/receipt.pdf")
    assert receipt["Content-Type"] == "application/pdf" and b"INE 7" in receipt.content


def test_voiding_asks_first(sign_in, staff_tlaxcala, account):
    payout = reserve(account, staff_tlaxcala)
    url = f"/savings/payouts/{payout.public_id}/void/"
    client = sign_in(staff_tlaxcala)
    form = {"reason": "Wrong amount", "idempotency_key": str(uuid.uuid4())}
    confirm = client.post(url, form)
    assert confirm.status_code == 200 and b'id="confirm-void"' in confirm.content
    payout.refresh_from_db()
    assert payout.status == "reserved"
    assert client.post(url, {**form, "confirm": "1"}).status_code == 302
    payout.refresh_from_db()
    assert payout.status == "voided"
    account.refresh_from_db()
    assert account.available == Decimal("2000.00")


def test_a_forged_action_of_another_office_changes_nothing(sign_in, staff_tlaxcala, staff_ontario, staff_quebec,
                                                           account):
    payout = reserve(account, staff_tlaxcala)
    url = f"/savings/payouts/{payout.public_id}/pay/"
    form = {"identity_document": "INE", "idempotency_key": str(uuid.uuid4())}
    assert sign_in(staff_quebec).post(url, form).status_code == 404
    assert sign_in(staff_ontario).post(url, form).status_code == 302  # sees it, may not: a message
    payout.refresh_from_db()
    assert payout.status == "reserved"
    assert sign_in(staff_tlaxcala).post(f"/savings/payouts/{payout.public_id}/nonsense/", form).status_code == 404


def test_the_payouts_list_filters_and_costs_the_same_at_any_length(sign_in, staff_tlaxcala, account,
                                                                  program, employer_a, worksite_a):
    for _ in range(11):
        reserve(account, staff_tlaxcala, "1.00")
    client = sign_in(staff_tlaxcala)
    client.get(PAYOUTS)  # the first request of a session writes it once
    queries = assert_constant_queries(client, PAYOUTS, sizes=(3, 10), rows=lambda page: page.context["payouts"])
    # session, user, device (second factor), office; the count; the page of payouts with their people.
    assert queries == 6
    assert list(client.get(PAYOUTS, {"status": "paid"}).context["payouts"]) == []
    assert b"No payouts match." in client.get(PAYOUTS, {"follow_up": "1"}).content


def test_the_statement_page_and_its_files(sign_in, staff_tlaxcala, account):
    reserve(account, staff_tlaxcala)
    client = sign_in(staff_tlaxcala)
    url = f"/savings/accounts/{account.public_id}/statement/"
    page = client.get(url)
    assert page.status_code == 200
    account.refresh_from_db()
    assert page.context["statement"].closing.total == account.available + account.held == Decimal("1970.00")
    assert [line.amount for line in page.context["statement"].lines] == [Decimal("2000.00"), Decimal("-30.00")]
    assert client.get(url, {"file": "csv"})["Content-Type"].startswith("text/csv")
    assert client.get(url, {"file": "pdf"}).content.startswith(b"%PDF")
    assert client.get(url, {"date_from": "2027-02-01", "date_to": "2027-01-01"}).status_code == 400


def test_the_unclaimed_report(sign_in, staff_tlaxcala, staff_edomex, program, employer_a, worksite_a):
    account, _seen = home(program, employer_a, worksite_a, staff_tlaxcala)
    long_ago = program.today() - datetime.timedelta(days=100)
    Contract.objects.filter(worker=account.worker).update(start_date=long_ago - datetime.timedelta(days=70))
    ExpectedReturn.objects.filter(contract__worker=account.worker).update(seen_home_on=long_ago)
    client = sign_in(staff_tlaxcala)
    page = client.get(UNCLAIMED)
    assert [row.pk for row in page.context["accounts"]] == [account.pk]
    assert page.context["accounts"][0].days_since_return == 100
    assert list(client.get(UNCLAIMED, {"state": "OAX"}).context["accounts"]) == []
    assert list(client.get(UNCLAIMED, {"min_days": "101"}).context["accounts"]) == []
    csv_file = client.get(UNCLAIMED, {"file": "csv"})
    assert account.worker.curp.encode() in csv_file.content and b"250.00" in csv_file.content
    assert list(sign_in(staff_edomex).get(UNCLAIMED).context["accounts"]) == []


def test_an_administrator_releases_absconded_money_after_confirming(sign_in, administrator, staff_tlaxcala,
                                                                   program, employer_a, worksite_a):
    account = saved(program, employer_a, worksite_a, status=ContractStatus.ABSCONDED, held=True)
    contract = Contract.objects.get(worker=account.worker)
    url = f"/savings/contracts/{contract.public_id}/release/"
    assert sign_in(staff_tlaxcala).get(url).status_code == 404
    client = sign_in(administrator)
    assert b"release-link" in client.get(f"/savings/accounts/{account.public_id}/").content
    form = {"reason": "other", "explanation": "Court order", "idempotency_key": str(uuid.uuid4())}
    confirm = client.post(url, form)
    assert confirm.status_code == 200 and b'id="confirm-release"' in confirm.content
    assert not HeldRelease.objects.exists()
    assert client.post(url, {**form, "confirm": "1"}).url == f"/savings/accounts/{account.public_id}/"
    account.refresh_from_db()
    assert (account.available, account.held) == (Decimal("100.00"), Decimal("0"))
    again = client.post(url, {**form, "idempotency_key": str(uuid.uuid4()), "confirm": "1"})
    assert again.status_code == 400 and HeldRelease.objects.count() == 1


def form_of(**fields):
    return {**fields, "idempotency_key": str(uuid.uuid4())}


def test_a_bank_payout_through_the_pages_fails_and_is_followed_up(sign_in, staff_tlaxcala, account):
    payout = reserve(account, staff_tlaxcala, "40.00", method=Payout.Method.BANK, clabe=GOOD_CLABE)
    url = f"/savings/payouts/{payout.public_id}/"
    client = sign_in(staff_tlaxcala)
    page = client.get(url)
    assert b'id="id_bank_reference"' in page.content and b'id="id_identity_document"' not in page.content
    assert b'id="receipt-link"' not in page.content
    assert client.post(url + "pay/", form_of(bank_reference="SPEI 42")).status_code == 302
    page = client.get(url)
    assert b'id="fail-form"' in page.content and b'id="conversion-form"' in page.content
    assert client.get(url + "receipt.pdf").status_code == 404  # a bank transfer has no cash receipt
    refused = client.post(url + "conversion/", form_of(received_amount="0", exchange_rate="13.2"))
    assert refused.status_code == 400 and "received_amount" in refused.context["conversion_form"].errors
    assert client.post(url + "conversion/", form_of(received_amount="528.80", exchange_rate="13.22")).status_code \
        == 302
    assert client.post(url + "fail/", form_of(reason="")).status_code == 400
    assert client.post(url + "fail/", form_of(reason="Account closed")).status_code == 302
    payout.refresh_from_db()
    assert (payout.status, payout.received_amount, payout.bank_reference) == ("failed", Decimal("528.80"), "SPEI 42")
    account.refresh_from_db()
    assert account.available == Decimal("2000.00")
    listed = client.get(PAYOUTS, {"follow_up": "1"})
    assert [row.pk for row in listed.context["payouts"]] == [payout.pk]
    assert b'id="follow-up-form"' in client.get(url).content
    assert client.post(url + "follow-up/", form_of()).status_code == 302
    assert list(client.get(PAYOUTS, {"follow_up": "1"}).context["payouts"]) == []
    assert [row.pk for row in client.get(PAYOUTS, {"status": "failed"}).context["payouts"]] == [payout.pk]


def test_changing_the_destination_on_the_page_withdraws_the_approval(sign_in, staff_tlaxcala, office_tlaxcala,
                                                                     account):
    payout = reserve(account, staff_tlaxcala, "1500.00")
    payouts.approve_payout(payout, by=second_staff(office_tlaxcala))
    url = f"/savings/payouts/{payout.public_id}/"
    client = sign_in(staff_tlaxcala)
    assert b"The approval given will be withdrawn" in client.get(url).content
    refused = client.post(url + "destination/", form_of(method="bank", clabe="032180000118359718"))
    assert refused.status_code == 400 and "check digit" in str(refused.context["destination_form"].errors["clabe"])
    assert client.post(url + "destination/", form_of(method="bank", clabe=GOOD_CLABE)).status_code == 302
    payout.refresh_from_db()
    assert (payout.method, payout.clabe, payout.approved_by) == ("bank", GOOD_CLABE, None)
    assert b"a second person must approve it" in client.get(url).content


def test_a_void_without_a_reason_asks_for_one(sign_in, staff_tlaxcala, account):
    payout = reserve(account, staff_tlaxcala)
    response = sign_in(staff_tlaxcala).post(f"/savings/payouts/{payout.public_id}/void/", form_of(reason=""))
    assert response.status_code == 400 and "reason" in response.context["void_form"].errors
    payout.refresh_from_db()
    assert payout.status == "reserved"


def test_who_sees_a_payouts_page_and_its_buttons(sign_in, staff_tlaxcala, staff_ontario, staff_quebec,
                                                 employer_a_user, administrator, account):
    payout = reserve(account, staff_tlaxcala, "1500.00")
    url = f"/savings/payouts/{payout.public_id}/"
    assert sign_in(staff_quebec).get(url).status_code == 404
    assert sign_in(employer_a_user).get(url).status_code == 404
    assert sign_in(staff_quebec).get(f"/savings/payouts/{uuid.uuid4()}/").status_code == 404
    # Ontario (where the worker worked) reads it, with no button; the administrator approves and pays.
    ontario = sign_in(staff_ontario).get(url)
    assert ontario.status_code == 200
    assert not any(f'id="{form}"'.encode() in ontario.content for form in ("approve-form", "pay-form", "void-form",
                                                                          "destination-form"))
    admin = sign_in(administrator).get(url)
    assert all(f'id="{form}"'.encode() in admin.content for form in ("approve-form", "pay-form", "void-form",
                                                                     "destination-form"))


def test_the_list_filters_by_method_and_worker_from_the_account_page(sign_in, staff_tlaxcala, account, program,
                                                                     employer_a, worksite_a):
    cash = reserve(account, staff_tlaxcala, "5.00")
    bank = reserve(account, staff_tlaxcala, "6.00", method=Payout.Method.BANK, clabe=GOOD_CLABE)
    other = saved(program, employer_a, worksite_a)
    theirs = reserve(other, staff_tlaxcala, "7.00")
    client = sign_in(staff_tlaxcala)
    account_page = client.get(f"/savings/accounts/{account.public_id}/")
    link = f'href="/savings/payouts/?worker={account.worker.public_id}"'.encode()
    assert b'id="payouts-link"' in account_page.content and link in account_page.content

    def shown(**params):
        return [row.pk for row in client.get(PAYOUTS, params).context["payouts"]]

    assert shown() == [theirs.pk, bank.pk, cash.pk]
    assert shown(method="bank") == [bank.pk]
    assert shown(worker=str(account.worker.public_id)) == [bank.pk, cash.pk]
    assert shown(worker=str(other.worker.public_id), method="cash") == [theirs.pk]
    assert shown(worker="nonsense") == shown(method="nonsense") == shown(status="nonsense") == shown()
    page = client.get(PAYOUTS, {"worker": str(account.worker.public_id), "page_size": 1})
    assert b'id="worker-filter"' in page.content and b'id="clear-filters"' in page.content
    assert f"worker={account.worker.public_id}".encode() in page.content  # the pager keeps the filter
    queries = assert_constant_queries(client, PAYOUTS, sizes=(1, 2), params={"worker": str(account.worker.public_id)},
                                      rows=lambda response: response.context["payouts"])
    assert queries == 6
