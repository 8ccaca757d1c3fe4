"""Savings over REST: ``savings/accounts/`` (and their ``entries/``), ``savings/contributions/``
(one line, ``bulk/`` as JSON or CSV, ``reverse/``) and ``contracts/{id}/savings-rate/``.

Role × endpoint for every persona; employers post for their own contracts and never see an
account; a key sent again answers the first answer, another body under it is a 422, another
client's identical key is its own; one live contribution per pay period; a payroll is posted
whole or not at all, with every refused line named; lists cost the same queries at any length."""

import dataclasses
import datetime
import hashlib
import uuid
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from knox.models import AuthToken
from rest_framework.test import APIClient

from contracts.models import Contract, ContractStatus
from employers.services import service_account_create
from savings.contributions import contributions_post
from savings.models import Account, Contribution, Entry, LedgerTransaction, Source
from tests.contracts.test_allocation_api import filled
from tests.factories import WorkerFactory
from tests.helpers import assert_constant_queries, check_cell, matrix
from tests.savings.conftest import contract_of, payroll_line
from twp.models import IdempotencyRecord, ServiceScope
from twp.services import api_token_issue
from workers.models import WorkerStatus

NOT_CSV = ("This is not a CSV file. Save the payroll from your spreadsheet as “CSV” and "
           "upload that.")
pytestmark = pytest.mark.django_db

ACCOUNTS = "/api/v1/savings/accounts/"
ACCOUNT = ACCOUNTS + "{account}/"
ENTRIES = ACCOUNT + "entries/"
CONTRIBUTIONS = "/api/v1/savings/contributions/"
CONTRIBUTION = CONTRIBUTIONS + "{contribution}/"
REVERSE = CONTRIBUTION + "reverse/"
BULK = CONTRIBUTIONS + "bulk/"
RATE = "/api/v1/contracts/{contract}/savings-rate/"
KEY = "Idempotency-Key"
CSV_HEADER = "contract,period_start,period_end,gross_pay,amount,currency\n"
MISSING_KEY = ["Send an Idempotency-Key header (a unique value per request, e.g. a UUID)."]
NOT_YOURS = ["No contract of yours has this id."]
SAME_PERIOD = ["This contract already has a contribution for this pay period."]


@pytest.fixture
def api_as():
    """``api_as(user)``: an API client signed in as that user, asking for English answers."""

    def make(user):
        client = APIClient()
        client.force_authenticate(user)
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        return client

    return make


def key() -> dict[str, str]:
    return {KEY: str(uuid.uuid4())}


def post(client, url, data, *, headers=None, **kwargs):
    return client.post(url, data, format="json", headers=key() if headers is None else headers, **kwargs)


def state():
    """Everything these endpoints could change (the idempotency records aside: a refusal's
    answer is kept, by design)."""
    return (list(Contribution.objects.order_by("id").values()), Entry.objects.count(),
            LedgerTransaction.objects.count(), list(Account.objects.order_by("id").values()),
            list(Contract.objects.order_by("id").values("id", "savings_rate", "version")))


def counts() -> tuple[int, int, int]:
    return Contribution.objects.count(), LedgerTransaction.objects.count(), Entry.objects.count()


@pytest.fixture
def posted(running, employer_a_user) -> Contribution:
    """Employer A's deduction for the first week of its running contract (Tlaxcala worker, Ontario)."""
    (contribution,) = contributions_post(by=employer_a_user, lines=[payroll_line(running)], source=Source.PORTAL)
    return contribution


@pytest.fixture
def account(posted) -> Account:
    return Account.objects.get(kind=Account.Kind.WORKER, worker=posted.contract.worker)


@pytest.fixture
def world(personas, running, posted, account) -> dict:
    return {"contract": running.public_id, "contribution": posted.public_id, "account": account.public_id,
            "week_1": payroll_line(running, week=1), "week_2": payroll_line(running, week=2)}


@pytest.fixture
def payroll_a(administrator, employer_a):
    """Employer A's payroll system: an integration client scoped to employer A."""
    return service_account_create(username="payroll.a", scope=ServiceScope.EMPLOYER, employer=employer_a,
                                  by=administrator)


def token_client(account, administrator) -> tuple[APIClient, AuthToken]:
    instance, token = api_token_issue(user=account, by=administrator, days=30)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}", HTTP_ACCEPT_LANGUAGE="en")
    return client, instance


# --- Role × endpoint -----------------------------------------------------------------------------
EVERYONE_READS = {"anonymous": 401, "administrator": 200, "staff_ontario": 200, "staff_quebec": 200,
                  "staff_tlaxcala": 200, "employer_a": 200, "employer_b": 200}
# The worker is from Tlaxcala and works in Ontario: Quebec's staff and the employers see no account.
SEES_THE_ACCOUNT = {"anonymous": 401, "administrator": 200, "staff_ontario": 200, "staff_tlaxcala": 200,
                    "staff_quebec": 404, "employer_a": 404, "employer_b": 404}
SEES_THE_CONTRIBUTION = {**SEES_THE_ACCOUNT, "employer_a": 200}
POSTS_PAYROLL = {"anonymous": 401, "administrator": 403, "staff_ontario": 403, "staff_quebec": 403,
                 "staff_tlaxcala": 403, "employer_a": 201, "employer_b": 400}  # B: not one of its contracts


@pytest.mark.parametrize("cell", matrix(
    ("GET", ACCOUNTS, EVERYONE_READS),
    ("GET", ACCOUNT, SEES_THE_ACCOUNT),
    ("GET", ENTRIES, SEES_THE_ACCOUNT),
    ("POST", ACCOUNTS, {"anonymous": 401, "administrator": 405, "employer_a": 405}, {}),
    ("DELETE", ACCOUNT, {"anonymous": 401, "administrator": 405, "employer_a": 405}),
    ("GET", CONTRIBUTIONS, EVERYONE_READS),
    ("GET", CONTRIBUTION, SEES_THE_CONTRIBUTION),
    ("POST", CONTRIBUTIONS, POSTS_PAYROLL, "{week_1}"),
    ("POST", CONTRIBUTIONS, {"employer_a": 400}, {"contract": "{contract}"}),
    ("POST", BULK, POSTS_PAYROLL, {"lines": ["{week_1}", "{week_2}"]}),
    ("POST", BULK, {"employer_a": 400, "administrator": 403}, {"lines": []}),
    ("POST", REVERSE, {**SEES_THE_CONTRIBUTION, "employer_a": 200}, {"reason": "Wrong week"}),
    ("POST", REVERSE, {"administrator": 400, "employer_a": 400, "employer_b": 404}, {"reason": ""}),
    ("PATCH", CONTRIBUTION, {"anonymous": 401, "administrator": 405, "employer_a": 405}, {"amount": "1.00"}),
    ("DELETE", CONTRIBUTION, {"anonymous": 401, "administrator": 405, "employer_a": 405}),
    ("POST", RATE, {**SEES_THE_ACCOUNT, "employer_a": 403}, {"savings_rate": "12.50"}),
    ("POST", RATE, {"administrator": 400, "staff_tlaxcala": 400, "employer_a": 403}, {"savings_rate": "30"}),
    ("GET", RATE, {"anonymous": 401, "administrator": 405, "employer_a": 405}),
))
def test_who_may_do_what(cell, personas, world):
    if isinstance(cell.data, str):  # a whole line named in the cell
        data = world[cell.data[1:-1]]
    elif cell.data and "lines" in cell.data:
        data = {"lines": [world[line[1:-1]] for line in cell.data["lines"]]}
    else:
        data = filled(cell.data, world)
    check_cell(dataclasses.replace(cell, data=data), personas=personas, objects=world, state=state, headers=key())


def test_employers_and_staff_outside_the_workers_scope_find_no_account(api_as, personas, world, staff_edomex):
    for persona in ("employer_a", "employer_b", "staff_quebec"):
        client = api_as(personas[persona])
        assert client.get(ACCOUNTS).json()["results"] == [], persona
        assert client.get(ACCOUNT.format(**world)).status_code == 404, persona
        assert client.get(ENTRIES.format(**world)).status_code == 404, persona
    assert api_as(staff_edomex).get(ACCOUNT.format(**world)).status_code == 404


# --- Accounts and their ledger -------------------------------------------------------------------
def test_staff_see_the_workers_account_with_its_balances_as_decimal_strings(api_as, personas, world, running):
    body = api_as(personas["staff_tlaxcala"]).get(ACCOUNT.format(**world)).json()
    body.pop("created_at")
    assert body == {"id": str(world["account"]), "kind": "worker",
                    "worker": {"id": str(running.worker.public_id), "name": running.worker.full_name},
                    "currency": "CAD", "available": "0.00", "held": "100.00", "balance": "100.00"}


def test_administrators_also_see_the_programs_system_accounts_summed(api_as, personas, world):
    rows = api_as(personas["administrator"]).get(ACCOUNTS).json()["results"]
    assert [(row["kind"], row["worker"] is None, row["available"], row["held"], row["balance"]) for row in rows] == [
        ("remittances", True, "-100.00", "0.00", "-100.00"), ("worker", False, "0.00", "100.00", "100.00")]
    assert api_as(personas["staff_tlaxcala"]).get(ACCOUNTS, {"kind": "remittances"}).json()["results"] == []


def test_accounts_filter_by_worker_currency_kind_and_search(api_as, personas, world, running, program, employer_a,
                                                            worksite_a, employer_a_user):
    other = contract_of(program, employer_a, worksite_a, worker=WorkerFactory(
        first_names="Zacarías", status=WorkerStatus.ABROAD, state_of_origin="TLA"))
    contributions_post(by=employer_a_user, lines=[payroll_line(other)], source=Source.PORTAL)
    client = api_as(personas["staff_tlaxcala"])

    def workers(**params):
        return [row["worker"]["id"] for row in client.get(ACCOUNTS, params).json()["results"]]

    worker = str(running.worker.public_id)
    assert workers() == [str(other.worker.public_id), worker]
    assert workers(worker=worker) == [worker]
    assert workers(currency="cad", kind="worker") == [str(other.worker.public_id), worker]
    assert workers(currency="USD") == []
    assert workers(search=running.worker.curp) == [worker]
    assert workers(search="zacarias") == workers(search="Zacar") == [str(other.worker.public_id)]
    assert workers(search="González") == [str(other.worker.public_id), worker]
    assert workers(search="Nadie") == []
    assert client.get(ACCOUNTS, {"kind": "piggy-bank"}).status_code == 400


def test_the_ledger_shows_each_entry_newest_first(api_as, personas, world, running, employer_a_user):
    contributions_post(by=employer_a_user, lines=[payroll_line(running, week=1, amount="80.00")], source=Source.API,
                       reference="token:abcd1234")
    rows = api_as(personas["staff_ontario"]).get(ENTRIES.format(**world)).json()["results"]
    transactions = [str(transaction.public_id) for transaction in LedgerTransaction.objects.order_by("-id")]
    assert [row.pop("transaction") for row in rows] == transactions
    for row in rows:
        assert row.pop("posted_at")
    week_1 = payroll_line(running, week=1)
    week_0 = payroll_line(running)
    assert rows == [
        {"kind": "contribution", "amount": "80.00", "currency": "CAD", "held": True, "contract": str(running.public_id),
         "source": "api", "actor": "employer.a", "reference": "token:abcd1234",
         "memo": f"{week_1['period_start']}/{week_1['period_end']}"},
        {"kind": "contribution", "amount": "100.00", "currency": "CAD", "held": True,
         "contract": str(running.public_id), "source": "portal", "actor": "employer.a", "reference": "",
         "memo": f"{week_0['period_start']}/{week_0['period_end']}"},
    ]


def test_a_reversal_shows_in_the_ledger_as_a_negative_amount(api_as, personas, world):
    assert post(api_as(personas["staff_ontario"]), REVERSE.format(**world), {"reason": "Wrong week"}).status_code == 200
    rows = api_as(personas["administrator"]).get(ENTRIES.format(**world)).json()["results"]
    assert [(row["kind"], row["amount"], row["held"], row["source"], row["actor"], row["memo"]) for row in rows] == [
        ("reversal", "-100.00", True, "staff", "staff.ontario", "Wrong week"),
        ("contribution", "100.00", True, "portal", "employer.a", rows[1]["memo"])]


def test_the_ledger_pages_by_cursor(api_as, personas, running, employer_a_user, account):
    contributions_post(by=employer_a_user, lines=[payroll_line(running, week=week) for week in range(1, 5)],
                       source=Source.PORTAL)
    client = api_as(personas["administrator"])
    url = f"{ACCOUNTS}{account.public_id}/entries/"
    first = client.get(url, {"page_size": 3}).json()
    second = client.get(first["next"]).json()
    assert (len(first["results"]), len(second["results"]), second["next"]) == (3, 2, None)
    shown = [row["transaction"] for row in first["results"] + second["results"]]
    assert shown == [str(transaction.public_id) for transaction in LedgerTransaction.objects.order_by("-id")]
    assert client.get(url, {"cursor": "not-a-cursor"}).status_code == 400


# --- Posting one line ----------------------------------------------------------------------------
def test_an_employer_posts_a_line_credited_to_the_worker_held_against_the_contract(api_as, employer_a_user,
                                                                                   running):
    line = payroll_line(running, amount="80.00")
    response = post(api_as(employer_a_user), CONTRIBUTIONS, line)
    assert response.status_code == 201, response.json()
    body = response.json()
    contribution = Contribution.objects.get()
    assert body == {
        "id": str(contribution.public_id), "contract": str(running.public_id), "employer": "Ontario Orchards Ltd.",
        "period_start": line["period_start"], "period_end": line["period_end"], "gross_pay": "1000.00",
        "amount": "80.00", "currency": "CAD", "savings_rate": "10.00", "expected_amount": "100.00",
        "is_flagged": True, "status": "posted", "transaction": str(contribution.transaction.public_id),
        "reversal": None, "posted_at": body["posted_at"]}
    assert "balance" not in body and "available" not in body and "held" not in body
    account = Account.objects.get(kind=Account.Kind.WORKER, worker=running.worker)
    assert (account.available, account.held) == (Decimal("0"), Decimal("80.00"))
    assert (contribution.transaction.source, contribution.transaction.reference) == (Source.PORTAL, "")


def test_a_token_posts_as_a_rest_client_named_by_the_tokens_first_characters(payroll_a, administrator, running):
    client, token = token_client(payroll_a, administrator)
    response = post(client, CONTRIBUTIONS, payroll_line(running))
    assert response.status_code == 201, response.json()
    transaction = Contribution.objects.get().transaction
    assert (transaction.source, transaction.reference, transaction.by) == (
        Source.API, f"token:{token.token_key[:8]}", payroll_a)


def test_a_missing_idempotency_key_is_refused_naming_the_header(api_as, employer_a_user, running):
    client = api_as(employer_a_user)
    for url, body in [(CONTRIBUTIONS, payroll_line(running)), (BULK, {"lines": [payroll_line(running)]})]:
        response = client.post(url, body, format="json")
        assert (response.status_code, response.json()) == (400, {KEY: MISSING_KEY})
    response = post(client, CONTRIBUTIONS, payroll_line(running), headers={KEY: "clé"})
    assert response.json() == {KEY: ["The Idempotency-Key is at most 255 printable ASCII characters."]}
    assert counts() == (0, 0, 0)


def test_a_missing_key_on_a_reversal_is_refused_too(api_as, employer_a_user, world):
    response = api_as(employer_a_user).post(REVERSE.format(**world), {"reason": "Wrong week"}, format="json")
    assert (response.status_code, response.json()) == (400, {KEY: MISSING_KEY})
    assert Contribution.objects.get().status == Contribution.Status.POSTED


def test_the_same_key_again_answers_the_first_answer_and_posts_nothing(api_as, employer_a_user, running):
    client, headers = api_as(employer_a_user), key()
    first = post(client, CONTRIBUTIONS, payroll_line(running), headers=headers)
    again = post(client, CONTRIBUTIONS, payroll_line(running), headers=headers)
    assert (first.status_code, again.status_code, again.json()) == (201, 201, first.json())
    assert (first.headers.get("Idempotent-Replayed"), again["Idempotent-Replayed"]) == (None, "true")
    assert counts() == (1, 1, 2)


def test_the_same_key_with_another_body_is_a_422_and_posts_nothing(api_as, employer_a_user, running):
    client, headers = api_as(employer_a_user), key()
    assert post(client, CONTRIBUTIONS, payroll_line(running), headers=headers).status_code == 201
    before = state()
    other = post(client, CONTRIBUTIONS, payroll_line(running, week=1), headers=headers)
    assert (other.status_code, other.json()) == (422, {KEY: [
        "This Idempotency-Key was already used for a different request. Use a new key for a new request."]})
    assert state() == before


def test_a_refused_request_is_answered_the_same_when_sent_again(api_as, employer_a_user, running):
    client, headers = api_as(employer_a_user), key()
    line = payroll_line(running, amount="100.001")
    first = post(client, CONTRIBUTIONS, line, headers=headers)
    again = post(client, CONTRIBUTIONS, line, headers=headers)
    assert (first.status_code, again.status_code, again.json(), again["Idempotent-Replayed"]) == (
        400, 400, first.json(), "true")
    assert counts() == (0, 0, 0)


def test_another_client_sending_the_same_key_gets_its_own_answer(api_as, employer_a_user, employer_b_user, world,
                                                                 running):
    headers = key()
    assert post(api_as(employer_a_user), CONTRIBUTIONS, world["week_1"], headers=headers).status_code == 201
    assert post(api_as(employer_a_user), REVERSE.format(**world), {"reason": "Wrong week"},
                headers={KEY: "reverse-1"}).status_code == 200
    before = state()
    # Employer B replays employer A's keys and bodies: each request runs in B's own scope.
    theirs = post(api_as(employer_b_user), CONTRIBUTIONS, world["week_1"], headers=headers)
    assert (theirs.status_code, theirs.json()) == (400, {"contract": NOT_YOURS})
    reversal = post(api_as(employer_b_user), REVERSE.format(**world), {"reason": "Wrong week"},
                    headers={KEY: "reverse-1"})
    assert reversal.status_code == 404
    assert state() == before
    assert IdempotencyRecord.objects.filter(client=employer_b_user).count() == 1  # its 400; the 404 is not kept


def test_one_live_contribution_per_pay_period(api_as, employer_a_user, world, running):
    client = api_as(employer_a_user)
    twice = post(client, CONTRIBUTIONS, payroll_line(running, amount="90.00"))
    assert (twice.status_code, twice.json()) == (400, {"period_start": SAME_PERIOD})
    assert post(client, REVERSE.format(**world), {"reason": "Wrong amount"}).status_code == 200
    corrected = post(client, CONTRIBUTIONS, payroll_line(running, amount="90.00"))
    assert (corrected.status_code, corrected.json()["amount"]) == (201, "90.00")
    assert list(Contribution.objects.order_by("id").values_list("status", "amount")) == [
        ("reversed", Decimal("100.00")), ("posted", Decimal("90.00"))]


def test_a_refused_line_names_every_field(api_as, employer_a_user, running):
    response = post(api_as(employer_a_user), CONTRIBUTIONS,
                    payroll_line(running, gross_pay=1000.5, amount="100.001", currency="USD"))
    assert (response.status_code, response.json()) == (400, {
        "currency": ["This contract is paid in CAD."],
        "gross_pay": ["Give the amount as a decimal string, e.g. “125.50”."],
        "amount": ["CAD amounts have at most 2 decimals; this one has more (nothing is rounded)."]})
    assert post(api_as(employer_a_user), CONTRIBUTIONS, [payroll_line(running)]).json() == {"line": [
        "Each line is an object with the fields contract, period_start, period_end, gross_pay, amount, currency."]}
    assert counts() == (0, 0, 0)


def test_a_contract_not_yet_at_work_takes_no_deduction(api_as, employer_a_user, program, employer_a, worksite_a):
    signed = contract_of(program, employer_a, worksite_a, status=ContractStatus.SIGNED)
    response = post(api_as(employer_a_user), CONTRIBUTIONS, payroll_line(signed))
    assert (response.status_code, response.json()) == (400, {"contract": [
        "This contract has not begun: deductions start once the worker is at work."]})


# --- A payroll: JSON or CSV, all or nothing ------------------------------------------------------
def test_a_json_payroll_posts_every_line_in_order(api_as, employer_a_user, running, program, employer_a, worksite_a):
    other = contract_of(program, employer_a, worksite_a)
    lines = [payroll_line(running), payroll_line(other), payroll_line(running, week=1)]
    response = post(api_as(employer_a_user), BULK, {"lines": lines})
    assert response.status_code == 201, response.json()
    assert [(row["contract"], row["period_start"]) for row in response.json()] == [
        (line["contract"], line["period_start"]) for line in lines]
    assert {transaction.source for transaction in LedgerTransaction.objects.all()} == {Source.PORTAL}
    assert counts() == (3, 3, 6)


def test_a_json_payroll_with_refused_lines_posts_nothing_and_names_each(api_as, employer_a_user, running,
                                                                        employer_b, worksite_b, program):
    elsewhere = contract_of(program, employer_b, worksite_b)
    lines = [payroll_line(running), payroll_line(running, amount="-5"), payroll_line(running, gross_pay="50.00"),
             payroll_line(elsewhere), payroll_line(running, week=1), "not a line"]
    response = post(api_as(employer_a_user), BULK, {"lines": lines})
    assert (response.status_code, response.json()) == (400, {"lines": {
        "1": {"amount": ["The amount must be greater than zero."]},
        "2": {"amount": ["The deduction cannot exceed the gross pay."]},
        "3": {"contract": NOT_YOURS},
        "5": {"line": ["Each line is an object with the fields contract, period_start, period_end, gross_pay, amount, "
                       "currency."]}}})
    overlapping = post(api_as(employer_a_user), BULK, {"lines": [payroll_line(running), payroll_line(running)]})
    assert overlapping.json() == {"lines": {"1": {"period_start": SAME_PERIOD}}}
    assert counts() == (0, 0, 0)


@pytest.mark.parametrize(("body", "errors"), [
    ({"lines": []}, {"lines": ["Ensure this field has at least 1 elements."]}),
    ({"lines": "all of them"}, {"lines": ['Expected a list of items but got type "str".']}),
    ({}, {"lines": ["This field is required."]}),
    ([], {"non_field_errors": ["Invalid data. Expected a dictionary, but got list."]}),
])
def test_a_json_payroll_must_be_a_list_of_lines(api_as, employer_a_user, body, errors):
    response = post(api_as(employer_a_user), BULK, body)
    assert (response.status_code, response.json()) == (400, errors)


def test_a_payroll_has_at_most_5000_lines(api_as, employer_a_user, running):
    response = post(api_as(employer_a_user), BULK, {"lines": [payroll_line(running)] * 5001})
    assert (response.status_code, response.json()) == (400, {"lines": [
        "Ensure this field has no more than 5000 elements."]})


def csv_file(lines: list[dict], *, name="payroll-week-18.csv", encoding="utf-8", extra="") -> SimpleUploadedFile:
    rows = [",".join(str(line.get(column, "")) for column in ("contract", "period_start", "period_end", "gross_pay",
                                                              "amount", "currency")) for line in lines]
    return SimpleUploadedFile(name, (CSV_HEADER + "\n".join(rows) + "\n" + extra).encode(encoding),
                              content_type="text/csv")


def upload(client, file, **fields):
    return client.post(BULK, {"file": file, **fields}, format="multipart", headers=key())


def test_a_csv_payroll_is_posted_as_an_import_naming_the_file(api_as, employer_a_user, running):
    file = csv_file([payroll_line(running, currency="CAD"), payroll_line(running, week=1)])
    digest = hashlib.sha256(file.read()).hexdigest()[:16]
    file.seek(0)
    response = upload(api_as(employer_a_user), file)
    assert response.status_code == 201, response.json()
    assert [row["amount"] for row in response.json()] == ["100.00", "100.00"]
    assert {(row.source, row.reference) for row in LedgerTransaction.objects.all()} == {
        (Source.IMPORT, f"payroll-week-18.csv sha256:{digest}")}


def test_a_csv_payroll_with_refused_rows_names_them_by_row_number(api_as, employer_a_user, running):
    file = csv_file([payroll_line(running), payroll_line(running, week=1, period_end="2026-02-30"),
                     payroll_line(running, week=2, amount="twelve")])
    response = upload(api_as(employer_a_user), file)
    assert (response.status_code, response.json()) == (400, {"lines": {
        "3": {"period_end": ["Enter a date as YYYY-MM-DD."]},
        "4": {"amount": ["Enter an amount as a number, e.g. 125.50."]}}})
    assert counts() == (0, 0, 0)


def test_a_latin_1_file_is_read_when_declared_and_refused_otherwise(api_as, employer_a_user, running):
    client = api_as(employer_a_user)
    line = payroll_line(running)
    text = CSV_HEADER.strip() + ",worker\n" + ",".join([*line.values(), "", "Peña"]) + "\n"
    refused = upload(client, SimpleUploadedFile("nómina.csv", text.encode("latin-1")))
    assert (refused.status_code, refused.json()) == (400, {"file": [
        "The file is not valid UTF-8. If it was saved as Latin-1 (ISO-8859-1), choose that encoding."]})
    assert counts() == (0, 0, 0)
    accepted = upload(client, SimpleUploadedFile("nómina.csv", text.encode("latin-1")), encoding="latin-1")
    assert accepted.status_code == 201, accepted.json()
    assert upload(client, csv_file([line]), encoding="utf-16").json() == {"encoding": [
        "\"utf-16\" is not a valid choice."]}


@pytest.mark.parametrize(("content", "message"), [
    (b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n", NOT_CSV),
    (b"PK\x03\x04\x14\x00\x06\x00\x08\x00", "This is a spreadsheet (XLSX) file: save it as CSV and send that."),
    (b"\xff\xd8\xff\xe0\x00\x10JFIF", NOT_CSV),
])
def test_a_file_that_is_not_csv_is_refused_by_its_content(api_as, employer_a_user, content, message):
    response = upload(api_as(employer_a_user), SimpleUploadedFile("payroll.csv", content, content_type="text/csv"))
    assert (response.status_code, response.json()) == (400, {"file": [message]})
    assert counts() == (0, 0, 0)


def test_the_same_file_under_the_same_key_is_posted_once(api_as, employer_a_user, running):
    client, headers = api_as(employer_a_user), key()
    first = client.post(BULK, {"file": csv_file([payroll_line(running)])}, format="multipart", headers=headers)
    again = client.post(BULK, {"file": csv_file([payroll_line(running)])}, format="multipart", headers=headers)
    other = client.post(BULK, {"file": csv_file([payroll_line(running, week=1)])}, format="multipart",
                        headers=headers)
    assert (first.status_code, again.status_code, again.json(), other.status_code) == (201, 201, first.json(), 422)
    assert counts() == (1, 1, 2)


# --- Reversal --------------------------------------------------------------------------------------
def test_the_employer_reverses_its_line_once(api_as, employer_a_user, world, account):
    client = api_as(employer_a_user)
    response = post(client, REVERSE.format(**world), {"reason": "Wrong week"})
    assert response.status_code == 200, response.json()
    contribution = Contribution.objects.get()
    assert (response.json()["status"], response.json()["reversal"]) == (
        "reversed", str(contribution.reversal.public_id))
    assert (contribution.reversal.source, contribution.reversal.memo) == (Source.PORTAL, "Wrong week")
    account.refresh_from_db()
    assert (account.available, account.held) == (Decimal("0"), Decimal("0"))
    again = post(client, REVERSE.format(**world), {"reason": "Wrong week"})
    assert (again.status_code, again.json()) == (409, {"detail": "This contribution is already reversed."})


def test_a_reversal_needs_a_reason(api_as, employer_a_user, world):
    response = post(api_as(employer_a_user), REVERSE.format(**world), {})
    assert (response.status_code, response.json()) == (400, {"reason": ["This field is required."]})
    assert Contribution.objects.get().status == Contribution.Status.POSTED


# --- Lists: filters, scope, queries ----------------------------------------------------------------
def test_contributions_filter_by_contract_status_flag_and_period(api_as, employer_a_user, running, world, program,
                                                                 employer_a, worksite_a):
    other = contract_of(program, employer_a, worksite_a)
    contributions_post(by=employer_a_user, lines=[payroll_line(running, week=1, amount="50.00"),
                                                  payroll_line(other, week=2)], source=Source.PORTAL)
    post(api_as(employer_a_user), REVERSE.format(**world), {"reason": "Wrong week"})
    client = api_as(employer_a_user)

    def listed(**params):
        return [(row["contract"] == str(running.public_id), row["period_start"], row["status"])
                for row in client.get(CONTRIBUTIONS, params).json()["results"]]

    week = {number: payroll_line(running, week=number)["period_start"] for number in range(3)}
    other_week_2 = payroll_line(other, week=2)["period_start"]
    assert listed(contract=str(running.public_id)) == [(True, week[1], "posted"), (True, week[0], "reversed")]
    assert listed(status="reversed") == [(True, week[0], "reversed")]
    assert listed(is_flagged="true") == [(True, week[1], "posted")]
    assert listed(period_from=payroll_line(running, week=1)["period_end"], period_to=week[1]) == [
        (True, week[1], "posted")]
    assert listed(period_from=week[2]) == [(False, other_week_2, "posted")]
    assert client.get(CONTRIBUTIONS, {"status": "lost"}).status_code == 400
    assert client.get(CONTRIBUTIONS, {"period_from": "yesterday"}).status_code == 400


def test_each_sees_only_the_contributions_of_its_scope(api_as, personas, world):
    def ids(persona):
        return [row["id"] for row in api_as(personas[persona]).get(CONTRIBUTIONS).json()["results"]]

    mine = [str(world["contribution"])]
    assert {persona: ids(persona) for persona in personas} == {
        "administrator": mine, "staff_ontario": mine, "staff_quebec": [], "staff_tlaxcala": mine,
        "employer_a": mine, "employer_b": []}


@pytest.fixture
def ten_weeks(running, employer_a_user):
    contributions_post(by=employer_a_user, lines=[payroll_line(running, week=week) for week in range(10)],
                       source=Source.PORTAL)
    return Account.objects.get(kind=Account.Kind.WORKER, worker=running.worker)


def test_the_contributions_list_costs_the_same_queries_whatever_its_length(api_as, personas, ten_weeks):
    # One: the page, with each line's contract, employer and transactions joined.
    for persona in ("employer_a", "staff_ontario", "administrator"):
        assert assert_constant_queries(api_as(personas[persona]), CONTRIBUTIONS) == 1, persona


def test_the_ledger_costs_the_same_queries_whatever_its_length(api_as, personas, ten_weeks):
    # Two: the account (in the caller's scope), then the page of entries with their transactions,
    # actors and contracts joined.
    url = f"{ACCOUNTS}{ten_weeks.public_id}/entries/"
    for persona in ("staff_tlaxcala", "administrator"):
        assert assert_constant_queries(api_as(personas[persona]), url) == 2, persona


def test_the_accounts_list_costs_the_same_queries_whatever_its_length(api_as, personas, program, employer_a,
                                                                      worksite_a, employer_a_user):
    running = [contract_of(program, employer_a, worksite_a) for _number in range(10)]
    contributions_post(by=employer_a_user, lines=[payroll_line(contract) for contract in running],
                       source=Source.PORTAL)
    # One: the page of accounts with their workers (and a system account's sum) joined.
    for persona in ("staff_tlaxcala", "administrator"):
        assert assert_constant_queries(api_as(personas[persona]), ACCOUNTS) == 1, persona


# --- The contract's savings rate -------------------------------------------------------------------
def test_a_contract_shows_its_rate_and_the_rate_in_force(api_as, personas, running):
    body = api_as(personas["employer_a"]).get(f"/api/v1/contracts/{running.public_id}/").json()
    assert (body["savings_rate"], body["savings_rate_in_force"]) == (None, "10.00")


def test_staff_record_the_workers_rate_and_later_deductions_are_checked_against_it(api_as, personas, running):
    client = api_as(personas["staff_tlaxcala"])
    response = client.post(RATE.format(contract=running.public_id), {"savings_rate": "12.50", "version": 1},
                           format="json")
    assert response.status_code == 200, response.json()
    assert (response.json()["savings_rate"], response.json()["savings_rate_in_force"], response.json()["version"]) == (
        "12.50", "12.50", 2)
    line = post(api_as(personas["employer_a"]), CONTRIBUTIONS, payroll_line(running, amount="125.00")).json()
    assert (line["savings_rate"], line["expected_amount"], line["is_flagged"]) == ("12.50", "125.00", False)


@pytest.mark.parametrize(("body", "status", "errors"), [
    ({"savings_rate": "25.01"}, 400, {"savings_rate": ["The program's savings rate is between 0.00 % and 25.00 %."]}),
    ({"savings_rate": "12.505"}, 400, {"savings_rate": ["Ensure that there are no more than 2 decimal places."]}),
    ({"savings_rate": "-1"}, 400, {"savings_rate": ["The program's savings rate is between 0.00 % and 25.00 %."]}),
    ({"savings_rate": "twelve"}, 400, {"savings_rate": ["A valid number is required."]}),
    ({}, 400, {"savings_rate": ["This field is required."]}),
    ({"savings_rate": "12.50", "version": 7}, 409, {
        "detail": "Someone else changed this record meanwhile. Reload it and try again."}),
])
def test_a_rate_outside_the_programs_bounds_or_stale_is_refused(api_as, administrator, running, body, status, errors):
    before = state()
    response = api_as(administrator).post(RATE.format(contract=running.public_id), body, format="json")
    assert (response.status_code, response.json()) == (status, errors)
    assert state() == before


def test_the_programs_bounds_are_its_own(api_as, administrator, running, program):
    program.savings_rate_min, program.savings_rate_default, program.savings_rate_max = (Decimal("5"), Decimal("8"),
                                                                                       Decimal("15"))
    program.save()
    client = api_as(administrator)
    assert client.post(RATE.format(contract=running.public_id), {"savings_rate": "4.99"},
                       format="json").json() == {"savings_rate": [
                           "The program's savings rate is between 5.00 % and 15.00 %."]}
    assert client.post(RATE.format(contract=running.public_id), {"savings_rate": "15"},
                       format="json").json()["savings_rate"] == "15.00"


def test_the_rate_of_a_contract_that_is_over_stays(api_as, administrator, program, employer_a, worksite_a):
    ended = contract_of(program, employer_a, worksite_a, ended_days_ago=3, status=ContractStatus.ENDED)
    response = api_as(administrator).post(RATE.format(contract=ended.public_id), {"savings_rate": "12"},
                                          format="json")
    assert (response.status_code, response.json()) == (409, {
        "detail": "The savings rate is chosen before or during the work; this contract is over."})
    ended.refresh_from_db()
    assert ended.savings_rate is None


# --- The OpenAPI document --------------------------------------------------------------------------
def test_the_schema_documents_the_savings_endpoints_without_a_warning(tmp_path):
    from django.core.management import call_command
    from drf_spectacular.drainage import GENERATOR_STATS

    GENERATOR_STATS.reset()
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--fail-on-warn", "--validate", "--file", str(target))
    schema = target.read_text()
    for path in ["/api/v1/savings/accounts/", "/api/v1/savings/accounts/{id}/",
                 "/api/v1/savings/accounts/{id}/entries/", "/api/v1/savings/contributions/",
                 "/api/v1/savings/contributions/{id}/", "/api/v1/savings/contributions/{id}/reverse/",
                 "/api/v1/savings/contributions/bulk/", "/api/v1/contracts/{id}/savings-rate/"]:
        assert f"  {path}:" in schema, path
    for name in ["SavingsAccountKindEnum", "LedgerTransactionKindEnum", "LedgerSourceEnum", "ContributionStatusEnum",
                 "PaginatedEntryList"]:
        assert f"    {name}:" in schema, name


def test_the_schema_documents_the_idempotency_key_and_its_422(client):
    schema = client.get("/api/schema/", {"format": "json"}, HTTP_ACCEPT="application/json").json()
    for path in ["/api/v1/savings/contributions/", "/api/v1/savings/contributions/bulk/",
                 "/api/v1/savings/contributions/{id}/reverse/"]:
        operation = schema["paths"][path]["post"]
        header = next(parameter for parameter in operation["parameters"] if parameter["name"] == KEY)
        assert (header["in"], header["required"]) == ("header", True), path
        assert "422" in operation["responses"], path
    assert "422" not in schema["paths"]["/api/v1/contracts/{id}/savings-rate/"]["post"]["responses"]


def test_an_ended_contracts_late_payroll_is_still_held_until_the_return(api_as, employer_a_user, program, employer_a,
                                                                        worksite_a):
    ended = contract_of(program, employer_a, worksite_a, status=ContractStatus.ENDED, ended_days_ago=2)
    response = post(api_as(employer_a_user), CONTRIBUTIONS, payroll_line(ended, week=9))
    assert response.status_code == 201, response.json()
    entry = Entry.objects.get(account__kind=Account.Kind.WORKER)
    assert (entry.held, entry.contract_id) == (True, ended.pk)



def test_a_payroll_of_5000_lines_posts_at_the_query_cost_of_a_small_one(api_as, employer_a_user, program,
                                                                        employer_a, worksite_a):
    # Daily pay periods: 25 contracts, small payrolls of their first days, then 200 days more each.
    contracts = [contract_of(program, employer_a, worksite_a, weeks=30) for _number in range(25)]

    def payroll(days: range) -> SimpleUploadedFile:
        return csv_file([{"contract": str(contract.public_id), "period_start": day, "period_end": day,
                          "gross_pay": "100.00", "amount": "10.00"}
                         for contract in contracts
                         for day in [(contract.start_date + datetime.timedelta(days=n)).isoformat() for n in days]])

    client = api_as(employer_a_user)
    # The first payroll also opens the workers' accounts (two statements more, once).
    assert upload(client, payroll(range(1))).status_code == 201
    with CaptureQueriesContext(connection) as small:
        assert upload(client, payroll(range(1, 2))).status_code == 201
    with CaptureQueriesContext(connection) as large:
        response = upload(client, payroll(range(2, 202)))
    assert (response.status_code, len(response.json())) == (201, 5000)
    assert Contribution.objects.count() == 5050
    assert len(large) == len(small)
