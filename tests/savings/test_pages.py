"""The savings pages. Staff: workers' accounts (search, sort, pages), an account's ledger
(balances, money held per contract, entries newest first by keyset), the contributions flagged for
review. Employers: the deductions they posted (filters, pages), the form to post one (rate and
expected deduction shown; a double submission posts once), the payroll upload (all or nothing,
every refused row listed; Latin-1; only CSV) and its template. Both: a contribution's page and its
reversal after a confirmation. Who sees what: anything outside a person's scope is 404."""

import datetime
import hashlib
import io
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from contracts.models import ContractStatus
from contracts.returns import contract_confirm_return
from savings.contributions import contribution_reverse, contributions_post
from savings.models import Account, Contribution, Entry, LedgerTransaction, Source
from savings.payroll_csv import read_payroll
from tests.factories import WorkerFactory
from tests.helpers import assert_constant_queries
from tests.savings.conftest import contract_of, payroll_line
from twp.models import IdempotencyRecord
from workers.models import WorkerStatus

pytestmark = pytest.mark.django_db
S = ContractStatus
ACCOUNTS = "/savings/accounts/"
FLAGGED = "/savings/contributions/flagged/"
CONTRIBUTIONS = "/savings/contributions/"
NEW = "/savings/contributions/new/"
UPLOAD = "/savings/contributions/upload/"
TEMPLATE = "/savings/contributions/template.csv"
HEADER = "contract,period_start,period_end,gross_pay,amount,currency"
KEY = "0b8a4c1e-2f0d-4c55-9d43-6f1f3f7f1a01"


@pytest.fixture
def sign_in(sign_in):
    """Signed-in clients that read the pages in English (the texts below are the source strings)."""

    def make(user):
        client = sign_in(user)
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        return client

    return make


@pytest.fixture(autouse=True)
def in_english():
    with translation.override("en"):
        yield


def post_lines(user, *lines, source=Source.API):
    return contributions_post(by=user, lines=list(lines), source=source)


@pytest.fixture
def posted(running, employer_a_user):
    """Two weeks of employer A's payroll for the running contract: 100.00 (as expected) and 80.00
    (flagged: 10 % of 1000.00 is 100.00)."""
    return post_lines(employer_a_user, payroll_line(running), payroll_line(running, week=1, amount="80.00"))


def account_of(contract):
    return Account.objects.get(worker=contract.worker, currency=contract.wage_currency)


def form_body(of_contract, **fields):
    line = payroll_line(of_contract)
    return {"contract": line["contract"], "period_start": line["period_start"], "period_end": line["period_end"],
            "gross_pay": "1000.00", "amount": "100.00", "idempotency_key": KEY, **fields}


def csv_file(rows, *, name="payroll.csv", encoding="utf-8", header=HEADER) -> SimpleUploadedFile:
    text = "\n".join([header, *rows]) + "\n"
    return SimpleUploadedFile(name, text.encode(encoding), content_type="text/csv")


def csv_row(line: dict, *extra) -> str:
    return ",".join([line["contract"], line["period_start"], line["period_end"], line["gross_pay"],
                     line["amount"], line.get("currency", "CAD"), *extra])


def ledger_state():
    return (Contribution.objects.count(), Entry.objects.count(), LedgerTransaction.objects.count(),
            list(Contribution.objects.order_by("id").values_list("status", flat=True)))


# --- who sees what ------------------------------------------------------------------------------

STAFF_ALL = {"administrator": 200, "staff_ontario": 200, "staff_quebec": 200, "staff_tlaxcala": 200,
             "employer_a": 404, "employer_b": 404}
EMPLOYERS_ONLY = {"administrator": 404, "staff_ontario": 404, "staff_tlaxcala": 404, "employer_a": 200,
                  "employer_b": 200}
# The running contract: an Ontario worksite (staff_ontario) and a Tlaxcala worker (staff_tlaxcala).
THE_CONTRACTS_PEOPLE = {"administrator": 200, "staff_ontario": 200, "staff_tlaxcala": 200, "staff_quebec": 404,
                        "employer_a": 404, "employer_b": 404}


@pytest.mark.parametrize(("page", "statuses"), [
    (ACCOUNTS, STAFF_ALL), (FLAGGED, STAFF_ALL),
    (CONTRIBUTIONS, EMPLOYERS_ONLY), (NEW, EMPLOYERS_ONLY), (UPLOAD, EMPLOYERS_ONLY), (TEMPLATE, EMPLOYERS_ONLY),
])
def test_who_opens_the_lists_and_forms(sign_in, personas, page, statuses):
    for persona, status in statuses.items():
        assert sign_in(personas[persona]).get(page).status_code == status, persona


def test_who_opens_an_account(sign_in, personas, posted, running):
    url = f"{ACCOUNTS}{account_of(running).public_id}/"
    for persona, status in THE_CONTRACTS_PEOPLE.items():
        assert sign_in(personas[persona]).get(url).status_code == status, persona


def test_who_opens_a_contribution(sign_in, personas, posted):
    url = f"{CONTRIBUTIONS}{posted[0].public_id}/"
    for persona, status in {**THE_CONTRACTS_PEOPLE, "employer_a": 200}.items():
        assert sign_in(personas[persona]).get(url).status_code == status, persona


@pytest.mark.parametrize("persona", ["employer_b", "staff_quebec"])
@pytest.mark.parametrize("confirm", [False, True])
def test_a_reversal_outside_the_scope_is_404_and_changes_nothing(sign_in, personas, posted, persona, confirm):
    before = ledger_state()
    body = {"reason": "wrong", "idempotency_key": KEY, **({"confirm": "1"} if confirm else {})}
    response = sign_in(personas[persona]).post(f"{CONTRIBUTIONS}{posted[0].public_id}/reverse/", body)
    assert response.status_code == 404
    assert ledger_state() == before


def test_a_system_account_is_not_a_page(sign_in, administrator, posted):
    remittances = Account.objects.get(kind=Account.Kind.REMITTANCES_IN_TRANSIT)
    assert sign_in(administrator).get(f"{ACCOUNTS}{remittances.public_id}/").status_code == 404


@pytest.mark.parametrize("page", [ACCOUNTS, FLAGGED, CONTRIBUTIONS, NEW, UPLOAD])
def test_anonymous_people_are_sent_to_sign_in(client, page):
    response = client.get(page)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_navigation_links_each_role_to_its_savings_page(sign_in, staff_tlaxcala, employer_a_user):
    staff_page = sign_in(staff_tlaxcala).get("/staff/").content.decode()
    assert f'href="{ACCOUNTS}"' in staff_page and f'href="{CONTRIBUTIONS}"' not in staff_page
    employer_page = sign_in(employer_a_user).get("/contracts/").content.decode()
    assert f'href="{CONTRIBUTIONS}"' in employer_page and ACCOUNTS not in employer_page


# --- staff: accounts ----------------------------------------------------------------------------

def test_the_accounts_list_shows_the_balances_of_the_accounts_staff_see(sign_in, staff_tlaxcala, staff_quebec,
                                                                         posted, running):
    response = sign_in(staff_tlaxcala).get(ACCOUNTS)
    assert list(response.context["accounts"]) == [account_of(running)]
    row = re.search(r'<tr data-account="[^"]+">(.*?)</tr>', response.content.decode(), re.S)[1]
    assert running.worker.full_name in row
    assert re.findall(r'class="(available|held|total)">([^<]+)<', row) == [
        ("available", "0.00 CAD"), ("held", "180.00 CAD"), ("total", "180.00 CAD")]
    empty = sign_in(staff_quebec).get(ACCOUNTS)
    assert list(empty.context["accounts"]) == []
    assert "No savings accounts yet" in empty.content.decode()


def test_the_accounts_list_searches_by_name(sign_in, administrator, program, employer_a, worksite_a,
                                            employer_a_user):
    rosa = contract_of(program, employer_a, worksite_a, worker=WorkerFactory(
        status=WorkerStatus.ABROAD, first_names="Rosa", paternal_surname="Tlapa"))
    juan = contract_of(program, employer_a, worksite_a, worker=WorkerFactory(
        status=WorkerStatus.ABROAD, first_names="Juan", paternal_surname="Pérez"))
    post_lines(employer_a_user, payroll_line(rosa), payroll_line(juan))
    client = sign_in(administrator)
    assert list(client.get(ACCOUNTS, {"search": "Rosa Tlapa"}).context["accounts"]) == [account_of(rosa)]
    assert list(client.get(ACCOUNTS, {"search": "tla"}).context["accounts"]) == [account_of(rosa)]  # part of a name
    nobody = client.get(ACCOUNTS, {"search": "Zacarías"})
    assert list(nobody.context["accounts"]) == []
    assert "No savings account matches this search." in nobody.content.decode()


def test_a_curp_is_searched_by_post_and_never_put_in_a_url(sign_in, staff_tlaxcala, posted, running):
    client = sign_in(staff_tlaxcala)
    page = client.get(ACCOUNTS).content.decode()
    assert re.search(r'<form method="post" action="/savings/accounts/" role="search"', page)
    response = client.post(ACCOUNTS, {"q": running.worker.curp.lower()})
    assert response.status_code == 302
    assert running.worker.curp not in response["Location"]
    assert response["Location"] == f"{ACCOUNTS}?worker={running.worker.public_id}"
    assert list(client.get(response["Location"]).context["accounts"]) == [account_of(running)]
    named = client.post(ACCOUNTS, {"q": "Rosa"})
    assert named["Location"] == f"{ACCOUNTS}?search=Rosa"


def test_a_curp_outside_the_scope_reads_as_unknown(sign_in, staff_quebec, posted, running):
    client = sign_in(staff_quebec)
    response = client.post(ACCOUNTS, {"q": running.worker.curp}, follow=True)
    assert "No worker with that CURP is registered in your office&#x27;s scope." in response.content.decode()
    assert list(response.context["accounts"]) == []
    # Nor does the worker's public id open anything.
    assert list(client.get(ACCOUNTS, {"worker": str(running.worker.public_id)}).context["accounts"]) == []


def test_the_accounts_list_sorts_by_each_column(sign_in, administrator, program, employer_a, worksite_a,
                                                employer_a_user):
    small, large = (contract_of(program, employer_a, worksite_a) for _ in range(2))
    post_lines(employer_a_user, payroll_line(small, amount="10.00"), payroll_line(large, amount="300.00"))
    client = sign_in(administrator)
    for sort, expected in [("total", [small, large]), ("-total", [large, small]), ("held", [small, large]),
                           ("-held", [large, small])]:
        response = client.get(ACCOUNTS, {"sort": sort})
        assert [account.worker_id for account in response.context["accounts"]] == [
            contract.worker_id for contract in expected], sort
    page = client.get(ACCOUNTS, {"sort": "-total"}).content.decode()
    assert re.search(r'aria-sort="descending"><a href="\?sort=total" data-sort="total"', page)
    assert client.get(ACCOUNTS, {"sort": "nonsense"}).context["sort"] == "worker"


def test_the_accounts_list_costs_the_same_queries_whatever_its_length(sign_in, administrator, program, employer_a,
                                                                      worksite_a, employer_a_user):
    post_lines(employer_a_user, *[payroll_line(contract_of(program, employer_a, worksite_a)) for _ in range(10)])
    client = sign_in(administrator)
    client.get(ACCOUNTS)  # the session's first page loads what later pages reuse
    queries = assert_constant_queries(client, ACCOUNTS, sizes=(3, 10), rows=lambda page: page.context["accounts"])
    # session, user, device (second factor); the count; the page of accounts with their workers.
    assert queries == 5


# --- staff: an account's ledger --------------------------------------------------------------------

def test_the_ledger_shows_balances_held_per_contract_and_entries_newest_first(
        sign_in, staff_tlaxcala, program, employer_a, worksite_a, employer_a_user):
    worker = WorkerFactory(status=WorkerStatus.RETURNED, state_of_origin="TLA")
    done = contract_of(program, employer_a, worksite_a, status=S.ENDED, ended_days_ago=30, worker=worker)
    post_lines(employer_a_user, payroll_line(done))
    contract_confirm_return(contract=done, by=staff_tlaxcala, seen_home_on=program.today(),
                            place="consulate", identity_document="passport")
    ended = contract_of(program, employer_a, worksite_a, status=S.ENDED, ended_days_ago=2, weeks=3, worker=worker)
    (flagged,) = post_lines(employer_a_user, payroll_line(ended, amount="70.00"))
    response = sign_in(staff_tlaxcala).get(f"{ACCOUNTS}{account_of(ended).public_id}/")
    page = response.content.decode()
    assert re.search(r'id="balance-available">100.00 CAD<', page)
    assert re.search(r'id="balance-held">70.00 CAD<', page)
    assert re.search(r'id="balance-total">170.00 CAD<', page)
    # Held: only the contract whose return is awaited, with its status and due date.
    assert [(contract, amount) for contract, amount, _visible in response.context["held"]] == [
        (ended, Decimal("70.00"))]
    held_table = re.search(r'id="held-by-contract".*?</table>', page, re.S)[0]
    assert "Ended" in held_table and ended.expected_return.due_on.strftime("%Y") in held_table
    # Entries newest first: the flagged contribution, the release (two lines), the first one.
    kinds = [(entry.transaction.kind, entry.amount, entry.held) for entry in response.context["entries"]]
    assert kinds == [("contribution", Decimal("70.00"), True), ("release", Decimal("100.00"), False),
                     ("release", Decimal("-100.00"), True), ("contribution", Decimal("100.00"), True)]
    assert "+70.00 CAD" in page and "−100.00 CAD" in page
    assert "Employer portal" not in page  # posted through the API here
    assert f"/savings/contributions/{flagged.public_id}/" in page
    assert employer_a.legal_name in page


def test_the_ledger_pages_by_keyset(sign_in, administrator, running, employer_a_user):
    post_lines(employer_a_user, *[payroll_line(running, week=week) for week in range(5)])
    client = sign_in(administrator)
    url = f"{ACCOUNTS}{account_of(running).public_id}/"
    first = client.get(url, {"page_size": 3})
    ids = [entry.pk for entry in first.context["entries"]]
    every = list(Entry.objects.filter(account=account_of(running)).order_by("-id").values_list("pk", flat=True))
    assert ids == every[:3]
    second = client.get(url + first.context["next_url"])
    assert [entry.pk for entry in second.context["entries"]] == every[3:5]
    assert second.context["next_url"] is None and second.context["first_url"]


def test_the_ledger_costs_the_same_queries_whatever_its_length(sign_in, administrator, program, employer_a,
                                                               worksite_a, employer_a_user):
    worker = WorkerFactory(status=WorkerStatus.ABROAD, state_of_origin="TLA")
    contract = contract_of(program, employer_a, worksite_a, weeks=12, worker=worker)
    post_lines(employer_a_user, *[payroll_line(contract, week=week) for week in range(11)])
    client = sign_in(administrator)
    url = f"{ACCOUNTS}{account_of(contract).public_id}/"
    client.get(url)
    queries = assert_constant_queries(client, url, sizes=(3, 10), rows=lambda page: page.context["entries"])
    # session, user, device; the account; held per contract; its contracts; the entries (with their
    # transactions, actors, contributions and contracts); which of those contracts the person sees.
    assert queries == 8


# --- staff: flagged contributions ------------------------------------------------------------------

def test_the_flagged_list_shows_live_flagged_lines_of_contracts_staff_see(sign_in, staff_ontario, staff_quebec,
                                                                           posted, employer_a_user):
    _as_expected, flagged = posted
    response = sign_in(staff_ontario).get(FLAGGED)
    assert list(response.context["contributions"]) == [flagged]
    row = re.search(r'<tr data-contribution="[^"]+">(.*?)</tr>', response.content.decode(), re.S)[1]
    for text in ("Ontario Orchards Ltd.", "1000.00 CAD", "10 %", 'class="expected">100.00 CAD<',
                 'class="posted">80.00 CAD<', flagged.contract.worker.full_name):
        assert text in row, text
    assert list(sign_in(staff_quebec).get(FLAGGED).context["contributions"]) == []
    assert "No contribution is waiting for review." in sign_in(staff_quebec).get(FLAGGED).content.decode()
    contribution_reverse(contribution=flagged, by=employer_a_user, reason="typo", source=Source.PORTAL)
    assert list(sign_in(staff_ontario).get(FLAGGED).context["contributions"]) == []  # only live lines


def test_the_flagged_list_costs_the_same_queries_whatever_its_length(sign_in, administrator, program, employer_a,
                                                                     worksite_a, employer_a_user):
    contract = contract_of(program, employer_a, worksite_a, weeks=12)
    post_lines(employer_a_user, *[payroll_line(contract, week=week, amount="50.00") for week in range(10)])
    client = sign_in(administrator)
    client.get(FLAGGED)
    queries = assert_constant_queries(client, FLAGGED, sizes=(3, 10), rows=lambda page: page.context["contributions"])
    # session, user, device; the count; the page with contracts, workers, requests and employers.
    assert queries == 5


def test_the_staff_home_counts_flagged_contributions(sign_in, staff_ontario, staff_quebec, posted):
    assert "1 savings deduction differs from the contract&#x27;s rate." in sign_in(staff_ontario).get(
        "/staff/").content.decode()
    assert "No contribution is waiting for review." in sign_in(staff_quebec).get("/staff/").content.decode()


def test_the_worker_page_shows_the_workers_accounts(sign_in, staff_tlaxcala, posted, running):
    page = sign_in(staff_tlaxcala).get(f"/workers/{running.worker.public_id}/").content.decode()
    panel = re.search(r'id="worker-savings".*?</section>', page, re.S)[0]
    assert f"{ACCOUNTS}{account_of(running).public_id}/" in panel and "180.00 CAD" in panel


# --- employers: their deductions -------------------------------------------------------------------

def test_employers_see_only_the_lines_they_posted(sign_in, employer_a_user, employer_b_user, posted, program,
                                                  employer_b, worksite_b):
    theirs = contract_of(program, employer_b, worksite_b, worker=WorkerFactory(
        status=WorkerStatus.ABROAD, first_names="Evaristo", paternal_surname="Quintanilla"))
    post_lines(employer_b_user, payroll_line(theirs))
    response = sign_in(employer_a_user).get(CONTRIBUTIONS)
    assert list(response.context["contributions"]) == list(reversed(posted))
    page = response.content.decode()
    assert theirs.worker.full_name not in page
    assert re.findall(r'data-flagged="true"', page) == ['data-flagged="true"']
    assert posted[0].contract.worker.full_name in page
    assert sign_in(employer_b_user).get(f"{CONTRIBUTIONS}{posted[0].public_id}/").status_code == 404


def test_employers_filter_by_contract_and_period(sign_in, employer_a_user, program, employer_a, worksite_a):
    first, second = (contract_of(program, employer_a, worksite_a) for _ in range(2))
    lines = post_lines(employer_a_user, payroll_line(first), payroll_line(first, week=2), payroll_line(second))
    client = sign_in(employer_a_user)
    by_contract = client.get(CONTRIBUTIONS, {"contract": str(first.public_id)})
    assert list(by_contract.context["contributions"]) == [lines[1], lines[0]]
    week_two = first.start_date + datetime.timedelta(weeks=2)
    by_period = client.get(CONTRIBUTIONS, {"period_from": week_two.isoformat()})
    assert list(by_period.context["contributions"]) == [lines[1]]
    wrong = client.get(CONTRIBUTIONS, {"period_from": "2030-01-10", "period_to": "2030-01-01"})
    assert wrong.context["form"].errors["period_to"] == ["The end must come after the start."]
    nothing = client.get(CONTRIBUTIONS, {"period_from": "2099-01-01"})
    assert "No deduction matches these filters." in nothing.content.decode()


def test_the_empty_state_of_a_new_employer(sign_in, employer_b_user):
    page = sign_in(employer_b_user).get(CONTRIBUTIONS).content.decode()
    assert "No deductions yet: you post them once your workers have started work." in page


def test_the_employers_list_costs_the_same_queries_whatever_its_length(sign_in, employer_a_user, program,
                                                                       employer_a, worksite_a):
    contract = contract_of(program, employer_a, worksite_a, weeks=12)
    post_lines(employer_a_user, *[payroll_line(contract, week=week) for week in range(10)])
    client = sign_in(employer_a_user)
    client.get(CONTRIBUTIONS)
    queries = assert_constant_queries(client, CONTRIBUTIONS, sizes=(3, 10),
                                      rows=lambda page: page.context["contributions"])
    # session, user, device (second factor), membership, employer; the filter's contracts; the count;
    # the page with contracts, workers and requests.
    assert queries == 8


# --- employers: the posting form -------------------------------------------------------------------

def test_the_form_offers_only_the_employers_contracts_that_have_begun(sign_in, employer_a_user, running, program,
                                                                      employer_a, worksite_a, employer_b,
                                                                      worksite_b):
    signed = contract_of(program, employer_a, worksite_a, status=S.SIGNED)
    theirs = contract_of(program, employer_b, worksite_b)
    form = sign_in(employer_a_user).get(NEW).context["form"]
    values = [value for value, _label in form.fields["contract"].choices]
    assert values == ["", str(running.public_id)]
    assert str(signed.public_id) not in values and str(theirs.public_id) not in values
    assert form.initial["idempotency_key"]


def test_posting_a_line(sign_in, employer_a_user, running):
    client = sign_in(employer_a_user)
    response = client.post(NEW, form_body(running))
    contribution = Contribution.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{CONTRIBUTIONS}{contribution.public_id}/"
    assert (contribution.contract, contribution.amount, contribution.is_flagged) == (running, Decimal("100.00"),
                                                                                     False)
    assert (contribution.transaction.source, contribution.transaction.by) == (Source.PORTAL, employer_a_user)
    assert account_of(running).held == Decimal("100.00")
    assert "Deduction posted." in client.get(response["Location"]).content.decode()


def test_a_refused_line_shows_the_message_on_its_field_keeps_the_input_and_posts_nothing(
        sign_in, employer_a_user, running):
    body = form_body(running, amount="100.001", gross_pay="1000.00")
    response = sign_in(employer_a_user).post(NEW, body)
    assert response.status_code == 400
    form = response.context["form"]
    assert form.errors["amount"] == ["CAD amounts have at most 2 decimals; this one has more (nothing is rounded)."]
    page = response.content.decode()
    assert 'value="100.001"' in page and f'value="{body["period_start"]}"' in page
    assert f'<option value="{running.public_id}" selected>' in page
    assert form.data["idempotency_key"] != KEY  # what is sent next is another request
    assert ledger_state() == (0, 0, 0, [])


@pytest.mark.parametrize(("field", "value", "message"), [
    ("period_start", "", "This field is required."),
    ("contract", "", "This field is required."),
    ("gross_pay", "", "This field is required."),
])
def test_a_missing_field_is_refused_before_anything(sign_in, employer_a_user, running, field, value, message):
    response = sign_in(employer_a_user).post(NEW, form_body(running, **{field: value}))
    assert response.status_code == 400
    assert response.context["form"].errors[field] == [message]
    assert ledger_state() == (0, 0, 0, [])


def test_a_period_outside_the_contract_is_refused(sign_in, employer_a_user, running):
    before = (running.start_date - datetime.timedelta(days=7)).isoformat()
    response = sign_in(employer_a_user).post(NEW, form_body(running, period_start=before))
    assert response.status_code == 400
    assert response.context["form"].errors["period_start"][0].startswith("The pay period must lie within the contract")
    assert ledger_state() == (0, 0, 0, [])


def test_a_form_sent_twice_posts_once(sign_in, employer_a_user, running):
    client = sign_in(employer_a_user)
    first = client.post(NEW, form_body(running))
    second = client.post(NEW, form_body(running))  # a double click: the same key, the same line
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Contribution.objects.count() == 1 and account_of(running).held == Decimal("100.00")
    page = client.get(second["Location"]).content.decode()
    assert "This form was sent twice: the line was posted once." in page


def test_the_same_key_with_another_line_is_refused(sign_in, employer_a_user, running):
    client = sign_in(employer_a_user)
    client.post(NEW, form_body(running))
    response = client.post(NEW, form_body(running, amount="90.00"))
    assert response.status_code == 409
    assert response.context["form"].non_field_errors() == [
        "This Idempotency-Key was already used for a different request. Use a new key for a new request."]
    assert Contribution.objects.count() == 1


def test_the_form_shows_the_rate_and_the_expected_deduction(sign_in, employer_a_user, running):
    client = sign_in(employer_a_user)
    preview = client.post(NEW, {**form_body(running, gross_pay="1234.50"), "preview": "1"})
    assert preview.status_code == 200
    page = preview.content.decode()
    assert 'data-rate="10.00"' in page and "This contract's savings rate: 10 % of the gross pay." in page
    assert 'data-amount="123.45"' in page and "Expected deduction: 123.45 CAD." in page
    assert Contribution.objects.count() == 0  # a preview posts nothing
    fragment = client.get(f"{NEW}expected/", {"contract": str(running.public_id), "gross_pay": "999.95"})
    assert 'data-amount="100.00"' in fragment.content.decode()  # 99.995 rounds half up


def test_the_expected_deduction_says_nothing_of_another_employers_contract(sign_in, employer_b_user, running):
    fragment = sign_in(employer_b_user).get(f"{NEW}expected/", {"contract": str(running.public_id),
                                                                 "gross_pay": "1000"})
    assert fragment.status_code == 200
    assert "data-rate" not in fragment.content.decode()


def test_an_employer_cannot_post_for_another_employers_contract(sign_in, employer_b_user, running):
    response = sign_in(employer_b_user).post(NEW, form_body(running))
    assert response.status_code == 400
    assert response.context["form"].errors["contract"]  # not among the choices
    assert ledger_state() == (0, 0, 0, [])


# --- employers: the payroll upload -----------------------------------------------------------------

def upload(client, file, *, encoding="utf-8", key=KEY):
    return client.post(UPLOAD, {"file": file, "encoding": encoding, "idempotency_key": key})


def test_a_payroll_is_posted_whole(sign_in, employer_a_user, running, program, employer_a, worksite_a):
    other = contract_of(program, employer_a, worksite_a)
    file = csv_file([csv_row(payroll_line(running)), "", csv_row(payroll_line(other, amount="75.00"))])
    digest = hashlib.sha256(file.read()).hexdigest()
    file.seek(0)
    client = sign_in(employer_a_user)
    response = upload(client, file)
    assert response.status_code == 302 and response["Location"] == CONTRIBUTIONS
    assert Contribution.objects.count() == 2
    transaction = LedgerTransaction.objects.order_by("id").first()
    assert (transaction.source, transaction.reference) == (Source.IMPORT, f"payroll.csv sha256:{digest[:16]}")
    assert "Payroll posted: 2 lines from payroll.csv." in client.get(CONTRIBUTIONS).content.decode()


def test_a_payroll_with_a_refused_line_posts_nothing_and_lists_every_refused_row(sign_in, employer_a_user,
                                                                                 running):
    file = csv_file([
        csv_row(payroll_line(running)),
        csv_row(payroll_line(running, week=1, amount="12.345")),
        "",  # an empty line: skipped, but it keeps its place in the numbering
        csv_row(payroll_line(running, week=2, gross_pay="abc")),
        csv_row(payroll_line(running)),  # the same period again
        csv_row({**payroll_line(running, week=3), "contract": "not-a-contract"}),
    ])
    response = upload(sign_in(employer_a_user), file)
    assert response.status_code == 400
    assert [(line["row"], line["column"], line["messages"]) for line in response.context["refused"]] == [
        (3, "amount", ["CAD amounts have at most 2 decimals; this one has more (nothing is rounded)."]),
        (5, "gross_pay", ["Enter an amount as a number, e.g. 125.50."]),
        (6, "period_start", ["This contract already has a contribution for this pay period."]),
        (7, "contract", ["No contract of yours has this id."]),
    ]
    page = response.content.decode()
    assert "4 lines of the payroll were refused; nothing was posted." in page
    assert re.findall(r'<tr data-row="(\d+)">', page) == ["3", "5", "6", "7"]
    assert ledger_state() == (0, 0, 0, [])


def test_another_employers_contract_in_a_payroll_is_refused_like_an_unknown_one(sign_in, employer_b_user,
                                                                                running):
    response = upload(sign_in(employer_b_user), csv_file([csv_row(payroll_line(running))]))
    assert response.status_code == 400
    assert response.context["refused"] == [{"row": 2, "column": "contract",
                                            "messages": ["No contract of yours has this id."]}]
    assert ledger_state() == (0, 0, 0, [])


def test_a_latin_1_payroll_with_semicolons(sign_in, employer_a_user, running):
    line = payroll_line(running)
    rows = [";".join([line["contract"], line["period_start"], line["period_end"], "1000.00", "100.00", "CAD",
                      "José Hernández Muñoz"])]
    file = csv_file(rows, encoding="latin-1", header=HEADER.replace(",", ";") + ";worker")
    client = sign_in(employer_a_user)
    refused = upload(client, file)  # read as UTF-8, the accents are not valid
    assert refused.status_code == 400
    assert refused.context["form"].errors["file"] == [
        "The file is not valid UTF-8. If it was saved as Latin-1 (ISO-8859-1), choose that encoding."]
    file.seek(0)
    assert upload(client, file, encoding="latin-1", key="another-key").status_code == 302
    assert Contribution.objects.get().contract == running


@pytest.mark.parametrize(("content", "message"), [
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "This is not a CSV file. Save the payroll from your spreadsheet as "
                                              "“CSV” and upload that."),
    (b"PK\x03\x04\x14\x00\x06\x00", "This is a spreadsheet (XLSX) file: save it as CSV and send that."),
    (b"contract,period_start,amount\nx,2025-01-01,5\n", "The first row must name the columns "
                                                        "contract,period_start,period_end,gross_pay,amount,currency; "
                                                        "missing: period_end, gross_pay."),
    (HEADER.encode() + b"\n", "The file has no rows under its header."),
    (b"", "The submitted file is empty."),
])
def test_a_file_that_is_not_a_payroll_csv_is_refused(sign_in, employer_a_user, running, content, message):
    file = SimpleUploadedFile("payroll.csv", content, content_type="text/csv")
    response = upload(sign_in(employer_a_user), file)
    assert response.status_code == 400
    assert response.context["form"].errors["file"] == [message]
    assert ledger_state() == (0, 0, 0, [])


def test_a_payroll_of_more_than_5000_lines_is_refused(sign_in, employer_a_user, running):
    row = csv_row(payroll_line(running))
    response = upload(sign_in(employer_a_user), csv_file([row] * 5001))
    assert response.status_code == 400
    assert response.context["form"].errors["file"] == ["A payroll has at most 5000 lines; split it."]


def test_a_payroll_sent_twice_posts_once(sign_in, employer_a_user, running):
    client = sign_in(employer_a_user)
    rows = [csv_row(payroll_line(running)), csv_row(payroll_line(running, week=1))]
    first = upload(client, csv_file(rows))
    second = upload(client, csv_file(rows))
    assert first.status_code == second.status_code == 302
    assert Contribution.objects.count() == 2
    assert "This payroll was sent twice: it was posted once." in client.get(CONTRIBUTIONS).content.decode()
    assert IdempotencyRecord.objects.filter(client=employer_a_user).count() == 1


def test_the_template_lists_the_active_contracts_and_uploads_back_once_filled(sign_in, employer_a_user, running,
                                                                             program, employer_a, worksite_a,
                                                                             employer_b, worksite_b):
    contract_of(program, employer_a, worksite_a, status=S.SIGNED)  # not begun: not listed
    contract_of(program, employer_b, worksite_b)  # another employer's
    client = sign_in(employer_a_user)
    response = client.get(TEMPLATE)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = b"".join(response.streaming_content).decode("utf-8")
    lines = text.lstrip("\ufeff").splitlines()
    assert lines[0] == HEADER + ",worker,contract_start,contract_end,savings_rate"
    assert len(lines) == 2
    assert lines[1].startswith(f"{running.public_id},,,,,CAD,{running.worker.full_name},")
    line = payroll_line(running)
    filled = text.replace(f"{running.public_id},,,,,CAD", f"{running.public_id},{line['period_start']},"
                                                           f"{line['period_end']},1000.00,100.00,CAD")
    file = SimpleUploadedFile("filled.csv", filled.encode("utf-8"), content_type="text/csv")
    assert upload(client, file).status_code == 302
    assert Contribution.objects.get().contract == running


# --- reversal ----------------------------------------------------------------------------------------

def reverse_url(contribution):
    return f"{CONTRIBUTIONS}{contribution.public_id}/reverse/"


def test_an_employer_reverses_its_line_after_a_confirmation(sign_in, employer_a_user, posted, running):
    contribution = posted[0]
    client = sign_in(employer_a_user)
    detail = client.get(f"{CONTRIBUTIONS}{contribution.public_id}/").content.decode()
    assert 'id="reverse-form"' in detail
    before = ledger_state()
    confirm = client.post(reverse_url(contribution), {"reason": "Wrong week", "idempotency_key": KEY})
    assert confirm.status_code == 200
    page = confirm.content.decode()
    assert "Nothing has changed yet." in page and 'id="confirm-reversal"' in page and "Wrong week" in page
    assert ledger_state() == before
    done = client.post(reverse_url(contribution), {"reason": "Wrong week", "idempotency_key": KEY, "confirm": "1"})
    assert done.status_code == 302
    reversed_ = Contribution.objects.get(pk=contribution.pk)
    assert reversed_.status == Contribution.Status.REVERSED
    assert (reversed_.reversal.memo, reversed_.reversal.by, reversed_.reversal.source) == (
        "Wrong week", employer_a_user, Source.PORTAL)
    assert account_of(running).held == Decimal("80.00")
    again = client.post(reverse_url(contribution), {"reason": "Wrong week", "idempotency_key": KEY,
                                                    "confirm": "1"})  # the confirmation sent twice
    assert again.status_code == 302
    assert LedgerTransaction.objects.filter(kind=LedgerTransaction.Kind.REVERSAL).count() == 1
    assert "the contribution was reversed once" in client.get(again["Location"]).content.decode()
    assert 'id="reverse-form"' not in client.get(again["Location"]).content.decode()


def test_a_reversal_needs_a_reason(sign_in, employer_a_user, posted):
    before = ledger_state()
    response = sign_in(employer_a_user).post(reverse_url(posted[0]), {"reason": "  ", "idempotency_key": KEY,
                                                                      "confirm": "1"})
    assert response.status_code == 400
    assert response.context["form"].errors["reason"] == ["This field is required."]
    assert ledger_state() == before


def test_staff_reverse_a_flagged_line_from_its_page(sign_in, staff_ontario, posted, running):
    flagged = posted[1]
    client = sign_in(staff_ontario)
    assert f"{CONTRIBUTIONS}{flagged.public_id}/" in client.get(FLAGGED).content.decode()
    detail = client.get(f"{CONTRIBUTIONS}{flagged.public_id}/").content.decode()
    assert 'id="flagged-notice"' in detail
    body = {"reason": "The employer withheld 8 % by mistake", "idempotency_key": KEY}
    assert client.post(reverse_url(flagged), body).status_code == 200
    assert client.post(reverse_url(flagged), {**body, "confirm": "1"}).status_code == 302
    reversed_ = Contribution.objects.get(pk=flagged.pk)
    assert (reversed_.status, reversed_.reversal.by, reversed_.reversal.source) == (
        Contribution.Status.REVERSED, staff_ontario, Source.STAFF)
    assert list(client.get(FLAGGED).context["contributions"]) == []


def test_a_line_reversed_meanwhile_says_so_and_changes_nothing(sign_in, employer_a_user, staff_ontario, posted):
    contribution_reverse(contribution=posted[0], by=staff_ontario, reason="first", source=Source.STAFF)
    before = ledger_state()
    response = sign_in(employer_a_user).post(reverse_url(posted[0]), {"reason": "second", "confirm": "1",
                                                                      "idempotency_key": KEY})
    assert response.status_code == 409
    assert response.context["form"].non_field_errors() == ["This contribution is already reversed."]
    assert ledger_state() == before


def test_read_payroll_reads_a_text_stream_too():
    lines = read_payroll(io.StringIO(f"{HEADER}\nabc,2025-01-01,2025-01-07,1000.00,100.00,CAD\n"))
    assert lines == [{"contract": "abc", "period_start": "2025-01-01", "period_end": "2025-01-07",
                      "gross_pay": "1000.00", "amount": "100.00", "currency": "CAD", "row": 2}]
