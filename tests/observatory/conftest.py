"""Observatory fixtures: a cache of each test's own (the tables are cached), and contracts placed
in a season by state of origin."""

import uuid

import pytest
from django.utils import translation

from contracts.models import Contract, ContractStatus
from observatory import facts
from tests.factories import WorkerFactory
from tests.savings.conftest import contract_of

SEASON = 2027


@pytest.fixture(autouse=True)
def own_cache(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                   "LOCATION": f"observatory-{uuid.uuid4()}"}}


@pytest.fixture(autouse=True)
def in_english():
    with translation.override("en"):
        yield


@pytest.fixture
def place(program, employer_a, worksite_a):
    """``place(state, n, status=..., on_time=...)``: n workers of ``state`` placed in SEASON, and
    the Observatory's facts refreshed (unless ``refresh=False``)."""

    def make(state, n, *, status=ContractStatus.ACTIVE, on_time=None, refresh=True):
        contracts = []
        for _ in range(n):
            contract = contract_of(program, employer_a, worksite_a, worker=WorkerFactory(state_of_origin=state))
            Contract.objects.filter(pk=contract.pk).update(season=SEASON, status=status, returned_on_time=on_time)
            contracts.append(contract)
        if refresh:
            facts.refresh()
        return contracts

    return make
