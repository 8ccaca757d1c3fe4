"""The ranking of candidates for a request: one function, :func:`score_parts`; weights are data
(``RankingWeights``).

A candidate's score is the sum of these parts, each shown to staff:

- ``named``: the employer asked for this worker by name (SAWP: most placements);
- ``returned_on_time``: came home on time from an earlier contract (circularity rewarded);
- ``same_employer``: worked for this employer before;
- ``evaluation``: points of the last employer rating (1–5), this employer's last rating first;
- ``certification``: valid certificates on the start date in the request's required schemes;
- ``occupation``: registered with the requested occupation;
- ``language``: required languages spoken;
- ``waited``: whole months (of 30 days) from the end of the last contract worked (or from
  registration, for new entrants) to the start, capped, so those who waited longest move up
  (fair rotation);
- ``state_balance`` (negative): workers of the same state of origin already on the request, so
  places spread across states.

Only eligible workers are ranked (``workers.eligibility``: every rule, in SQL). Ties go to the
lower id (registered earlier).

The score is computed over facts loaded set-based (:class:`WorkerFacts`, numpy arrays): the same
function ranks the few hundred workers one request's candidates need and the whole pool of a
season allocation (``contracts.season``), so staff and the season always rank alike."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

import numpy as np
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Count, DateField, Exists, OuterRef
from django.db.models.functions import Cast

from certification.models import Certificate
from contracts.models import WORKED_STATUSES, Contract, RankingWeights
from employers.models import NamedWorker, WorkerRequest
from employers.worker_requests import _requirements
from workers.eligibility import Requirements, eligible_workers
from workers.models import Worker, WorkerLanguage

PARTS = ("named", "returned_on_time", "same_employer", "evaluation", "certification", "occupation", "language",
         "waited", "state_balance")
MONTH_DAYS = 30
# Workers ranked per batch at least (a batch costs a few milliseconds; a statement, ~1 ms).
MIN_BATCH = 200
IDS_AS_LIST = 5_000
_EMPTY = np.zeros(0, dtype=np.int64)


@dataclass
class Candidate:
    worker: Worker
    score: int
    parts: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class RequestTerms:
    """What the ranking reads of a request. :meth:`of` asks the database; season allocation
    builds them for every request of the season at once."""

    employer_id: int
    occupation_id: int
    start: datetime.date
    requirements: Requirements
    named_ids: frozenset[int]
    on_request_by_state: dict[str, int]
    weights: RankingWeights

    @classmethod
    def of(cls, request: WorkerRequest, weights: RankingWeights | None = None) -> RequestTerms:
        on_request = (Contract.objects.live().filter(request=request).values_list("worker__state_of_origin")
                      .annotate(n=Count("id")).order_by())
        return cls(employer_id=request.employer_id, occupation_id=request.occupation_id,
                   start=request.start_date, requirements=_requirements(request),
                   named_ids=frozenset(NamedWorker.objects.filter(request=request).values_list("worker_id", flat=True)),
                   on_request_by_state=dict(on_request),
                   weights=weights or RankingWeights.for_program(request.program))


class WorkerFacts:
    """What the ranking knows of a set of workers, as arrays in ascending id order (``ids``).

    Loaded in five statements whatever the number of workers: the workers, their worked
    contracts, and only the occupations, languages and certificate schemes asked about."""

    def __init__(self, ids, states, created, worked, occupations, languages, certificates):
        self.ids = np.asarray(ids, dtype=np.int64)
        self.size = len(self.ids)
        self.state_names, self.state = np.unique(np.asarray(states, dtype="U8"), return_inverse=True) \
            if self.size else (np.zeros(0, dtype="U8"), _EMPTY)
        self.created = np.asarray(created, dtype=np.int64)
        self._history(worked)
        self.occupations = self._grouped(occupations)
        self.languages = self._grouped(languages)
        self.certificates = {}  # scheme id -> (positions, issued on, expires on), as ordinals
        for scheme_id, rows in self._rows_by_key(certificates).items():
            positions, issued, expires = zip(*rows, strict=True)
            self.certificates[scheme_id] = (self.positions(positions), np.asarray(issued), np.asarray(expires))

    @classmethod
    def load(cls, workers, *, occupation_ids=(), language_codes=(), scheme_ids=()) -> WorkerFacts:
        """The facts of the workers of queryset ``workers`` (active or not: eligibility decides)."""
        try:
            rows = list(workers.order_by("pk").annotate(created_on=Cast("created_at", DateField()))
                        .values_list("pk", "state_of_origin", "created_on"))
        except EmptyResultSet:
            rows = []
        if not rows:
            return cls([], [], [], [], [], [], [])
        ids, states, created = zip(*rows, strict=True)
        # A few hundred ids go as a list (the queryset may be an eligibility query: not run
        # again per statement); a whole pool, as its subquery.
        pool = list(ids) if len(ids) <= IDS_AS_LIST else workers.order_by().values("pk")
        worked = (Contract.objects.filter(worker__in=pool, status__in=WORKED_STATUSES)
                  .order_by("end_date", "id")
                  .values_list("worker_id", "request__employer_id", "end_date", "returned_on_time", "employer_rating"))
        occupations = (Worker.occupations.through.objects.filter(worker__in=pool, occupation_id__in=occupation_ids)
                       .values_list("occupation_id", "worker_id") if occupation_ids else [])
        languages = (WorkerLanguage.objects.filter(worker__in=pool, language__in=language_codes)
                     .values_list("language", "worker_id") if language_codes else [])
        certificates = (Certificate.objects.filter(worker__in=pool, scheme_id__in=scheme_ids, revoked_at__isnull=True)
                        .values_list("scheme_id", "worker_id", "issued_on", "expires_on") if scheme_ids else [])
        return cls(ids, states, [day.toordinal() for day in created], list(worked), list(occupations),
                   list(languages), [(scheme, worker, issued.toordinal(), expires.toordinal())
                                     for scheme, worker, issued, expires in certificates])

    def positions(self, ids) -> np.ndarray:
        """Where each of ``ids`` (all of them loaded) sits in the arrays."""
        return np.searchsorted(self.ids, np.asarray(ids, dtype=np.int64))

    def positions_of_loaded(self, ids) -> np.ndarray:
        """Where those of ``ids`` that were loaded sit (the others, e.g. deactivated, left out)."""
        positions = np.minimum(self.positions(ids), max(self.size - 1, 0))
        return positions[self.ids[positions] == np.asarray(ids, dtype=np.int64)] if self.size else _EMPTY

    def _history(self, worked) -> None:
        """From the worked contracts, oldest end first: came home on time (ever), the end of the
        last one, the last rating given, and per employer the workers and their last rating there."""
        on_time: set[int] = set()
        last_end: dict[int, int] = {}
        last_rating: dict[int, int] = {}
        best_rating: dict[int, int] = {}
        by_employer: dict[int, dict[int, int]] = {}
        if worked:
            worker_ids, employers, ends, returned_on_time, ratings = zip(*worked, strict=True)
            for position, employer, end, came_home, rating in zip(self.positions(worker_ids).tolist(), employers,
                                                                  ends, returned_on_time, ratings, strict=True):
                if came_home:
                    on_time.add(position)
                last_end[position] = end.toordinal()  # rows go oldest end first: the last one stays
                here = by_employer.setdefault(employer, {})
                if rating is not None:
                    last_rating[position] = here[position] = rating
                    best_rating[position] = max(rating, best_rating.get(position, 0))
                else:
                    here.setdefault(position, 0)
        self.on_time = np.zeros(self.size, dtype=bool)
        self.on_time[list(on_time)] = True
        self.last_end = self._array(last_end)
        self.last_rating = self._array(last_rating)
        self.best_rating = self._array(best_rating)
        self.by_employer = {employer: (np.fromiter(here.keys(), dtype=np.int64, count=len(here)),
                                       np.fromiter(here.values(), dtype=np.int64, count=len(here)))
                            for employer, here in by_employer.items()}

    def _array(self, values: dict[int, int]) -> np.ndarray:
        array = np.zeros(self.size, dtype=np.int64)
        array[np.fromiter(values.keys(), dtype=np.int64, count=len(values))] = np.fromiter(
            values.values(), dtype=np.int64, count=len(values))
        return array

    @staticmethod
    def _rows_by_key(rows) -> dict:
        grouped: dict = {}
        for key, *rest in rows:
            grouped.setdefault(key, []).append(rest[0] if len(rest) == 1 else tuple(rest))
        return grouped

    def _grouped(self, rows) -> dict:
        masks = {}
        for key, worker_ids in self._rows_by_key(rows).items():
            mask = np.zeros(self.size, dtype=bool)
            mask[self.positions(worker_ids)] = True
            masks[key] = mask
        return masks

    def months_waited(self, start: datetime.date, cap: int, positions: np.ndarray | None = None) -> np.ndarray:
        last_end, created = ((self.last_end, self.created) if positions is None
                             else (self.last_end[positions], self.created[positions]))
        since = np.where(last_end > 0, last_end, created)
        return np.clip((start.toordinal() - since) // MONTH_DAYS, 0, cap)


def score_parts(facts: WorkerFacts, terms: RequestTerms, positions: np.ndarray | None = None, *,
                waited: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """THE ranking: each part of the score, for the request of ``terms``, of the workers of
    ``facts`` at ``positions`` (default: all), as arrays in that order; the score is their sum.
    ``waited``: every worker's months waited for this start date, when the caller has them
    already (season allocation reuses them across requests)."""
    weights = terms.weights
    positions = np.arange(facts.size) if positions is None else np.asarray(positions, dtype=np.int64)
    size = len(positions)
    ids = facts.ids[positions]
    named = np.isin(ids, np.fromiter(terms.named_ids, dtype=np.int64, count=len(terms.named_ids)))
    rating = facts.last_rating[positions]
    here, rating_here = facts.by_employer.get(terms.employer_id, (_EMPTY, _EMPTY))
    same_employer = np.isin(positions, here)
    if same_employer.any():
        # This employer's last rating first: looked up by position among the employer's workers.
        rated_here = np.zeros(size, dtype=np.int64)
        order = np.argsort(here)
        rated_here[same_employer] = rating_here[order][np.searchsorted(here[order], positions[same_employer])]
        rating = np.where(rated_here > 0, rated_here, rating)
    start = terms.start.toordinal()
    certificates = np.zeros(size, dtype=np.int64)
    for scheme_id in set(terms.requirements.certification_scheme_ids):
        holders, issued, expires = facts.certificates.get(scheme_id, (_EMPTY, _EMPTY, _EMPTY))
        certificates += np.isin(positions, holders[(issued <= start) & (expires >= start)])
    languages = np.zeros(size, dtype=np.int64)
    for code in set(terms.requirements.language_codes):
        if code in facts.languages:
            languages += facts.languages[code][positions]
    occupation = facts.occupations.get(terms.occupation_id)
    same_state = np.zeros(size, dtype=np.int64)
    if terms.on_request_by_state:
        states = facts.state_names[facts.state[positions]]
        for state, count in terms.on_request_by_state.items():
            same_state[states == state] = count
    if waited is None:
        waited = facts.months_waited(terms.start, weights.waited_cap_months, positions)
    else:
        waited = waited[positions]
    return {
        "named": named * weights.named,
        "returned_on_time": facts.on_time[positions] * weights.returned_on_time,
        "same_employer": same_employer * weights.same_employer,
        "evaluation": rating * weights.evaluation,
        "certification": certificates * weights.certification,
        "occupation": (occupation[positions] * weights.occupation) if occupation is not None
        else np.zeros(size, dtype=np.int64),
        "language": languages * weights.language,
        "waited": waited * weights.waited_month,
        "state_balance": -same_state * weights.state_balance,
    }


def total(parts: dict[str, np.ndarray]) -> np.ndarray:
    return sum((parts[part].astype(np.int64) for part in PARTS[1:]), parts["named"].astype(np.int64))


def best_first(score: np.ndarray, positions: np.ndarray | None = None) -> np.ndarray:
    """``positions`` (default: all) ordered by score, best first, ties to the lower id."""
    positions = np.arange(len(score)) if positions is None else positions
    return positions[np.lexsort((positions, -score[positions]))]


def facts_for(terms: RequestTerms, workers) -> WorkerFacts:
    """The facts of queryset ``workers`` that ``terms`` asks about."""
    return WorkerFacts.load(workers, occupation_ids=[terms.occupation_id],
                            language_codes=terms.requirements.language_codes,
                            scheme_ids=terms.requirements.certification_scheme_ids)


def _ranked(terms: RequestTerms, workers) -> list[tuple[int, int, dict[str, int]]]:
    """(worker id, score, parts) of the workers of queryset ``workers``, best first."""
    facts = facts_for(terms, workers)
    parts = score_parts(facts, terms)
    score = total(parts)
    return [(int(facts.ids[position]), int(score[position]), {part: int(parts[part][position]) for part in PARTS})
            for position in best_first(score).tolist()]


def _eligible(request: WorkerRequest, terms: RequestTerms, workers):
    return eligible_workers(workers.filter(is_active=True), program=request.program, start=request.start_date,
                            end=request.end_date, requirements=terms.requirements)


def ranked_workers(request: WorkerRequest, workers=None, *, weights: RankingWeights | None = None) -> list[Candidate]:
    """Every eligible worker of ``workers`` (default: all) for ``request``, best first: the whole
    ranking, for tests and small pools. :func:`candidates` gives its top without scoring everyone."""
    terms = RequestTerms.of(request, weights)
    workers = workers if workers is not None else Worker.objects.all()
    return _as_candidates(_ranked(terms, _eligible(request, terms, workers)))


def _as_candidates(rows) -> list[Candidate]:
    found = Worker.objects.in_bulk([pk for pk, _score, _parts in rows])
    return [Candidate(worker=found[pk], score=score, parts=parts) for pk, score, parts in rows]


def candidates(request: WorkerRequest, workers=None, *, limit: int = 50) -> list[Candidate]:
    """The best ``limit`` candidates with the parts of their score: ``ranked_workers(...)[:limit]``.

    Checking eligibility costs a handful of index probes per worker (a second for 100,000), so
    this ranks in batches, best upper bound first, and stops once the ``limit``-th score found
    beats every bound left: the same result, exactly. Bounds (:func:`_bounds`) come first from
    the workers with a work history (``contracts_workhistory``, kept in memory by
    :class:`WorkHistoryCache`) and the named ones, who hold the top places; only if those cannot
    fill them does it bound every worker of the pool, in SQL."""
    if limit <= 0:
        return []
    terms = RequestTerms.of(request)
    weights = terms.weights
    pool = (workers if workers is not None else Worker.objects.all()).filter(is_active=True)
    batch = max(4 * limit, MIN_BATCH)
    found: list = []
    seen: set[int] = set()
    constant, _params = _bound_terms(terms)
    new_entrant_ceiling = constant + weights.occupation + weights.waited_cap_months * weights.waited_month
    for scope, ceiling in (("history", new_entrant_ceiling), ("pool", None)):
        fetched = 2 * batch + 1
        bounds = _bounds(request, terms, pool, fetched, scope=scope)
        first = 0
        while first < len(bounds):
            chunk = [pk for pk, _bound in bounds[first:first + batch] if pk not in seen]
            seen.update(chunk)
            if chunk:
                found += _ranked(terms, _eligible(request, terms, pool.filter(pk__in=chunk)))
                found.sort(key=lambda row: (-row[1], row[0]))
                found = found[:limit]
            first += batch
            if first >= len(bounds) and len(bounds) == fetched:  # more workers than fetched: fetch further
                fetched *= 4
                bounds = _bounds(request, terms, pool, fetched, scope=scope)
            left = max(bounds[first][1] if first < len(bounds) else -1, -1 if ceiling is None else ceiling)
            if len(found) == limit and found[-1][1] > left:
                return _as_candidates(found)
            if first < len(bounds) and ceiling is not None and bounds[first][1] <= ceiling:
                break  # the rest of this scope bounds no higher than the new entrants: bound everyone
    return _as_candidates(found)


def _bound_terms(terms: RequestTerms) -> tuple[int, list]:
    """The parts every worker may reach at most (certifications, languages: all held; state
    balance: 0), and the parameters of :data:`BOUND_SQL` in order."""
    weights, requirements = terms.weights, terms.requirements
    constant = (weights.certification * len(set(requirements.certification_scheme_ids))
                + weights.language * len(set(requirements.language_codes)))
    return constant, [constant, weights.occupation, weights.named, weights.returned_on_time,
                      weights.same_employer, weights.evaluation,
                      weights.waited_cap_months, terms.start, MONTH_DAYS, weights.waited_month]


# A worker's bound: at their maximum the certifications and languages (all held), the state
# balance (0), the rating (the best one the worker ever had) and one month more of waiting;
# exactly: named, came home on time, worked for this employer, the occupation.
BOUND_SQL = """
    %s
    + CASE WHEN occupation.worker_id IS NOT NULL THEN %s ELSE 0 END
    + CASE WHEN named.worker_id IS NOT NULL THEN %s ELSE 0 END
    + CASE WHEN h.on_time THEN %s ELSE 0 END
    + CASE WHEN here.worker_id IS NOT NULL THEN %s ELSE 0 END
    + COALESCE(h.best_rating, 0) * %s
    + LEAST(%s, GREATEST(0, (%s::date - COALESCE(h.last_end, w.created_at::date)) / %s + 1)) * %s
"""
# The workers who worked for the request's employer (its requests' worked contracts).
HERE_SQL = """
    SELECT DISTINCT c.worker_id FROM contracts_contract c JOIN employers_workerrequest r ON r.id = c.request_id
    WHERE r.employer_id = %s AND c.status = ANY(%s)
"""
NAMED_SQL = "SELECT DISTINCT worker_id FROM employers_namedworker WHERE request_id = %s"
OCCUPATION_SQL = "SELECT worker_id FROM workers_worker_occupations WHERE occupation_id = %s"



def _bounds(request: WorkerRequest, terms: RequestTerms, pool, count: int, *, scope: str) -> list[tuple[int, int]]:
    """(worker id, upper bound of its score) for the ``count`` highest bounds, highest first, of
    the workers with a work history and the named ones (``scope="history"``: a superset of theirs
    in the pool, from :class:`WorkHistoryCache`, never a pass over every worker) or of every
    worker of ``pool`` (one statement)."""
    if scope == "history":
        return _history_bounds(terms, count)
    _constant, bound_params = _bound_terms(terms)
    here_params = [terms.employer_id, [str(status) for status in WORKED_STATUSES]]
    try:
        pool_sql, source_params = pool.order_by().values("pk", "created_at").query.sql_with_params()
    except EmptyResultSet:  # e.g. visible_to() of someone who sees no worker
        return []
    sql = f"""
        SELECT w.id, {BOUND_SQL} AS bound
        FROM ({pool_sql}) AS w (id, created_at)
        LEFT JOIN contracts_workhistory h ON h.worker_id = w.id
        LEFT JOIN ({NAMED_SQL}) named ON named.worker_id = w.id
        LEFT JOIN ({HERE_SQL}) here ON here.worker_id = w.id
        LEFT JOIN ({OCCUPATION_SQL}) occupation ON occupation.worker_id = w.id
        ORDER BY bound DESC, w.id
        LIMIT %s
    """  # noqa: S608 - fixed SQL and the pool's SQL from the ORM; every value stays a parameter
    params = [*bound_params, *source_params, request.pk, *here_params, terms.occupation_id, count]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _history_bounds(terms: RequestTerms, count: int) -> list[tuple[int, int]]:
    """:func:`_bounds` of the workers with a work history and the named ones: the same bound as
    :data:`BOUND_SQL`, computed in memory over :class:`WorkHistoryCache`."""
    history = WorkHistoryCache.current()
    weights = terms.weights
    ids, last_end, on_time, best_rating = history.ids, history.last_end, history.on_time, history.best_rating
    occupied = _members(ids, history.holders.get(terms.occupation_id, _EMPTY))
    named = np.sort(np.fromiter(terms.named_ids, dtype=np.int64, count=len(terms.named_ids)))
    newcomers = named[~_members(named, ids)] if len(named) else _EMPTY
    if len(newcomers):  # named workers who never worked a contract: waited since registration
        rows = (Worker.objects.filter(pk__in=newcomers.tolist()).order_by()
                .annotate(created_on=Cast("created_at", DateField()),
                          occupied=Exists(Worker.occupations.through.objects.filter(
                              worker=OuterRef("pk"), occupation_id=terms.occupation_id)))
                .values_list("pk", "created_on", "occupied"))
        added, registered, holds = zip(*rows, strict=True) if rows else ((), (), ())
        order = np.argsort(np.concatenate([ids, added]).astype(np.int64), kind="stable")
        ids = np.concatenate([ids, added]).astype(np.int64)[order]
        last_end = np.concatenate([last_end, [day.toordinal() for day in registered]]).astype(np.int64)[order]
        on_time = np.concatenate([on_time, np.zeros(len(added), dtype=bool)])[order]
        best_rating = np.concatenate([best_rating, np.zeros(len(added), dtype=np.int64)])[order]
        occupied = np.concatenate([occupied, np.asarray(holds, dtype=bool)])[order]
    with connection.cursor() as cursor:
        cursor.execute(HERE_SQL, [terms.employer_id, [str(status) for status in WORKED_STATUSES]])
        here = np.sort(np.fromiter((row[0] for row in cursor.fetchall()), dtype=np.int64))
    constant, _params = _bound_terms(terms)
    waited = np.clip((terms.start.toordinal() - last_end) // MONTH_DAYS + 1, 0, weights.waited_cap_months)
    bound = (constant + occupied * weights.occupation + _members(ids, named) * weights.named
             + on_time * weights.returned_on_time + _members(ids, here) * weights.same_employer
             + best_rating * weights.evaluation + waited * weights.waited_month)
    top = best_first(bound)[:count]  # positions ascend with ids: ties to the lower id
    return list(zip(ids[top].tolist(), bound[top].tolist(), strict=True))


def _members(values: np.ndarray, members: np.ndarray) -> np.ndarray:
    """Which of ``values`` are in ``members`` (sorted): a binary search each, where ``np.isin``
    would hash both arrays."""
    if not len(members):
        return np.zeros(len(values), dtype=bool)
    at = np.minimum(np.searchsorted(members, values), len(members) - 1)
    return members[at] == values


@dataclass(frozen=True)
class WorkHistory:
    """``contracts_workhistory`` as arrays in ascending worker id order (ordinals for dates), and
    per occupation the workers of the history who hold it (sorted ids)."""

    version: int
    ids: np.ndarray
    last_end: np.ndarray
    on_time: np.ndarray
    best_rating: np.ndarray
    holders: dict[int, np.ndarray]


class WorkHistoryCache:
    """The work history of every worker who worked a contract and their occupations, kept in this
    process's memory per database and reread only when their version changed (migration
    contracts 0004: triggers bump it in the transaction that changes either). 22,000 workers
    load in ~30 ms; checking the version is one tiny statement per call, instead of a pass over
    the history and a join on the occupation in SQL (~20 ms a call)."""

    _cache: dict[str, WorkHistory] = {}
    # One statement: the version and the rows it stands for come from one snapshot.
    LOAD_SQL = """
        SELECT (SELECT version FROM contracts_workhistory_version),
               (SELECT coalesce(array_agg(worker_id ORDER BY worker_id), '{}') FROM contracts_workhistory),
               (SELECT coalesce(array_agg(last_end - DATE '0001-01-01' + 1 ORDER BY worker_id), '{}')
                FROM contracts_workhistory),
               (SELECT coalesce(array_agg(on_time ORDER BY worker_id), '{}') FROM contracts_workhistory),
               (SELECT coalesce(array_agg(coalesce(best_rating, 0) ORDER BY worker_id), '{}')
                FROM contracts_workhistory),
               (SELECT coalesce(array_agg(o.occupation_id ORDER BY o.occupation_id, o.worker_id), '{}')
                FROM workers_worker_occupations o JOIN contracts_workhistory h ON h.worker_id = o.worker_id),
               (SELECT coalesce(array_agg(o.worker_id ORDER BY o.occupation_id, o.worker_id), '{}')
                FROM workers_worker_occupations o JOIN contracts_workhistory h ON h.worker_id = o.worker_id)
    """

    @classmethod
    def current(cls) -> WorkHistory:
        key = f"{connection.alias}:{connection.settings_dict['NAME']}"
        with connection.cursor() as cursor:
            cursor.execute("SELECT version FROM contracts_workhistory_version")
            version = cursor.fetchone()[0]
            cached = cls._cache.get(key)
            if cached is not None and cached.version == version:
                return cached
            cursor.execute(cls.LOAD_SQL)
            version, ids, last_end, on_time, best_rating, occupations, holders = cursor.fetchone()
        occupations, holders = np.asarray(occupations, dtype=np.int64), np.asarray(holders, dtype=np.int64)
        kinds, starts = np.unique(occupations, return_index=True)
        cls._cache[key] = history = WorkHistory(
            version=version, ids=np.asarray(ids, dtype=np.int64), last_end=np.asarray(last_end, dtype=np.int64),
            on_time=np.asarray(on_time, dtype=bool), best_rating=np.asarray(best_rating, dtype=np.int64),
            holders=dict(zip(kinds.tolist(), np.split(holders, starts[1:]), strict=True)) if len(kinds) else {})
        return history


def scores_of(request: WorkerRequest, workers) -> dict[int, dict]:
    """The score and its parts for each of ``workers`` (eligible ones; by id), as kept on the
    contracts they are allocated: why each worker was chosen, on record."""
    terms = RequestTerms.of(request)
    rows = _ranked(terms, _eligible(request, terms, Worker.objects.filter(pk__in=[worker.pk for worker in workers])))
    return {pk: {"score": score, **parts} for pk, score, parts in rows}


__all__ = ["PARTS", "Candidate", "RequestTerms", "WorkerFacts", "candidates", "ranked_workers", "score_parts",
           "scores_of"]
