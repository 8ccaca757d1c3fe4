"""API fuzzing with schemathesis against the app's own /api/schema/, as real clients would call it.

The app runs on a live server over the test database; schemathesis' command-line runner sends
generated requests as each persona. Zero 5xx answers and zero answers that break the schema are
allowed, and one identity must never read an object of another (object-level authorization,
checked between the two employer personas).
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from knox.models import AuthToken

from tests.report import count

pytestmark = [pytest.mark.fuzz, pytest.mark.django_db(transaction=True)]

BASE_DIR = Path(__file__).resolve().parents[2]
# Examples generated per operation and phase; raise it locally to search harder.
FUZZ_EXAMPLES_PER_OPERATION = int(os.environ.get("FUZZ_EXAMPLES_PER_OPERATION", "10"))
# A fixed seed keeps CI repeatable; set FUZZ_SEED to explore other inputs.
FUZZ_SEED = int(os.environ.get("FUZZ_SEED", "20261127"))
CHECKS = [
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
    "response_headers_conformance",
    "ignored_auth",
    "object_level_authorization",
]
# Revoking the token the run authenticates with would turn every later request into a 401.
EXCLUDED_PATHS = ["/api/v1/auth/token/revoke/"]


def token_for(user) -> str:
    _instance, token = AuthToken.objects.create(user)
    return token


def schemathesis(live_server, tmp_path, *extra_args, config_file: Path | None = None) -> tuple[int, str]:
    """Run schemathesis' command-line runner against the live server; returns (exit code, output)."""
    command = [
        sys.executable, "-m", "schemathesis.cli",
        *(["--config-file", str(config_file)] if config_file else []),
        "run", f"{live_server.url}/api/schema/",
        "--checks", ",".join(CHECKS),
        "--max-examples", str(FUZZ_EXAMPLES_PER_OPERATION),
        "--seed", str(FUZZ_SEED),
        "--no-color",
        "--workers", "1",
        "--request-timeout", "30",
        # The coverage phase's exhaustive boundary values take minutes per run here; the
        # examples, fuzzing and stateful phases stay inside make test's time budget.
        "--phases", "examples,fuzzing,stateful",
        "--report-dir", str(tmp_path / "report"),
        *[argument for path in EXCLUDED_PATHS for argument in ("--exclude-path", path)],
        *extra_args,
    ]
    result = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=900)
    return result.returncode, result.stdout + result.stderr


def failure_summary(output: str) -> str:
    """Each failing operation with its check codes, then the run's summary (the full output is long)."""
    lines = output.splitlines()
    picked = [line for line in lines if re.match(r"^_{3,} .+ _{3,}$", line) or re.search(r"- ST\d{3} ", line)
              or re.search(r"Received: |Documented: |^\[\d{3}\]", line.strip())]
    return "\n".join(picked[:120]) + "\n...\n" + output[-2500:]


def run_schemathesis(live_server, tmp_path, *extra_args, config_file: Path | None = None) -> str:
    """Fuzz and require a clean run: no failure of any check."""
    returncode, output = schemathesis(live_server, tmp_path, *extra_args, config_file=config_file)
    tested = re.search(r"Tested:\s+(\d+)", output)
    assert returncode == 0, failure_summary(output)
    assert tested is not None, output[-3000:]
    count("API operations fuzzed", int(tested.group(1)))
    return output


@pytest.fixture
def employer_records(program, employer_a, employer_b, worksite_a, worksite_b, employer_a_user, employer_b_user,
                     worker_tlaxcala, staff_tlaxcala):
    """Requests in each status the employers API acts on, for both employers, and a worker employer A
    employed last season (so former-workers/, named-workers/ and the timeline have rows)."""
    import datetime

    from django.utils import timezone

    from employers.models import NamedWorker, RequestStatus
    from tests.factories import WorkerRequestFactory

    last_year = timezone.localdate().year - 1
    filled = WorkerRequestFactory(program=program, employer=employer_a, worksite=worksite_a,
                                  status=RequestStatus.FILLED, start_date=datetime.date(last_year, 5, 4),
                                  end_date=datetime.date(last_year, 8, 3))
    NamedWorker.objects.create(request=filled, worker=worker_tlaxcala, added_by=staff_tlaxcala)
    made = {}
    for employer, worksite, name in [(employer_a, worksite_a, "a"), (employer_b, worksite_b, "b")]:
        for status in (RequestStatus.DRAFT, RequestStatus.SUBMITTED, RequestStatus.APPROVED):
            made[f"{status}_{name}"] = WorkerRequestFactory(program=program, employer=employer, worksite=worksite,
                                                            status=status)
    NamedWorker.objects.create(request=made["approved_a"], worker=worker_tlaxcala, added_by=staff_tlaxcala)
    # Last season's contract of that worker with employer A (contracts/ reads it; employer B must
    # get 404), and an eligible worker of Tlaxcala, so approved_a has a candidate to rank.
    from contracts.models import Contract, ContractStatus
    from tests.factories import WorkerFactory, fully_documented, next_season_start
    from workers.models import WorkerStatus

    made["contract"] = Contract.objects.create(
        request=filled, worker=worker_tlaxcala, program=program, season=last_year, start_date=filled.start_date,
        end_date=filled.end_date, wage_amount=filled.wage_amount, wage_currency=filled.wage_currency,
        hours_per_week=filled.hours_per_week, status=ContractStatus.RETURNED, returned_on_time=True,
        worker_status_before=WorkerStatus.ELIGIBLE)
    fully_documented(WorkerFactory(first_names="Candidata", state_of_origin="TLA", status=WorkerStatus.ELIGIBLE),
                     staff_tlaxcala, start=next_season_start())
    # That contract evaluated both ways (evaluations/ lists them; employer B must get 404 on A's).
    from contracts.evaluations import evaluation_record

    made["evaluation"] = evaluation_record(
        contract=made["contract"], direction="of_worker", would_repeat=True, by=employer_a_user,
        scores={"quality": 5, "reliability": 4, "safety": 4, "teamwork": 3})
    evaluation_record(contract=made["contract"], direction="of_employer", would_repeat=True, by=staff_tlaxcala,
                      scores={"housing": 3, "treatment": 4, "wages_on_time": 5, "safety": 4})
    # Employer A's running contract with a Tlaxcala worker and its first week's deduction: the
    # savings endpoints read, reverse and rate them (employer B and Quebec must get 404).
    from savings.contributions import contributions_post
    from savings.models import Account, Source
    from tests.savings.conftest import contract_of, payroll_line

    made["running"] = contract_of(program, employer_a, worksite_a)
    (made["contribution"],) = contributions_post(by=employer_a_user, lines=[payroll_line(made["running"])],
                                                 source=Source.PORTAL)
    made["account"] = Account.objects.get(kind=Account.Kind.WORKER, worker=made["running"].worker)
    # The worker home from last season's contract with savings available, and a payout of them
    # reserved by their state office (the payouts' actions act on it; employers must get 404).
    from decimal import Decimal

    from savings.ledger import Line, Posting, post, system_account, worker_accounts
    from savings.models import LedgerTransaction
    from savings.money import Money
    from savings.payouts import request_payout

    home = worker_accounts([(worker_tlaxcala.pk, "CAD")])[(worker_tlaxcala.pk, "CAD")]
    post([Posting(LedgerTransaction.Kind.CONTRIBUTION, [
        Line(home, Decimal("500.00"), "CAD"),
        Line(system_account(Account.Kind.REMITTANCES_IN_TRANSIT, "CAD"), Decimal("-500.00"), "CAD")])],
        by=None, source=Source.SYSTEM)
    made["payout"] = request_payout(worker=worker_tlaxcala, amount=Money(Decimal("50.00"), "CAD"), method="cash",
                                    by=staff_tlaxcala)
    return made


def savings_ids(records) -> dict:
    """The savings pages and actions that take an id, with the id of a row that exists."""
    return {
        "/api/v1/savings/accounts/{id}/": records["account"],
        "/api/v1/savings/accounts/{id}/entries/": records["account"],
        "/api/v1/savings/contributions/{id}/": records["contribution"],
        "/api/v1/savings/contributions/{id}/reverse/": records["contribution"],
        "/api/v1/contracts/{id}/savings-rate/": records["running"],
        "/api/v1/savings/accounts/{id}/statement/": records["account"],
        **{f"/api/v1/savings/payouts/{{id}}/{action}": records["payout"]
           for action in ("", "approve/", "pay/", "void/", "fail/", "destination/", "conversion/", "follow-up/",
                          "receipt/")},
    }


def request_id_config(tmp_path, request, extra: str = "", contract=None, evaluation=None,
                      ids: dict | None = None) -> Path:
    """A config that sends ``request``'s id wherever an operation takes a ``request_id``, and
    ``contract``'s and ``evaluation``'s ids to their pages, and each row of ``ids`` (path: row)
    to its path (nothing in the schema lists them, so the fuzzer would only ever hit 404s there)."""
    config = tmp_path / "schemathesis.toml"
    text = f'{extra}[parameters]\n"path.request_id" = "{request.public_id}"\n'
    paths = {f"/api/v1/{resource}/{{id}}/": row for resource, row in (("contracts", contract),
                                                                      ("evaluations", evaluation))}
    for path, row in {**paths, **(ids or {})}.items():
        if row is not None:
            text += (f'\n[[operations]]\ninclude-path = "{path}"\n'
                     f'parameters = {{ "path.id" = "{row.public_id}" }}\n')
    config.write_text(text)
    return config


def test_fuzzing_as_office_staff_finds_no_server_error_nor_schema_break(
    live_server, tmp_path, staff_tlaxcala, program, worker_tlaxcala, employer_records
):
    # A state office's staff: they see workers (their states), documents, programs and offices.
    from tests.factories import DocumentFactory

    DocumentFactory(worker=worker_tlaxcala)
    # State offices read approved requests (they allocate their workers to them).
    run_schemathesis(live_server, tmp_path, "--header", f"Authorization: Token {token_for(staff_tlaxcala)}",
                     config_file=request_id_config(tmp_path, employer_records["approved_a"],
                                                   contract=employer_records["contract"],
                                                   evaluation=employer_records["evaluation"],
                                                   ids=savings_ids(employer_records)))


def test_fuzzing_as_employers_finds_no_server_error_and_no_object_of_another_employer(
    live_server, tmp_path, employer_a_user, employer_b_user, program, employer_records
):
    identities = {
        "schemaVersion": "0.1.0",
        "auth": [
            {
                "name": name,
                "fixedHeaders": [{"name": "Authorization", "value": f"Token {token_for(user)}"}],
            }
            for name, user in [("employer_a", employer_a_user), ("employer_b", employer_b_user)]
        ],
    }
    (tmp_path / "identities.json").write_text(json.dumps(identities))
    # Employer A's draft: A reads and names workers on it; B must get 404 on the same paths.
    config = request_id_config(tmp_path, employer_records["draft_a"],
                               extra='[auth.wfc]\npath = "identities.json"\npeers = ["employer_a", "employer_b"]\n',
                               contract=employer_records["contract"], evaluation=employer_records["evaluation"],
                               ids=savings_ids(employer_records))
    output = run_schemathesis(live_server, tmp_path, config_file=config)
    assert "object_level_authorization` will not run" not in output


def test_the_fuzzer_catches_a_server_error(live_server, tmp_path, settings, staff_ontario):
    """Teeth: an endpoint that answers 500 makes the run fail."""
    settings.ROOT_URLCONF = "tests.api.broken_urls"
    returncode, output = schemathesis(
        live_server, tmp_path, "--include-path", "/api/v1/broken/",
        "--header", f"Authorization: Token {token_for(staff_ontario)}",
    )
    assert returncode == 1, output[-3000:]
    assert "Server error" in output
