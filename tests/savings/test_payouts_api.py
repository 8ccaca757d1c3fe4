"""Payouts, statements, unclaimed savings and releases over REST: role × endpoint for every
persona (another office's payout or an employer's look is a 404), four eyes and idempotency
through the API, lists that cost the same queries at any length."""

import dataclasses
import datetime
import uuid
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from contracts.models import Contract, ContractStatus
from savings import payouts
from savings.models import Account, Entry, HeldRelease, LedgerTransaction, Payout
from savings.money import Money
from tests.contracts.test_allocation_api import filled
from tests.helpers import assert_constant_queries, check_cell, matrix
from tests.savings.payout_fixtures import saved, second_staff
from tests.savings.test_payouts import GOOD_CLABE

pytestmark = pytest.mark.django_db

PAYOUTS = "/api/v1/savings/payouts/"
PAYOUT = PAYOUTS + "{payout}/"
BIG = PAYOUTS + "{big}/"
PAID_CASH = PAYOUTS + "{paid_cash}/"
PAID_BANK = PAYOUTS + "{paid_bank}/"
STATEMENT = "/api/v1/savings/accounts/{account}/statement/"
UNCLAIMED = "/api/v1/savings/unclaimed/"
RELEASES = "/api/v1/savings/releases/"
KEY = "Idempotency-Key"


def key() -> dict[str, str]:
    return {KEY: str(uuid.uuid4())}


def client_of(user):
    client = APIClient()
    client.force_authenticate(user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def cad(text):
    return Money(Decimal(text), "CAD")


@pytest.fixture
def world(personas, program, employer_a, worksite_a, staff_tlaxcala):
    """A Tlaxcala worker (placed in Ontario) home with 5,000.00 CAD available: a reserved cash
    payout of 30, a reserved bank payout of 1,500 (above the threshold: needs approval), a paid
    cash one and a paid bank one; and an absconded contract of another worker with money held."""
    account = saved(program, employer_a, worksite_a, available="5000.00")
    worker = account.worker

    def reserve(amount, method=Payout.Method.CASH, **fields):
        clabe = GOOD_CLABE if method == Payout.Method.BANK else ""
        return payouts.request_payout(worker=worker, amount=cad(amount), method=method, clabe=clabe,
                                      by=staff_tlaxcala, **fields)

    paid_cash = payouts.pay_payout(reserve("10.00"), by=staff_tlaxcala, identity_document="INE 1")
    paid_bank = payouts.pay_payout(reserve("20.00", Payout.Method.BANK), by=staff_tlaxcala)
    absconded = saved(program, employer_a, worksite_a, status=ContractStatus.ABSCONDED, held=True)
    return {"account": account.public_id, "worker": worker.public_id, "payout": reserve("30.00").public_id,
            "big": reserve("1500.00", Payout.Method.BANK).public_id, "paid_cash": paid_cash.public_id,
            "paid_bank": paid_bank.public_id,
            "absconded": Contract.objects.get(worker=absconded.worker).public_id}


def state():
    return (list(Payout.objects.order_by("id").values()), Entry.objects.count(), LedgerTransaction.objects.count(),
            list(Account.objects.order_by("id").values("id", "available", "held")),
            HeldRelease.objects.count())


EVERYONE_READS = {"anonymous": 401, "administrator": 200, "staff_ontario": 200, "staff_quebec": 200,
                  "staff_tlaxcala": 200, "employer_a": 200, "employer_b": 200}
# The worker is from Tlaxcala and works in Ontario: Quebec's staff and the employers see nothing.
SEES = {"anonymous": 401, "administrator": 200, "staff_ontario": 200, "staff_tlaxcala": 200, "staff_quebec": 404,
        "employer_a": 404, "employer_b": 404}
# Acting on a payout: the home state office (Tlaxcala) or an administrator.
HANDLES = {**SEES, "staff_ontario": 403, "employer_a": 403, "employer_b": 403}
NEW_PAYOUT = {"worker": "{worker}", "amount": "25.00", "currency": "CAD", "method": "cash"}


@pytest.mark.parametrize("cell", matrix(
    ("GET", PAYOUTS, EVERYONE_READS),
    ("GET", PAYOUT, SEES),
    ("POST", PAYOUTS, {"anonymous": 401, "administrator": 403, "staff_ontario": 403, "staff_quebec": 400,
                       "staff_tlaxcala": 201, "employer_a": 403, "employer_b": 403}, NEW_PAYOUT),
    ("POST", PAYOUTS, {"staff_tlaxcala": 400}, {**NEW_PAYOUT, "amount": "9999.00"}),
    ("POST", PAYOUTS, {"staff_tlaxcala": 400}, {**NEW_PAYOUT, "amount": "1.005"}),
    ("POST", PAYOUTS, {"staff_tlaxcala": 400}, {**NEW_PAYOUT, "method": "bank", "clabe": "032180000118359718"}),
    ("POST", BIG + "approve/", {**HANDLES, "staff_tlaxcala": 403}, {}),
    ("POST", PAYOUT + "approve/", {"administrator": 400}, {}),
    ("POST", PAYOUT + "pay/", HANDLES, {"identity_document": "INE 123"}),
    ("POST", PAYOUT + "pay/", {"staff_tlaxcala": 400}, {}),
    ("POST", BIG + "pay/", {"staff_tlaxcala": 400}, {}),
    ("POST", PAYOUT + "void/", HANDLES, {"reason": "Asked for a transfer"}),
    ("POST", PAYOUT + "destination/", HANDLES, {"method": "bank", "clabe": GOOD_CLABE}),
    ("POST", PAID_BANK + "fail/", HANDLES, {"reason": "Account closed"}),
    ("POST", PAID_BANK + "conversion/", HANDLES, {"received_amount": "264.40", "exchange_rate": "13.22"}),
    ("POST", PAYOUT + "follow-up/", {"staff_tlaxcala": 409}, {}),
    ("POST", PAID_CASH + "void/", {"staff_tlaxcala": 409}, {"reason": "x"}),
    ("GET", PAID_CASH + "receipt/", SEES),
    ("GET", PAYOUT + "receipt/", {"staff_tlaxcala": 409}),
    ("PATCH", PAYOUT, {"anonymous": 401, "administrator": 405, "staff_tlaxcala": 405}, {"amount": "1.00"}),
    ("DELETE", PAYOUT, {"anonymous": 401, "administrator": 405, "staff_tlaxcala": 405}),
    ("GET", STATEMENT, SEES),
    ("GET", UNCLAIMED, EVERYONE_READS),
    ("GET", RELEASES, EVERYONE_READS),
    ("POST", RELEASES, {"anonymous": 401, "administrator": 201, "staff_tlaxcala": 403, "staff_ontario": 403,
                        "employer_a": 403}, {"contract": "{absconded}", "reason": "other", "explanation": "Court"}),
))
def test_who_may_do_what(cell, personas, world):
    check_cell(dataclasses.replace(cell, data=filled(cell.data, world)), personas=personas, objects=world,
               state=state, headers=key())


def test_a_request_reserves_and_answers_the_payout(personas, world):
    response = client_of(personas["staff_tlaxcala"]).post(
        PAYOUTS, {**filled(NEW_PAYOUT, world), "method": "bank", "clabe": "0321 8000 0118 3597 19"}, format="json",
        headers=key())
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["amount"], body["currency"], body["status"], body["clabe"]) == ("25.00", "CAD", "reserved",
                                                                                  GOOD_CLABE)
    assert body["requested_by"] == "staff.tlaxcala" and body["needs_approval"] is False


def test_the_same_key_reserves_once_and_answers_alike(personas, world):
    client, headers = client_of(personas["staff_tlaxcala"]), key()
    first = client.post(PAYOUTS, filled(NEW_PAYOUT, world), format="json", headers=headers)
    again = client.post(PAYOUTS, filled(NEW_PAYOUT, world), format="json", headers=headers)
    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert Payout.objects.filter(amount=Decimal("25.00")).count() == 1
    other = client.post(PAYOUTS, {**filled(NEW_PAYOUT, world), "amount": "26.00"}, format="json", headers=headers)
    assert other.status_code == 422


def test_four_eyes_through_the_api(personas, world, office_tlaxcala):
    requester = client_of(personas["staff_tlaxcala"])
    big = BIG.format(**world)
    assert requester.post(big + "approve/", {}, format="json", headers=key()).status_code == 403
    assert requester.post(big + "pay/", {}, format="json", headers=key()).json() == {
        "detail": "A second person must approve this payout before it is paid."}
    colleague = client_of(second_staff(office_tlaxcala))
    approved = colleague.post(big + "approve/", {}, format="json", headers=key()).json()
    assert approved["approved_by"] == "staff.tlaxcala.2"
    moved = requester.post(big + "destination/", {"method": "bank", "clabe": "002010077777777771"}, format="json",
                           headers=key()).json()
    assert moved["approved_by"] is None and moved["clabe"] == "002010077777777771"
    assert requester.post(big + "pay/", {}, format="json", headers=key()).status_code == 400
    colleague.post(big + "approve/", {}, format="json", headers=key())
    assert requester.post(big + "pay/", {"bank_reference": "SPEI-7"}, format="json",
                          headers=key()).json()["status"] == "paid"


def test_a_missing_key_is_refused(personas, world):
    response = client_of(personas["staff_tlaxcala"]).post(PAYOUTS, filled(NEW_PAYOUT, world), format="json")
    assert response.status_code == 400 and KEY in response.json()


def test_failed_bank_payouts_are_listed_for_follow_up(personas, world):
    client = client_of(personas["staff_tlaxcala"])
    client.post(PAID_BANK.format(**world) + "fail/", {"reason": "Account closed"}, format="json", headers=key())
    rows = client.get(PAYOUTS, {"status": "failed"}).json()["results"]
    assert [row["id"] for row in rows] == [str(world["paid_bank"])] and rows[0]["reason"] == "Account closed"


def test_the_receipt_is_a_pdf(personas, world):
    response = client_of(personas["staff_tlaxcala"]).get(PAID_CASH.format(**world) + "receipt/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF") and b"INE 1" in response.content


def test_the_statement_as_json_csv_and_pdf(personas, world):
    client = client_of(personas["staff_tlaxcala"])
    url = STATEMENT.format(**world)
    body = client.get(url).json()
    account = Account.objects.get(public_id=world["account"])
    assert body["closing_balance"] == Money(account.available + account.held, "CAD").text
    assert body["opening_balance"] == "0.00" and len(body["postings"]) == 5  # the deposit and four payouts
    csv_answer = client.get(url, {"file": "csv"})
    assert csv_answer["Content-Type"].startswith("text/csv")
    last_row = csv_answer.content.decode("utf-8-sig").splitlines()[-1].split(",")
    assert last_row[1:] == ["Saldo final", "", "", "", body["closing_balance"], "CAD"]  # the worker speaks Spanish
    assert client.get(url, {"file": "pdf"}).content.startswith(b"%PDF")
    assert client.get(url, {"from": "2027-01-02", "to": "2027-01-01"}).status_code == 400


def test_the_unclaimed_report_over_rest(personas, program, employer_a, worksite_a, staff_tlaxcala):
    from tests.savings.test_unclaimed import home

    account, seen = home(program, employer_a, worksite_a, staff_tlaxcala)
    as_of = (seen + datetime.timedelta(days=95)).isoformat()
    rows = client_of(personas["staff_tlaxcala"]).get(UNCLAIMED, {"as_of": as_of}).json()["results"]
    assert [(row["account"], row["available"], row["days_since_return"]) for row in rows] == [
        (str(account.public_id), "250.00", 95)]
    assert client_of(personas["employer_a"]).get(UNCLAIMED, {"as_of": as_of}).json()["results"] == []
    assert client_of(personas["staff_tlaxcala"]).get(UNCLAIMED, {"as_of": "yesterday"}).status_code == 400


def test_lists_cost_the_same_queries_at_any_length(personas, world, program, employer_a, worksite_a,
                                                   staff_tlaxcala):
    client = client_of(personas["administrator"])
    for _ in range(8):
        account = saved(program, employer_a, worksite_a)
        payouts.request_payout(worker=account.worker, amount=cad("5.00"), method=Payout.Method.CASH,
                               by=staff_tlaxcala)
    assert_constant_queries(client, PAYOUTS)


# --- Filters, integration clients, the receipt's contents ----------------------------------------
def test_the_list_filters_by_worker_method_and_follow_up(personas, world, program, employer_a, worksite_a,
                                                         staff_tlaxcala):
    other = saved(program, employer_a, worksite_a)
    theirs = payouts.request_payout(worker=other.worker, amount=cad("5.00"), method=Payout.Method.CASH,
                                    by=staff_tlaxcala)
    client = client_of(personas["staff_tlaxcala"])

    def ids(**params):
        response = client.get(PAYOUTS, params)
        assert response.status_code == 200, response.json()
        return {row["id"] for row in response.json()["results"]}

    assert ids(worker=str(other.worker.public_id)) == {str(theirs.public_id)}
    assert ids(worker=str(world["worker"])) == {str(world[name]) for name in ("payout", "big", "paid_cash",
                                                                             "paid_bank")}
    assert ids(method="bank") == {str(world["big"]), str(world["paid_bank"])}
    assert ids(worker=str(uuid.uuid4())) == set()
    assert ids(follow_up="true") == set()
    client.post(PAID_BANK.format(**world) + "fail/", {"reason": "Account closed"}, format="json", headers=key())
    assert ids(follow_up="true") == ids(status="failed") == {str(world["paid_bank"])}
    client.post(PAID_BANK.format(**world) + "follow-up/", {}, format="json", headers=key())
    assert ids(follow_up="true") == set() and ids(status="failed") == {str(world["paid_bank"])}
    assert str(world["paid_bank"]) in ids(follow_up="false")
    assert client.get(PAYOUTS, {"method": "cheque"}).status_code == 400
    assert client.get(PAYOUTS, {"worker": "not-a-uuid"}).status_code == 400
    # Another office's staff filtering by the worker still find nothing.
    assert client_of(personas["staff_quebec"]).get(PAYOUTS, {"worker": str(world["worker"])}).json()["results"] == []


@pytest.fixture
def integration_clients(administrator, employer_a, office_tlaxcala):
    """Tokens of Tlaxcala's office system and of employer A's payroll system."""
    from employers.services import service_account_create
    from tests.savings.test_api import token_client
    from twp.models import ServiceScope

    office = service_account_create(username="sne.tlaxcala", scope=ServiceScope.OFFICE, office=office_tlaxcala,
                                    by=administrator)
    payroll = service_account_create(username="payroll.a", scope=ServiceScope.EMPLOYER, employer=employer_a,
                                     by=administrator)
    return {"office": token_client(office, administrator)[0], "employer": token_client(payroll, administrator)[0]}


def test_integration_clients_read_as_their_scope_and_never_change_a_payout(integration_clients, world):
    office, employer = integration_clients["office"], integration_clients["employer"]
    before = state()
    # An office's system reads what its office sees; an employer's sees no savings at all.
    assert {row["id"] for row in office.get(PAYOUTS).json()["results"]} >= {str(world["payout"])}
    assert office.get(PAYOUT.format(**world)).status_code == 200
    assert office.get(PAID_CASH.format(**world) + "receipt/").status_code == 200
    assert employer.get(PAYOUTS).json()["results"] == []
    assert employer.get(PAYOUT.format(**world)).status_code == 404
    assert employer.get(PAID_CASH.format(**world) + "receipt/").status_code == 404
    # Neither requests, pays or voids: the people of the office do.
    for client in (office, employer):
        assert client.post(PAYOUTS, filled(NEW_PAYOUT, world), format="json", headers=key()).status_code == 403
        for action, body in (("pay/", {"identity_document": "INE"}), ("void/", {"reason": "x"}), ("approve/", {})):
            assert client.post(PAYOUT.format(**world) + action, body, format="json",
                               headers=key()).status_code == 403
    assert state() == before


@pytest.mark.parametrize(("body", "field"), [
    ({"amount": "0.00"}, "amount"),
    ({"amount": "-5.00"}, "amount"),
    ({"amount": "abc"}, "amount"),
    ({"currency": "MXN"}, "amount"),  # no MXN account: nothing available in it
    ({"method": "cheque"}, "method"),
    ({"method": "bank", "clabe": ""}, "clabe"),
    ({"to_beneficiary": True}, "to_beneficiary"),
])
def test_a_refused_request_names_its_field_and_reserves_nothing(personas, world, body, field):
    from workers.models import Worker

    Worker.objects.filter(public_id=world["worker"]).update(beneficiary_name="")
    before = state()
    response = client_of(personas["staff_tlaxcala"]).post(PAYOUTS, {**filled(NEW_PAYOUT, world), **body},
                                                          format="json", headers=key())
    assert response.status_code == 400, response.json()
    answer = response.json()
    assert field in answer or answer.get("field") == field, answer
    assert state() == before


def test_refusals_of_the_actions(personas, world):
    client = client_of(personas["staff_tlaxcala"])
    before = state()
    cash_conversion = client.post(PAID_CASH.format(**world) + "conversion/",
                                  {"received_amount": "100.00", "exchange_rate": "13.2"}, format="json", headers=key())
    assert cash_conversion.json() == {"detail": "Only a bank payout has a conversion."}
    assert client.post(PAID_CASH.format(**world) + "fail/", {"reason": "x"}, format="json",
                       headers=key()).status_code == 400  # cash does not fail at a bank
    assert client.post(PAYOUT.format(**world) + "void/", {"reason": ""}, format="json",
                       headers=key()).status_code == 400
    assert client.post(PAYOUT.format(**world) + "destination/", {"method": "bank", "clabe": "123"}, format="json",
                       headers=key()).status_code == 400
    assert client.post(PAYOUT.format(**world) + "conversion/", {"received_amount": "1", "exchange_rate": "1"},
                       format="json", headers=key()).status_code == 409  # not paid yet
    assert client.post(PAID_BANK.format(**world) + "pay/", {}, format="json", headers=key()).status_code == 409
    assert client.post(PAYOUT.format(**world) + "pay/", {"identity_document": "INE"}, format="json").status_code \
        == 400  # no Idempotency-Key
    assert state() == before


def test_an_action_replayed_with_its_key_acts_once(personas, world):
    client, headers = client_of(personas["staff_tlaxcala"]), key()
    url = PAYOUT.format(**world) + "pay/"
    first = client.post(url, {"identity_document": "INE 9"}, format="json", headers=headers)
    again = client.post(url, {"identity_document": "INE 9"}, format="json", headers=headers)
    assert first.status_code == again.status_code == 200 and first.json() == again.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert LedgerTransaction.objects.filter(kind=LedgerTransaction.Kind.PAYOUT_POST).count() == 3  # 2 in world


def test_the_receipt_in_the_workers_language_with_everything_to_sign(personas, world, office_tlaxcala):
    payout = Payout.objects.select_related("worker").get(public_id=world["paid_cash"])
    assert payout.worker.preferred_language == "es"
    response = client_of(personas["staff_tlaxcala"]).get(PAID_CASH.format(**world) + "receipt/")
    assert response["Content-Disposition"] == f'attachment; filename="receipt-{payout.receipt_number}.pdf"'
    text = response.content
    for shown in ("Recibo de pago de ahorros", payout.receipt_number, payout.worker.curp, "10.00 CAD", "INE 1",
                  "Oficina: " + office_tlaxcala.name, "Firma de quien recibe el pago",
                  timezone.localtime(payout.paid_at).strftime("%Y-%m-%d %H:%M")):
        assert shown.encode("latin-1") in text, shown
