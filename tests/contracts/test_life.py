"""A contract's life (``contracts.life``): every action by every role from every status, allowed
exactly where DESIGN.md's table says, refused with nothing changed everywhere else."""

import datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.utils import timezone, translation

from contracts.life import ACTIONS, allowed_actions, contract_act
from contracts.models import Contract, ContractStatus, ContractStatusChange
from contracts.services import contracts_allocate
from employers.models import RequestEvent, RequestStatus
from tests.factories import DocumentFactory, WorkerFactory, WorkerRequestFactory, fully_documented, next_season_start
from twp.exceptions import DomainError, InvalidTransition, StaleVersion
from twp.models import Notification
from workers.models import DocumentKind, WorkerStatus

pytestmark = pytest.mark.django_db
S = ContractStatus


@pytest.fixture(autouse=True)
def in_english():
    with translation.override("en"):
        yield


@pytest.fixture
def contract(program, employer_a, administrator):
    request = WorkerRequestFactory(program=program, employer=employer_a, status=RequestStatus.APPROVED,
                                   workers_requested=1)
    worker = fully_documented(WorkerFactory(status=WorkerStatus.ELIGIBLE), administrator, start=next_season_start())
    DocumentFactory(worker=worker, kind=DocumentKind.WORK_PERMIT, issued_on=timezone.localdate(),
                    expires_on=request.end_date, verified_by=administrator, verified_at=timezone.now())
    return contracts_allocate(request=request, workers=[worker], by=administrator)[0]


@pytest.fixture
def elsewhere(program, employer_b):
    """Employer B's approved request over the same dates: where a transfer goes."""
    return WorkerRequestFactory(program=program, employer=employer_b, status=RequestStatus.APPROVED,
                                workers_requested=3)


def arguments(action, contract, to_request=None):
    """What each action needs to succeed on ``contract``."""
    signed = min(timezone.localdate(), contract.start_date - datetime.timedelta(days=30))  # never in the future
    return {"sign": {"worker_signed_on": signed, "employer_signed_on": signed},
            "terminate": {"reason": "medical", "on": contract.start_date + datetime.timedelta(days=20)},
            "transfer": {"to_request": to_request, "consent_on": signed,
                         "on": contract.start_date + datetime.timedelta(days=20)},
            "confirm-return": {"seen_home_on": contract.start_date + datetime.timedelta(days=21),
                               "place": "consulate", "identity_document": "passport"},
            }.get(action, {})


def snapshot(contract):
    row = Contract.objects.get(pk=contract.pk)
    return (row.status, row.version, row.effective_end, ContractStatusChange.objects.filter(contract=contract).count(),
            RequestEvent.objects.filter(request=contract.request_id).count())


ROLES = {  # who, and whether DESIGN.md lets them take each action
    "administrator": set(ACTIONS),
    "staff_ontario": set(ACTIONS),
    "employer_a_user": {"arrive", "terminate"},
    "employer_b_user": set(),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("status", [status for status in S if status != S.RETURNED])
def test_every_action_from_every_status_by_every_role(request, contract, elsewhere, role, status):
    user = request.getfixturevalue(role)
    Contract.objects.filter(pk=contract.pk).update(status=status)
    # After the end date, so that `end` may be taken; signatures and the last day fall before it.
    with time_machine.travel(contract.end_date + datetime.timedelta(days=1)):
        for name, action in ACTIONS.items():
            before = snapshot(contract)
            allowed = status in action.sources and name in ROLES[role]
            assert (name in allowed_actions(Contract.objects.get(pk=contract.pk), user)) == allowed
            if allowed:
                contract_act(contract=contract, action=name, by=user, **arguments(name, contract, elsewhere))
                assert snapshot(contract)[:2] == (action.target, before[1] + 1)
                assert snapshot(contract)[3:] == (before[3] + 1, before[4] + 1)  # history and timeline
                Contract.objects.filter(transferred_from=contract).delete()  # a transfer's successor
                Contract.objects.filter(pk=contract.pk).update(status=status, effective_end=None)
            else:
                with pytest.raises(InvalidTransition if name in ROLES[role] else PermissionDenied) as refused:
                    contract_act(contract=contract, action=name, by=user, **arguments(name, contract, elsewhere))
                assert snapshot(contract) == before
                if refused.type is InvalidTransition:
                    assert refused.value.allowed == allowed_actions(Contract.objects.get(pk=contract.pk), user)


def test_the_whole_way_with_the_worker_following(contract, administrator, employer_a_user):
    worker = contract.worker
    assert Contract.objects.get(pk=contract.pk).worker.status == WorkerStatus.SELECTED
    contract_act(contract=contract, action="sign", by=administrator, **arguments("sign", contract))
    contract_act(contract=contract, action="depart", by=administrator)
    worker.refresh_from_db()
    assert worker.status == WorkerStatus.ABROAD
    contract_act(contract=contract, action="arrive", by=employer_a_user)
    with time_machine.travel(contract.end_date + datetime.timedelta(days=1)):
        done = contract_act(contract=contract, action="end", by=administrator, note="Season over")
    assert (done.status, done.status_note) == (S.ENDED, "Season over")
    timeline = RequestEvent.objects.filter(request=contract.request_id, kind=RequestEvent.Kind.CONTRACT_CHANGED)
    assert [(event.from_status, event.to_status) for event in timeline.order_by("id")] == [
        (S.PROPOSED, S.SIGNED), (S.SIGNED, S.DEPARTED), (S.DEPARTED, S.ACTIVE), (S.ACTIVE, S.ENDED)]
    assert all(event.details["worker"] == str(worker.public_id) for event in timeline)


def test_depart_needs_a_verified_permit_valid_on_the_start_date(contract, administrator):
    contract_act(contract=contract, action="sign", by=administrator, **arguments("sign", contract))
    contract.worker.documents.filter(kind=DocumentKind.WORK_PERMIT).update(
        expires_on=contract.start_date - datetime.timedelta(days=1))
    with pytest.raises(DomainError, match="work permit"):
        contract_act(contract=contract, action="depart", by=administrator)
    contract.worker.documents.filter(kind=DocumentKind.WORK_PERMIT).update(expires_on=contract.end_date,
                                                                           verified_at=None, verified_by=None)
    with pytest.raises(DomainError, match="work permit"):
        contract_act(contract=contract, action="depart", by=administrator)
    assert Contract.objects.get(pk=contract.pk).status == S.SIGNED


def test_sign_needs_both_signatures_and_an_eligible_worker(contract, administrator):
    with pytest.raises(DomainError) as missing:
        contract_act(contract=contract, action="sign", by=administrator,
                     worker_signed_on=timezone.localdate())
    assert missing.value.field == "employer_signed_on"
    contract.worker.documents.filter(kind=DocumentKind.PASSPORT).delete()
    with pytest.raises(DomainError, match="cannot sign"):
        contract_act(contract=contract, action="sign", by=administrator, **arguments("sign", contract))
    assert Contract.objects.get(pk=contract.pk).status == S.PROPOSED


def test_end_only_on_or_after_the_end_date(contract, administrator):
    Contract.objects.filter(pk=contract.pk).update(status=S.ACTIVE)
    with time_machine.travel(contract.end_date - datetime.timedelta(days=1)), pytest.raises(DomainError):
        contract_act(contract=contract, action="end", by=administrator)
    assert Contract.objects.get(pk=contract.pk).status == S.ACTIVE


def test_terminate_frees_the_tail_and_tells_the_consulate(contract, employer_a_user, staff_ontario):
    Contract.objects.filter(pk=contract.pk).update(status=S.ACTIVE)
    with pytest.raises(DomainError) as unlisted:
        contract_act(contract=contract, action="terminate", by=employer_a_user, reason="bored",
                     on=contract.start_date)
    assert unlisted.value.field == "reason"
    last_day = contract.start_date + datetime.timedelta(days=20)
    done = contract_act(contract=contract, action="terminate", by=employer_a_user, reason="lack_of_work", on=last_day)
    assert (done.status, done.effective_end, done.termination_reason) == (S.TERMINATED_EARLY, last_day, "lack_of_work")
    assert not Contract.objects.overlapping(last_day + datetime.timedelta(days=1), contract.end_date).filter(
        worker=contract.worker).exists()
    assert Notification.objects.filter(recipient=staff_ontario, kind="contract-terminated").count() == 1


def test_cancel_frees_the_place_and_restores_the_worker(contract, administrator):
    request = contract.request
    request.refresh_from_db()
    assert request.status == RequestStatus.FILLED
    contract_act(contract=contract, action="cancel", by=administrator)
    request.refresh_from_db()
    contract.worker.refresh_from_db()
    assert (request.status, contract.worker.status) == (RequestStatus.APPROVED, WorkerStatus.ELIGIBLE)


def test_a_stale_version_is_refused(contract, administrator):
    with pytest.raises(StaleVersion):
        contract_act(contract=contract, action="cancel", by=administrator, version=contract.version + 5)
    assert Contract.objects.get(pk=contract.pk).status == S.PROPOSED


# --- transfers ------------------------------------------------------------------------------------
def moved(contract, elsewhere, by, **fields):
    Contract.objects.filter(pk=contract.pk).update(status=S.ACTIVE)
    return contract_act(contract=contract, action="transfer", by=by, **{**arguments("transfer", contract, elsewhere),
                                                                        **fields})


def test_a_transfer_opens_a_linked_contract_on_trial(contract, elsewhere, administrator):
    day = contract.start_date + datetime.timedelta(days=20)
    successor = moved(contract, elsewhere, administrator)
    old = Contract.objects.get(pk=contract.pk)
    assert (old.status, old.effective_end, old.transfer_consent_on) == (
        S.TRANSFERRED, day, arguments("transfer", contract)["consent_on"])
    assert (successor.status, successor.transferred_from_id, successor.start_date, successor.trial_until) == (
        S.ACTIVE, contract.pk, day, day + datetime.timedelta(days=7))
    assert successor.request.employer_id == elsewhere.employer_id
    elsewhere.refresh_from_db()
    assert elsewhere.status == RequestStatus.PARTIALLY_FILLED
    assert RequestEvent.objects.get(request=elsewhere).details["transferred_from"] == str(contract.public_id)


def test_a_transfer_needs_consent_and_another_employers_open_request(contract, elsewhere, program, employer_a,
                                                                      administrator):
    with pytest.raises(DomainError) as no_consent:
        moved(contract, elsewhere, administrator, consent_on=None)
    assert no_consent.value.field == "consent_on"
    same_employer = WorkerRequestFactory(program=program, employer=employer_a, status=RequestStatus.APPROVED)
    with pytest.raises(DomainError) as same:
        moved(contract, same_employer, administrator)
    assert same.value.field == "request"
    assert Contract.objects.get(pk=contract.pk).status == S.ACTIVE
    assert not Contract.objects.filter(transferred_from=contract).exists()


def test_a_failed_trial_ends_the_new_contract_early(contract, elsewhere, administrator, employer_b_user):
    successor = moved(contract, elsewhere, administrator)
    with time_machine.travel(successor.trial_until + datetime.timedelta(days=2)), pytest.raises(DomainError):
        contract_act(contract=successor, action="terminate", by=employer_b_user, reason="trial_failed",
                     on=successor.trial_until)
    with time_machine.travel(successor.start_date + datetime.timedelta(days=3)):
        done = contract_act(contract=successor, action="terminate", by=employer_b_user, reason="trial_failed",
                            on=successor.start_date + datetime.timedelta(days=3))
    assert (done.status, done.termination_reason) == (S.TERMINATED_EARLY, "trial_failed")


def test_a_transfer_chain_never_exceeds_the_programs_maximum(contract, program, employer_b, administrator):
    from twp.models import add_months

    long_one = WorkerRequestFactory(program=program, employer=employer_b, status=RequestStatus.APPROVED,
                                    start_date=contract.start_date,
                                    end_date=add_months(contract.start_date, program.max_contract_months))
    program.max_contract_months = 2
    program.save()
    successor = moved(contract, long_one, administrator)
    assert successor.end_date == add_months(contract.start_date, 2)  # counted from the chain's first start


def test_end_and_terminate_open_the_expected_return(contract, administrator, program):
    from contracts.models import ExpectedReturn

    Contract.objects.filter(pk=contract.pk).update(status=S.ACTIVE)
    day = contract.start_date + datetime.timedelta(days=20)
    contract_act(contract=contract, action="terminate", by=administrator, reason="medical", on=day)
    expected = ExpectedReturn.objects.get(contract=contract)
    assert (expected.due_on, expected.confirmed_at) == (day + datetime.timedelta(days=program.return_grace_days), None)
